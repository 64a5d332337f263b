import fs from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { DramatisApiError, unwrap, type DramatisClient, type Schema } from "@dramatis/sdk";
import { ClientCommandError, runClientAction } from "./client-action.ts";
import { collectPages, ServerUnreachableError, type ServerFetch } from "./server-connection.ts";

/**
 * `dramatis memories import|search|export`: bulk memory work against a running Dramatis server, over the
 * same REST API any client uses (no database access). Uploads and downloads stream, so a file of a million
 * memories is never held in memory by this process.
 */

export interface MemoriesCommandOptions {
  /** `import`, `search` or `export`. */
  action: string | undefined;
  /** The words after the action: PERSONA, then FILE or QUERY words. */
  positionals: string[];
  /** Parsed flags: `url`, `key`, `user`, `json`, `k`, `as-of`. */
  values: Record<string, string | boolean | undefined>;
  /** Read for DRAMATIS_URL, DRAMATIS_API_KEY and DRAMATIS_USER. */
  environment: Record<string, string | undefined>;
  /** Read by `import PERSONA -`. */
  input: NodeJS.ReadableStream;
  /** Reports, search results, and `export` without a FILE. */
  output: NodeJS.WritableStream;
  /** Failures and the `export` summary (stderr from the CLI); defaults to a line on `output`. */
  printError?: (line: string) => void;
  fetch?: ServerFetch;
}

const PAGE_LIMIT = 200;
/** Import errors printed; the server lists at most 100 and counts the rest. */
const SHOWN_ERROR_LIMIT = 20;
const CANDIDATE_LIMIT = 25;

type Persona = Schema<"Persona">;

/**
 * Runs `dramatis memories ACTION …` and returns the exit code: 0, 1 when something failed (including
 * any item an import rejected), 2 for a wrong command line.
 *
 * @example
 * const code = await memoriesCommand({
 *   action: "import", positionals: ["Mira", "memories.jsonl"], values: { key: "dra_…" },
 *   environment: process.env, input: process.stdin, output: process.stdout,
 * });
 */
export async function memoriesCommand(options: MemoriesCommandOptions): Promise<number> {
  const printError = options.printError ?? ((line: string) => options.output.write(`${line}\n`));
  const io = { ...options, printError };
  return runClientAction(
    "dramatis memories",
    options.action ?? "",
    ACTIONS,
    io,
    (run, connect) => run(io, connect),
    `unknown memories command ${options.action ?? "(none)"}: expected import, search or export`,
  );
}

type ActionOptions = MemoriesCommandOptions & { printError: (line: string) => void };

/** Each action checks its command line before it connects: a mistake there shows before a missing key. */
const ACTIONS: Record<string, (options: ActionOptions, connect: () => DramatisClient) => Promise<number>> = {
  import: importMemories,
  search: searchMemories,
  export: exportMemories,
};

async function importMemories(options: ActionOptions, connect: () => DramatisClient): Promise<number> {
  const [reference, file, ...extra] = options.positionals;
  if (!reference || !file || extra.length > 0) {
    throw new ClientCommandError("usage: dramatis memories import PERSONA FILE (or - for stdin)", 2);
  }
  const api = connect();
  if (file !== "-") await checkReadableFile(file);
  const persona = await resolvePersona(api, reference);
  const jsonLines = file === "-" || /\.(jsonl|ndjson)$/i.test(file);
  const source: AsyncIterable<Uint8Array | string> = file === "-" ? options.input : fs.createReadStream(file);
  // Sent as it is: the server accepts exported memories and relinks their revisions.
  const upload = new UploadSource(source);
  let report: Schema<"MemoryImportReport">;
  try {
    report = await unwrap(
      api.POST("/v1/personas/{id}/memories/import", {
        params: { path: { id: persona.id } },
        // The file goes up as it is read, so a large one is never held whole: the body is a stream of
        // its bytes, not the typed array the schema describes.
        body: toWebStream(upload) as unknown as Schema<"MemoryInput">[],
        bodySerializer: (body) => body,
        headers: { "content-type": jsonLines ? "application/x-ndjson" : "application/json" },
        // A streamed upload is sent as it is read (undici requires saying so).
        duplex: "half",
      }),
    );
  } catch (error) {
    if (upload.error) {
      throw new ClientCommandError(`cannot read ${file === "-" ? "stdin" : file}: ${upload.error.message}`);
    }
    throw error;
  }
  if (options.values.json) {
    writeLine(options.output, JSON.stringify(report));
  } else {
    writeLine(
      options.output,
      `Imported ${report.imported} ${report.imported === 1 ? "memory" : "memories"} (${report.failed} failed)`,
    );
    const shown = report.errors.slice(0, SHOWN_ERROR_LIMIT);
    for (const error of shown) {
      writeLine(options.output, `  item ${error.index}, ${error.field}: ${error.message}`);
    }
    if (report.failed > shown.length)
      writeLine(options.output, `  … and ${report.failed - shown.length} more`);
  }
  return report.failed > 0 ? 1 : 0;
}

