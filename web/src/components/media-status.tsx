import { mediaNoun, type Media } from "./media-requests.ts";

/**
 * Where an item that is not ready stands: a progress bar (with the percentage when the service says)
 * under "Making a picture…", or why it failed.
 */
export function MediaStatus({ item }: { item: Media }) {
  if (item.status === "failed") {
    return (
      <div className="media-status media-status-failed" role="alert">
        <strong>{mediaNoun(item)} failed</strong>
        <span>{item.error || "The service gave no reason."}</span>
      </div>
    );
  }
  const percent =
    item.progress === null ? undefined : Math.round(Math.min(1, Math.max(0, item.progress)) * 100);
  const label = item.kind === "video" ? "Making a video…" : "Making a picture…";
  return (
    <div className="media-status" data-status={item.status}>
      <span className="media-status-label">
        {item.status === "queued" ? `${label} (waiting its turn)` : label}
      </span>
      <div
        className="media-progress"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={percent === undefined ? "In progress" : `${percent}%`}
      >
        <div
          className={
            percent === undefined ? "media-progress-bar media-progress-unknown" : "media-progress-bar"
          }
          style={percent === undefined ? undefined : { width: `${percent}%` }}
        />
      </div>
      {percent !== undefined && <span className="media-progress-percent">{percent}%</span>}
    </div>
  );
}
