import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WEB_CONTENT_SECURITY_POLICY } from "../../src/http/web-app.ts";
import { createTestApp, type TestApp } from "../test-app.ts";

describe("serving the web app", () => {
  let app: TestApp;
  let missing: TestApp;
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-web-"));

  beforeAll(async () => {
    fs.mkdirSync(path.join(directory, "assets"));
    fs.writeFileSync(path.join(directory, "index.html"), '<!doctype html><div id="root"></div>');
    fs.writeFileSync(path.join(directory, "assets", "index-abc123.js"), "console.log(1)");
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
