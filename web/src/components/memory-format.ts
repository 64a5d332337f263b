/**
 * The memory screen's small pure helpers: labels, strength bands, dates for the timeline. The shapes come
 * from the SDK (`Schema<"Memory">`).
 */
import type { Schema } from "../lib/api.ts";

type Memory = Schema<"Memory">;
export type MemoryType = Memory["type"];
export type MemoryOwner = Memory["owner"];
type FindingKind = Schema<"ConsistencyReport">["findings"][number]["kind"];

export const MEMORY_TYPES = [
  "normal",
  "pride",
  "shame",
  "repressed",
  "revised",
  "exaggerated",
] as const satisfies readonly MemoryType[];

/** How the persona relates to a memory of each type (wording from the product reference). */
export const TYPE_DESCRIPTIONS: Record<MemoryType, string> = {
  normal: "Standard recall: remembered and discussed naturally",
  pride: "Recalled enthusiastically, may come up unprompted",
  shame: "Reluctant to discuss it; may deflect or minimise",
  repressed: "Resists recalling it; may surface only under pressure",
  revised: "A corrected version of an earlier memory; replaces it in recall",
  exaggerated: "Embellished or dramatised when recalled",
};

export const FINDING_LABELS: Record<FindingKind, string> = {
  sequence_gap: "Sequence gap",
  time_order: "Time order",
  broken_revision: "Broken revision",
  duplicate_event: "Duplicate event",
  contradiction: "Contradiction",
};

/** Vivid memories (75+) surface readily; faded ones (below 40) are hazy. */
export function strengthBand(strength: number): "vivid" | "clear" | "faded" {
  if (strength >= 75) return "vivid";
  if (strength < 40) return "faded";
  return "clear";
}

export function ownerLabel(owner: MemoryOwner): string {
  return owner === "timeline" ? "Timeline" : "About you";
}

/** When the memory sits on the timeline: its event time, else when it was recorded. */
export function timelineTime(memory: Memory): string {
  return memory.event_time ?? memory.created_at;
}

/**
 * An event time at exactly midnight UTC stands for a date without a time of day (generated timelines
 * and imports say "1999-09-22"): it is shown as that date in every time zone, never as the evening before.
 */
export function isDateOnly(iso: string): boolean {
  return /T00:00(:00(\.0+)?)?(Z|[+-]00:?00)$/.test(iso);
}

/** A calendar day, as YYYY-MM-DD, for grouping: local, or the stated date for a date-only time. */
export function dayKey(iso: string): string {
  if (isDateOnly(iso)) return iso.slice(0, 10);
  const date = new Date(iso);
  const month = String(date.getMonth() + 1).padStart(2, "0");
  const day = String(date.getDate()).padStart(2, "0");
  return `${date.getFullYear()}-${month}-${day}`;
}

export function formatDay(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, {
    weekday: "short",
    year: "numeric",
    month: "long",
    day: "numeric",
    ...(isDateOnly(iso) ? { timeZone: "UTC" } : {}),
  });
}

export function formatDateTime(iso: string): string {
  if (isDateOnly(iso))
    return new Date(iso).toLocaleDateString(undefined, { dateStyle: "medium", timeZone: "UTC" });
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** Orders by timeline time, then stated sequence, then id (ids are time-ordered). */
export function compareChronologically(left: Memory, right: Memory): number {
  const byTime = Date.parse(timelineTime(left)) - Date.parse(timelineTime(right));
  if (byTime !== 0) return byTime;
  const bySequence = (left.sequence ?? 0) - (right.sequence ?? 0);
  if (bySequence !== 0) return bySequence;
  return left.id < right.id ? -1 : left.id > right.id ? 1 : 0;
}

export interface DayGroup {
  key: string;
  label: string;
  memories: Memory[];
}

/** Groups memories by the local day of their timeline time, in the order asked for. */
export function groupByDay(memories: Memory[], order: "newest" | "chronological"): DayGroup[] {
  const sorted = [...memories].sort(compareChronologically);
  if (order === "newest") sorted.reverse();
  const groups: DayGroup[] = [];
  for (const memory of sorted) {
    const key = dayKey(timelineTime(memory));
    const last = groups.at(-1);
    if (last && last.key === key) last.memories.push(memory);
    else groups.push({ key, label: formatDay(timelineTime(memory)), memories: [memory] });
  }
  return groups;
}

/** An ISO time as the value of <input type="datetime-local"> (local time, minutes). */
export function toLocalInput(iso: string | null): string {
  if (!iso) return "";
  if (isDateOnly(iso)) return `${iso.slice(0, 10)}T00:00`;
  const date = new Date(iso);
  const offset = date.getTimezoneOffset() * 60_000;
  return new Date(date.getTime() - offset).toISOString().slice(0, 16);
}

/**
 * The value of <input type="datetime-local"> as an ISO time with offset, or null when empty. Midnight
 * means "a date, no time of day" and is kept as that date (midnight UTC), as toLocalInput shows it.
 */
export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  if (/T00:00(:00)?$/.test(value)) return `${value.slice(0, 10)}T00:00:00Z`;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** The first words of a memory, for buttons and dialogs that refer to it. */
export function excerpt(text: string, length = 80): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
}
