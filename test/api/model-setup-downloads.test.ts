import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalGgufProvider } from "../../src/models/local-gguf-provider.ts";
import type { CatalogEntry } from "../../src/models/model-catalog.ts";
import { createModelFiles } from "../../src/models/model-files.ts";
import { ModelRegistry } from "../../src/models/model-registry.ts";
import { createOfflineProvider } from "../../src/models/offline-model.ts";
import { createTestApp, type TestApp } from "../test-app.ts";

const GGUF = readFileSync(new URL("../../../shared/models/stories260K.gguf", import.meta.url));
const SHA256 = createHash("sha256").update(GGUF).digest("hex");

/**
 * A file server with Range support serving the test GGUF at any `.gguf` path; the first plain request
 * for `cutPath` sends half the bytes and drops the connection, as a flaky network would.
 */
async function startFileServer(cutPath: string) {
  const requests: { path: string; range: string | undefined }[] = [];
  let cut = false;
  const server = http.createServer((request, response) => {
    const url = request.url ?? "";
    requests.push({ path: url, range: request.headers.range });
    if (!url.endsWith(".gguf")) {
      response.statusCode = 404;
      response.end();
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? "");
    if (range) {
      const start = Number(range[1]);
      response.writeHead(206, {
        "content-length": String(GGUF.length - start),
        "content-range": `bytes ${start}-${GGUF.length - 1}/${GGUF.length}`,
        "accept-ranges": "bytes",
      });
      response.end(GGUF.subarray(start));
      return;
    }
    response.writeHead(200, { "content-length": String(GGUF.length), "accept-ranges": "bytes" });
    if (url === cutPath && !cut) {
      cut = true;
      // A clean close (FIN) after half the bytes: a reset could make the client's kernel drop bytes it
      // had not read yet, so how many arrive would depend on timing.
      response.write(GGUF.subarray(0, Math.floor(GGUF.length / 2)), () => response.socket?.end());
      return;
    }
    response.end(GGUF);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("model setup: curated model downloads", () => {
  let app: TestApp;
  let files: Awaited<ReturnType<typeof startFileServer>>;
  let directory: string;
  let otherKey: string;

  beforeAll(async () => {
    files = await startFileServer("/models/stories260K.gguf");
    directory = mkdtempSync(path.join(os.tmpdir(), "dramatis-downloads-"));
    const catalog: CatalogEntry[] = [
      {
        id: "stories",
        name: "Stories 260K",
        description: "A tiny test model",
        size_bytes: GGUF.length,
        licence: "MIT",
        sha256: SHA256,
        url: `${files.origin}/models/stories260K.gguf`,
      },
      {
        id: "tampered",
        name: "Tampered",
        description: "Its hash does not match",
        size_bytes: GGUF.length,
        licence: "MIT",
        sha256: "0".repeat(64),
        url: `${files.origin}/other/tampered.gguf`,
      },
    ];
    app = await createTestApp({
      models: new ModelRegistry(
        [createOfflineProvider(), createLocalGgufProvider({ modelsDirectory: directory })],
        "offline/default",
      ),
      modelDownloads: { catalog, files: createModelFiles(directory) },
    });
    otherKey = (await (await app.request("/v1/tenants", { method: "POST", json: { name: "Other" } })).json())
      .admin_key;
  });
  afterAll(async () => {
    await app.close();
    await files.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it("lists the catalog with what is downloaded", async () => {
    const { data } = await app.client().GET("/v1/model-setup/downloads/catalog");
    expect(data?.models.map((model) => [model.id, model.model_id, model.downloaded])).toEqual([
      ["stories", "local/stories260K", false],
      ["tampered", "local/tampered", false],
    ]);
  });

  it("downloads in the background, resumes a cut download with Range, verifies it, and offers the model", async () => {
    const started = await app.client().POST("/v1/model-setup/downloads", { body: { catalog_id: "stories" } });
    expect(started.response.status).toBe(202);
    expect(started.data).toMatchObject({ catalog_id: "stories", status: "queued", total_bytes: GGUF.length });
    const id = started.data!.id;

    // The first attempt is cut half-way: the download waits for its retry with the bytes it has.
    await app.settleJobs("model-download");
    const cut = await app.client().GET("/v1/model-setup/downloads/{id}", { params: { path: { id } } });
    expect(cut.data).toMatchObject({ status: "queued", error: expect.stringMatching(/interrupted/) });
    // What was kept is what arrived before the cut: the retry asks for the rest from there.
    const kept = cut.data!.received_bytes;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(Math.floor(GGUF.length / 2));

    app.clock.advance(60_000);
    await app.settleJobs("model-download");
    const done = await app.client().GET("/v1/model-setup/downloads/{id}", { params: { path: { id } } });
    expect(done.data).toMatchObject({
      status: "done",
      received_bytes: GGUF.length,
      total_bytes: GGUF.length,
    });
    expect(done.data?.error).toBeUndefined();
    const fetched = files.requests.filter((request) => request.path === "/models/stories260K.gguf");
    expect(fetched.map((request) => request.range)).toEqual([undefined, `bytes=${kept}-`]);
    expect(
      createHash("sha256")
        .update(readFileSync(path.join(directory, "stories260K.gguf")))
        .digest("hex"),
    ).toBe(SHA256);

    const again = await app.client().POST("/v1/model-setup/downloads", { body: { catalog_id: "stories" } });
    expect(again.data).toMatchObject({ id, status: "done" });
    const models = await app.client().GET("/v1/model-setup/models", { params: { query: { q: "stories" } } });
    expect(models.data?.models).toEqual([
      expect.objectContaining({ id: "local/stories260K", provider: "local", source: "local" }),
    ]);
    const catalog = await app.client().GET("/v1/model-setup/downloads/catalog");
    expect(catalog.data?.models.find((model) => model.id === "stories")?.downloaded).toBe(true);
    const listed = await app.client().GET("/v1/model-setup/downloads");
    expect(listed.data?.downloads.map((download) => download.id)).toContain(id);
  });

  it("fails a download whose SHA-256 does not match, saying so, and keeps no file", async () => {
    const started = await app
      .client()
      .POST("/v1/model-setup/downloads", { body: { catalog_id: "tampered" } });
    await app.settleJobs("model-download");
    const failed = await app.client().GET("/v1/model-setup/downloads/{id}", {
      params: { path: { id: started.data!.id } },
    });
    expect(failed.data).toMatchObject({ status: "failed", error: expect.stringMatching(/SHA-256 mismatch/) });
    const catalog = await app.client().GET("/v1/model-setup/downloads/catalog");
    expect(catalog.data?.models.find((model) => model.id === "tampered")?.downloaded).toBe(false);
  });

  it("refuses unknown entries (422), other tenants (403) and unknown downloads (404)", async () => {
    const unknown = await app.request("/v1/model-setup/downloads", {
      method: "POST",
      json: { catalog_id: "nope" },
    });
    expect(unknown.status).toBe(422);
    expect((await unknown.json()).errors[0].field).toBe("catalog_id");
    const other = await app.request("/v1/model-setup/downloads", {
      key: otherKey,
      method: "POST",
      json: { catalog_id: "stories" },
    });
    expect(other.status).toBe(403);
    expect((await app.request("/v1/model-setup/downloads/mdl_missing")).status).toBe(404);
  });
});
