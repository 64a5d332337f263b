import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockAnthropic, startMockOpenAI, type MockUpstream } from "../mock-upstreams.ts";
import { createTestApp, type TestApp } from "../test-app.ts";

/** OpenRouter's listing as it answers it: `GET /api/v1/models`, `{ data: [{ id, name, ... }] }`. */
async function startFakeOpenRouter() {
  const requests: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((request, response) => {
    if (request.method === "GET" && request.url === "/api/v1/models") {
      requests.push(request.headers);
      response.setHeader("content-type", "application/json");
      response.end(
        JSON.stringify({
          data: [
            {
              id: "meta-llama/llama-3.1-8b-instruct",
              name: "Meta: Llama 3.1 8B Instruct",
              context_length: 131072,
            },
            { id: "mistralai/mistral-nemo", name: "Mistral: Mistral Nemo", context_length: 131072 },
          ],
        }),
      );
      return;
    }
    response.statusCode = 404;
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("model setup: hosted providers added by key", () => {
  let app: TestApp;
  let openai: MockUpstream;
  let anthropic: MockUpstream;
  let openrouter: Awaited<ReturnType<typeof startFakeOpenRouter>>;

  beforeAll(async () => {
    openai = await startMockOpenAI({ models: ["gpt-4o-mini"] });
    anthropic = await startMockAnthropic({ models: ["claude-haiku-4-5"] });
    openrouter = await startFakeOpenRouter();
    app = await createTestApp({
      outboundAllow: [openai.baseURL, anthropic.baseURL, openrouter.origin]
        .map((url) => new URL(url).host)
        .join(","),
    });
  });
  afterAll(async () => {
    await app.close();
    await openai.close();
    await anthropic.close();
    await openrouter.close();
  });

  /** The preset's base URL with its host swapped for a loopback fake's (the path, and so the wire format, kept). */
  async function addPreset(id: "openai" | "openrouter" | "anthropic", origin: string, apiKey: string) {
    const { data } = await app.client().GET("/v1/model-setup/hosted-providers");
    const preset = data!.providers.find((candidate) => candidate.id === id)!;
    const baseUrl = new URL(new URL(preset.base_url).pathname, origin).href.replace(/\/$/, "");
    const created = await app.client().POST("/v1/providers", {
      body: { name: preset.id, kind: preset.kind, base_url: baseUrl, api_key: apiKey },
    });
    expect(created.response.status).toBe(201);
    return app.client().GET("/v1/providers/{id}/models", { params: { path: { id: created.data!.id! } } });
  }

  it("lists OpenAI's models with a Bearer key", async () => {
    const models = await addPreset("openai", new URL(openai.baseURL).origin, "sk-openai-test");
    expect(models.data?.data).toEqual(["openai/gpt-4o-mini"]);
    const listing = openai.requests.find((request) => request.path === "/v1/models");
    expect(listing?.headers.authorization).toBe("Bearer sk-openai-test");
  });

  it("lists OpenRouter's models from /api/v1/models with a Bearer key", async () => {
    const models = await addPreset("openrouter", openrouter.origin, "sk-or-test");
    expect(models.data?.data).toEqual([
      "openrouter/meta-llama/llama-3.1-8b-instruct",
      "openrouter/mistralai/mistral-nemo",
    ]);
    expect(openrouter.requests[0]?.authorization).toBe("Bearer sk-or-test");
  });

  it("lists Anthropic's models with x-api-key and anthropic-version", async () => {
    const models = await addPreset("anthropic", new URL(anthropic.baseURL).origin, "sk-ant-test");
    expect(models.data?.data).toEqual(["anthropic/claude-haiku-4-5"]);
    const listing = anthropic.requests.find((request) => request.path === "/v1/models");
    expect(listing?.headers["x-api-key"]).toBe("sk-ant-test");
    expect(listing?.headers["anthropic-version"]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("offers every hosted provider's models in the picker", async () => {
    const { data } = await app.client().GET("/v1/model-setup/models");
    const tenantModels = data?.models.filter((model) => model.source === "tenant").map((model) => model.id);
    expect(tenantModels?.sort()).toEqual([
      "anthropic/claude-haiku-4-5",
      "openai/gpt-4o-mini",
      "openrouter/meta-llama/llama-3.1-8b-instruct",
      "openrouter/mistralai/mistral-nemo",
    ]);
  });
});
