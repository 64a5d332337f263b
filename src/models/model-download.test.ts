import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { downloadModel, listModels, ModelDownloadError, type DownloadProgress } from "./model-download.ts";

const content = randomBytes(256 * 1024);
const contentSha256 = createHash("sha256").update(content).digest("hex");

/** How the loopback server treats the next requests; each test sets what it needs. */
interface ServerBehaviour {
  /** Destroy the socket after this many body bytes on the first request only. */
  cutFirstResponseAfter?: number;
  ignoreRange?: boolean;
  contentDisposition?: string;
}

let server: Server;
let baseUrl: string;
let behaviour: ServerBehaviour = {};
let requests: { url: string; range: string | undefined }[] = [];
let directory: string;

function serveModel(request: IncomingMessage, response: ServerResponse): void {
  requests.push({ url: request.url ?? "", range: request.headers.range });
  if (request.url?.startsWith("/missing")) {
    response.writeHead(404).end("not found");
    return;
  }
  const headers: Record<string, string> = { "content-type": "application/octet-stream" };
  if (behaviour.contentDisposition) headers["content-disposition"] = behaviour.contentDisposition;
  const rangeStart = /^bytes=(\d+)-$/.exec(request.headers.range ?? "")?.[1];
  if (rangeStart !== undefined && !behaviour.ignoreRange) {
    const start = Number(rangeStart);
    if (start >= content.length) {
      response.writeHead(416, { ...headers, "content-range": `bytes */${content.length}` }).end();
      return;
    }
    const body = content.subarray(start);
    response.writeHead(206, {
      ...headers,
      "content-length": String(body.length),
      "content-range": `bytes ${start}-${content.length - 1}/${content.length}`,
    });
    response.end(body);
    return;
  }
  response.writeHead(200, { ...headers, "content-length": String(content.length) });
  const cutAfter = behaviour.cutFirstResponseAfter;
  if (cutAfter !== undefined && requests.length === 1) {
    response.write(content.subarray(0, cutAfter), () => response.socket?.destroy());
    return;
  }
  response.end(content);
}

beforeAll(async () => {
  server = createServer(serveModel);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  behaviour = {};
  requests = [];
  directory = mkdtempSync(path.join(os.tmpdir(), "dramatis-download-"));
});

afterEach(() => rmSync(directory, { recursive: true, force: true }));

