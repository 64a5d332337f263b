import http from "node:http";
import type { AddressInfo } from "node:net";
import { createCipheriv, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretBox } from "../../src/lib/secret-box.ts";
import { BACKENDS } from "../backends.ts";
import { startMockOpenAI } from "../mock-upstreams.ts";
import { createTestApp, type TestApp } from "../test-app.ts";

const IMAGE =
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

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
    expect(row?.api_key_sealed).toMatch(/^v2:[0-9a-f]{8}:/);
    expect(row?.api_key_sealed).not.toContain("sk-very-secret");

    const listed = await (await app.request("/v1/providers")).json();
    expect(JSON.stringify(listed)).not.toContain("sk-very-secret");
    expect(listed.data.map((entry: any) => entry.name)).toContain("mock");
    expect((await (await app.request(`/v1/providers/${provider.id}/models`)).json()).data).toEqual([
      "mock/m1",
    ]);
    // /v1/models lists personas (what OpenAI clients chat with), not the providers' raw models.
    const models = await (await app.request("/v1/models")).json();
    expect(models.data.map((model: any) => model.id)).not.toContain("mock/m1");

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

  it("lets a provider declare what its models take: an image reaches a model named like no vision family", async () => {
    const created = await app.request("/v1/providers", {
      method: "POST",
      json: {
        name: "house",
        kind: "openai-compatible",
        base_url: upstream.baseURL,
        models: ["house-model-7b"],
        capabilities: { images: true, tools: ["house-*"] },
      },
    });
    expect(created.status).toBe(201);
    const provider = await created.json();
    expect(provider.capabilities).toEqual({ images: true, tools: ["house-*"] });
    expect((await (await app.request(`/v1/providers/${provider.id}`)).json()).capabilities).toEqual({
      images: true,
      tools: ["house-*"],
    });
    const persona = await (
      await app.request("/v1/personas", { method: "POST", json: { name: "House", model: "mock/m1" } })
    ).json();
    const repointed = await app.request(`/v1/personas/${persona.id}`, {
      method: "PATCH",
      json: { model: "house/house-model-7b" },
    });
    expect(repointed.status).toBe(200);
    const withImage = {
      model: `persona/${persona.id}`,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is in this picture?" },
            { type: "image_url", image_url: { url: IMAGE } },
          ],
        },
      ],
    };

    const accepted = await app.request("/v1/chat/completions", { method: "POST", json: withImage });
    expect(accepted.status).toBe(200);
    const sent = upstream.lastBody();
    expect(sent.model).toBe("house-model-7b");
    const parts = sent.messages.at(-1).content;
    expect(parts).toContainEqual(expect.objectContaining({ type: "image_url" }));

    // Cleared: the model's name decides again, and nothing in "house-model-7b" says it sees.
    const cleared = await (
      await app.request(`/v1/providers/${provider.id}`, { method: "PATCH", json: { capabilities: null } })
    ).json();
    expect(cleared.capabilities).toBeNull();
    const requestsBefore = upstream.generationRequests().length;
    const refused = await app.request("/v1/chat/completions", { method: "POST", json: withImage });
    expect(refused.status).toBe(400);
    const body = await refused.json();
    expect(body.error.param).toBe("messages[0].content[1]");
    expect(body.error.message).toMatch(/house\/house-model-7b does not accept images/);
    expect(upstream.generationRequests()).toHaveLength(requestsBefore);
  });

  it("refuses malformed or unbounded capabilities, naming the field", async () => {
    const cases: [unknown, string][] = [
      [{ images: "yes" }, "capabilities.images"],
      [{ vision: true }, "capabilities.vision"],
      [{ images: ["*a*a*a*a"] }, "capabilities.images.0"],
    ];
    for (const [capabilities, field] of cases) {
      const response = await app.request("/v1/providers", {
        method: "POST",
        json: { name: "badcaps", kind: "openai-compatible", base_url: upstream.baseURL, capabilities },
      });
      expect(response.status, JSON.stringify(capabilities)).toBe(422);
      expect((await response.json()).errors[0].field, JSON.stringify(capabilities)).toBe(field);
    }
  });

  it("refuses credentials inside base_url, naming the field and never echoing them", async () => {
    for (const [method, path] of [
      ["POST", "/v1/providers"],
      [
        "PATCH",
        `/v1/providers/${(await (await app.request("/v1/providers")).json()).data.find((entry: any) => entry.id)?.id ?? "prv_none"}`,
      ],
    ] as const) {
      const response = await app.request(path, {
        method,
        json: {
          ...(method === "POST" ? { name: "leaky", kind: "openai-compatible" } : {}),
          base_url: "https://operator:hunter2-password@llm.example.com/v1",
        },
      });
      expect(response.status, method).toBe(422);
      const text = await response.text();
      expect(JSON.parse(text).errors[0]).toMatchObject({ field: "base_url" });
      expect(text).not.toContain("hunter2");
    }
  });

  it("never shows credentials a base_url was stored with before they were refused, not even to read-only keys", async () => {
    const now = new Date().toISOString();
    await app.services.store.providers.insert({
      id: "prv_legacy_credentials",
      tenant_id: "ten_default",
      name: "legacy",
      kind: "openai-compatible",
      base_url: "https://operator:hunter2-password@llm.example.com/v1",
      api_key_sealed: null,
      models: [],
      capabilities: null,
      created_at: now,
      updated_at: now,
    });
    const readOnly = (
      await (
        await app.request("/v1/keys", { method: "POST", json: { name: "viewer", scopes: ["read"] } })
      ).json()
    ).key;
    for (const key of [undefined, readOnly]) {
      const listed = await app.request("/v1/providers", key ? { key } : {});
      const single = await app.request("/v1/providers/prv_legacy_credentials", key ? { key } : {});
      for (const response of [listed, single]) {
        expect(response.status).toBe(200);
        const text = await response.text();
        expect(text).not.toContain("hunter2");
        expect(text).not.toContain("operator:");
        expect(text).toContain("llm.example.com");
      }
    }
  });
});

