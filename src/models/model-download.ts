import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";

/**
 * Downloads GGUF model files into a models directory. Bytes go to `<name>.part` first and are renamed
 * into place only when complete (and verified), so a `*.gguf` in the directory is always whole; an
 * interrupted download is resumed with an HTTP Range request on the next attempt.
 */

/** Progress of one download; `totalBytes` is undefined when the server sends no length. */
export interface DownloadProgress {
  fileName: string;
  receivedBytes: number;
  totalBytes: number | undefined;
  /** Bytes that were already in the `.part` file when this attempt started. */
  resumedFromBytes: number;
}

export interface DownloadModelOptions {
  url: string;
  directory: string;
  /** Expected SHA-256 in hex; a mismatch deletes the download and throws. */
  sha256?: string;
  fetch?: typeof globalThis.fetch;
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
}

export interface DownloadedModel {
  /** Model name: the file name without `.gguf`. */
  name: string;
  file: string;
  bytes: number;
  sha256: string;
  /** True when the file was already complete in the directory and nothing was downloaded. */
  alreadyPresent: boolean;
  resumedFromBytes: number;
}

export interface ListedModelFile {
  name: string;
  file: string;
  bytes: number;
  modified: Date;
}

/** A download failed in a way the user can act on; the message says how. */
export class ModelDownloadError extends Error {
  /** True for failures another attempt may get past (network, server errors, a cut connection). */
  readonly retryable: boolean;

  constructor(message: string, options: { retryable?: boolean } = {}) {
    super(message);
    this.name = "ModelDownloadError";
    this.retryable = options.retryable ?? false;
  }
}

/**
 * Downloads a `.gguf` file into `directory`, resuming a previous partial download and verifying the
 * SHA-256 when given. Returns the existing file when it is already there.
 *
 * @example
 * const model = await downloadModel({
 *   url: "https://huggingface.co/org/repo/resolve/main/tiny.Q4_K_M.gguf",
 *   directory: "./data/models",
 *   onProgress: ({ receivedBytes, totalBytes }) => console.log(receivedBytes, totalBytes),
 * });
 * console.log(model.file, model.sha256);
 */
export async function downloadModel(options: DownloadModelOptions): Promise<DownloadedModel> {
  const url = parseDownloadUrl(options.url);
  const expectedSha256 = normalizeSha256(options.sha256);
  const fetchImplementation = options.fetch ?? globalThis.fetch;
  await mkdir(options.directory, { recursive: true });

  const nameFromUrl = fileNameFromUrl(url);
  if (nameFromUrl !== undefined) {
    const existing = await findExisting(options.directory, nameFromUrl, expectedSha256);
    if (existing) return existing;
  }
  let partBytes = nameFromUrl === undefined ? 0 : await fileSize(partPath(options.directory, nameFromUrl));
  let response = await request({
    fetch: fetchImplementation,
    url,
    fromByte: partBytes,
    signal: options.signal,
  });
  const fileName = nameFromUrl ?? fileNameFromContentDisposition(response, url);

  if (nameFromUrl === undefined) {
    // The name was unknown before this response, so any partial file could not be offered for resuming.
    const existing = await findExisting(options.directory, fileName, expectedSha256);
    partBytes = await fileSize(partPath(options.directory, fileName));
    if (existing || partBytes > 0) await response.body?.cancel();
    if (existing) return existing;
    if (partBytes > 0) {
      response = await request({
        fetch: fetchImplementation,
        url,
        fromByte: partBytes,
        signal: options.signal,
      });
    }
  }

  const part = partPath(options.directory, fileName);
  let plan = await planWrite(response, partBytes, part);
  if (plan.restart) {
    response = await request({ fetch: fetchImplementation, url, fromByte: 0, signal: options.signal });
    plan = await planWrite(response, 0, part);
    if (plan.restart) {
      throw new ModelDownloadError(`${url.href} answered a plain download with HTTP ${response.status}`);
    }
  }
  const hash = createHash("sha256");
  if (plan.startByte > 0) await hashFile(part, hash);
  const receivedBytes = await writeBody({
    response,
    part,
    hash,
    startByte: plan.startByte,
    totalBytes: plan.totalBytes,
    report: (received) =>
      options.onProgress?.({
        fileName,
        receivedBytes: received,
        totalBytes: plan.totalBytes,
        resumedFromBytes: plan.startByte,
      }),
  });

  const sha256 = hash.digest("hex");
  if (expectedSha256 !== undefined && sha256 !== expectedSha256) {
    await rm(part, { force: true });
    throw new ModelDownloadError(
      `SHA-256 mismatch for ${fileName}: expected ${expectedSha256}, got ${sha256}; the download was deleted`,
    );
  }
  const file = path.join(options.directory, fileName);
  await rename(part, file);
  return {
    name: modelNameOf(fileName),
    file,
    bytes: receivedBytes,
    sha256,
    alreadyPresent: false,
    resumedFromBytes: plan.startByte,
  };
}

