import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockOpenAI } from "../mock-upstreams.ts";
import { createTestApp, type TestApp } from "../test-app.ts";

describe("tenant model providers", () => {
  let app: TestApp;
  let upstream: Awaited<ReturnType<typeof startMockOpenAI>>;
  let otherKey: string;

  beforeAll(async () => {
    upstream = await startMockOpenAI({ reply: "Hello from the mock upstream." });
    // The loopback fake is a tenant's provider here: the operator allow-lists exactly its port.
    app = await createTestApp({ outboundAllow: new URL(upstream.baseURL).host });
    otherKey = (await (await app.request("/v1/tenants", { method: "POST", json: { name: "Other" } })).json())
      .admin_key;
  });
  afterAll(async () => {
    await app.close();
    await upstream.close();
  });

  it("adds a provider with an encrypted key, never returned, and answers through it", async () => {
    const created = await app.request("/v1/providers", {
      method: "POST",
      json: {
        name: "mock",
        kind: "openai-compatible",
        base_url: upstream.baseURL,
        api_key: "sk-very-secret",
        models: ["m1"],
      },
    });
    expect(created.status).toBe(201);
    const provider = await created.json();
    expect(provider).toMatchObject({ name: "mock", scope: "tenant", has_api_key: true, models: ["m1"] });
    expect(JSON.stringify(provider)).not.toContain("sk-very-secret");
    const row = await app.services.store.providers.find("ten_default", provider.id);
    expect(row?.api_key_sealed).toMatch(/^v1:/);
    expect(row?.api_key_sealed).not.toContain("sk-very-secret");

    const listed = await (await app.request("/v1/providers")).json();
    expect(JSON.stringify(listed)).not.toContain("sk-very-secret");
    expect(listed.data.map((entry: any) => entry.name)).toContain("mock");
    expect((await (await app.request(`/v1/providers/${provider.id}/models`)).json()).data).toEqual([
      "mock/m1",
    ]);
    const models = await (await app.request("/v1/models")).json();
    expect(models.data.map((model: any) => model.id)).toContain("mock/m1");

    const persona = await (
      await app.request("/v1/personas", { method: "POST", json: { name: "Relay", model: "mock/m1" } })
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
    expect(exchange.message).toMatchObject({ content: "Hello from the mock upstream.", model: "mock/m1" });
    expect(exchange.usage.cost_usd).toBeGreaterThan(0);
    const call = upstream.generationRequests().at(-1);
    expect(call?.headers.authorization).toBe("Bearer sk-very-secret");

    // Another tenant neither sees nor uses it.
    expect((await app.request(`/v1/providers/${provider.id}`, { key: otherKey })).status).toBe(404);
    const foreign = await app.request("/v1/personas", {
      method: "POST",
      key: otherKey,
      json: { name: "Thief", model: "mock/m1" },
    });
    const thief = await foreign.json();
    const theirConversation = await (
      await app.request("/v1/conversations", {
        method: "POST",
        key: otherKey,
        user: "eve",
        json: { persona_id: thief.id },
      })
    ).json();
    const refused = await app.request(`/v1/conversations/${theirConversation.id}/messages`, {
      method: "POST",
      key: otherKey,
      user: "eve",
      json: { content: "Hi" },
    });
    expect(refused.status).toBe(422);
    expect((await refused.json()).detail).toMatch(/no model provider named mock/);
  });

  it("updates and removes providers, rejecting bad or clashing ones", async () => {
    const provider = await (
      await app.request("/v1/providers", {
        method: "POST",
        json: { name: "second", kind: "openai-compatible", base_url: upstream.baseURL },
      })
    ).json();
    expect(provider.has_api_key).toBe(false);
    // No configured list: the allow-listed loopback upstream's own /models, through the outbound guard.
    expect((await (await app.request(`/v1/providers/${provider.id}/models`)).json()).data).toEqual([
      "second/mock-small",
      "second/mock-large",
    ]);
    const patched = await (
      await app.request(`/v1/providers/${provider.id}`, {
        method: "PATCH",
        json: { api_key: "sk-2", models: ["x"] },
      })
    ).json();
    expect(patched).toMatchObject({ has_api_key: true, models: ["x"] });
    const duplicate = await app.request("/v1/providers", {
      method: "POST",
      json: { name: "second", kind: "openai-compatible", base_url: upstream.baseURL },
    });
    expect(duplicate.status).toBe(409);
    const reserved = await app.request("/v1/providers", {
      method: "POST",
      json: { name: "offline", kind: "openai-compatible", base_url: upstream.baseURL },
    });
    expect((await reserved.json()).errors[0].field).toBe("name");
    const noUrl = await app.request("/v1/providers", {
      method: "POST",
      json: { name: "nourl", kind: "openai-compatible" },
    });
    expect((await noUrl.json()).errors[0]).toEqual({
      field: "base_url",
      message: "is required for an openai-compatible provider",
    });
    const reader = (
      await (await app.request("/v1/keys", { method: "POST", json: { name: "r", scopes: ["write"] } })).json()
    ).key;
    expect((await app.request("/v1/providers", { key: reader })).status).toBe(200);
    const forbidden = await app.request("/v1/providers", {
      method: "POST",
      key: reader,
      json: { name: "w", kind: "openai-compatible", base_url: upstream.baseURL },
    });
    expect(forbidden.status).toBe(403);
    expect((await app.request(`/v1/providers/${provider.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await app.request(`/v1/providers/${provider.id}`)).status).toBe(404);
  });
});

/** A loopback server answering every request with `handle`; records what it was asked. */
async function startServer(handle: http.RequestListener): Promise<{
  port: number;
  requests: string[];
  close(): Promise<void>;
}> {
  const requests: string[] = [];
  const server = http.createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    handle(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe("tenant providers under the outbound policy", () => {
  let app: TestApp;
  let inside: Awaited<ReturnType<typeof startServer>>;
  let redirector: Awaited<ReturnType<typeof startServer>>;

  beforeAll(async () => {
    // What a tenant must never see: a service on the server's own loopback interface.
    inside = await startServer((_request, response) => {
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ data: [{ id: "internal-secret-model" }], error: "internal detail" }));
    });
    redirector = await startServer((request, response) => {
      response.writeHead(302, { location: `http://127.0.0.1:${inside.port}${request.url}` }).end();
    });
    // Only the redirector is allow-listed (as an operator would list a local Ollama).
    app = await createTestApp({ outboundAllow: `127.0.0.1:${redirector.port}` });
  });
  afterAll(async () => {
    await app.close();
    await Promise.all([inside.close(), redirector.close()]);
  });

  it("refuses base URLs on loopback, private and metadata addresses in every notation (422), storing nothing", async () => {
    const port = inside.port;
    const forms = [
      `http://127.0.0.1:${port}/v1`,
      `http://2130706433:${port}/v1`,
      `http://0x7f000001:${port}/v1`,
      `http://0177.0.0.1:${port}/v1`,
      `http://127.1:${port}/v1`,
      `http://localhost:${port}/v1`,
      `http://[::1]:${port}/v1`,
      `http://[::ffff:127.0.0.1]:${port}/v1`,
      "http://169.254.169.254/latest/meta-data/",
      "http://[fe80::1]/v1",
      "http://10.0.0.1/v1",
      "http://172.16.0.1/v1",
      "http://192.168.0.1/v1",
      "http://100.64.0.1/v1",
      "http://224.0.0.1/v1",
      "http://0.0.0.0/v1",
      "http://[fd00::1]/v1",
      "http://[64:ff9b::7f00:1]/v1",
      "file:///etc/passwd",
    ];
    for (const [index, base_url] of forms.entries()) {
      const response = await app.request("/v1/providers", {
        method: "POST",
        json: { name: `probe${index}`, kind: "openai-compatible", base_url },
      });
      const body = await response.json();
      expect(response.status, base_url).toBe(422);
      expect(body.errors, base_url).toEqual([
        { field: "base_url", message: "refused by the outbound policy" },
      ]);
    }
    expect(await app.services.store.providers.list("ten_default")).toHaveLength(0);
    expect(inside.requests).toHaveLength(0);

    const allowed = await (
      await app.request("/v1/providers", {
        method: "POST",
        json: {
          name: "nearby",
          kind: "openai-compatible",
          base_url: `http://127.0.0.1:${redirector.port}/v1`,
        },
      })
    ).json();
    const moved = await app.request(`/v1/providers/${allowed.id}`, {
      method: "PATCH",
      json: { base_url: `http://2130706433:${port}/v1` },
    });
    expect(moved.status).toBe(422);
    expect((await moved.json()).errors[0]).toEqual({
      field: "base_url",
      message: "refused by the outbound policy",
    });
    await app.request(`/v1/providers/${allowed.id}`, { method: "DELETE" });
  });

  it("follows no redirect inside: listing and generation through an allowed host that redirects to loopback find nothing", async () => {
    const provider = await (
      await app.request("/v1/providers", {
        method: "POST",
        json: {
          name: "bouncer",
          kind: "openai-compatible",
          base_url: `http://127.0.0.1:${redirector.port}/v1`,
          api_key: "sk-tenant",
        },
      })
    ).json();
    const listed = await app.request(`/v1/providers/${provider.id}/models`);
    expect(listed.status).toBe(200);
    expect((await listed.json()).data).toEqual([]);

    const persona = await (
      await app.request("/v1/personas", { method: "POST", json: { name: "Bounce", model: "bouncer/m" } })
    ).json();
    const conversation = await (
      await app.request("/v1/conversations", {
        method: "POST",
        user: "alice",
        json: { persona_id: persona.id },
      })
    ).json();
    const failed = await app.request(`/v1/conversations/${conversation.id}/messages`, {
      method: "POST",
      user: "alice",
      json: { content: "Hi" },
    });
    const text = await failed.text();
    expect(failed.status, text).toBe(502);
    expect(text).toContain("refused by the outbound policy");
    expect(text).not.toMatch(/internal|ECONNREFUSED|127\.0\.0\.1/);
    expect(redirector.requests.length).toBeGreaterThan(0);
    expect(inside.requests).toHaveLength(0);
  });

  it("refuses at call time a stored base URL that the policy forbids, with a neutral 502", async () => {
    // As if the row predates the policy, or its name resolved elsewhere when it was stored.
    const now = new Date().toISOString();
    await app.services.store.providers.insert({
      id: "prv_legacy",
      tenant_id: "ten_default",
      name: "legacy",
      kind: "openai-compatible",
      base_url: `http://127.0.0.1:${inside.port}/v1`,
      api_key_sealed: null,
      models: "[]",
      created_at: now,
      updated_at: now,
    });
    expect((await (await app.request("/v1/providers/prv_legacy/models")).json()).data).toEqual([]);
    const persona = await (
      await app.request("/v1/personas", { method: "POST", json: { name: "Legacy", model: "legacy/m" } })
    ).json();
    const conversation = await (
      await app.request("/v1/conversations", {
        method: "POST",
        user: "alice",
        json: { persona_id: persona.id },
      })
    ).json();
    const failed = await app.request(`/v1/conversations/${conversation.id}/messages`, {
      method: "POST",
      user: "alice",
      json: { content: "Hi" },
    });
    const problem = await failed.json();
    expect(failed.status).toBe(502);
    expect(problem.detail).toContain("refused by the outbound policy");
    expect(JSON.stringify(problem)).not.toMatch(/internal|ECONNREFUSED/);
    expect(inside.requests).toHaveLength(0);
  });
});
