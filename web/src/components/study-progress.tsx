import { StudyStatusBadge } from "./study-status-badge.tsx";
import { formatCost, formatDuration, formatNumber, formatPercent, type Study } from "./study-format.ts";

/** The study's progress: a bar, done of total, what each run ended as, speed, time left and usage. */
export function StudyProgressPanel({ study }: { study: Study }) {
  const progress = study.progress;
  const share = progress.total > 0 ? progress.done / progress.total : 0;
  const waiting = progress.pending + progress.queued;
  return (
    <section className="card study-panel" aria-labelledby="study-progress-heading">
      <div className="study-item-header">
        <h2 id="study-progress-heading">Progress</h2>
        <StudyStatusBadge status={study.status} />
      </div>
      <progress
        className="study-progress"
        max={Math.max(progress.total, 1)}
        value={progress.done}
        aria-label="Runs done"
      />
      <p className="study-progress-summary">
        <strong>
          {progress.done} of {progress.total}
        </strong>{" "}
        runs done ({formatPercent(share)})
        {study.status === "running" && (
          <>
            {progress.rate_per_second != null && progress.rate_per_second > 0 && (
              <> · {formatNumber(progress.rate_per_second, 1)} runs/s</>
            )}
            {progress.eta_seconds != null ? (
              <> · about {formatDuration(progress.eta_seconds)} left</>
            ) : (
              <> · time left unknown</>
            )}
          </>
        )}
      </p>
      <dl className="study-counts">
        <div className="study-count-answered">
          <dt>Answered</dt>
          <dd>{progress.answered}</dd>
        </div>
        <div className="study-count-invalid">
          <dt>Invalid</dt>
          <dd>{progress.invalid}</dd>
        </div>
        <div className="study-count-failed">
          <dt>Failed</dt>
          <dd className={progress.failed > 0 ? "study-count-nonzero" : undefined}>{progress.failed}</dd>
        </div>
        <div>
          <dt>Running</dt>
          <dd>{progress.running}</dd>
        </div>
        <div>
          <dt>Waiting</dt>
          <dd>{waiting}</dd>
        </div>
        <div>
          <dt>Tokens in / out</dt>
          <dd>
            {formatNumber(study.usage.input_tokens, 0)} / {formatNumber(study.usage.output_tokens, 0)}
          </dd>
        </div>
        <div>
          <dt>Cost</dt>
          <dd>{formatCost(study.usage.cost_usd)}</dd>
        </div>
      </dl>
    </section>
  );
}