/**
 * The `*.gguf` files in a directory, sorted by name; an empty list when the directory does not exist.
 *
 * @example (await listModels("./data/models")).map((model) => model.name) // ["stories260K"]
 */
export async function listModels(directory: string): Promise<ListedModelFile[]> {
  let entries;
  try {
    entries = await readdir(directory, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const models = await Promise.all(
    entries
      .filter((entry) => entry.isFile() && isGgufName(entry.name))
      .map(async (entry) => {
        const file = path.join(directory, entry.name);
        const details = await stat(file);
        return { name: modelNameOf(entry.name), file, bytes: details.size, modified: details.mtime };
      }),
  );
  return models.sort((left, right) => left.name.localeCompare(right.name));
}

function parseDownloadUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ModelDownloadError(`${JSON.stringify(text)} is not a URL; expected an http:// or https:// URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ModelDownloadError(`only http:// and https:// URLs can be downloaded, not ${url.protocol}`);
  }
  return url;
}

function normalizeSha256(sha256: string | undefined): string | undefined {
  if (sha256 === undefined) return undefined;
  const normalized = sha256.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(normalized)) {
    throw new ModelDownloadError(`--sha256 must be 64 hexadecimal characters, got ${JSON.stringify(sha256)}`);
  }
  return normalized;
}

/** The last URL path segment when it names a `.gguf` file; undefined when the URL does not say. */
function fileNameFromUrl(url: URL): string | undefined {
  const segment = url.pathname.split("/").at(-1) ?? "";
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    throw new ModelDownloadError(
      `the URL path ${JSON.stringify(url.pathname)} is not valid percent-encoding`,
    );
  }
  if (!/\.gguf$/i.test(decoded)) return undefined;
  return validateFileName(decoded);
}

