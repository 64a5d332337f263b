import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closedLoopbackURL, startMockOpenAI, type MockUpstream } from "../mock-upstreams.ts";
import { createTestApp, type TestApp } from "../test-app.ts";

describe("model setup: the tenant's default model and the models it can pick", () => {
  let app: TestApp;
  let upstream: MockUpstream;
  let otherKey: string;

  beforeAll(async () => {
    upstream = await startMockOpenAI({
      reply: "Answered by the tenant default.",
      models: ["small", "large"],
    });
    app = await createTestApp({ outboundAllow: new URL(upstream.baseURL).host });
    otherKey = (await (await app.request("/v1/tenants", { method: "POST", json: { name: "Other" } })).json())
      .admin_key;
  });
  afterAll(async () => {
    await app.close();
    await upstream.close();
  });

  it("needs setup while neither the tenant nor the server has a real default model", async () => {
    const { data, response } = await app.client().GET("/v1/model-setup");
    expect(response.status).toBe(200);
    expect(data).toEqual({
      default_model: null,
      effective_default_model: "offline/default",
      offline: true,
      needs_setup: true,
      // No local server addresses are configured here; the default tenant is the operator's.
      local_servers_available: false,
      downloads_available: true,
    });
  });

  it("refuses a default model no provider can resolve, naming the field", async () => {
    const response = await app.request("/v1/model-setup/default-model", {
      method: "PUT",
      json: { model: "nowhere/model" },
    });
    expect(response.status).toBe(422);
    const problem = await response.json();
    expect(problem.errors[0].field).toBe("model");
    expect(problem.errors[0].message).toMatch(/nowhere/);
    const malformed = await app.request("/v1/model-setup/default-model", {
      method: "PUT",
      json: { model: "no-slash" },
    });
    expect(malformed.status).toBe(422);
    expect((await malformed.json()).errors[0].field).toBe("model");
  });

  it("answers a preset persona through the tenant's default once set, and only for that tenant", async () => {
    const provider = await app.client().POST("/v1/providers", {
      body: { name: "mock", kind: "openai-compatible", base_url: upstream.baseURL },
    });
    expect(provider.response.status).toBe(201);
    const set = await app.client().PUT("/v1/model-setup/default-model", { body: { model: "mock/small" } });
    expect(set.response.status).toBe(200);
    expect(set.data).toEqual({
      default_model: "mock/small",
      effective_default_model: "mock/small",
      offline: false,
      needs_setup: false,
      local_servers_available: false,
      downloads_available: true,
    });

    const presets = await (await app.request("/v1/personas?kind=preset")).json();
    const preset =
      presets.data.find((persona: { model?: string | null }) => !persona.model) ?? presets.data[0];
    const conversation = await (
      await app.request("/v1/conversations", {
        method: "POST",
        user: "alice",
        json: { persona_id: preset.id },
      })
    ).json();
    const before = upstream.generationRequests().length;
    const exchange = await (
      await app.request(`/v1/conversations/${conversation.id}/messages`, {
        method: "POST",
        user: "alice",
        json: { content: "Hello?" },
      })
    ).json();
    expect(exchange.message).toMatchObject({
      content: "Answered by the tenant default.",
      model: "mock/small",
    });
    expect(upstream.generationRequests()).toHaveLength(before + 1);
    expect(upstream.lastBody().model).toBe("small");

    // Another tenant still has the server's default.
    const other = await app.request("/v1/model-setup", { key: otherKey });
    expect(await other.json()).toMatchObject({
      default_model: null,
      effective_default_model: "offline/default",
    });
  });

  it("lists every model the tenant can pick, labels the offline engine, and filters by q", async () => {
    const { data } = await app.client().GET("/v1/model-setup/models");
    expect(data?.models).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: "offline/default",
          source: "offline",
          label: expect.stringMatching(/test/i),
        }),
        expect.objectContaining({ id: "mock/small", provider: "mock", source: "tenant" }),
        expect.objectContaining({ id: "mock/large", source: "tenant" }),
      ]),
    );
    const filtered = await app.client().GET("/v1/model-setup/models", { params: { query: { q: "LARGE" } } });
    expect(filtered.data?.models.map((model) => model.id)).toEqual(["mock/large"]);

    // The other tenant sees the server's models, not this tenant's.
    const other = await (await app.request("/v1/model-setup/models", { key: otherKey })).json();
    expect(other.models.map((model: { id: string }) => model.id)).toEqual(["offline/default"]);
  });

  it("flags a provider that cannot be reached instead of failing the list", async () => {
    const down = await closedLoopbackURL();
    const app2 = await createTestApp({ outboundAllow: new URL(down).host });
    try {
      await app2.client().POST("/v1/providers", {
        body: { name: "down", kind: "openai-compatible", base_url: down },
      });
      const { data } = await app2.client().GET("/v1/model-setup/models");
      expect(data?.models.map((model) => model.id)).toEqual(["offline/default"]);
      expect(data?.warnings).toEqual([
        { provider: "down", message: expect.stringMatching(/listed no models/) },
      ]);
    } finally {
      await app2.close();
    }
  });

  it("falls back to the server's default when the chosen model's provider is removed, and clears with null", async () => {
    const providers = await (await app.request("/v1/providers")).json();
    const mock = providers.data.find((provider: { name: string }) => provider.name === "mock");
    expect((await app.request(`/v1/providers/${mock.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await app.client().GET("/v1/model-setup")).data).toMatchObject({
      default_model: "mock/small",
      effective_default_model: "offline/default",
      offline: true,
    });
    const cleared = await app.client().PUT("/v1/model-setup/default-model", { body: { model: null } });
    expect(cleared.data).toMatchObject({ default_model: null, needs_setup: true });
  });

  it("offers the hosted providers that need only a key", async () => {
    const { data } = await app.client().GET("/v1/model-setup/hosted-providers");
    expect(data?.providers.map((provider) => provider.id)).toEqual(["openai", "openrouter", "anthropic"]);
    expect(data?.providers.find((provider) => provider.id === "anthropic")).toMatchObject({
      kind: "anthropic",
      base_url: "https://api.anthropic.com/v1",
    });
  });
});
