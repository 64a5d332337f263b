import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockOpenAI } from "../mock-upstreams.ts";
import { createTestApp, type TestApp } from "../test-app.ts";

describe("tenant model providers", () => {
  let app: TestApp;
  let upstream: Awaited<ReturnType<typeof startMockOpenAI>>;
  let otherKey: string;

  beforeAll(async () => {
    app = await createTestApp();
    upstream = await startMockOpenAI({ reply: "Hello from the mock upstream." });
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
      models: "[]",
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
