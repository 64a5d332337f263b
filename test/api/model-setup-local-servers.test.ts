import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closedLoopbackURL, startMockOpenAI, type MockUpstream } from "../mock-upstreams.ts";
import { createTestApp, type TestApp } from "../test-app.ts";

/** An Ollama stand-in: only its own `/api/tags`, as a real Ollama answers it. */
async function startFakeOllama(models: string[]): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((request, response) => {
    if (request.url === "/api/tags") {
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ models: models.map((name) => ({ name, model: name, size: 1 })) }));
      return;
    }
    response.statusCode = 404;
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("model setup: model servers on this machine", () => {
  let app: TestApp;
  let lmStudio: MockUpstream;
  let ollama: Awaited<ReturnType<typeof startFakeOllama>>;
  let otherKey: string;

  beforeAll(async () => {
    lmStudio = await startMockOpenAI({ reply: "From LM Studio.", models: ["qwen2.5-7b-instruct"] });
    ollama = await startFakeOllama(["llama3.2:3b"]);
    const nothing = new URL(await closedLoopbackURL()).origin;
    // No DRAMATIS_OUTBOUND_ALLOW: the discovered address alone must get through, for the operator's tenant.
    app = await createTestApp({
      localModelServers: [
        { kind: "ollama", name: "ollama", origin: ollama.origin },
        { kind: "lm-studio", name: "lm-studio", origin: new URL(lmStudio.baseURL).origin },
        { kind: "vllm", name: "vllm", origin: nothing },
      ],
    });
    otherKey = (await (await app.request("/v1/tenants", { method: "POST", json: { name: "Other" } })).json())
      .admin_key;
  });
  afterAll(async () => {
    await app.close();
    await lmStudio.close();
    await ollama.close();
  });

  it("probes the fixed addresses and reports what answers", async () => {
    const { data, response } = await app.client().GET("/v1/model-setup/local-servers");
    expect(response.status).toBe(200);
    expect(data?.servers).toEqual([
      {
        kind: "ollama",
        name: "ollama",
        base_url: `${ollama.origin}/v1`,
        reachable: true,
        models: ["llama3.2:3b"],
        added: false,
      },
      {
        kind: "lm-studio",
        name: "lm-studio",
        base_url: lmStudio.baseURL,
        reachable: true,
        models: ["qwen2.5-7b-instruct"],
        added: false,
      },
      expect.objectContaining({ kind: "vllm", reachable: false, models: [], added: false }),
    ]);
  });

  it("adds a discovered server as a provider that answers through the exact loopback address", async () => {
    const added = await app.client().POST("/v1/model-setup/local-servers", { body: { kind: "lm-studio" } });
    expect(added.response.status).toBe(201);
    expect(added.data).toMatchObject({
      name: "lm-studio",
      kind: "openai-compatible",
      scope: "tenant",
      base_url: lmStudio.baseURL,
    });
    const listed = await app.client().GET("/v1/providers/{id}/models", {
      params: { path: { id: added.data!.id! } },
    });
    expect(listed.data?.data).toEqual(["lm-studio/qwen2.5-7b-instruct"]);

    await app
      .client()
      .PUT("/v1/model-setup/default-model", { body: { model: "lm-studio/qwen2.5-7b-instruct" } });
    const persona = await (
      await app.request("/v1/personas", { method: "POST", json: { name: "Local" } })
    ).json();
    const conversation = await (
      await app.request("/v1/conversations", {
        method: "POST",
        user: "alice",
        json: { persona_id: persona.id },
      })
    ).json();
    const exchange = await (
      await app.request(`/v1/conversations/${conversation.id}/messages`, {
        method: "POST",
        user: "alice",
        json: { content: "Hi" },
      })
    ).json();
    expect(exchange.message.content).toBe("From LM Studio.");

    const again = await app.client().GET("/v1/model-setup/local-servers");
    expect(again.data?.servers.find((server) => server.kind === "lm-studio")?.added).toBe(true);
    const twice = await app.request("/v1/model-setup/local-servers", {
      method: "POST",
      json: { kind: "lm-studio" },
    });
    expect(twice.status).toBe(409);
  });

  it("refuses a server that does not answer, or is not configured, naming the field", async () => {
    const down = await app.request("/v1/model-setup/local-servers", {
      method: "POST",
      json: { kind: "vllm" },
    });
    expect(down.status).toBe(422);
    expect((await down.json()).errors[0]).toMatchObject({
      field: "kind",
      message: expect.stringMatching(/vllm/),
    });
    const unknown = await app.request("/v1/model-setup/local-servers", {
      method: "POST",
      json: { kind: "llama.cpp" },
    });
    expect(unknown.status).toBe(422);
    const invalid = await app.request("/v1/model-setup/local-servers", {
      method: "POST",
      json: { kind: "x" },
    });
    expect(invalid.status).toBe(422);
  });

  it("keeps the loopback exception to discovered addresses: a typed-in loopback URL is still refused", async () => {
    const typed = await app.request("/v1/providers", {
      method: "POST",
      json: { name: "typed", kind: "openai-compatible", base_url: "http://127.0.0.1:9/v1" },
    });
    expect(typed.status).toBe(422);
    expect((await typed.json()).errors[0]).toMatchObject({ field: "base_url" });
  });

  it("offers nothing to another tenant: its admins never reach the operator's machine", async () => {
    const listed = await app.request("/v1/model-setup/local-servers", { key: otherKey });
    expect(await listed.json()).toEqual({ servers: [] });
    // ...and says so, so the web app does not offer this machine's servers or disk at all.
    const setup = await (await app.request("/v1/model-setup", { key: otherKey })).json();
    expect(setup).toMatchObject({ local_servers_available: false, downloads_available: false });
    const own = await (await app.request("/v1/model-setup")).json();
    expect(own).toMatchObject({ local_servers_available: true, downloads_available: true });
    const add = await app.request("/v1/model-setup/local-servers", {
      key: otherKey,
      method: "POST",
      json: { kind: "ollama" },
    });
    expect(add.status).toBe(403);
    const sneaky = await app.request("/v1/providers", {
      key: otherKey,
      method: "POST",
      json: { name: "sneaky", kind: "openai-compatible", base_url: `${ollama.origin}/v1` },
    });
    expect(sneaky.status).toBe(422);
  });

  it("adds Ollama found through its own /api/tags", async () => {
    const added = await app.client().POST("/v1/model-setup/local-servers", { body: { kind: "ollama" } });
    expect(added.response.status).toBe(201);
    expect(added.data).toMatchObject({ name: "ollama", base_url: `${ollama.origin}/v1` });
  });
});
