import path from "node:path";
import type { Config } from "../config/config.ts";
import { downloadModel, listModels, type DownloadProgress } from "../models/model-download.ts";
import { formatTable } from "./text-table.ts";

/** Where progress goes: stderr by default, so stdout carries only the result (and stays parseable with --json). */
export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ModelsCommandOptions {
  /** `pull` or `list`. */
  action: string | undefined;
  /** The arguments after the action, e.g. `[url]` for `models pull <url>`. */
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
  config: Config;
  print: (line: string) => void;
  progressOutput?: ProgressOutput;
}

const MEGABYTE = 1024 * 1024;
/** Redraws of the TTY bar are throttled; a fast local download would otherwise spend its time drawing. */
const REDRAW_INTERVAL_MS = 100;
const BAR_WIDTH = 30;
/** Without a known size, a line per this many bytes shows the download is alive. */
const UNKNOWN_SIZE_STEP_BYTES = 64 * MEGABYTE;

/**
 * `dramatis models pull <url> [--sha256 HEX]` and `dramatis models list [--json]`, over the GGUF files
 * in `<dataDir>/models`. Returns the exit code; bad input throws an Error with a clear message.
 *
 * @example
 * await modelsCommand({ action: "list", positionals: [], values: { json: true }, config, print: console.log });
 */
export async function modelsCommand(options: ModelsCommandOptions): Promise<number> {
  const directory = path.join(options.config.dataDir, "models");
  if (options.action === "pull") return pullModel(options, directory);
  if (options.action === "list") return printModelList(options, directory);
  throw new Error(`unknown models command ${options.action ?? "(none)"}: expected pull or list`);
}

async function pullModel(options: ModelsCommandOptions, directory: string): Promise<number> {
  const [url, ...extra] = options.positionals;
  if (url === undefined)
    throw new Error("models pull needs a URL: dramatis models pull <url> [--sha256 HEX]");
  if (extra.length > 0) throw new Error(`models pull takes one URL, got also: ${extra.join(" ")}`);
  const sha256 = options.values.sha256;
  if (sha256 !== undefined && typeof sha256 !== "string") throw new Error("--sha256 needs a value");
  const progress = createProgressReporter(options.progressOutput ?? process.stderr);
  const model = await downloadModel({ url, directory, sha256, onProgress: progress.update }).finally(
    progress.end,
  );
  if (options.values.json) {
    options.print(JSON.stringify(model));
  } else {
    const verb = model.alreadyPresent ? "Already downloaded" : "Saved";
    options.print(
      `${verb} local/${model.name} at ${model.file} (${formatMegabytes(model.bytes)} MB), sha256 ${model.sha256}`,
    );
  }
  return 0;
}

async function printModelList(options: ModelsCommandOptions, directory: string): Promise<number> {
  if (options.positionals.length > 0)
    throw new Error(`models list takes no arguments, got: ${options.positionals.join(" ")}`);
  const models = await listModels(directory);
  if (options.values.json) {
    options.print(
      JSON.stringify(
        models.map((model) => ({
          ...model,
          id: `local/${model.name}`,
          modified: model.modified.toISOString(),
        })),
      ),
    );
    return 0;
  }
  if (models.length === 0) {
    options.print(`No models in ${directory}. Download one with: dramatis models pull <url-of-a-.gguf-file>`);
    return 0;
  }
  const rows = models.map((model) => [
    model.name,
    formatMegabytes(model.bytes),
    model.modified.toISOString(),
  ]);
  printTable(options.print, ["name", "size_mb", "modified"], rows);
  return 0;
}

/**
 * On a terminal, one bar redrawn in place; elsewhere (logs, CI), a line per 10% so the output stays
 * readable when it cannot be overwritten.
 */
function createProgressReporter(output: ProgressOutput): {
  update: (progress: DownloadProgress) => void;
  end: () => void;
} {
  let lastDraw = 0;
  let lastStep = -1;
  let drewBar = false;
  let announcedResume = false;
  const update = (progress: DownloadProgress) => {
    if (progress.resumedFromBytes > 0 && !announcedResume) {
      announcedResume = true;
      output.write(`Resuming ${progress.fileName} from ${formatMegabytes(progress.resumedFromBytes)} MB\n`);
    }
    const finished = progress.totalBytes !== undefined && progress.receivedBytes >= progress.totalBytes;
    if (output.isTTY) {
      const now = Date.now();
      if (!finished && now - lastDraw < REDRAW_INTERVAL_MS) return;
      lastDraw = now;
      drewBar = true;
      output.write(`\r${renderBar(progress)}`);
      return;
    }
    const step =
      progress.totalBytes === undefined
        ? Math.floor(progress.receivedBytes / UNKNOWN_SIZE_STEP_BYTES)
        : Math.floor((progress.receivedBytes / Math.max(progress.totalBytes, 1)) * 10);
    if (step === lastStep) return;
    lastStep = step;
    output.write(`${progress.fileName}: ${describeAmount(progress)}\n`);
  };
  const end = () => {
    if (drewBar) output.write("\n");
  };
  return { update, end };
}

function renderBar(progress: DownloadProgress): string {
  if (progress.totalBytes === undefined) return `${progress.fileName} ${describeAmount(progress)}`;
  const fraction = Math.min(1, progress.receivedBytes / Math.max(progress.totalBytes, 1));
  const filled = Math.round(fraction * BAR_WIDTH);
  return `${progress.fileName} [${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}] ${describeAmount(progress)}`;
}

function describeAmount(progress: DownloadProgress): string {
  const received = formatMegabytes(progress.receivedBytes);
  if (progress.totalBytes === undefined) return `${received} MB`;
  const percent = Math.floor((progress.receivedBytes / Math.max(progress.totalBytes, 1)) * 100);
  return `${String(percent).padStart(3)}% (${received} of ${formatMegabytes(progress.totalBytes)} MB)`;
}

function formatMegabytes(bytes: number): string {
  return (bytes / MEGABYTE).toFixed(bytes < 10 * MEGABYTE ? 2 : 1);
}

function printTable(print: (line: string) => void, columns: string[], rows: string[][]): void {
  for (const line of formatTable(columns, rows)) print(line);
}
