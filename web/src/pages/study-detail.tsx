import { useId, useState } from "react";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { client, unwrap } from "../lib/api.ts";
import { studyKeys } from "../lib/query-keys-studies.ts";
import { Link, navigate } from "../lib/router.tsx";
import { useSession } from "../lib/session.tsx";
import { ConfirmDialog } from "../components/confirm-dialog.tsx";
import { ErrorNotice, Loading } from "../components/notice.tsx";
import { OfflineEngineBadge, StudyOfflineEngineBanner } from "../components/study-offline-engine.tsx";
import { useAction } from "../components/settings-use-action.tsx";
import {
  StudyDistributionChart,
  StudyMeanChart,
  StudyStatsTable,
  StudyTestSummary,
} from "../components/study-charts.tsx";
import { useStudyLive } from "../components/study-live.tsx";
import { answerTypeLabel, contextValueText, formatTime, type Study } from "../components/study-format.ts";
import { useStudyPageTitle } from "../components/study-page-title.tsx";
import { fetchStudyStatistics, usePopulation } from "../components/study-queries.ts";
import { StudyProgressPanel } from "../components/study-progress.tsx";
import { StudyResultsTable } from "../components/study-results.tsx";

/**
 * When to read the statistics and results again: about ten times over a run (as `done` crosses each
 * tenth), and once more whenever the status changes, so charts follow a study without a request a second.
 */
function refreshKeyOf(study: Study): string {
  const { done, total } = study.progress;
  const step = Math.max(1, Math.ceil(total / 10));
  return study.status === "running" ? `running:${Math.floor(done / step)}` : `${study.status}:${done}`;
}

/** /studies/{id}: live progress, Cancel and Resume, charts per cohort, the results and downloads. */
export function StudyDetailPage({ studyId }: { studyId: string }) {
  const live = useStudyLive(studyId);
  const study = live.study;
  // The export links are plain downloads (the browser saves the file), not SDK calls.
  const path = `/v1/studies/${encodeURIComponent(studyId)}`;
  useStudyPageTitle(study ? `${study.name} · Studies` : undefined);
  const refreshKey = study ? refreshKeyOf(study) : "";
  const statistics = useQuery({
    queryKey: studyKeys.statistics(studyId, refreshKey),
    enabled: study !== undefined,
    // The previous figures stay on screen while the next ones load.
    placeholderData: keepPreviousData,
    queryFn: ({ signal }) => fetchStudyStatistics(studyId, signal),
  });
  const queryClient = useQueryClient();
  const [deleting, setDeleting] = useState(false);
  const { session } = useSession();

  if (!study) {
    if (live.error) {
      return (
        <>
          <h1>Study</h1>
          <ErrorNotice error={live.error} />
          <Link to="/studies">Back to studies</Link>
        </>
      );
    }
    return <Loading label="Loading study…" />;
  }

  // Another member's study is for reading: only they, admins and granted members stop or delete it.
  const mayChange =
    session.account.role === "admin" ||
    session.account.can_edit_all ||
    study.created_by_user_id === session.account.user_id;

  return (
    <>
      <header className="page-header">
        <div>
          <Link to="/studies" className="study-back">
            ← Studies
          </Link>
          <h1>{study.name}</h1>
        </div>
        <div className="button-row">
          <a className="button" href={`${path}/export?format=csv`} download>
            Download CSV
          </a>
          <a className="button" href={`${path}/export?format=json`} download>
            Download JSON
          </a>
          {mayChange && (
            <button type="button" className="button-danger" onClick={() => setDeleting(true)}>
              Delete study
            </button>
          )}
        </div>
      </header>
      <StudyOfflineEngineBanner study={study} />
      {/* Progress news for screen readers comes from the summary line; a dropped stream is said once. */}
      {live.error !== undefined && (
        <div className="notice notice-warning" role="alert">
          Live progress is interrupted; the figures below may be behind.
        </div>
      )}
      <div className="study-detail-top">
        <div>
          <StudyProgressPanel study={study} />
          {mayChange ? (
            <StudyControls study={study} onChanged={live.replace} onResumed={live.reconnect} />
          ) : (
            <p className="field-hint">
              Another member started this study: only they or an admin can stop it.
            </p>
          )}
        </div>
        <StudyFacts study={study} />
      </div>

      <section className="study-section" aria-labelledby="study-statistics-heading">
        <h2 id="study-statistics-heading">Results by cohort</h2>
        <ErrorNotice error={statistics.error} />
        {statistics.isPending && <Loading label="Loading statistics…" />}
        {statistics.data && (
          <>
            {statistics.data.overall.answered === 0 ? (
              <p className="muted">No answers yet: charts appear as runs are answered.</p>
            ) : (
              <div className="study-charts">
                <StudyDistributionChart statistics={statistics.data} answer={study.skill?.answer} />
                <StudyMeanChart statistics={statistics.data} answer={study.skill?.answer} />
              </div>
            )}
            <StudyTestSummary statistics={statistics.data} />
            <StudyStatsTable statistics={statistics.data} />
          </>
        )}
      </section>

      <StudyResultsTable
        studyId={studyId}
        cohorts={statistics.data?.cohorts ?? []}
        answer={study.skill?.answer}
        refreshKey={refreshKey}
      />

      <ConfirmDialog
        open={deleting}
        title="Delete this study?"
        confirmLabel="Delete study"
        onClose={() => setDeleting(false)}
        onConfirm={async () => {
          await unwrap(client.DELETE("/v1/studies/{id}", { params: { path: { id: studyId } } }));
          queryClient.removeQueries({ queryKey: studyKeys.detail(studyId) });
          await queryClient.invalidateQueries({ queryKey: studyKeys.all });
          navigate("/studies");
        }}
      >
        <p>
          “{study.name}” and all {study.progress.total} of its runs and answers will be deleted
          {study.status === "running" ? " (it is cancelled first)" : ""}. Download the results first if you
          need them.
        </p>
      </ConfirmDialog>
    </>
  );
}