/** `filename*=UTF-8''name.gguf` (preferred, RFC 6266) or `filename="name.gguf"`. */
function fileNameFromContentDisposition(response: Response, url: URL): string {
  const header = response.headers.get("content-disposition") ?? "";
  const extended = /filename\*\s*=\s*[^']*'[^']*'([^;]+)/i.exec(header)?.[1];
  const plain = /filename\s*=\s*(?:"([^"]*)"|([^;]+))/i.exec(header);
  let name: string | undefined;
  try {
    name = extended === undefined ? (plain?.[1] ?? plain?.[2])?.trim() : decodeURIComponent(extended.trim());
  } catch {
    name = undefined;
  }
  if (!name) {
    void response.body?.cancel();
    throw new ModelDownloadError(
      `cannot tell the file name of ${url.href}: the URL path does not end in .gguf and the server sent no file name`,
    );
  }
  try {
    if (!isGgufName(name))
      throw new ModelDownloadError(
        `the server names the file ${JSON.stringify(name)}, which is not a .gguf file`,
      );
    return validateFileName(name);
  } catch (error) {
    void response.body?.cancel();
    throw error;
  }
}

/** Rejects names that could leave the directory or hide (path separators, `..`, leading dot, NUL). */
function validateFileName(name: string): string {
  if (/[/\\\0]/.test(name) || name.startsWith(".") || name.length > 255 || !isGgufName(name)) {
    throw new ModelDownloadError(
      `refusing the file name ${JSON.stringify(name)}: expected a plain <name>.gguf`,
    );
  }
  return name;
}

function isGgufName(name: string): boolean {
  return /^.+\.gguf$/i.test(name);
}

function modelNameOf(fileName: string): string {
  return fileName.slice(0, -".gguf".length);
}

function partPath(directory: string, fileName: string): string {
  return path.join(directory, `${fileName}.part`);
}

async function fileSize(file: string): Promise<number> {
  return (await stat(file).catch(() => undefined))?.size ?? 0;
}

async function findExisting(
  directory: string,
  fileName: string,
  expectedSha256: string | undefined,
): Promise<DownloadedModel | undefined> {
  const file = path.join(directory, fileName);
  const details = await stat(file).catch(() => undefined);
  if (!details?.isFile()) return undefined;
  const hash = createHash("sha256");
  await hashFile(file, hash);
  const sha256 = hash.digest("hex");
  if (expectedSha256 !== undefined && sha256 !== expectedSha256) {
    throw new ModelDownloadError(
      `${file} already exists with SHA-256 ${sha256}, not ${expectedSha256}; delete it to download again`,
    );
  }
  return {
    name: modelNameOf(fileName),
    file,
    bytes: details.size,
    sha256,
    alreadyPresent: true,
    resumedFromBytes: 0,
  };
}

async function request(options: {
  fetch: typeof globalThis.fetch;
  url: URL;
  fromByte: number;
  signal: AbortSignal | undefined;
}): Promise<Response> {
  // Identity encoding: byte offsets and lengths must count the file's bytes, not compressed ones.
  const headers: Record<string, string> = { "accept-encoding": "identity" };
  if (options.fromByte > 0) headers.range = `bytes=${options.fromByte}-`;
  let response: Response;
  try {
    response = await options.fetch(options.url, { headers, redirect: "follow", signal: options.signal });
  } catch (error) {
    throw new ModelDownloadError(`could not reach ${options.url.href}: ${(error as Error).message}`, {
      retryable: true,
    });
  }
  // 416 is not an error here: it is how a server says a partial file is already complete.
  if (!response.ok && response.status !== 416) {
    void response.body?.cancel();
    throw new ModelDownloadError(`downloading ${options.url.href} failed with HTTP ${response.status}`, {
      retryable: response.status >= 500 || response.status === 429,
    });
  }
  return response;
}

/**
 * Decides how to use a response given the partial file: append after a matching 206, start over after
 * a 200 (the server ignored Range), finish at once after a 416 for a complete part, else restart.
 */
async function planWrite(
  response: Response,
  partBytes: number,
  part: string,
): Promise<{ startByte: number; totalBytes: number | undefined; restart: boolean }> {
  const length = Number(response.headers.get("content-length") ?? Number.NaN);
  const contentRange = /bytes\s+(\d+|\*)-?(\d*)\/(\d+|\*)/i.exec(response.headers.get("content-range") ?? "");
  const rangeTotal =
    contentRange?.[3] === undefined || contentRange[3] === "*" ? undefined : Number(contentRange[3]);
  if (response.status === 206 && partBytes > 0 && contentRange?.[1] === String(partBytes)) {
    return {
      startByte: partBytes,
      totalBytes: rangeTotal ?? (Number.isFinite(length) ? partBytes + length : undefined),
      restart: false,
    };
  }
  if (response.status === 416 && partBytes > 0 && rangeTotal === partBytes) {
    return { startByte: partBytes, totalBytes: partBytes, restart: false };
  }
  if (response.status === 200) {
    await rm(part, { force: true });
    return { startByte: 0, totalBytes: Number.isFinite(length) ? length : undefined, restart: false };
  }
  // A 206 for another range or a 416 for a part that does not match: the part cannot be trusted.
  void response.body?.cancel();
  await rm(part, { force: true });
  return { startByte: 0, totalBytes: undefined, restart: true };
}

async function writeBody(options: {
  response: Response;
  part: string;
  hash: Hash;
  startByte: number;
  totalBytes: number | undefined;
  report: (receivedBytes: number) => void;
}): Promise<number> {
  let received = options.startByte;
  if (options.response.status === 416) {
    options.report(received);
    return received;
  }
  const handle = await open(options.part, options.startByte > 0 ? "a" : "w");
  try {
    options.report(received);
    if (options.response.body) {
      for await (const chunk of options.response.body as AsyncIterable<Uint8Array>) {
        await handle.write(chunk);
        options.hash.update(chunk);
        received += chunk.byteLength;
        options.report(received);
      }
    }
    await handle.sync(); // the rename below must not publish a file whose bytes are still in the page cache
  } catch (error) {
    throw new ModelDownloadError(
      `the download was interrupted after ${received} bytes (${(error as Error).message}); run it again to resume`,
      { retryable: true },
    );
  } finally {
    await handle.close();
  }
  if (options.totalBytes !== undefined && received !== options.totalBytes) {
    throw new ModelDownloadError(
      `the server sent ${received} of ${options.totalBytes} bytes; run the download again to resume`,
      { retryable: true },
    );
  }
  return received;
}

async function hashFile(file: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
}
