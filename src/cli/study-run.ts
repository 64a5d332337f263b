import fs from "node:fs";
import { DramatisApiError, unwrap, watchStudy, type DramatisClient } from "@dramatis/sdk";
import { ServerUnreachableError } from "./server-connection.ts";
import { InterruptedError, Reconnection, StudyCommandError, interruptible, sleep } from "./study-api.ts";
import {
  createProgressDisplay,
  describeCounts,
  formatGenerationProgress,
  formatStatisticsTable,
  offlineEngineWarning,
  formatStudyProgress,
  type Population,
  type ProgressDisplay,
  type Study,
} from "./study-display.ts";
import type { StudySpec } from "./study-spec.ts";

/*
 * `dramatis study run SPEC.json`: creates what the spec describes (skill, cohorts, population, study),
 * waits for the population's personas, then follows the study's event stream to the end and prints its
 * per-cohort statistics. The server may restart meanwhile; the command reconnects.
 */

/** Exit code after Ctrl-C, as a shell reports a process stopped by SIGINT. */
export const EXIT_INTERRUPTED = 130;

export interface RunStudyOptions {
  /** The server's client, made on first use: a spec is checked before a missing key is reported. */
  connect: () => DramatisClient;
  specFile: string;
  /** Return once the study is created instead of following it. */
  detach: boolean;
  /** Give up after the server has been unreachable this long in all. */
  timeoutSeconds: number;
  /** Created ids and the statistics table. */
  output: NodeJS.WritableStream;
  /** Progress and notes; a terminal (`isTTY`) gets a bar redrawn in place. */
  errorOutput: NodeJS.WritableStream;
  /** Stops following (Ctrl-C); defaults to the process's SIGINT while the command runs. */
  interrupt?: AbortSignal;
  now: () => number;
  /** Between population polls, and the first wait before reconnecting. */
  pollIntervalMs: number;
}

/**
 * Runs a spec and returns the exit code: 0 when the study completed, 1 when it was cancelled (or
 * --detach: 0 once it is created), 130 after Ctrl-C. Failures throw.
 *
 * @example
 * const code = await runStudy({ connect: () => client, specFile: "spec.json", detach: false, timeoutSeconds: 3600,
 *   output: process.stdout, errorOutput: process.stderr, now: Date.now, pollIntervalMs: 1000 });
 */
export async function runStudy(options: RunStudyOptions): Promise<number> {
  const spec = await readStudySpec(options.specFile);
  const interruption = listenForInterrupt(options.interrupt);
  const signal = interruption.signal;
  const watch = createWatch(options, signal);
  let study: Study | undefined;
  let populationId: string | undefined;
  try {
    // The skill first: the server checks its prompt before any persona is generated.
    const skillId = await createSkill(options, spec, signal);
    const cohortIds = await createCohorts(options, spec, signal);
    const population = await createPopulation(options, spec, cohortIds, signal);
    populationId = typeof population === "string" ? population : population.id;
    await waitForPopulation(options, population, watch);
    const body = { ...spec.study, skill_id: skillId, population_id: populationId };
    study = await create("study", options.connect().POST("/v1/studies", { body, signal }), signal);
    writeLine(options.output, `Created study ${study.id} (${study.name}, ${study.progress.total} runs)`);
    if (options.detach) {
      writeLine(
        options.errorOutput,
        `Study ${study.id} runs on the server; \`dramatis study status ${study.id}\` shows its progress, ` +
          `\`dramatis study results ${study.id}\` its answers.`,
      );
      return 0;
    }
    return await reportFinishedStudy(options, await followStudy(options, study, watch));
  } catch (error) {
    if (!(error instanceof InterruptedError)) throw error;
    let note = "Stopped; nothing more was created.";
    if (study) {
      note =
        `Stopped following ${study.id}; the study keeps running on the server. ` +
        `Cancel it with \`dramatis study cancel ${study.id}\`; \`dramatis study status ${study.id}\` shows its progress.`;
    } else if (populationId) {
      note =
        `Stopped before the study was created. Population ${populationId} stays on the server (its ` +
        `generation goes on if unfinished); "population_id": "${populationId}" in the spec reuses it.`;
    }
    writeLine(options.errorOutput, note);
    return EXIT_INTERRUPTED;
  } finally {
    interruption.stop();
  }
}

