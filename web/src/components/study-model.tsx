import { api, query } from "../lib/api.ts";

/** The research objects as the API returns them (docs/studies.md), and small helpers to show them. */

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export type AnswerSpec =
  | { type: "likert"; scale: { min: number; max: number; labels?: string[] } }
  | { type: "single_choice"; options: string[] }
  | { type: "multiple_choice"; options: string[]; min_choices?: number; max_choices?: number }
  | { type: "number"; minimum?: number; maximum?: number; integer?: boolean }
  | { type: "text"; max_length?: number }
  | { type: "json"; schema: unknown };

export type AnswerType = AnswerSpec["type"];

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

export interface Skill {
  id: string;
  name: string;
  description?: string | null;
  prompt: string;
  answer: AnswerSpec;
  scoring?: unknown;
  context?: Record<string, unknown> | null;
  created_at: string;
  updated_at?: string;
}

export interface CohortFilter {
  age?: { min?: number; max?: number };
  locations?: string[];
  occupations?: string[];
  sexes?: string[];
  traits?: string[];
  tags?: string[];
}

export interface Cohort {
  id: string;
  name: string;
  description?: string;
  kind?: "filter" | "generator";
  filter?: CohortFilter | null;
  generator?: Record<string, unknown> | null;
  created_at: string;
  updated_at?: string;
}

/** A filter cohort's matching persona, or a generator cohort's example seed. */
export interface CohortSample {
  id?: string;
  name?: string;
  age?: number | null;
  sex?: string | null;
  location?: string | null;
  occupation?: string | null;
  traits?: string[];
  identity?: {
    age?: number | null;
    sex?: string | null;
    location?: string | null;
    occupation?: string | null;
  };
}

export interface CohortPreview {
  matching: number | null;
  sample: CohortSample[];
}

export type PopulationStatus = "generating" | "ready" | "failed";

export interface Population {
  id: string;
  name: string;
  size: number;
  seed: string | number | null;
  cohorts: { cohort_id: string; cohort_name: string; proportion: number; size: number }[];
  status: PopulationStatus;
  generated: number;
  job_id: string | null;
  error: string | null;
  created_at: string;
  updated_at?: string;
}

export interface PopulationMember {
  persona_id: string;
  name: string;
  age: number | null;
  sex: string | null;
  location: string | null;
  occupation: string | null;
  cohort_id: string;
  cohort_name?: string;
  ordinal: number;
}

export type StudyStatus = "running" | "cancelled" | "completed";

export interface StudyProgress {
  total: number;
  pending: number;
  queued: number;
  running: number;
  answered: number;
  invalid: number;
  failed: number;
  done: number;
  rate_per_second: number | null;
  eta_seconds: number | null;
}

export interface Study {
  id: string;
  name: string;
  status: StudyStatus;
  /** who started it: members cancel, resume and delete only their own unless granted can_edit_all */
  created_by_user_id: string | null;
  skill: Skill;
  skill_id: string;
  population_id: string;
  model: string | null;
  sampling?: Record<string, unknown> | null;
  concurrency: number;
  requests_per_minute: number | null;
  seed: string | number | null;
  context: Record<string, unknown> | null;
  invalid_retries: number;
  max_attempts: number;
  progress: StudyProgress;
  usage: { input_tokens: number; output_tokens: number; cost_usd: number | null };
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export type RunStatus = "pending" | "queued" | "running" | "answered" | "invalid" | "failed";

export const RUN_STATUSES: RunStatus[] = ["pending", "queued", "running", "answered", "invalid", "failed"];

export interface StudyRun {
  id: string;
  persona_id: string;
  persona_name: string;
  persona_version: number | null;
  cohort_id: string;
  cohort_name: string;
  status: RunStatus;
  answer: unknown;
  score: number | null;
  raw_output: string | null;
  error: string | null;
  attempts: number;
  model: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd: number | null;
  started_at: string | null;
  finished_at: string | null;
}

export interface DistributionEntry {
  value: unknown;
  count: number;
  share: number;
}

export interface Stats {
  runs: number;
  answered: number;
  invalid: number;
  failed: number;
  mean: number | null;
  sd: number | null;
  ci95: [number, number] | null;
  median: number | null;
  distribution: DistributionEntry[] | null;
}

export interface CohortStats extends Stats {
  cohort_id: string;
  cohort_name: string;
}

export type StatisticalTest =
  | { name: "chi_square"; statistic: number; df: number; p_value: number }
  | { name: "anova"; statistic: number; df: [number, number]; p_value: number };

export interface StudyStatistics {
  answer_type: AnswerType;
  overall: Stats;
  cohorts: CohortStats[];
  test: StatisticalTest | null;
}

/** The largest page the API serves. */
export const PAGE_LIMIT = 200;

/**
 * Every item of a paged list (following `next_cursor`), stopping after `maxPages` pages so a huge
 * list cannot stall a screen; the pickers and tables that use this hold a tenant's own few objects.
 */
export async function fetchAll<T>(path: string, maxPages = 10): Promise<T[]> {
  const items: T[] = [];
  let after: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const result = await api<Page<T>>("GET", `${path}${query({ limit: PAGE_LIMIT, after })}`);
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
