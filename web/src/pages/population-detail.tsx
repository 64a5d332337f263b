import { useId, useState } from "react";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { client, unwrap } from "../lib/api.ts";
import { populationKeys } from "../lib/query-keys-studies.ts";
import { Link, navigate } from "../lib/router.tsx";
import { ConfirmDialog } from "../components/confirm-dialog.tsx";
import { ErrorNotice, Loading } from "../components/notice.tsx";
import { useStudyPageTitle } from "../components/study-page-title.tsx";
import { usePopulation } from "../components/study-queries.ts";
import { StudyStatusBadge } from "../components/study-status-badge.tsx";
import {
  formatPercent,
  formatTime,
  type Population,
  type PopulationMember,
} from "../components/study-format.ts";

const MEMBERS_PAGE = 50;

/** /studies/populations/{id}: generation progress, the cohorts' shares and the members, by cohort. */
export function PopulationDetailPage({ populationId }: { populationId: string }) {
  // Read again every second while generating; the members list follows the count generated.
  const loaded = usePopulation(populationId);
  const population = loaded.data;
  const queryClient = useQueryClient();
  const [deleting, setDeleting] = useState(false);
  useStudyPageTitle(population ? `${population.name} · Populations` : undefined);

  if (loaded.error && !population) {
    return (
      <>
        <h1>Population</h1>
        <ErrorNotice error={loaded.error} />
        <Link to="/studies/populations">Back to populations</Link>
      </>
    );
  }
  if (!population) return <Loading label="Loading population…" />;

  const generatedShare = population.size > 0 ? population.generated / population.size : 0;
  return (
    <>
      <header className="page-header">
        <div>
          <Link to="/studies/populations" className="study-back">
            ← Populations
          </Link>
          <h1>{population.name}</h1>
        </div>
        <div className="button-row">
          {population.status === "ready" && (
            <Link
              className="button button-primary"
              to={`/studies/new?${new URLSearchParams({ population: population.id }).toString()}`}
            >
              New study with it
            </Link>
          )}
          <button type="button" className="button-danger" onClick={() => setDeleting(true)}>
            Delete population
          </button>
        </div>
      </header>
      <section className="card study-panel" aria-labelledby="population-progress-heading">
        <div className="study-item-header">
          <h2 id="population-progress-heading">Generation</h2>
          <StudyStatusBadge status={population.status} />
        </div>
        <progress
          className="study-progress"
          max={Math.max(population.size, 1)}
          value={population.generated}
          aria-label="Personas generated"
        />
        <p aria-live="polite">
          {population.generated} of {population.size} personas ({formatPercent(generatedShare)})
          {population.status === "generating" ? " — generating…" : ""}
        </p>
        {population.status === "failed" && (
          <div className="notice notice-error" role="alert">
            Generation failed{population.error ? `: ${population.error}` : "."}
          </div>
        )}
        <ErrorNotice error={loaded.error} />
        <dl className="study-facts">
          <div>
            <dt>Seed</dt>
            <dd>{population.seed ?? "—"}</dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>{formatTime(population.created_at)}</dd>
          </div>
        </dl>
      </section>

      <section aria-labelledby="population-cohorts-heading" className="study-section">
        <h2 id="population-cohorts-heading">Cohorts</h2>
        <div className="table-scroll">
          <table className="study-table">
            <thead>
              <tr>
                <th scope="col">Cohort</th>
                <th scope="col">Proportion</th>
                <th scope="col">Personas</th>
              </tr>
            </thead>
            <tbody>
              {population.cohorts.map((cohort) => (
                <tr key={cohort.cohort_id}>
                  <th scope="row">{cohort.cohort_name}</th>
                  <td data-label="Proportion">{formatPercent(shareOf(population, cohort.proportion))}</td>
                  <td data-label="Personas">{cohort.size}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <PopulationMembers population={population} />

      <ConfirmDialog
        open={deleting}
        title="Delete this population?"
        confirmLabel="Delete population and its personas"
        onClose={() => setDeleting(false)}
        onConfirm={async () => {
          await unwrap(client.DELETE("/v1/populations/{id}", { params: { path: { id: populationId } } }));
          queryClient.removeQueries({ queryKey: populationKeys.detail(populationId) });
          await queryClient.invalidateQueries({ queryKey: populationKeys.list() });
          navigate("/studies/populations");
        }}
      >
        <p>
          “{population.name}” will be deleted, <strong>with the personas it generated</strong> (
          {population.generated} so far) and their memories. Personas drawn by filter cohorts stay. A
          population a study uses cannot be deleted until the study is.
        </p>
      </ConfirmDialog>
    </>
  );
}

/** A cohort's proportion as a share of the whole (proportions are weights). */
function shareOf(population: Population, proportion: number): number {
  const total = population.cohorts.reduce((sum, cohort) => sum + cohort.proportion, 0);
  return total > 0 ? proportion / total : 0;
}

function PopulationMembers({ population }: { population: Population }) {
  const id = useId();
  const [cohortId, setCohortId] = useState("");
  const [pages, setPages] = useState<string[]>([""]);
  const members = useQuery({
    // The generated count is in the key: members appear as they are generated.
    queryKey: populationKeys.members(population.id, {
      cohortId,
      pages: pages.join(","),
      generated: population.generated,
      status: population.status,
    }),
    placeholderData: keepPreviousData,
    queryFn: async ({ signal }) => {
      const list: PopulationMember[] = [];
      let next: string | null = null;
      for (const after of pages) {
        const page = await unwrap(
          client.GET("/v1/populations/{id}/members", {
            params: {
              path: { id: population.id },
              query: { cohort_id: cohortId || undefined, limit: MEMBERS_PAGE, after: after || undefined },
            },
            signal,
          }),
        );
        list.push(...page.data);
        next = page.next_cursor;
      }
      return { list, next };
    },
  });
  const cohortName = new Map(population.cohorts.map((cohort) => [cohort.cohort_id, cohort.cohort_name]));

  return (
    <section aria-labelledby={`${id}-heading`} className="study-section">
      <div className="study-item-header">
        <h2 id={`${id}-heading`}>Members</h2>
        <div className="study-filter">
          <label htmlFor={`${id}-cohort`}>Cohort</label>
          <select
            id={`${id}-cohort`}
            value={cohortId}
            onChange={(event) => {
              setCohortId(event.target.value);
              setPages([""]);
            }}
          >
            <option value="">All cohorts</option>
            {population.cohorts.map((cohort) => (
              <option key={cohort.cohort_id} value={cohort.cohort_id}>
                {cohort.cohort_name}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ErrorNotice error={members.error} />
      {members.isPending && <Loading label="Loading members…" />}
      {members.data && members.data.list.length === 0 && (
        <p className="muted">
          {population.status === "generating"
            ? "No members yet: they appear as they are generated."
            : "No members."}
        </p>
      )}
      {members.data && members.data.list.length > 0 && (
        <div className="table-scroll">
          <table className="study-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Age</th>
                <th scope="col">Sex</th>
                <th scope="col">Occupation</th>
                <th scope="col">Location</th>
                <th scope="col">Cohort</th>
              </tr>
            </thead>
            <tbody>
              {members.data.list.map((member) => (
                <tr key={member.persona_id}>
                  <th scope="row">
                    <Link to={`/personas/${encodeURIComponent(member.persona_id)}`}>{member.name}</Link>
                  </th>
                  <td data-label="Age">{member.age ?? "—"}</td>
                  <td data-label="Sex">{member.sex ?? "—"}</td>
                  <td data-label="Occupation">{member.occupation ?? "—"}</td>
                  <td data-label="Location">{member.location ?? "—"}</td>
                  <td data-label="Cohort">
                    {member.cohort_name ?? cohortName.get(member.cohort_id) ?? member.cohort_id}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {members.data?.next && (
        <button
          type="button"
          disabled={members.isFetching}
          onClick={() => setPages((old) => [...old, members.data!.next!])}
        >
          {members.isFetching ? "Loading…" : "Load more members"}
        </button>
      )}
    </section>
  );
}