async function readStudySpec(file: string): Promise<StudySpec> {
  let text: string;
  try {
    text = await fs.promises.readFile(file, "utf8");
  } catch (error) {
    throw new StudyCommandError(`cannot read ${file}: ${describeFileError(error)}`);
  }
  // Loaded here, not at the top: the spec's schemas come from the services, which `dramatis --help`
  // and every other command have no use for.
  const { parseStudySpec } = await import("./study-spec.ts");
  const result = parseStudySpec(text);
  if (!result.ok) {
    const problems = result.problems.map((problem) => `  ${problem}`).join("\n");
    throw new StudyCommandError(`${file} is not a valid study spec; nothing was created:\n${problems}`);
  }
  return result.spec;
}

export function describeFileError(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === "ENOENT") return "no such file or directory";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  return (error as Error).message;
}

/** The given signal, else one the process's SIGINT aborts (instead of ending the process) meanwhile. */
function listenForInterrupt(given: AbortSignal | undefined): { signal: AbortSignal; stop(): void } {
  if (given) return { signal: given, stop: () => undefined };
  const controller = new AbortController();
  const onInterrupt = () => controller.abort();
  process.on("SIGINT", onInterrupt);
  return { signal: controller.signal, stop: () => process.off("SIGINT", onInterrupt) };
}

async function createSkill(options: RunStudyOptions, spec: StudySpec, signal: AbortSignal): Promise<string> {
  if ("id" in spec.skill) return spec.skill.id;
  const skill = await create(
    "skill",
    options.connect().POST("/v1/skills", { body: spec.skill.body, signal }),
    signal,
  );
  writeLine(options.output, `Created skill ${skill.id} (${skill.name})`);
  return skill.id;
}

async function createCohorts(
  options: RunStudyOptions,
  spec: StudySpec,
  signal: AbortSignal,
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const [index, cohort] of spec.cohorts.entries()) {
    const created = await create(
      `cohorts[${index}]`,
      options.connect().POST("/v1/cohorts", { body: cohort.body, signal }),
      signal,
    );
    writeLine(options.output, `Created cohort ${created.id} (${cohort.name})`);
    ids.set(cohort.name, created.id);
  }
  return ids;
}

async function createPopulation(
  options: RunStudyOptions,
  spec: StudySpec,
  cohortIds: Map<string, string>,
  signal: AbortSignal,
): Promise<Population | string> {
  if ("id" in spec.population) return spec.population.id;
  const { body, cohorts } = spec.population;
  const members = cohorts.map(({ reference, proportion }) => ({
    // The spec's check made sure every cohort it names was created.
    cohort_id: "cohort_id" in reference ? reference.cohort_id : (cohortIds.get(reference.cohort) as string),
    proportion,
  }));
  const population = await create(
    "population",
    options.connect().POST("/v1/populations", { body: { ...body, cohorts: members }, signal }),
    signal,
  );
  writeLine(
    options.output,
    `Created population ${population.id} (${population.name}, ${population.size} personas)`,
  );
  return population;
}

/** What a POST of part of the spec created; a rejection names the part it came from. */
async function create<R extends Parameters<typeof unwrap>[0]>(
  specPath: string,
  request: R,
  signal: AbortSignal,
): Promise<Awaited<ReturnType<typeof unwrap<Awaited<R>>>>> {
  try {
    return await interruptible(unwrap(request), signal);
  } catch (error) {
    if (error instanceof DramatisApiError && error.status !== 401) {
      throw new DramatisApiError(error.status, error.title, `${specPath} was rejected: ${error.describe()}`);
    }
    throw error;
  }
}

/** What waiting on the server needs: one display, and one outage budget for the whole run. */
interface Watch {
  display: ProgressDisplay;
  reconnection: Reconnection;
  signal: AbortSignal;
}

