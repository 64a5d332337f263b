import { useState } from "react";
import { Link, navigate } from "../lib/router.tsx";
import { ErrorNotice, Loading } from "../components/notice.tsx";
import { useStudyPageTitle } from "../components/study-page-title.tsx";
import { useCohorts, usePopulations } from "../components/study-queries.ts";
import { StudyPopulationForm } from "../components/study-population-form.tsx";
import { StudyStatusBadge } from "../components/study-status-badge.tsx";
import { formatTime, type Population } from "../components/study-format.ts";

/** /studies/populations: cohorts combined in set proportions to a size, generated in the background. */
export function PopulationsPage() {
  useStudyPageTitle("Populations · Studies");
  // Read again every second while one is generating, so each row shows its progress.
  const populations = usePopulations();
  const [creating, setCreating] = useState(false);
  // The cohorts are needed only by the form; load them when it opens.
  const cohorts = useCohorts(creating);

  return (
    <>
      <header className="page-header">
        <h1>Populations</h1>
        <button
          type="button"
          className="button-primary"
          disabled={creating}
          onClick={() => setCreating(true)}
        >
          New population
        </button>
      </header>
      <p className="muted study-intro">
        A population combines <Link to="/studies/cohorts">cohorts</Link> in set proportions to a size.
        Generator cohorts create new personas (tagged with the population and cohort names); filter cohorts
        draw from your own.
      </p>
      {creating && (
        <>
          <ErrorNotice error={cohorts.error} />
          {cohorts.isPending && <Loading label="Loading cohorts…" />}
          {cohorts.data && (
            <StudyPopulationForm
              cohorts={cohorts.data}
              onCreated={(population) =>
                navigate(`/studies/populations/${encodeURIComponent(population.id)}`)
              }
              onCancel={() => setCreating(false)}
            />
          )}
        </>
      )}
      <ErrorNotice error={populations.error} />
      {populations.isPending && <Loading label="Loading populations…" />}
      {populations.data && populations.data.length === 0 && !creating && (
        <div className="card study-empty">
          <p>
            <strong>No populations yet.</strong> Press “New population” to mix cohorts into a panel.
          </p>
        </div>
      )}
      {populations.data && populations.data.length > 0 && (
        <div className="table-scroll">
          <table className="study-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Generated</th>
                <th scope="col">Cohorts</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {populations.data.map((population) => (
                <PopulationRow key={population.id} population={population} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function PopulationRow({ population }: { population: Population }) {
  return (
    <tr>
      <th scope="row">
        <Link to={`/studies/populations/${encodeURIComponent(population.id)}`}>{population.name}</Link>
      </th>
      <td data-label="Status">
        <StudyStatusBadge status={population.status} />
      </td>
      <td data-label="Generated">
        <span className="study-progress-cell">
          <progress
            max={Math.max(population.size, 1)}
            value={population.generated}
            aria-label={`${population.name}: ${population.generated} of ${population.size} generated`}
          />
          <span className="study-subtle">
            {population.generated} / {population.size}
          </span>
        </span>
      </td>
      <td data-label="Cohorts">{population.cohorts.map((cohort) => cohort.cohort_name).join(", ")}</td>
      <td data-label="Created">
        <time dateTime={population.created_at}>{formatTime(population.created_at)}</time>
      </td>
    </tr>
  );
}
