import fs from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import { DramatisApiError, unwrap, type DramatisClient } from "@dramatis/sdk";
import {
  collectPages,
  createServerClient,
  readServerAccess,
  ServerAccessError,
  ServerUnreachableError,
  type ServerFetch,
} from "./server-connection.ts";
import { InterruptedError, StudyCommandError } from "./study-api.ts";
import { describeStudy, formatStatisticsTable, offlineEngineWarning, type Study } from "./study-display.ts";
import { describeFileError, runStudy } from "./study-run.ts";
import { formatTable } from "./text-table.ts";

/**
 * `dramatis study run|status|cancel|resume|results|list`: research studies against a running Dramatis
 * server, over the same REST API any client uses (docs/studies.md). `run` lives in study-run.ts; the
 * spec file in study-spec.ts; progress and tables in study-display.ts; reconnecting in study-api.ts.
 */

export interface StudyCommandOptions {
  /** The words after `study`: the action, its arguments and its flags. */
  argv: string[];
  /** Read for DRAMATIS_URL, DRAMATIS_API_KEY and DRAMATIS_USER. */
  environment: Record<string, string | undefined>;
  /** Created ids, tables, status and exports (stdout from the CLI). */
  output: NodeJS.WritableStream;
  /** Progress and notes (stderr from the CLI); a terminal (`isTTY`) gets a bar redrawn in place. */
  errorOutput: NodeJS.WritableStream;
  /** Failures; defaults to a line on `errorOutput`. */
  printError?: (line: string) => void;
  fetch?: ServerFetch;
  /** Stops `run` from following (Ctrl-C); defaults to the process's SIGINT while `run` runs. */
  interrupt?: AbortSignal;
  /** Between population polls, and the first wait before reconnecting (default 1000). */
  pollIntervalMs?: number;
  /** Milliseconds since some fixed point; defaults to Date.now. */
  now?: () => number;
}

/** What a study action needs besides its command line. */
type StudyRuntime = Omit<StudyCommandOptions, "argv">;

/** Usage lines for `dramatis --help`. */
export const STUDY_USAGE = `  study run SPEC.json [--detach] [--timeout SECONDS]
                                create a study from a spec (docs/examples/study-spec.json): its
                                skill, cohorts, population and study; follow its progress and print
                                per-cohort statistics. Ctrl-C stops following, not the study.
                                --timeout: give up once the server has been unreachable that long in
                                all (default 3600); --detach: return once the study is created
  study status ID               a study's progress, counts and usage
  study cancel ID               stop a study (runs in flight go back to pending)
  study resume ID [--retry-failed]
                                run what is left of a study (and its failed and invalid runs)
  study results ID [--format table|csv|json] [--output FILE]
                                per-cohort statistics (table), or every run as CSV or JSON
  study list                    list studies
                                (study takes --url, --key, --user like chat; --json for raw output)`;

const DEFAULT_TIMEOUT_SECONDS = 3600;
const KEY_HINT = " (check --key or DRAMATIS_API_KEY)";
const RESULT_FORMATS = ["table", "csv", "json"];
const PAGE_LIMIT = 200;

/** The flags of `dramatis study`, by their names on the command line. */
export type StudyFlags = {
  url?: string;
  key?: string;
  user?: string;
  json?: boolean;
  detach?: boolean;
  timeout?: string;
  format?: string;
  output?: string;
  "retry-failed"?: boolean;
  help?: boolean;
};

const FLAG_OPTIONS = {
  url: { type: "string" },
  key: { type: "string" },
  user: { type: "string" },
  json: { type: "boolean" },
  detach: { type: "boolean" },
  timeout: { type: "string" },
  format: { type: "string" },
  output: { type: "string" },
  "retry-failed": { type: "boolean" },
  help: { type: "boolean" },
} as const;

/** Flags that mean something to one action only; every action takes --url, --key and --user. */
const ACTION_FLAGS: Record<string, (keyof StudyFlags)[]> = {
  run: ["detach", "timeout"],
  resume: ["retry-failed"],
  results: ["format", "output"],
};

