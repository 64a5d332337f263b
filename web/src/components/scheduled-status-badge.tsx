import { STATUS_LABELS, type ScheduledStatus } from "./scheduled-format.ts";

const TONES: Record<ScheduledStatus, string> = {
  pending: "badge-accent",
  sent: "scheduled-badge-sent",
  skipped: "",
  failed: "scheduled-badge-failed",
  cancelled: "badge-warning",
};

/** A scheduled message's status as a small coloured word. */
export function ScheduledStatusBadge({ status }: { status: ScheduledStatus }) {
  return <span className={`badge ${TONES[status]}`.trim()}>{STATUS_LABELS[status]}</span>;
}
