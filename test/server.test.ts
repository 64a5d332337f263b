import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import pino from "pino";
import { loadConfig } from "../src/config/config.ts";
import { startServer } from "../src/server.ts";

describe("server", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-server-"));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it("prints an admin key on first start only, honours DRAMATIS_ADMIN_KEY, and keeps data across restarts", async () => {
    const adminKey = "dra_fixed_admin_key_for_tests_000000000";
    const config = loadConfig({ DRAMATIS_DATA_DIR: dataDir, PORT: "0", DRAMATIS_ADMIN_KEY: adminKey });
    const first = await startServer({ config, logger: pino({ level: "silent" }) });
    expect(first.createdAdminKey).toBe(adminKey);
    const created = await fetch(`${first.url}/v1/personas`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Survivor" }),
    });
    const persona = (await created.json()) as { id: string };
    await first.stop();

    const second = await startServer({ config, logger: pino({ level: "silent" }) });
    expect(second.createdAdminKey).toBeNull();
    const read = await fetch(`${second.url}/v1/personas/${persona.id}`, {
      headers: { "x-api-key": adminKey },
    });
    expect(((await read.json()) as { name: string }).name).toBe("Survivor");
    await second.stop();
  });

  it("finishes in-flight requests on shutdown, then refuses new connections", async () => {
    const adminKey = "dra_fixed_admin_key_for_tests_000000000";
    const config = loadConfig({ DRAMATIS_DATA_DIR: dataDir, PORT: "0" });
    const server = await startServer({ config, logger: pino({ level: "silent" }) });
    // A slow upload keeps a request in flight while stop() begins. It asks for "100 Continue", which the
    // server sends once it has read the headers: proof the request is in flight, whatever the machine's load.
    const body = '{"name":"late"}';
    const { hostname, port } = new URL(server.url);
    const socket = net.connect({ host: hostname, port: Number(port) });
    let received = "";
    socket.setEncoding("utf8");
    const answered = new Promise<string>((resolve, reject) => {
      socket.on("data", (chunk: string) => (received += chunk));
      socket.on("end", () => resolve(received));
      socket.on("error", reject);
    });
    const continued = new Promise<void>((resolve) => {
      const check = () => {
        if (received.startsWith("HTTP/1.1 100 Continue\r\n\r\n")) resolve();
        else socket.once("data", check);
      };
      socket.once("data", check);
    });
    socket.write(
      [
        "POST /v1/personas HTTP/1.1",
        `host: ${hostname}:${port}`,
        `x-api-key: ${adminKey}`,
        "content-type: application/json",
        `content-length: ${Buffer.byteLength(body)}`,
        "expect: 100-continue",
        "connection: close",
        "",
        "",
      ].join("\r\n"),
    );
    await continued;
    const stopping = server.stop();
    socket.end(body);
    const response = parseResponse((await answered).slice("HTTP/1.1 100 Continue\r\n\r\n".length));
    expect(response.status, response.body).toBe(201);
    expect((JSON.parse(response.body) as { name: string }).name).toBe("late");
    await stopping;
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });

  it("keeps the SQLite database, its -wal and -shm, and the secret key readable by their owner only", async () => {
    const ownDir = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-modes-"));
    const previousMask = process.umask(0o022); // the usual default, under which files come out 0644
    try {
      const config = loadConfig({ DRAMATIS_DATA_DIR: ownDir, PORT: "0" });
      const server = await startServer({ config, logger: pino({ level: "silent" }) });
      const file = path.join(ownDir, "dramatis.sqlite");
      for (const candidate of [file, `${file}-wal`, `${file}-shm`, path.join(ownDir, "secret.key")]) {
        expect(fs.statSync(candidate).mode & 0o777, candidate).toBe(0o600);
      }
      await server.stop();
      // A database an earlier version left world-readable is tightened on the next start.
      fs.chmodSync(file, 0o644);
      const again = await startServer({ config, logger: pino({ level: "silent" }) });
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      await again.stop();
    } finally {
      process.umask(previousMask);
      fs.rmSync(ownDir, { recursive: true, force: true });
    }
  });

  it("serves /docs unframeable under a strict CSP, keeping the key it is given in memory only", async () => {
    const config = loadConfig({ DRAMATIS_DATA_DIR: dataDir, PORT: "0" });
    const server = await startServer({ config, logger: pino({ level: "silent" }) });
    try {
      for (const page of ["/docs", "/docs/assets/start.js", "/docs/assets/swagger-ui-bundle.js"]) {
        const response = await fetch(`${server.url}${page}`);
        expect(response.status, page).toBe(200);
        const csp = response.headers.get("content-security-policy") ?? "";
        expect(csp, page).toContain("frame-ancestors 'none'");
        expect(csp, page).toContain("script-src 'self'");
        expect(csp, page).not.toMatch(/script-src[^;]*unsafe-inline/);
        expect(response.headers.get("x-frame-options"), page).toBe("DENY");
        expect(response.headers.get("x-content-type-options"), page).toBe("nosniff");
        await response.arrayBuffer();
      }
      const start = await (await fetch(`${server.url}/docs/assets/start.js`)).text();
      expect(start).toContain("persistAuthorization: false");
      expect(start).not.toMatch(/localStorage|persistAuthorization: true/);
      const page = await (await fetch(`${server.url}/docs`)).text();
      expect(page).not.toMatch(/<script>(?!<\/script>)/); // no inline script the CSP would have to allow
    } finally {
      await server.stop();
    }
  });

  it("puts /metrics behind DRAMATIS_METRICS_TOKEN when it is set", async () => {
    const token = "metrics-token-0123456789abcdef";
    const open = await startServer({
      config: loadConfig({ DRAMATIS_DATA_DIR: dataDir, PORT: "0" }),
      logger: pino({ level: "silent" }),
    });
    try {
      expect((await fetch(`${open.url}/metrics`)).status).toBe(200);
    } finally {
      await open.stop();
    }
    const guarded = await startServer({
      config: loadConfig({ DRAMATIS_DATA_DIR: dataDir, PORT: "0", DRAMATIS_METRICS_TOKEN: token }),
      logger: pino({ level: "silent" }),
    });
    try {
      const missing = await fetch(`${guarded.url}/metrics`);
      expect(missing.status).toBe(401);
      expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(missing.headers.get("content-type")).toBe("application/problem+json");
      const body = await missing.text();
      expect(body).toContain("DRAMATIS_METRICS_TOKEN");
      expect(body).not.toContain(token);
      const wrong = await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${token}x` } });
      expect(wrong.status).toBe(401);
      await wrong.arrayBuffer();
      const right = await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(right.status).toBe(200);
      expect(await right.text()).toContain("dramatis_http_requests_total");
    } finally {
      await guarded.stop();
    }
  });
});

/** The status and body of a raw HTTP/1.1 response (chunked or not) read until the server closed. */
function parseResponse(raw: string): { status: number; body: string } {
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split);
  let body = raw.slice(split + 4);
  if (/^transfer-encoding:\s*chunked/im.test(head)) {
    let decoded = "";
    for (;;) {
      const lineEnd = body.indexOf("\r\n");
      const size = Number.parseInt(body.slice(0, lineEnd), 16);
      if (!size) break;
      decoded += body.slice(lineEnd + 2, lineEnd + 2 + size);
      body = body.slice(lineEnd + 2 + size + 2);
    }
    body = decoded;
  }
  return { status: Number(head.split(" ")[1]), body };
}
