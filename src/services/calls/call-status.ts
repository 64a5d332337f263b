/** How far along a call's status is; a provider's report never moves it back. */
const STATUS_ORDER: Record<string, number> = { queued: 0, initiated: 0, ringing: 1, "in-progress": 2 };
const FINAL_STATUSES = new Set(["completed", "busy", "no-answer", "failed", "canceled"]);

/** True when a call with this status is over (completed, busy, no-answer, failed, canceled). */
export function isFinalCallStatus(status: string): boolean {
  return FINAL_STATUSES.has(status);
}

function rankStatus(status: string): number {
  return FINAL_STATUSES.has(status) ? 3 : (STATUS_ORDER[status] ?? 0);
}

/** True when `next` is further along than `current` (and `current` is not final already). */
export function shouldAdvanceCallStatus(current: string, next: string): boolean {
  return !FINAL_STATUSES.has(current) && rankStatus(next) > rankStatus(current);
}