async function searchMemories(options: ActionOptions, connect: () => DramatisClient): Promise<number> {
  const [reference, ...words] = options.positionals;
  const query = words.join(" ").trim();
  if (!reference || !query) {
    throw new ClientCommandError(
      "usage: dramatis memories search PERSONA QUERY... [--k N] [--as-of TIME]",
      2,
    );
  }
  const k = readK(options.values.k);
  const asOf = readAsOf(options.values["as-of"]);
  const api = connect();
  const persona = await resolvePersona(api, reference);
  const result = await unwrap(
    api.POST("/v1/personas/{id}/memories/search", {
      params: { path: { id: persona.id } },
      body: { query, ...(k === undefined ? {} : { k }), ...(asOf ? { as_of: asOf } : {}) },
    }),
  );
  if (options.values.json) {
    writeLine(options.output, JSON.stringify(result));
    return 0;
  }
  if (result.data.length === 0) {
    writeLine(options.output, `No memories of ${persona.name} match "${query}".`);
    return 0;
  }
  const width = String(result.data.length).length;
  result.data.forEach((item, index) => {
    const { memory, components } = item;
    const owner = memory.owner === "timeline" ? "" : `  (${memory.owner})`;
    writeLine(
      options.output,
      `${String(index + 1).padStart(width)}. ${item.score.toFixed(2)}  ${memory.type}  strength ${memory.strength}` +
        `${owner}  ${memory.facts.replace(/\s+/g, " ").trim()}`,
    );
    const parts =
      components.vector === null
        ? ""
        : ` (text ${fixed(components.text)}, vector ${fixed(components.vector)})`;
    writeLine(
      options.output,
      `${" ".repeat(width + 2)}relevance ${fixed(components.relevance)}${parts} · ` +
        `importance ${fixed(components.importance)} · recency ${fixed(components.recency)}`,
    );
  });
  return 0;
}