/** Cancel a running study; resume a stopped one, optionally running failed and invalid runs again. */
function StudyControls({
  study,
  onChanged,
  onResumed,
}: {
  study: Study;
  onChanged: (study: Study) => void;
  onResumed: () => void;
}) {
  const id = useId();
  const [retryFailed, setRetryFailed] = useState(false);
  const action = useAction();
  const { progress } = study;
  const unfinished = progress.total - progress.done;
  const retryable = progress.failed + progress.invalid;
  const canResume = study.status !== "running" && (unfinished > 0 || retryable > 0);
  if (study.status !== "running" && !canResume) return null;

  return (
    <div className="card study-panel study-controls">
      <ErrorNotice error={action.error} />
      {study.status === "running" ? (
        <div className="button-row">
          <button
            type="button"
            disabled={action.busy}
            onClick={() =>
              void action.run(async () =>
                onChanged(
                  await unwrap(
                    client.POST("/v1/studies/{id}/cancel", { params: { path: { id: study.id } } }),
                  ),
                ),
              )
            }
          >
            {action.busy ? "Cancelling…" : "Cancel study"}
          </button>
          <span className="field-hint">Runs in flight go back to waiting; Resume picks them up.</span>
        </div>
      ) : (
        <>
          <p className="study-subtle">
            {unfinished > 0 ? `${unfinished} runs have not run yet. ` : ""}
            {retryable > 0 ? `${retryable} ended failed or invalid.` : ""}
          </p>
          {retryable > 0 && (
            <label className="study-check" htmlFor={`${id}-retry`}>
              <input
                id={`${id}-retry`}
                type="checkbox"
                checked={retryFailed}
                onChange={(event) => setRetryFailed(event.target.checked)}
              />
              Also retry the {retryable} failed and invalid runs
            </label>
          )}
          <button
            type="button"
            className="button-primary"
            disabled={action.busy || (unfinished === 0 && !retryFailed)}
            onClick={() =>
              void action.run(async () => {
                const body = retryFailed ? { retry_failed: true } : {};
                onChanged(
                  await unwrap(
                    client.POST("/v1/studies/{id}/resume", { params: { path: { id: study.id } }, body }),
                  ),
                );
                setRetryFailed(false);
                onResumed();
              })
            }
          >
            {action.busy ? "Resuming…" : "Resume study"}
          </button>
        </>
      )}
    </div>
  );
}

function StudyFacts({ study }: { study: Study }) {
  const context = Object.entries(study.context ?? {});
  const population = usePopulation(study.population_id);
  return (
    <section className="card study-panel" aria-labelledby="study-facts-heading">
      <h2 id="study-facts-heading">Setup</h2>
      <dl className="study-facts">
        <div>
          <dt>Skill</dt>
          <dd>
            {study.skill?.name ?? study.skill_id}
            {study.skill && (
              <span className="study-subtle"> · {answerTypeLabel(study.skill.answer.type)}</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Population</dt>
          <dd>
            <Link to={`/studies/populations/${encodeURIComponent(study.population_id)}`}>
              {population.data?.name ?? study.population_id}
            </Link>
          </dd>
        </div>
        <div>
          <dt>Model</dt>
          <dd>{study.model ? <code>{study.model}</code> : "Each persona's own"}</dd>
        </div>
        <div>
          <dt>Answered by</dt>
          <dd>
            {study.answer_models.length === 0
              ? "No answers yet"
              : study.answer_models.map((model) => <code key={model}>{model} </code>)}
            {study.offline_engine && <OfflineEngineBadge />}
          </dd>
        </div>
        <div>
          <dt>Concurrency</dt>
          <dd>{study.concurrency}</dd>
        </div>
        <div>
          <dt>Requests per minute</dt>
          <dd>{study.requests_per_minute ?? "Unlimited"}</dd>
        </div>
        <div>
          <dt>Seed</dt>
          <dd>{study.seed ?? "—"}</dd>
        </div>
        <div>
          <dt>Invalid retries</dt>
          <dd>{study.invalid_retries}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>{formatTime(study.created_at)}</dd>
        </div>
        <div>
          <dt>Finished</dt>
          <dd>{formatTime(study.finished_at)}</dd>
        </div>
      </dl>
      {context.length > 0 && (
        <details>
          <summary>Context ({context.length})</summary>
          <dl className="study-facts">
            {context.map(([key, value]) => (
              <div key={key}>
                <dt>
                  <code>{`{{context.${key}}}`}</code>
                </dt>
                <dd>{contextValueText(value)}</dd>
              </div>
            ))}
          </dl>
        </details>
      )}
      {study.skill && (
        <details>
          <summary>Prompt</summary>
          <pre>{study.skill.prompt}</pre>
        </details>
      )}
    </section>
  );
}
