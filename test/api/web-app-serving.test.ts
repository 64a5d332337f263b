import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { createAdaptorServer } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WEB_CONTENT_SECURITY_POLICY } from "../../src/http/web-app.ts";
import { createTestApp, type TestApp } from "../test-app.ts";

const INDEX = '<!doctype html><div id="root"></div>';
const SCRIPT = `console.log(${JSON.stringify("a compressible line. ".repeat(50))});`;

describe("serving the web app", () => {
  let app: TestApp;
  let missing: TestApp;
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-web-"));

  beforeAll(async () => {
    fs.mkdirSync(path.join(directory, "assets"));
    fs.writeFileSync(path.join(directory, "index.html"), INDEX);
    fs.writeFileSync(path.join(directory, "assets", "index-abc123.js"), "console.log(1)");
    // The twins the build precompresses, each with content of its own to tell which one was served.
    fs.writeFileSync(path.join(directory, "assets", "app-def456.js"), SCRIPT);
    fs.writeFileSync(path.join(directory, "assets", "app-def456.js.br"), zlib.brotliCompressSync(SCRIPT));
    fs.writeFileSync(path.join(directory, "assets", "app-def456.js.gz"), zlib.gzipSync(SCRIPT));
    fs.writeFileSync(path.join(directory, "index.html.br"), zlib.brotliCompressSync(INDEX));
    fs.writeFileSync(path.join(os.tmpdir(), "dramatis-secret.txt"), "secret");
    app = await createTestApp({ webDirectory: directory });
    missing = await createTestApp({ webDirectory: path.join(directory, "not-built") });
  });
  afterAll(async () => {
    await app.close();
    await missing.close();
    fs.rmSync(directory, { recursive: true, force: true });
    fs.rmSync(path.join(os.tmpdir(), "dramatis-secret.txt"), { force: true });
  });

  it("answers every screen's URL with index.html under a strict Content-Security-Policy", async () => {
    for (const screen of ["/", "/personas", "/personas/psn_1/memory", "/chat/cnv_1", "/settings/keys"]) {
      const response = await app.request(screen, { key: null });
      expect(response.status, screen).toBe(200);
      expect(await response.text()).toContain('<div id="root">');
      expect(response.headers.get("content-security-policy")).toBe(WEB_CONTENT_SECURITY_POLICY);
      expect(response.headers.get("x-frame-options")).toBe("DENY");
      expect(response.headers.get("cache-control")).toBe("no-cache");
    }
    expect(WEB_CONTENT_SECURITY_POLICY).toMatch(/script-src 'self';/);
    expect(WEB_CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval/);
  });

  it("serves hashed assets as immutable, and a missing asset or an escape attempt as 404", async () => {
    const asset = await app.request("/assets/index-abc123.js", { key: null });
    expect(asset.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(asset.headers.get("cache-control")).toContain("immutable");
    expect((await app.request("/assets/gone-000.js", { key: null })).status).toBe(404);
    for (const escape of [
      "/../dramatis-secret.txt",
      "/%2e%2e/dramatis-secret.txt",
      "/assets/..%2f..%2fdramatis-secret.txt",
    ]) {
      const response = await app.request(escape, { key: null });
      expect(await response.text(), escape).not.toBe("secret");
    }
  });

  it("serves the precompressed twin the client accepts, with Vary and the original's Content-Type", async () => {
    const asset = "/assets/app-def456.js";
    const cases = [
      { accept: "gzip, deflate, br", encoding: "br", decode: zlib.brotliDecompressSync },
      { accept: "gzip", encoding: "gzip", decode: zlib.gunzipSync },
      { accept: "br;q=0, gzip;q=1", encoding: "gzip", decode: zlib.gunzipSync },
    ];
    for (const { accept, encoding, decode } of cases) {
      const response = await app.request(asset, { key: null, headers: { "accept-encoding": accept } });
      expect(response.status, accept).toBe(200);
      expect(response.headers.get("content-encoding"), accept).toBe(encoding);
      expect(response.headers.get("content-type"), accept).toBe("text/javascript; charset=utf-8");
      expect(response.headers.get("vary"), accept).toBe("Accept-Encoding");
      expect(decode(Buffer.from(await response.arrayBuffer())).toString(), accept).toBe(SCRIPT);
    }
    const identity = await app.request(asset, { key: null, headers: { "accept-encoding": "identity" } });
    expect(identity.headers.get("content-encoding")).toBeNull();
    expect(identity.headers.get("vary")).toBe("Accept-Encoding");
    expect(await identity.text()).toBe(SCRIPT);
    // The single-page fallback is precompressed too, and keeps the security headers.
    const screen = await app.request("/personas", { key: null, headers: { "accept-encoding": "br" } });
    expect(screen.headers.get("content-encoding")).toBe("br");
    expect(screen.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(screen.headers.get("content-security-policy")).toBe(WEB_CONTENT_SECURITY_POLICY);
    expect(zlib.brotliDecompressSync(Buffer.from(await screen.arrayBuffer())).toString()).toBe(INDEX);
  });

  it("answers a matching If-None-Match with 304, per encoding", async () => {
    for (const [url, accept] of [
      ["/assets/app-def456.js", "br"],
      ["/assets/app-def456.js", "identity"],
      ["/settings/keys", "identity"],
    ] as const) {
      const first = await app.request(url, { key: null, headers: { "accept-encoding": accept } });
      const tag = first.headers.get("etag");
      expect(tag, url).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
      await first.arrayBuffer();
      const again = await app.request(url, {
        key: null,
        headers: { "accept-encoding": accept, "if-none-match": tag! },
      });
      expect(again.status, url).toBe(304);
      expect(await again.text()).toBe("");
      expect(again.headers.get("etag")).toBe(tag);
      expect(again.headers.get("cache-control")).toBe(first.headers.get("cache-control"));
      const changed = await app.request(url, {
        key: null,
        headers: { "accept-encoding": accept, "if-none-match": '"other"' },
      });
      expect(changed.status, url).toBe(200);
      await changed.arrayBuffer();
    }
    const brotli = await app.request("/assets/app-def456.js", {
      key: null,
      headers: { "accept-encoding": "br" },
    });
    const plain = await app.request("/assets/app-def456.js", { key: null });
    expect(brotli.headers.get("etag")).not.toBe(plain.headers.get("etag"));
  });

  it("answers undecodable paths with a 400 problem, over a real socket too", async () => {
    const server = createAdaptorServer({
      fetch: (request: Request) =>
        app.request(request.url, { method: request.method, headers: request.headers, key: null }),
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const get = (rawPath: string) =>
      new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
        // http.get sends the path as written: no client-side normalisation of the escapes.
        http
          .get({ host: "127.0.0.1", port, path: rawPath }, (response) => {
            let body = "";
            response.on("data", (chunk: Buffer) => (body += chunk.toString()));
            response.on("end", () =>
              resolve({
                status: response.statusCode ?? 0,
                type: String(response.headers["content-type"]),
                body,
              }),
            );
          })
          .on("error", reject);
      });
    try {
      for (const rawPath of ["/%", "/%E0%A4%A", "/v1/personas/%", "/assets/%zz.js", "/personas/%ff"]) {
        const response = await get(rawPath);
        expect(response.status, rawPath).toBe(400);
        expect(response.type, rawPath).toBe("application/problem+json");
        expect(JSON.parse(response.body).detail, rawPath).toMatch(/percent-encoding/);
      }
      expect((await get("/personas/caf%C3%A9")).status).toBe(200);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("leaves the API's own paths to the API", async () => {
    expect((await app.request("/v1/nothing-here", { key: null })).status).toBe(401);
    expect((await app.request("/healthz", { key: null })).status).toBe(200);
    expect((await app.request("/openapi.json", { key: null })).headers.get("content-type")).toMatch(/json/);
  });

  it("says how to build the app when it is not built", async () => {
    const response = await missing.request("/personas", { key: null });
    expect(await response.text()).toContain("npm run build:web");
  });
});