async function exportMemories(options: ActionOptions, connect: () => DramatisClient): Promise<number> {
  const [reference, file, ...extra] = options.positionals;
  if (!reference || extra.length > 0) {
    throw new ClientCommandError("usage: dramatis memories export PERSONA [FILE]", 2);
  }
  const api = connect();
  const persona = await resolvePersona(api, reference);
  const body = await unwrap(
    api.GET("/v1/personas/{id}/memories/export", { params: { path: { id: persona.id } }, parseAs: "stream" }),
  );
  if (!file || file === "-") {
    try {
      // stdout stays open for whoever writes after this command.
      await copyLines(body, options.output, { end: false });
    } catch (error) {
      // A reader that stopped early (`| head`) is not a failure.
      if ((error as { code?: string }).code !== "EPIPE") throw error;
    }
    return 0;
  }
  // Written beside the target and renamed at the end, so a failed export never replaces a good file.
  const partial = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.partial`);
  try {
    const lines = await copyLines(body, fs.createWriteStream(partial), { end: true });
    await fs.promises.rename(partial, file);
    options.printError(`Exported ${lines} ${lines === 1 ? "memory" : "memories"} to ${file}`);
    return 0;
  } catch (error) {
    await fs.promises.rm(partial, { force: true });
    if (error instanceof ClientCommandError) throw error;
    throw new ClientCommandError(`cannot write ${file}: ${describeFileError(error)}`);
  }
}

/** Streams a JSON Lines body with backpressure and returns how many lines it had. */
async function copyLines(
  body: ReadableStream<Uint8Array> | null | undefined,
  destination: NodeJS.WritableStream,
  options: { end: boolean },
): Promise<number> {
  let lines = 0;
  let readError: Error | undefined;
  async function* counted(): AsyncGenerator<Uint8Array> {
    if (!body) return;
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        for (const byte of chunk) if (byte === 10) lines += 1;
        yield chunk;
      }
    } catch (error) {
      readError = error as Error;
      throw error;
    }
  }
  try {
    await pipeline(counted, destination, { end: options.end });
  } catch (error) {
    if (!readError) throw error;
    const reason = readError instanceof ServerUnreachableError ? readError.reason : readError.message;
    throw new ClientCommandError(`the export broke off after ${lines} memories (${reason}); run it again`);
  }
  return lines;
}

function fixed(value: number): string {
  return value.toFixed(2);
}

function writeLine(output: NodeJS.WritableStream, line: string): void {
  output.write(`${line}\n`);
}

function readK(value: string | boolean | undefined): number | undefined {
  if (value === undefined) return undefined;
  const k = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!(k >= 1 && k <= 100)) {
    throw new ClientCommandError(`--k: expected a whole number from 1 to 100, got ${String(value)}`, 2);
  }
  return k;
}

/** An ISO 8601 time; a bare date (2024-05-01) or a time without an offset is taken as UTC. */
function readAsOf(value: string | boolean | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === "string" ? value.trim() : "";
  const withZone = text.includes("T") && !/([zZ]|[+-]\d{2}:?\d{2})$/.test(text) ? `${text}Z` : text;
  const time = /^\d{4}-\d{2}-\d{2}/.test(text) ? new Date(withZone) : undefined;
  if (!time || Number.isNaN(time.getTime())) {
    throw new ClientCommandError(
      `--as-of: expected a time like 2024-05-01T12:00:00Z (or a date), got ${String(value)}`,
      2,
    );
  }
  return time.toISOString();
}

async function checkReadableFile(file: string): Promise<void> {
  let stats: fs.Stats;
  try {
    stats = await fs.promises.stat(file);
    await fs.promises.access(file, fs.constants.R_OK);
  } catch (error) {
    throw new ClientCommandError(`cannot read ${file}: ${describeFileError(error)}`);
  }
  if (!stats.isFile()) throw new ClientCommandError(`cannot read ${file}: it is not a file`);
}

function describeFileError(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === "ENOENT") return "no such file or directory";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  return (error as Error).message;
}

/** The upload's bytes; remembers why reading failed, since fetch reports only a failed request. */
class UploadSource implements AsyncIterable<Uint8Array> {
  error: Error | undefined;

  constructor(private readonly source: AsyncIterable<Uint8Array | string>) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    const encoder = new TextEncoder();
    try {
      for await (const chunk of this.source) yield typeof chunk === "string" ? encoder.encode(chunk) : chunk;
    } catch (error) {
      this.error = error as Error;
      throw error;
    }
  }
}

function toWebStream(chunks: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = chunks[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

/** A persona by id, else by name case-insensitively: a whole name first, then the start of a word. */
async function resolvePersona(api: DramatisClient, reference: string): Promise<Persona> {
  const trimmed = reference.trim();
  if (!/\s/.test(trimmed)) {
    try {
      return await unwrap(api.GET("/v1/personas/{id}", { params: { path: { id: trimmed } } }));
    } catch (error) {
      if (!(error instanceof DramatisApiError && (error.status === 404 || error.status === 405))) throw error;
    }
  }
  const personas = await collectPages((after) =>
    unwrap(
      api.GET("/v1/personas", { params: { query: { limit: PAGE_LIMIT, ...(after ? { after } : {}) } } }),
    ),
  );
  const wanted = trimmed.toLowerCase();
  const exact = personas.filter((persona) => persona.name.toLowerCase() === wanted);
  const starting = personas.filter((persona) =>
    persona.name
      .toLowerCase()
      .split(/\s+/)
      .some((_word, index, words) => words.slice(index).join(" ").startsWith(wanted)),
  );
  const describe = (persona: Persona) =>
    `  ${persona.name} (${persona.id}${persona.kind === "preset" ? ", preset" : ""})`;
  const list = (items: Persona[]) =>
    items
      .slice(0, CANDIDATE_LIMIT)
      .map(describe)
      .concat(items.length > CANDIDATE_LIMIT ? [`  … and ${items.length - CANDIDATE_LIMIT} more`] : [])
      .join("\n");
  for (const group of [exact, starting]) {
    if (group.length === 0) continue;
    // The tenant's own persona wins over a preset of the same name.
    const own = group.filter((persona) => persona.kind === "persona");
    const narrowed = own.length > 0 ? own : group;
    if (narrowed.length === 1) return narrowed[0] as Persona;
    throw new ClientCommandError(
      `"${reference}" matches more than one persona; give the id:\n${list(narrowed)}`,
    );
  }
  const ordered = [...personas].sort(
    (left, right) => Number(left.kind === "preset") - Number(right.kind === "preset"),
  );
  throw new ClientCommandError(
    `no persona named "${reference}"; ` +
      (personas.length
        ? `choose one of:\n${list(ordered)}`
        : "this tenant has none yet (POST /v1/personas creates one)"),
  );
}
