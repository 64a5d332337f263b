/**
 * A hostile model upstream that echoes every request header back (in its error body, its request-id
 * header and its model list) must not hand callers the key Dramatis sent it: not in 502 problem
 * documents, OpenAI-style errors, server-sent events, job errors or model lists.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../test-app.ts";
import { parseServerSentEvents } from "../server-sent-events.ts";

const API_KEY = "sk-operator-secret-0123456789abcdef";

/** Answers generations with 401 and the request's headers in every place an error can carry text. */
async function startEchoingUpstream(): Promise<{ baseURL: string; close(): Promise<void> }> {
  const server = http.createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      const headers = JSON.stringify(request.headers);
      const bare = String(request.headers.authorization ?? "").replace(/^Bearer /, "");
      if (request.method === "GET" && request.url?.endsWith("/models")) {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify({ data: [{ id: bare }, { id: `x ${headers}` }, { id: "plain-model" }] }));
        return;
      }
      response.writeHead(401, { "content-type": "application/json", "x-request-id": bare });
      response.end(JSON.stringify({ error: { message: `you sent ${headers}`, code: bare }, echo: headers }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function expectNoSecret(text: string): void {
  expect(text).not.toContain(API_KEY);
  expect(text).not.toContain(API_KEY.slice(3, 20));
  expect(text).not.toContain(Buffer.from(API_KEY).toString("base64").slice(0, 20));
  expect(text).not.toMatch(/authorization|bearer/i);
}

describe("a hostile upstream echoing the request's credentials", () => {
  let app: TestApp;
  let upstream: Awaited<ReturnType<typeof startEchoingUpstream>>;
  let providerId: string;
  let conversationId: string;
  let personaId: string;
  const user = "alice";

  beforeAll(async () => {
    app = await createTestApp({ outboundAllow: "127.0.0.1" });
    upstream = await startEchoingUpstream();
    const provider = await app.request("/v1/providers", {
      method: "POST",
      json: { name: "echo", kind: "openai-compatible", base_url: upstream.baseURL, api_key: API_KEY },
    });
    expect(provider.status).toBe(201);
    providerId = (await provider.json()).id;
    const persona = await (
      await app.request("/v1/personas", { method: "POST", json: { name: "Echo", model: "echo/m1" } })
    ).json();
    personaId = persona.id;
    conversationId = (
      await (
        await app.request("/v1/conversations", { method: "POST", user, json: { persona_id: persona.id } })
      ).json()
    ).id;
  });
  afterAll(async () => {
    await app.close();
    await upstream.close();
  });

  it("502 problem documents summarise: status and provider, no upstream text", async () => {
    const response = await app.request(`/v1/conversations/${conversationId}/messages`, {
      method: "POST",
      user,
      json: { content: "Hello?" },
    });
    expect(response.status).toBe(502);
    const text = await response.text();
    expectNoSecret(text);
    expect(JSON.parse(text).detail).toBe("the model provider echo answered HTTP 401");
  });

  it("server-sent events carry the same summary", async () => {
    const response = await app.request(`/v1/conversations/${conversationId}/messages`, {
      method: "POST",
      user,
      headers: { accept: "text/event-stream" },
      json: { content: "Stream it?" },
    });
    const text = await response.text();
    expectNoSecret(text);
    const error = parseServerSentEvents(text).find((event) => event.event === "error");
    expect(error?.data).toMatchObject({ status: 502, detail: "the model provider echo answered HTTP 401" });
  });

  it("OpenAI-style chat completions, streamed or not, carry only the summary", async () => {
    for (const stream of [false, true]) {
      const response = await app.request("/v1/chat/completions", {
        method: "POST",
        user,
        json: { model: `persona/${personaId}`, stream, messages: [{ role: "user", content: "Hi" }] },
      });
      const text = await response.text();
      expectNoSecret(text);
      expect(text).toContain("the model provider echo answered HTTP 401");
    }
  });

  it("a failed background reply's job error is the summary", async () => {
    const accepted = await app.request(`/v1/conversations/${conversationId}/messages`, {
      method: "POST",
      user,
      json: { content: "Later?", mode: "async" },
    });
    expect(accepted.status).toBe(202);
    const { job } = await accepted.json();
    const events = await (await app.request(`/v1/jobs/${job.id}/events`, { user })).text();
    expectNoSecret(events);
    const finished = await app.request(`/v1/jobs/${job.id}`, { user });
    const text = await finished.text();
    expectNoSecret(text);
    expect(JSON.parse(text)).toMatchObject({
      status: "failed",
      error: "the model provider echo answered HTTP 401",
    });
  });

  it("model lists drop ids that carry the key", async () => {
    const text = await (await app.request(`/v1/providers/${providerId}/models`)).text();
    expectNoSecret(text);
    expect(JSON.parse(text).data).toContain("echo/plain-model");
  });
});
