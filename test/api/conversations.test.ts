import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LanguageModel, ModelProvider } from "../../src/models/language-model.ts";
import { UpstreamModelError } from "../../src/models/language-model.ts";
import { ModelRegistry } from "../../src/models/model-registry.ts";
import { createOfflineProvider } from "../../src/models/offline-model.ts";
import { BACKENDS } from "../backends.ts";
import { createTestApp, type TestApp, type TestResponse } from "../test-app.ts";
import { parseServerSentEvents } from "../server-sent-events.ts";

/** A provider whose model always fails, to prove the user's message survives. */
const brokenProvider: ModelProvider = {
  name: "broken",
  listModels: async () => ["model"],
  languageModel: (): LanguageModel => {
    const fail = () => {
      throw new UpstreamModelError("the upstream refused the request", 400, false);
    };
    return {
      id: "broken/model",
      generate: async () => fail(),
      generateObject: async () => fail(),
      // eslint-disable-next-line require-yield
      stream: async function* () {
        fail();
      },
    };
  },
};

describe.each(BACKENDS)("conversations on $name", (backend) => {
  let app: TestApp;
  let personaId: string;
  const user = "alice";

  beforeAll(async () => {
    app = await createTestApp({
      backend,
      models: new ModelRegistry([createOfflineProvider(), brokenProvider], "offline/default"),
    });
    const persona = await (
      await app.request("/v1/personas", {
        method: "POST",
        json: {
          name: "Mira",
          identity: { occupation: "cartographer", location: "Lisbon" },
          system_message: "You are Mira.",
          first_message: "Ahoy! I was just inking a coastline.",
        },
      })
    ).json();
    personaId = persona.id;
  });
  afterAll(async () => app.close());

  async function startConversation(id = personaId): Promise<any> {
    const response = await app.request("/v1/conversations", {
      method: "POST",
      user,
      json: { persona_id: id },
    });
    expect(response.status).toBe(201);
    return response.json();
  }

  async function send(conversationId: string, body: Record<string, unknown>): Promise<TestResponse> {
    return app.request(`/v1/conversations/${conversationId}/messages`, { method: "POST", user, json: body });
  }

  it("opens with the persona's first message", async () => {
    const conversation = await startConversation();
    expect(conversation.messages).toHaveLength(1);
    expect(conversation.messages[0]).toMatchObject({
      role: "assistant",
      content: "Ahoy! I was just inking a coastline.",
      sequence: 1,
    });
    expect(conversation.title).toBe("Chat with Mira");
  });

  it("opens with a model-written reply to the start prompt when there is no first message", async () => {
    const persona = await (
      await app.request("/v1/personas", {
        method: "POST",
        json: { name: "Opener", start_prompt: "Greet the user and ask about their day." },
      })
    ).json();
    const conversation = await startConversation(persona.id);
    expect(conversation.messages).toHaveLength(1);
    const opener = conversation.messages[0];
    expect(opener.model).toBe("offline/default");
    const prompt = await (
      await app.request(`/v1/conversations/${conversation.id}/messages/${opener.id}/prompt`, { user })
    ).json();
    expect(prompt.messages.at(-1).content).toContain("Greet the user and ask about their day.");
  });

  it("answers synchronously, storing both messages with usage and timings", async () => {
    const conversation = await startConversation();
    const response = await send(conversation.id, { content: "Do you like lighthouses?" });
    expect(response.status).toBe(200);
    const exchange = await response.json();
    expect(exchange.user_message).toMatchObject({
      role: "user",
      content: "Do you like lighthouses?",
      sequence: 2,
    });
    expect(exchange.message).toMatchObject({
      role: "assistant",
      status: "complete",
      model: "offline/default",
    });
    expect(exchange.message.content).toContain("Mira");
    expect(exchange.usage.input_tokens).toBeGreaterThan(0);
    expect(exchange.usage.output_tokens).toBeGreaterThan(0);
    expect(exchange.timings.total_ms).toBeGreaterThanOrEqual(0);
    const messages = await (
      await app.request(`/v1/conversations/${conversation.id}/messages`, { user })
    ).json();
    expect(messages.data.map((message: any) => message.role)).toEqual(["assistant", "user", "assistant"]);
  });

  it("switches user persona mid-conversation, visible in messages and the prompt inspector", async () => {
    const elena = await (
      await app.request("/v1/user-personas", {
        method: "POST",
        user,
        json: { name: "Elena", description: "a space pirate" },
      })
    ).json();
    const wren = await (
      await app.request("/v1/user-personas", {
        method: "POST",
        user,
        json: { name: "Wren", description: "a wizard" },
      })
    ).json();
    await app.request(`/v1/user-personas/active/${elena.id}`, { method: "PUT", user });
    const conversation = await startConversation();

    const asElena = await (await send(conversation.id, { content: "Hello!" })).json();
    expect(asElena.user_message.user_persona).toEqual({
      id: elena.id,
      name: "Elena",
      description: "a space pirate",
    });
    expect(asElena.message.content).toContain("Elena");

    const asWren = await (
      await send(conversation.id, { content: "Hello again", user_persona_id: wren.id })
    ).json();
    expect(asWren.user_message.user_persona.name).toBe("Wren");
    expect(asWren.message.content).toContain("Wren");
    expect(asWren.message.content).not.toContain("Elena");

    const asNobody = await (
      await send(conversation.id, { content: "Who am I?", user_persona_id: null })
    ).json();
    expect(asNobody.user_message.user_persona).toBeNull();
    expect(asNobody.message.content).not.toContain("Wren");

    const inspect = async (messageId: string) =>
      (
        await app.request(`/v1/conversations/${conversation.id}/messages/${messageId}/prompt`, { user })
      ).json();
    const section = (prompt: any, name: string) => prompt.sections.find((entry: any) => entry.name === name);
    const wrenPrompt = await inspect(asWren.message.id);
    expect(section(wrenPrompt, "user_persona").text).toContain("as Wren: a wizard");
    expect(section(wrenPrompt, "user_persona").tokens).toBeGreaterThan(0);
    expect(wrenPrompt.model).toBe("offline/default");
    expect(wrenPrompt.messages[0].role).toBe("system");
    const nobodyPrompt = await inspect(asNobody.message.id);
    expect(section(nobodyPrompt, "user_persona").text).toContain("has not chosen a persona");
    // History keeps what was said as Elena: memory stays with the account.
    expect(section(nobodyPrompt, "history").text).toContain("Hello!");

    const unknown = await send(conversation.id, { content: "x", user_persona_id: "upn_nope" });
    expect(unknown.status).toBe(404);
    await app.request("/v1/user-personas/active", { method: "DELETE", user });
  });

  it("streams a reply as server-sent events", async () => {
    const conversation = await startConversation();
    const response = await app.request(`/v1/conversations/${conversation.id}/messages`, {
      method: "POST",
      user,
      headers: { accept: "text/event-stream" },
      json: { content: "Tell me about maps" },
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const events = parseServerSentEvents(await response.text());
    expect(events[0]?.event).toBe("message-start");
    const deltas = events.filter((event) => event.event === "message-delta");
    expect(deltas.length).toBeGreaterThan(3);
    const end = events.at(-1);
    expect(end?.event).toBe("message-end");
    expect(deltas.map((event) => event.data.text).join("")).toBe(end?.data.message.content);
    expect(end?.data.message.id).toBe(events[0]?.data.message_id);
    expect(end?.data.usage.output_tokens).toBeGreaterThan(0);
  });

  it("stores a partial reply when the client disconnects mid-stream", async () => {
    const conversation = await startConversation();
    const response = await app.request(`/v1/conversations/${conversation.id}/messages`, {
      method: "POST",
      user,
      json: { content: "Tell me a long story", stream: true },
    });
    const reader = (response as unknown as Response).body!.getReader();
    let received = "";
    while (!received.includes("message-delta"))
      received += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    let messages: any[] = [];
    for (let attempt = 0; attempt < 50; attempt++) {
      messages = (await (await app.request(`/v1/conversations/${conversation.id}/messages`, { user })).json())
        .data;
      if (messages.length === 3) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const reply = messages.at(-1);
    expect(reply.role).toBe("assistant");
    expect(reply.status).toBe("partial");
    expect(reply.content.length).toBeGreaterThan(0);
  });

  it("replies as a background job with mode async, followed by polling or events", async () => {
    const conversation = await startConversation();
    const accepted = await send(conversation.id, { content: "Reply later, please", mode: "async" });
    expect(accepted.status).toBe(202);
    const { job, user_message } = await accepted.json();
    expect(user_message).toMatchObject({ role: "user", content: "Reply later, please" });
    expect(["queued", "running", "succeeded"]).toContain(job.status);

    const events = parseServerSentEvents(
      await (await app.request(`/v1/jobs/${job.id}/events`, { user })).text(),
    );
    const statuses = events.filter((event) => event.event === "status");
    expect(statuses.at(-1)?.data.job.status).toBe("succeeded");
    const finished = await (await app.request(`/v1/jobs/${job.id}`, { user })).json();
    expect(finished.status).toBe("succeeded");
    expect(finished.result.message).toMatchObject({ role: "assistant", reply_to: user_message.id });
    expect(finished.result.message.content).toContain("Mira");
    const deltas = events.filter((event) => event.event === "message-delta");
    if (deltas.length > 0) {
      expect(deltas.map((event) => event.data.text).join("")).toBe(finished.result.message.content);
    }

    expect((await app.request(`/v1/jobs/${job.id}`, { user: "bob" })).status).toBe(404);
    expect((await app.request(`/v1/jobs/${job.id}`)).status).toBe(400);
    const messages = (
      await (await app.request(`/v1/conversations/${conversation.id}/messages`, { user })).json()
    ).data;
    expect(messages.map((message: any) => message.role)).toEqual(["assistant", "user", "assistant"]);
  });

  it("keeps the user's message when the model fails, and says why", async () => {
    const broken = await (
      await app.request("/v1/personas", { method: "POST", json: { name: "Broken", model: "broken/model" } })
    ).json();
    const conversation = await startConversation(broken.id);
    const response = await send(conversation.id, { content: "Are you there?" });
    expect(response.status).toBe(502);
    expect((await response.json()).detail).toMatch(/upstream status 400/);
    const messages = (
      await (await app.request(`/v1/conversations/${conversation.id}/messages`, { user })).json()
    ).data;
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ role: "user", content: "Are you there?" });
  });

  it("sums usage by day, persona and kind", async () => {
    const byPersona = await (await app.request("/v1/usage?group_by=persona")).json();
    const mira = byPersona.totals.find((total: any) => total.key === personaId);
    expect(mira.requests).toBeGreaterThanOrEqual(5);
    expect(mira.output_tokens).toBeGreaterThan(0);
    expect(mira.cost_usd).toBe(0);
    const byDay = await (await app.request("/v1/usage?group_by=day")).json();
    expect(byDay.totals[0].key).toBe("2026-01-01");
    expect(byDay.overall.requests).toBe(byPersona.overall.requests);
    const bad = await app.request("/v1/usage?from=yesterday");
    expect(bad.status).toBe(422);
  });

  it("validates input and hides other users' conversations", async () => {
    const conversation = await startConversation();
    expect((await send(conversation.id, { content: "   " })).status).toBe(422);
    const other = await app.request(`/v1/conversations/${conversation.id}`, { user: "bob" });
    expect(other.status).toBe(404);
    const missingPersona = await app.request("/v1/conversations", {
      method: "POST",
      user,
      json: { persona_id: "psn_missing" },
    });
    expect(missingPersona.status).toBe(404);
    expect(
      (await app.request(`/v1/conversations/${conversation.id}`, { method: "DELETE", user })).status,
    ).toBe(204);
    expect((await app.request(`/v1/conversations/${conversation.id}`, { user })).status).toBe(404);
  });
});
