import type { Schema } from "@dramatis/sdk";

/*
 * The research objects come from the SDK (the server's own schema); this file holds only the small pure
 * helpers the Studies screens use to show and enter them.
 */

export type Skill = Schema<"Skill">;
export type AnswerSpec = Schema<"AnswerSpec">;
export type AnswerType = AnswerSpec["type"];
export type Cohort = Schema<"Cohort">;
export type CohortPreview = Schema<"CohortPreview">;
export type Population = Schema<"Population">;
export type PopulationMember = Schema<"PopulationMember">;
export type Study = Schema<"Study">;
export type StudyRun = Schema<"StudyResult">;
export type PopulationStatus = Population["status"];
export type StudyStatus = Study["status"];
export type RunStatus = StudyRun["status"];

export const ANSWER_TYPES: { type: AnswerType; label: string }[] = [
  { type: "likert", label: "Likert scale" },
  { type: "single_choice", label: "Single choice" },
  { type: "multiple_choice", label: "Multiple choice" },
  { type: "number", label: "Number" },
  { type: "text", label: "Free text" },
  { type: "json", label: "JSON" },
];

export function answerTypeLabel(type: string): string {
  return ANSWER_TYPES.find((item) => item.type === type)?.label ?? type;
}

export const RUN_STATUSES: RunStatus[] = ["pending", "queued", "running", "answered", "invalid", "failed"];

/** The largest page the API serves. */
export const PAGE_LIMIT = 200;

/**
 * Every item of a paged list (following `next_cursor`), stopping after `maxPages` pages so a huge
 * list cannot stall a screen; the pickers and tables that use this hold a tenant's own few objects.
 */
export async function fetchAll<T>(
  loadPage: (after: string | undefined) => Promise<{ data: T[]; next_cursor: string | null }>,
  maxPages = 10,
): Promise<T[]> {
  const items: T[] = [];
  let after: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const result = await loadPage(after);
    items.push(...result.data);
    if (!result.next_cursor) break;
    after = result.next_cursor;
  }
  return items;
}

/** "3 May 2025, 14:02" in the reader's locale. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** "45 s", "3 min", "1 h 5 min": how long something left will take. */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole} s`;
  const minutes = Math.round(whole / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/** A number with at most `digits` decimals, without trailing zeros. */
export function formatNumber(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  return value.toLocaleString(undefined, { maximumFractionDigits: digits });
}

export function formatPercent(share: number): string {
  return `${(share * 100).toLocaleString(undefined, { maximumFractionDigits: 1 })}%`;
}

export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined) return "—";
  if (usd === 0) return "$0";
  return usd < 0.01 ? `$${usd.toPrecision(2)}` : `$${usd.toFixed(2)}`;
}

/** An answer as text: strings and numbers as they are, a list of choices joined, anything else as JSON. */
export function formatAnswer(answer: unknown): string {
  if (answer === null || answer === undefined) return "—";
  if (typeof answer === "string" || typeof answer === "number" || typeof answer === "boolean")
    return String(answer);
  if (Array.isArray(answer) && answer.every((item) => typeof item === "string")) return answer.join(", ");
  return JSON.stringify(answer);
}

/**
 * A context value as an editable string: strings as they are, anything else as JSON (the API's context
 * holds strings, but a skill written through the API could hold other values).
 */
export function contextValueText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The label a likert scale gives a value, if it has labels. */
export function likertLabel(answer: AnswerSpec, value: unknown): string | undefined {
  if (answer.type !== "likert" || typeof value !== "number") return undefined;
  return answer.scale.labels?.[value - answer.scale.min];
}

/** Splits one-per-line text into trimmed, non-empty entries. */
export function linesOf(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
}

/** Splits comma-separated text into trimmed, non-empty entries. */
export function commaList(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}

/** The number in an input, or undefined when it is blank (so the API's default applies). */
export function optionalNumber(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  const value = Number(trimmed);
  // Not a number: send the text, so the server names the field at fault.
  return Number.isFinite(value) ? value : trimmed;
}
