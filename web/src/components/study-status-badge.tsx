import type { PopulationStatus, RunStatus, StudyStatus } from "./study-format.ts";

const WORDS: Record<string, string> = {
  running: "Running",
  cancelled: "Cancelled",
  completed: "Completed",
  generating: "Generating",
  ready: "Ready",
  failed: "Failed",
  pending: "Pending",
  queued: "Queued",
  answered: "Answered",
  invalid: "Invalid",
};

const TONES: Record<string, string> = {
  running: "badge-accent",
  generating: "badge-accent",
  queued: "badge-accent",
  completed: "study-badge-good",
  ready: "study-badge-good",
  answered: "study-badge-good",
  failed: "study-badge-bad",
  invalid: "badge-warning",
  cancelled: "badge-warning",
};

/** The status of a study, population or run as a small coloured word. */
export function StudyStatusBadge({ status }: { status: StudyStatus | PopulationStatus | RunStatus }) {
  return <span className={`badge ${TONES[status] ?? ""}`.trim()}>{WORDS[status] ?? status}</span>;
}
