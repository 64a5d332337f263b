/*
 * How studies read on a terminal: the progress bar and its plain-line form for logs, the display that
 * redraws it in place, the per-cohort statistics table and a study's summary. Pure formatting, except
 * createProgressDisplay, which writes to the stream it is given.
 */

import type { Schema } from "@dramatis/sdk";
import { OFFLINE_ENGINE_WARNING } from "../domain/offline-engine.ts";
import { formatTable } from "./text-table.ts";

/** Plain progress lines (not a terminal) come at most this often, so logs stay short. */
const PLAIN_LINE_INTERVAL_MS = 2000;

/** A study's `progress` on the wire. */
export type StudyProgress = Schema<"StudyProgress">;

/** `[#####.....]`: `width` cells, filled in proportion to done / total. */
export function formatProgressBar(done: number, total: number, width = 20): string {
  const filled = total > 0 ? Math.max(0, Math.min(width, Math.floor((done / total) * width))) : width;
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
}

/**
 * One line of study progress: with a bar for a terminal, with a percentage for logs.
 *
 * @example
 * formatStudyProgress(progress, { bar: true, barWidth: 10 });
 * // "[#####.....] 512/1000 done · 3 failed · 2 invalid · 41.2/s · ETA 12s"
 */
export function formatStudyProgress(
  progress: StudyProgress,
  options: { bar: boolean; barWidth?: number },
): string {
  const parts = [
    `${progress.done}/${progress.total} done`,
    `${progress.failed} failed`,
    `${progress.invalid} invalid`,
  ];
  parts.push(`${progress.rate_per_second.toFixed(1)}/s`);
  if (progress.eta_seconds !== null && progress.done < progress.total) {
    parts.push(`ETA ${formatDuration(progress.eta_seconds)}`);
  }
  return `${progressPrefix(progress.done, progress.total, options)} ${parts.join(" · ")}`;
}

/** A population's generation: `[###.......] 300/1000 personas generated`. */
export function formatGenerationProgress(
  generated: number,
  size: number,
  options: { bar: boolean; barWidth?: number },
): string {
  return `${progressPrefix(generated, size, options)} ${generated}/${size} personas generated`;
}

function progressPrefix(done: number, total: number, options: { bar: boolean; barWidth?: number }): string {
  if (options.bar) return formatProgressBar(done, total, options.barWidth);
  return `${total > 0 ? Math.floor((done / total) * 100) : 100}%`;
}