describe.each(BACKENDS)("provider keys across a secret key rotation ($name)", (backend) => {
  const oldKey = Buffer.alloc(32, 1);
  const newKey = Buffer.alloc(32, 2);
  let app: TestApp;
  let upstream: Awaited<ReturnType<typeof startMockOpenAI>>;

  beforeAll(async () => {
    app = await createTestApp({
      backend,
      outboundAllow: "127.0.0.1",
      secrets: new SecretBox(newKey, { previous: [oldKey] }),
    });
    upstream = await startMockOpenAI({ reply: "Rotated." });
  });
  afterAll(async () => {
    await app.close();
    await upstream.close();
  });

  /** A row as an earlier version stored it: `v1:` (no key id, no associated data), under the old key. */
  function legacySeal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", oldKey, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return `v1:${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString("base64")}`;
  }

  it("opens keys sealed before the rotation and reseals them with the new key and their row on first use", async () => {
    const now = new Date().toISOString();
    const oldBox = new SecretBox(oldKey);
    const rows = [
      { id: "prv_legacy", name: "legacy", sealed: legacySeal("sk-legacy-key") },
      {
        id: "prv_previous",
        name: "previous",
        sealed: oldBox.seal("sk-previous-key", "ten_default:tenant_providers:prv_previous:api_key_sealed"),
      },
    ];
    for (const row of rows) {
      await app.services.store.providers.insert({
        id: row.id,
        tenant_id: "ten_default",
        name: row.name,
        kind: "openai-compatible",
        base_url: upstream.baseURL,
        api_key_sealed: row.sealed,
        models: ["m1"],
        capabilities: null,
        created_at: now,
        updated_at: now,
      });
    }
    const current = new SecretBox(newKey);
    for (const [row, key] of [
      [rows[0]!, "sk-legacy-key"],
      [rows[1]!, "sk-previous-key"],
    ] as const) {
      const persona = await (
        await app.request("/v1/personas", {
          method: "POST",
          json: { name: row.name, model: `${row.name}/m1` },
        })
      ).json();
      const conversation = await (
        await app.request("/v1/conversations", {
          method: "POST",
          user: "rita",
          json: { persona_id: persona.id },
        })
      ).json();
      const sent = await app.request(`/v1/conversations/${conversation.id}/messages`, {
        method: "POST",
        user: "rita",
        json: { content: "Hi" },
      });
      expect(sent.status).toBe(200);
      expect(upstream.generationRequests().at(-1)?.headers.authorization).toBe(`Bearer ${key}`);
      const stored = (await app.services.store.providers.find("ten_default", row.id))!.api_key_sealed!;
      expect(stored).toMatch(new RegExp(`^v2:${current.keyId}:`));
      // Resealed for this row: the new key alone opens it, the old one no longer does.
      expect(current.open(stored, `ten_default:tenant_providers:${row.id}:api_key_sealed`)).toBe(key);
      expect(() => oldBox.open(stored, `ten_default:tenant_providers:${row.id}:api_key_sealed`)).toThrow();
    }
  });

  it("a sealed key copied into another row does not open there", async () => {
    const created = await (
      await app.request("/v1/providers", {
        method: "POST",
        json: {
          name: "original",
          kind: "openai-compatible",
          base_url: upstream.baseURL,
          api_key: "sk-orig",
          models: ["m1"],
        },
      })
    ).json();
    const sealed = (await app.services.store.providers.find("ten_default", created.id))!.api_key_sealed;
    const copy = await (
      await app.request("/v1/providers", {
        method: "POST",
        json: {
          name: "copy",
          kind: "openai-compatible",
          base_url: upstream.baseURL,
          api_key: "sk-other",
          models: ["m1"],
        },
      })
    ).json();
    await app.services.store.providers.update("ten_default", copy.id, {
      api_key_sealed: sealed,
      updated_at: new Date(Date.now() + 1000).toISOString(),
    });
    const models = await app.request(`/v1/providers/${copy.id}/models`);
    expect(models.status).toBe(500);
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

/** Alice's first message to a new persona answered by `model`: the response to look at. */
async function sayHiThrough(app: TestApp, name: string, model: string) {
  const persona = await (await app.request("/v1/personas", { method: "POST", json: { name, model } })).json();
  const conversation = await (
    await app.request("/v1/conversations", {
      method: "POST",
      user: "alice",
      json: { persona_id: persona.id },
    })
  ).json();
  return app.request(`/v1/conversations/${conversation.id}/messages`, {
    method: "POST",
    user: "alice",
    json: { content: "Hi" },
  });
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

    const failed = await sayHiThrough(app, "Bounce", "bouncer/m");
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
      models: [],
      capabilities: null,
      created_at: now,
      updated_at: now,
    });
    expect((await (await app.request("/v1/providers/prv_legacy/models")).json()).data).toEqual([]);
    const failed = await sayHiThrough(app, "Legacy", "legacy/m");
    const problem = await failed.json();
    expect(failed.status).toBe(502);
    expect(problem.detail).toContain("refused by the outbound policy");
    expect(JSON.stringify(problem)).not.toMatch(/internal|ECONNREFUSED/);
    expect(inside.requests).toHaveLength(0);
  });
});