interface ActionContext {
  options: StudyRuntime;
  flags: StudyFlags;
  /** The words after the action. */
  positionals: string[];
  /** The server's client, made on first use. */
  connect: () => DramatisClient;
}

const ACTIONS: Record<string, (context: ActionContext) => Promise<number>> = {
  run: startStudy,
  status: showStatus,
  cancel: cancelStudy,
  resume: resumeStudy,
  results: showResults,
  list: listStudies,
};

/**
 * Runs `dramatis study ACTION …` and returns the exit code: 0, 1 when something failed, 2 for a wrong
 * command line, 130 when Ctrl-C stopped `run` from following (the study goes on).
 *
 * @example
 * const code = await studyCommand({
 *   argv: ["run", "spec.json"], environment: process.env, output: process.stdout, errorOutput: process.stderr,
 * });
 */
export async function studyCommand(options: StudyCommandOptions): Promise<number> {
  let parsed: { flags: StudyFlags; positionals: string[] };
  try {
    parsed = parseStudyArguments(options.argv);
  } catch (error) {
    return reportStudyFailure(options, error);
  }
  const [action, ...positionals] = parsed.positionals;
  if (parsed.flags.help || action === "help") {
    writeLine(options.output, `Usage: dramatis study <command> [options]\n\nCommands:\n${STUDY_USAGE}`);
    return 0;
  }
  return runStudyAction({ ...options, action, positionals, flags: parsed.flags });
}

/**
 * Runs one study action on flags parsed already (the CLI's parser) and returns the exit code, like
 * studyCommand.
 *
 * @example await runStudyAction({ action: "status", positionals: ["std_1"], flags: { json: true }, ... });
 */
export async function runStudyAction(
  options: StudyRuntime & {
    action: string | undefined;
    positionals: string[];
    flags: StudyFlags;
  },
): Promise<number> {
  const { action, flags } = options;
  try {
    const run = ACTIONS[action ?? ""];
    if (!run) {
      throw new StudyCommandError(
        `unknown study command ${action ?? "(none)"}: expected ${Object.keys(ACTIONS).join(", ")}`,
        2,
      );
    }
    checkFlagsFit(action as string, flags);
    return await run({
      options,
      flags,
      positionals: options.positionals,
      connect: connector(flags, options),
    });
  } catch (error) {
    return reportStudyFailure(options, error);
  }
}

function reportStudyFailure(options: StudyRuntime, error: unknown): number {
  const printError = options.printError ?? ((line: string) => options.errorOutput.write(`${line}\n`));
  if (error instanceof StudyCommandError) {
    printError(`dramatis study: ${error.message}`);
    return error.exitCode;
  }
  if (error instanceof DramatisApiError) {
    printError(`dramatis study: ${error.describe()}${error.status === 401 ? KEY_HINT : ""}`);
    return 1;
  }
  if (error instanceof ServerUnreachableError || error instanceof InterruptedError) {
    printError(`dramatis study: ${error.message || "interrupted"}`);
    return 1;
  }
  throw error;
}

function parseStudyArguments(argv: string[]): { flags: StudyFlags; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: FLAG_OPTIONS,
      allowPositionals: true,
      strict: true,
    });
    return { flags: values as StudyFlags, positionals };
  } catch (error) {
    throw new StudyCommandError((error as Error).message, 2);
  }
}

function checkFlagsFit(action: string, flags: StudyFlags): void {
  for (const [owner, names] of Object.entries(ACTION_FLAGS)) {
    if (owner === action) continue;
    const misplaced = names.find((name) => flags[name] !== undefined);
    if (misplaced) throw new StudyCommandError(`--${misplaced} only applies to study ${owner}`, 2);
  }
  if (flags.json && (action === "run" || action === "results")) {
    const instead = action === "results" ? "use --format json" : "`study status ID --json` shows the study";
    throw new StudyCommandError(`--json does not apply to study ${action}; ${instead}`, 2);
  }
}

/**
 * The server's client, set up on its first request: a wrong command line or spec is reported before a
 * missing key, and a spec can be checked without one.
 */