/** `12s`, `3m 05s`, `2h 07m`. */
export function formatDuration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.round(totalSeconds));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(seconds / 3600)}h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, "0")}m`;
}

export interface ProgressDisplay {
  /** Shows the latest state: redrawn in place on a terminal, else a line at most once per interval. */
  show(state: (options: { bar: boolean }) => string): void;
  /** A line of its own (a reconnect, a warning), without garbling the bar. */
  note(text: string): void;
  /** Ends the display: closes the bar's line, or prints the last state if it was not printed yet. */
  finish(): void;
}

/**
 * Progress on stderr. On a terminal the bar is redrawn in place with `\r`; in a log (not a terminal)
 * a plain line is printed at most every `intervalMs`, and the final state always.
 */
export function createProgressDisplay(options: {
  stream: NodeJS.WritableStream;
  terminal: boolean;
  now: () => number;
  intervalMs?: number;
}): ProgressDisplay {
  const { stream, terminal, now } = options;
  const intervalMs = options.intervalMs ?? PLAIN_LINE_INTERVAL_MS;
  let drawn: string | undefined;
  let lastPrintedAt: number | undefined;
  let unprinted: string | undefined;
  const fit = (text: string) => {
    // A line wider than the terminal wraps, and \r would then redraw only its last row.
    const columns = (stream as { columns?: number }).columns;
    return columns && text.length >= columns ? `${text.slice(0, Math.max(columns - 2, 1))}…` : text;
  };
  const draw = (text: string) => stream.write(`\r${fit(text)}\u001b[K`);
  return {
    show(state) {
      if (terminal) {
        drawn = state({ bar: true });
        draw(drawn);
        return;
      }
      const line = state({ bar: false });
      const time = now();
      if (lastPrintedAt === undefined || time - lastPrintedAt >= intervalMs) {
        stream.write(`${line}\n`);
        lastPrintedAt = time;
        unprinted = undefined;
      } else {
        unprinted = line;
      }
    },
    note(text) {
      if (terminal && drawn !== undefined) {
        stream.write(`\r\u001b[K${text}\n`);
        draw(drawn);
      } else {
        stream.write(`${text}\n`);
      }
    },
    finish() {
      if (terminal && drawn !== undefined) stream.write("\n");
      if (!terminal && unprinted !== undefined) stream.write(`${unprinted}\n`);
      drawn = undefined;
      unprinted = undefined;
      lastPrintedAt = undefined;
    },
  };
}

export type Study = Schema<"Study">;

export type Population = Schema<"Population">;

/** A study's id, status, progress, counts and usage as labelled lines. */
export function describeStudy(study: Study): string[] {
  const usage = study.usage;
  const cost = usage.cost_usd === null ? "" : ` · $${usage.cost_usd.toFixed(4)}`;
  const progress = study.progress;
  const rows: [string, string][] = [
    ["Study", `${study.id} (${study.name})`],
    ["Status", `${study.status}${study.finished_at ? ` at ${study.finished_at}` : ""}`],
    ["Progress", formatStudyProgress(progress, { bar: false })],
    [
      "Runs",
      `${progress.pending} pending · ${progress.queued} queued · ${progress.running} running · ` +
        `${progress.answered} answered · ${progress.invalid} invalid · ${progress.failed} failed`,
    ],
    ["Model", study.model ?? "each persona's own"],
    ["Answered by", describeAnswerModels(study)],
    ["Usage", `${usage.input_tokens} input tokens · ${usage.output_tokens} output tokens${cost}`],
    ["Skill", study.skill_id],
    ["Population", study.population_id],
  ];
  return rows.map(([label, value]) => `${label.padEnd(12)}${value}`);
}

/** The models that answered, the offline engine's flagged as the demo engine. */
function describeAnswerModels(study: Study): string {
  if (study.answer_models.length === 0) return "no answers yet";
  const models = study.answer_models.join(", ");
  return study.offline_engine ? `${models} (demo engine: canned answers)` : models;
}

/**
 * The warning a table of study results carries (on stderr, so piped output stays data) when any answer came
 * from the offline engine; undefined otherwise. `--json` output has the `offline_engine` field instead.
 */
export function offlineEngineWarning(studies: Study | Study[]): string | undefined {
  const list = Array.isArray(studies) ? studies : [studies];
  const marked = list.filter((study) => study.offline_engine);
  if (marked.length === 0) return undefined;
  const which = Array.isArray(studies) ? ` (${marked.map((study) => study.id).join(", ")})` : "";
  return `Warning${which}: ${OFFLINE_ENGINE_WARNING}`;
}

/** `512 answered, 2 invalid, 3 failed of 1000`. */
export function describeCounts(study: Study): string {
  const { progress } = study;
  return `${progress.answered} answered, ${progress.invalid} invalid, ${progress.failed} failed of ${progress.total}`;
}

/** One row of the statistics: a cohort's, or all of them together. */
type Stats = StudyStatistics["overall"];

/** A type with its tuples as plain arrays, as the SDK's client types what it reads (a tuple is still one). */
type WithArrays<T> = T extends readonly (infer Item)[]
  ? WithArrays<Item>[]
  : T extends object
    ? { [Key in keyof T]: WithArrays<T[Key]> }
    : T;

/** `GET /v1/studies/{id}/statistics` on the wire. */
export type StudyStatistics = WithArrays<Schema<"StudyStatistics">>;

/**
 * The per-cohort statistics as aligned lines: one row per cohort and one for all, then the test.
 *
 * @example
 * formatStatisticsTable(statistics).join("\n");
 * // cohort   runs  answered  invalid  failed  mean  sd    95% CI
 * // young    15    15        0        0       3.13  1.36  [2.38, 3.88]  …
 */
export function formatStatisticsTable(statistics: StudyStatistics): string[] {
  const row = (name: string, stats: Stats) => [
    name,
    String(stats.runs),
    String(stats.answered),
    String(stats.invalid),
    String(stats.failed),
    formatNumber(stats.mean),
    formatNumber(stats.sd),
    stats.ci95 ? `[${formatNumber(stats.ci95[0])}, ${formatNumber(stats.ci95[1])}]` : "-",
  ];
  const rows = statistics.cohorts.map((cohort) => row(cohort.cohort_name, cohort));
  rows.push(row("all", statistics.overall));
  const lines = formatTable(
    ["cohort", "runs", "answered", "invalid", "failed", "mean", "sd", "95% CI"],
    rows,
  );
  lines.push("", `Test: ${describeTest(statistics)}`);
  return lines;
}

function describeTest(statistics: StudyStatistics): string {
  const { test } = statistics;
  if (!test) {
    return statistics.cohorts.length < 2
      ? "none (one cohort)"
      : `none (${statistics.answer_type} answers have no categories or numbers to compare)`;
  }
  const df = Array.isArray(test.df) ? `${test.df[0]}, ${test.df[1]}` : String(test.df);
  const name = test.name === "chi_square" ? "chi-square" : test.name === "anova" ? "ANOVA F" : test.name;
  const p = test.p_value < 0.001 ? "p < 0.001" : `p = ${test.p_value.toFixed(3)}`;
  const verdict =
    test.p_value < 0.05 ? "the cohorts differ at the 5% level" : "no significant difference at the 5% level";
  return `${name} = ${formatNumber(test.statistic)} (df ${df}), ${p}: ${verdict}`;
}

function formatNumber(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? "-" : value.toFixed(2);
}
