import { useId, useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { client, unwrap } from "../lib/api.ts";
import { studyKeys } from "../lib/query-keys-studies.ts";
import { Link } from "../lib/router.tsx";
import { ErrorNotice, Loading } from "./notice.tsx";
import { StudyStatusBadge } from "./study-status-badge.tsx";
import { OfflineEngineBadge } from "./study-offline-engine.tsx";
import {
  RUN_STATUSES,
  formatAnswer,
  formatCost,
  formatNumber,
  likertLabel,
  type AnswerSpec,
  type RunStatus,
  type StudyRun,
} from "./study-format.ts";

const RESULTS_PAGE = 25;

/**
 * The study's runs, a page at a time, filtered by cohort and status: who answered what, the score, the
 * tokens and cost, and for an invalid answer the model's raw output. `refreshKey` changes when there
 * may be new results (the study moved on), reloading the page being read.
 */
export function StudyResultsTable({
  studyId,
  cohorts,
  answer,
  refreshKey,
}: {
  studyId: string;
  cohorts: { cohort_id: string; cohort_name: string }[];
  answer: AnswerSpec | undefined;
  refreshKey: string;
}) {
  const id = useId();
  const [cohortId, setCohortId] = useState("");
  const [status, setStatus] = useState("");
  // The cursors of the pages read so far: the last is the page shown; "Previous" drops it.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const after = cursors[cursors.length - 1];
  const results = useQuery({
    queryKey: studyKeys.results(studyId, { cohortId, status, after, refreshKey }),
    placeholderData: keepPreviousData,
    queryFn: ({ signal }) =>
      unwrap(
        client.GET("/v1/studies/{id}/results", {
          params: {
            path: { id: studyId },
            query: {
              cohort_id: cohortId || undefined,
              status: (status || undefined) as RunStatus | undefined,
              limit: RESULTS_PAGE,
              after,
            },
          },
          signal,
        }),
      ),
  });
  const firstIndex = (cursors.length - 1) * RESULTS_PAGE;

  return (
    <section aria-labelledby={`${id}-heading`} className="study-section">
      <div className="study-item-header">
        <h2 id={`${id}-heading`}>Results</h2>
      </div>
      <div className="study-filters">
        <div className="study-filter">
          <label htmlFor={`${id}-cohort`}>Cohort</label>
          <select
            id={`${id}-cohort`}
            value={cohortId}
            onChange={(event) => {
              setCohortId(event.target.value);
              setCursors([undefined]);
            }}
          >
            <option value="">All cohorts</option>
            {cohorts.map((cohort) => (
              <option key={cohort.cohort_id} value={cohort.cohort_id}>
                {cohort.cohort_name}
              </option>
            ))}
          </select>
        </div>
        <div className="study-filter">
          <label htmlFor={`${id}-status`}>Status</label>
          <select
            id={`${id}-status`}
            value={status}
            onChange={(event) => {
              setStatus(event.target.value);
              setCursors([undefined]);
            }}
          >
            <option value="">Any status</option>
            {RUN_STATUSES.map((item) => (
              <option key={item} value={item}>
                {item}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ErrorNotice error={results.error} />
      {results.isPending && <Loading label="Loading results…" />}
      {results.data && results.data.data.length === 0 && <p className="muted">No runs match.</p>}
      {results.data && results.data.data.length > 0 && (
        <div className="table-scroll">
          <table className="study-table study-results" aria-busy={results.isFetching}>
            <caption className="visually-hidden">
              Runs {firstIndex + 1} to {firstIndex + results.data.data.length}
            </caption>
            <thead>
              <tr>
                <th scope="col">Persona</th>
                <th scope="col">Cohort</th>
                <th scope="col">Status</th>
                <th scope="col">Answer</th>
                <th scope="col">Score</th>
                <th scope="col">Tokens in / out</th>
                <th scope="col">Cost</th>
              </tr>
            </thead>
            <tbody>
              {results.data.data.map((run) => (
                <ResultRow key={run.id} run={run} answer={answer} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {results.data && (cursors.length > 1 || results.data.next_cursor) && (
        <nav className="button-row study-pager" aria-label="Results pages">
          <button
            type="button"
            disabled={cursors.length <= 1 || results.isFetching}
            onClick={() => setCursors((old) => old.slice(0, -1))}
          >
            Previous page
          </button>
          <span className="study-subtle">Page {cursors.length}</span>
          <button
            type="button"
            disabled={!results.data.next_cursor || results.isFetching}
            onClick={() => setCursors((old) => [...old, results.data!.next_cursor!])}
          >
            Next page
          </button>
        </nav>
      )}
    </section>
  );
}

function ResultRow({ run, answer }: { run: StudyRun; answer: AnswerSpec | undefined }) {
  const label = answer ? likertLabel(answer, run.answer) : undefined;
  return (
    <tr>
      <th scope="row">
        <Link to={`/personas/${encodeURIComponent(run.persona_id)}`}>{run.persona_name}</Link>
        {run.persona_version != null && <span className="study-subtle"> v{run.persona_version}</span>}
      </th>
      <td data-label="Cohort">{run.cohort_name}</td>
      <td data-label="Status">
        <StudyStatusBadge status={run.status} /> {run.offline_engine && <OfflineEngineBadge />}
      </td>
      <td data-label="Answer" className="study-answer-cell">
        <span>
          {formatAnswer(run.answer)}
          {label && <span className="study-subtle"> ({label})</span>}
        </span>
        {run.status === "invalid" && run.raw_output != null && (
          <details className="study-raw">
            <summary>Raw output</summary>
            <pre>{run.raw_output}</pre>
          </details>
        )}
        {run.error && <span className="field-error study-run-error">{run.error}</span>}
      </td>
      <td data-label="Score">{formatNumber(run.score)}</td>
      <td data-label="Tokens in / out">
        {run.input_tokens ?? "—"} / {run.output_tokens ?? "—"}
      </td>
      <td data-label="Cost">{formatCost(run.cost_usd)}</td>
    </tr>
  );
}
