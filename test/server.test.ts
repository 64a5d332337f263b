import fs from "node:fs";
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
    // A slow upload keeps a request in flight while stop() begins.
    let push: (chunk: Uint8Array | null) => void = () => {};
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (chunk) => (chunk ? controller.enqueue(chunk) : controller.close());
      },
    });
    const inFlight = fetch(`${server.url}/healthz`, { method: "GET" }).then(() =>
      fetch(`${server.url}/v1/personas`, {
        method: "POST",
        headers: { "x-api-key": adminKey, "content-type": "application/json" },
        body,
        duplex: "half",
      } as RequestInit),
    );
    push(new TextEncoder().encode('{"name":'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopping = server.stop();
    push(new TextEncoder().encode('"late"}'));
    push(null);
    const response = await inFlight;
    expect(response.status).toBe(201);
    expect(((await response.json()) as { name: string }).name).toBe("late");
    await stopping;
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});