describe("downloadModel", () => {
  it("downloads a whole file, reports progress and returns its SHA-256", async () => {
    const progress: DownloadProgress[] = [];
    const model = await downloadModel({
      url: `${baseUrl}/files/tiny.gguf`,
      directory,
      onProgress: (update) => progress.push(update),
    });
    expect(model).toMatchObject({
      name: "tiny",
      bytes: content.length,
      sha256: contentSha256,
      alreadyPresent: false,
    });
    expect(readFileSync(model.file).equals(content)).toBe(true);
    expect(existsSync(`${model.file}.part`)).toBe(false);
    expect(progress.at(-1)).toMatchObject({ receivedBytes: content.length, totalBytes: content.length });
    expect(requests[0]?.range).toBeUndefined();
  });

  it("accepts a matching sha256 and returns an already downloaded file without a request", async () => {
    const url = `${baseUrl}/files/tiny.gguf`;
    await downloadModel({ url, directory, sha256: contentSha256.toUpperCase() });
    const again = await downloadModel({ url, directory, sha256: contentSha256 });
    expect(again).toMatchObject({ alreadyPresent: true, sha256: contentSha256 });
    expect(requests).toHaveLength(1);
  });

  it("deletes the download and throws on a sha256 mismatch", async () => {
    const wrong = "0".repeat(64);
    const attempt = downloadModel({ url: `${baseUrl}/files/tiny.gguf`, directory, sha256: wrong });
    await expect(attempt).rejects.toThrow(
      /SHA-256 mismatch for tiny\.gguf: expected 0{64}, got [0-9a-f]{64}; the download was deleted/,
    );
    expect(await listModels(directory)).toEqual([]);
    expect(existsSync(path.join(directory, "tiny.gguf.part"))).toBe(false);
  });

  it("resumes with a Range request after the connection dropped mid-way", async () => {
    behaviour = { cutFirstResponseAfter: 100_000 };
    const url = `${baseUrl}/files/tiny.gguf`;
    await expect(downloadModel({ url, directory })).rejects.toThrow(
      /interrupted after \d+ bytes.*run it again to resume/,
    );
    const partial = statSync(path.join(directory, "tiny.gguf.part")).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThanOrEqual(100_000);

    const model = await downloadModel({ url, directory, sha256: contentSha256 });
    expect(requests[1]?.range).toBe(`bytes=${partial}-`);
    expect(model).toMatchObject({ resumedFromBytes: partial, bytes: content.length, sha256: contentSha256 });
    expect(readFileSync(model.file).equals(content)).toBe(true);
  });

  it("starts over when the server ignores Range and answers 200", async () => {
    writeFileSync(path.join(directory, "tiny.gguf.part"), content.subarray(0, 5000));
    behaviour = { ignoreRange: true };
    const model = await downloadModel({
      url: `${baseUrl}/files/tiny.gguf`,
      directory,
      sha256: contentSha256,
    });
    expect(requests[0]?.range).toBe("bytes=5000-");
    expect(model).toMatchObject({ resumedFromBytes: 0, bytes: content.length });
    expect(readFileSync(model.file).equals(content)).toBe(true);
  });

  it("finishes a complete part file when the server answers 416", async () => {
    writeFileSync(path.join(directory, "tiny.gguf.part"), content);
    const model = await downloadModel({
      url: `${baseUrl}/files/tiny.gguf`,
      directory,
      sha256: contentSha256,
    });
    expect(model).toMatchObject({ resumedFromBytes: content.length, sha256: contentSha256 });
  });

  it("takes the file name from Content-Disposition when the URL has none, and resumes under it", async () => {
    behaviour = { contentDisposition: "attachment; filename*=UTF-8''named%20model.gguf" };
    writeFileSync(path.join(directory, "named model.gguf.part"), content.subarray(0, 1000));
    const model = await downloadModel({ url: `${baseUrl}/download?id=7`, directory });
    expect(model.name).toBe("named model");
    expect(requests.map((request) => request.range)).toEqual([undefined, "bytes=1000-"]);
    expect(readFileSync(model.file).equals(content)).toBe(true);
  });

  it.each([
    ["a non-http URL", { url: "file:///etc/passwd" }, /only http:\/\/ and https:\/\//],
    ["an FTP URL", { url: "ftp://example.com/model.gguf" }, /only http:\/\/ and https:\/\//],
    ["text that is no URL", { url: "model.gguf" }, /is not a URL/],
    ["a bad sha256", { url: "http://127.0.0.1/model.gguf", sha256: "abc" }, /64 hexadecimal characters/],
  ])("refuses %s", async (_label, options, message) => {
    await expect(downloadModel({ directory, ...options })).rejects.toThrow(message);
    expect(requests).toEqual([]);
  });

  it("refuses names that are not .gguf or would leave the directory", async () => {
    await expect(downloadModel({ url: `${baseUrl}/files/model.bin`, directory })).rejects.toThrow(
      /does not end in \.gguf and the server sent no file name/,
    );
    await expect(downloadModel({ url: `${baseUrl}/files/..%2F..%2Fevil.gguf`, directory })).rejects.toThrow(
      /refusing the file name "..\/..\/evil.gguf"/,
    );
    behaviour = { contentDisposition: 'attachment; filename="../evil.gguf"' };
    await expect(downloadModel({ url: `${baseUrl}/download`, directory })).rejects.toBeInstanceOf(
      ModelDownloadError,
    );
    behaviour = { contentDisposition: 'attachment; filename="weights.bin"' };
    await expect(downloadModel({ url: `${baseUrl}/download`, directory })).rejects.toThrow(
      /not a \.gguf file/,
    );
    expect(existsSync(path.join(directory, "..", "evil.gguf"))).toBe(false);
  });

  it("reports HTTP errors with the status", async () => {
    await expect(downloadModel({ url: `${baseUrl}/missing/model.gguf`, directory })).rejects.toThrow(
      /HTTP 404/,
    );
  });
});

describe("listModels", () => {
  it("lists only complete .gguf files with size and modification time", async () => {
    writeFileSync(path.join(directory, "b.gguf"), "bb");
    writeFileSync(path.join(directory, "a.gguf"), "a");
    writeFileSync(path.join(directory, "c.gguf.part"), "partial");
    writeFileSync(path.join(directory, "readme.txt"), "text");
    const models = await listModels(directory);
    expect(models.map(({ name, bytes }) => ({ name, bytes }))).toEqual([
      { name: "a", bytes: 1 },
      { name: "b", bytes: 2 },
    ]);
    expect(models[0]?.file).toBe(path.join(directory, "a.gguf"));
    expect(models[0]?.modified).toBeInstanceOf(Date);
    expect(await listModels(path.join(directory, "missing"))).toEqual([]);
  });
});