function connector(flags: StudyFlags, options: StudyRuntime): () => DramatisClient {
  let client: DramatisClient | undefined;
  return () => {
    if (client) return client;
    try {
      client = createServerClient(readServerAccess(flags, options.environment), options.fetch);
    } catch (error) {
      if (error instanceof ServerAccessError) throw new StudyCommandError(error.message, 2);
      throw error;
    }
    return client;
  };
}

/** The one id an action takes, or a usage error naming the action. */
function requireStudyId(context: ActionContext, usage: string): string {
  const [id, ...extra] = context.positionals;
  if (!id || extra.length > 0) throw new StudyCommandError(`usage: dramatis study ${usage}`, 2);
  return id;
}

function studyParameters(id: string) {
  return { params: { path: { id } } };
}

async function startStudy(context: ActionContext): Promise<number> {
  const [specFile, ...extra] = context.positionals;
  if (!specFile || extra.length > 0) {
    throw new StudyCommandError("usage: dramatis study run SPEC.json [--detach] [--timeout SECONDS]", 2);
  }
  const { options, flags } = context;
  return runStudy({
    connect: context.connect,
    specFile,
    detach: flags.detach === true,
    timeoutSeconds: readTimeout(flags.timeout),
    output: options.output,
    errorOutput: options.errorOutput,
    interrupt: options.interrupt,
    now: options.now ?? Date.now,
    pollIntervalMs: options.pollIntervalMs ?? 1000,
  });
}

function readTimeout(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TIMEOUT_SECONDS;
  const seconds = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!(seconds > 0)) {
    throw new StudyCommandError(`--timeout: expected a number of seconds above 0, got ${value}`, 2);
  }
  return seconds;
}

async function showStatus(context: ActionContext): Promise<number> {
  const id = requireStudyId(context, "status ID");
  const study = await unwrap(context.connect().GET("/v1/studies/{id}", studyParameters(id)));
  const lines = context.flags.json ? [JSON.stringify(study)] : describeStudy(study);
  for (const line of lines) writeLine(context.options.output, line);
  if (!context.flags.json) warnOfOfflineEngine(context, study);
  return 0;
}

async function cancelStudy(context: ActionContext): Promise<number> {
  const id = requireStudyId(context, "cancel ID");
  const study = await unwrap(context.connect().POST("/v1/studies/{id}/cancel", studyParameters(id)));
  writeLine(
    context.options.output,
    context.flags.json
      ? JSON.stringify(study)
      : `Study ${study.id} is ${study.status} (${study.progress.done}/${study.progress.total} done); ` +
          `\`dramatis study resume ${study.id}\` runs the rest.`,
  );
  return 0;
}

async function resumeStudy(context: ActionContext): Promise<number> {
  const id = requireStudyId(context, "resume ID [--retry-failed]");
  const body = context.flags["retry-failed"] ? { retry_failed: true } : {};
  const study = await unwrap(
    context.connect().POST("/v1/studies/{id}/resume", { ...studyParameters(id), body }),
  );
  writeLine(
    context.options.output,
    context.flags.json
      ? JSON.stringify(study)
      : `Study ${study.id} is ${study.status} (${study.progress.done}/${study.progress.total} done); ` +
          `\`dramatis study status ${study.id}\` shows its progress.`,
  );
  return 0;
}

async function listStudies(context: ActionContext): Promise<number> {
  if (context.positionals.length > 0) throw new StudyCommandError("usage: dramatis study list", 2);
  const client = context.connect();
  const studies = await collectPages((after) =>
    unwrap(
      client.GET("/v1/studies", { params: { query: { limit: PAGE_LIMIT, ...(after ? { after } : {}) } } }),
    ),
  );
  const { output } = context.options;
  if (context.flags.json) {
    writeLine(output, JSON.stringify(studies));
    return 0;
  }
  if (studies.length === 0) {
    writeLine(output, "No studies yet; `dramatis study run SPEC.json` starts one.");
    return 0;
  }
  const rows = studies.map((study) => [
    study.id,
    study.name,
    study.status,
    `${study.progress.done}/${study.progress.total}`,
    study.offline_engine ? "DEMO (offline engine)" : study.answer_models.join(", ") || "-",
    study.created_at,
  ]);
  for (const line of formatTable(["id", "name", "status", "done", "answered by", "created"], rows)) {
    writeLine(output, line);
  }
  warnOfOfflineEngine(context, studies);
  return 0;
}