function createWatch(options: RunStudyOptions, signal: AbortSignal): Watch {
  const display = createProgressDisplay({
    stream: options.errorOutput,
    terminal: Boolean((options.errorOutput as { isTTY?: boolean }).isTTY),
    now: options.now,
  });
  const reconnection = new Reconnection({
    limitMs: options.timeoutSeconds * 1000,
    now: options.now,
    signal,
    initialDelayMs: options.pollIntervalMs,
    onLost: (reason) => display.note(`Lost the server (${reason}); reconnecting…`),
    onBack: () => display.note("Reconnected to the server."),
  });
  return { display, reconnection, signal };
}

/**
 * Polls until the population (a new one, or an existing one by id) is ready, showing its generation
 * progress; `failed` is an error.
 */
async function waitForPopulation(
  options: RunStudyOptions,
  created: Population | string,
  watch: Watch,
): Promise<void> {
  const { display, reconnection, signal } = watch;
  const id = typeof created === "string" ? created : created.id;
  // Shown at once: a busy server may take a while to answer the first poll.
  if (typeof created !== "string" && created.status === "generating") {
    display.show((view) => formatGenerationProgress(created.generated, created.size, view));
  }
  try {
    for (;;) {
      let population: Population;
      try {
        population = await interruptible(
          unwrap(options.connect().GET("/v1/populations/{id}", { params: { path: { id } }, signal })),
          signal,
        );
        reconnection.connected();
      } catch (error) {
        await reconnection.failed(error);
        continue;
      }
      if (population.status === "failed") {
        throw new StudyCommandError(
          `population ${id} failed: ${population.error ?? "no reason given"} ` +
            `(${population.generated}/${population.size} personas were generated)`,
        );
      }
      if (population.status === "ready") return;
      display.show((view) => formatGenerationProgress(population.generated, population.size, view));
      await sleep(options.pollIntervalMs, signal);
    }
  } finally {
    display.finish();
  }
}

/**
 * Follows the study's event stream until it is completed or cancelled. A stream that drops, or ends
 * while the study still runs (the server restarting), is reconnected while the budget lasts.
 */
async function followStudy(options: RunStudyOptions, initial: Study, watch: Watch): Promise<Study> {
  const { display, reconnection, signal } = watch;
  reconnection.giveUpHint = `the study may still be running: \`dramatis study status ${initial.id}\``;
  let study = initial;
  display.show((view) => formatStudyProgress(study.progress, view));
  try {
    for (;;) {
      let failure: unknown;
      try {
        for await (const snapshot of watchStudy(options.connect(), initial.id, { signal })) {
          // Only an event proves the connection works: a stream that ends at once is still an outage.
          reconnection.connected();
          study = snapshot;
          display.show((view) => formatStudyProgress(study.progress, view));
        }
        if (study.status !== "running") return study;
        failure = new ServerUnreachableError("the event stream ended while the study was running");
      } catch (error) {
        failure = error;
      }
      await reconnection.failed(failure);
    }
  } finally {
    display.finish();
  }
}

async function reportFinishedStudy(options: RunStudyOptions, study: Study): Promise<number> {
  if (study.status === "cancelled") {
    writeLine(
      options.errorOutput,
      `Study ${study.id} was cancelled (${study.progress.done}/${study.progress.total} done); ` +
        `\`dramatis study resume ${study.id}\` runs the rest.`,
    );
    return 1;
  }
  const statistics = await unwrap(
    options.connect().GET("/v1/studies/{id}/statistics", { params: { path: { id: study.id } } }),
  );
  const lines = [
    "",
    ...formatStatisticsTable(statistics),
    "",
    `Study ${study.id} completed: ${describeCounts(study)}`,
  ];
  for (const line of lines) writeLine(options.output, line);
  const warning = offlineEngineWarning(study);
  if (warning) writeLine(options.errorOutput, warning);
  return 0;
}

function writeLine(output: NodeJS.WritableStream, line: string): void {
  output.write(`${line}\n`);
}
