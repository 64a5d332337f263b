/**
 * The scheduled messages and the inbox: the SDK's shapes under the names the screens use, and the words
 * and small formatters they show them with.
 */
import type { Schema } from "../lib/api.ts";

export const SCHEDULED_KINDS = ["good_morning", "good_night", "check_in"] as const;
export type ScheduledKind = (typeof SCHEDULED_KINDS)[number];
export type ScheduledMessage = Schema<"ScheduledMessage">;
export type ScheduledStatus = ScheduledMessage["status"];
export type ScheduledStatistics = Schema<"ScheduledMessageStatistics">;
/** A message a persona sent on its own, as GET /v1/inbox and the `message` event carry it. */
export type InboxItem = Schema<"InboxItem">;

export const KIND_LABELS: Record<ScheduledKind, string> = {
  good_morning: "Good morning",
  good_night: "Good night",
  check_in: "Check-in",
};

export const STATUS_LABELS: Record<ScheduledStatus, string> = {
  pending: "Pending",
  sent: "Sent",
  skipped: "Skipped",
  failed: "Failed",
  cancelled: "Cancelled",
};

/** A date and time in the viewer's own locale and time zone. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** The start of a message on one line, cut at a word near `length` characters. */
export function summarise(text: string, length = 90): string {
  const line = text.replace(/\s+/g, " ").trim();
  if (line.length <= length) return line;
  const cut = line.slice(0, length);
  const space = cut.lastIndexOf(" ");
  return `${(space > length / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.!?-]+$/, "")} …`;
}