async function showResults(context: ActionContext): Promise<number> {
  const id = requireStudyId(context, "results ID [--format table|csv|json] [--output FILE]");
  const format = context.flags.format ?? "table";
  if (!RESULT_FORMATS.includes(format)) {
    throw new StudyCommandError(`--format: expected table, csv or json, got ${format}`, 2);
  }
  const file = context.flags.output === "-" ? undefined : context.flags.output;
  const { output, errorOutput } = context.options;
  if (format === "table") {
    const client = context.connect();
    const study = await unwrap(client.GET("/v1/studies/{id}", studyParameters(id)));
    const statistics = await unwrap(client.GET("/v1/studies/{id}/statistics", studyParameters(id)));
    const text = `${[...describeStudy(study), "", ...formatStatisticsTable(statistics)].join("\n")}\n`;
    if (!file) output.write(text);
    else await writeFileSafely(file, (stream) => new Promise<void>((resolve) => stream.end(text, resolve)));
    warnOfOfflineEngine(context, study);
  } else {
    const body = await unwrap(
      context.connect().GET("/v1/studies/{id}/export", {
        params: { path: { id }, query: { format: format === "csv" ? "csv" : "json" } },
        parseAs: "stream",
      }),
    );
    // stdout stays open for whoever writes after this command.
    if (!file) await copyBody(body, output, { end: false });
    else await writeFileSafely(file, (stream) => copyBody(body, stream, { end: true }));
    // The export marks the offline engine's answers itself (a column, a field); a person watching hears it too.
    warnOfOfflineEngine(
      context,
      await unwrap(context.connect().GET("/v1/studies/{id}", studyParameters(id))),
    );
  }
  if (file) writeLine(errorOutput, `Wrote the ${format} results of ${id} to ${file}`);
  return 0;
}

/** Writes beside the target and renames at the end, so a failed write never replaces a good file. */
async function writeFileSafely(
  file: string,
  write: (stream: fs.WriteStream) => Promise<void>,
): Promise<void> {
  const partial = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.partial`);
  const stream = fs.createWriteStream(partial);
  const closed = new Promise<void>((resolve, reject) => {
    stream.once("close", resolve);
    stream.once("error", reject);
  });
  try {
    await Promise.all([write(stream), closed]);
    await fs.promises.rename(partial, file);
  } catch (error) {
    stream.destroy();
    await fs.promises.rm(partial, { force: true });
    if (error instanceof StudyCommandError) throw error;
    throw new StudyCommandError(`cannot write ${file}: ${describeFileError(error)}`);
  }
}

/** Streams a response body with backpressure; a reader that stops early (`| head`) is no failure. */
async function copyBody(
  body: ReadableStream<Uint8Array> | null | undefined,
  destination: NodeJS.WritableStream,
  options: { end: boolean },
): Promise<void> {
  let readError: Error | undefined;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    if (!body) return;
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) yield chunk;
    } catch (error) {
      readError = error as Error;
      throw error;
    }
  }
  try {
    await pipeline(chunks, destination, { end: options.end });
  } catch (error) {
    if ((error as { code?: string }).code === "EPIPE") return;
    if (!readError) throw error;
    const reason = readError instanceof ServerUnreachableError ? readError.reason : readError.message;
    throw new StudyCommandError(`the download broke off (${reason}); run it again`);
  }
}

/** On stderr: piped tables and exports stay data, and a person still sees it. */
function warnOfOfflineEngine(context: ActionContext, studies: Study | Study[]): void {
  const warning = offlineEngineWarning(studies);
  if (warning) writeLine(context.options.errorOutput, warning);
}

function writeLine(output: NodeJS.WritableStream, line: string): void {
  output.write(`${line}\n`);
}
