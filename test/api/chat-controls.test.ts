import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  UpstreamModelError,
  type GenerateResult,
  type LanguageModel,
  type ModelProvider,
} from "../../src/models/language-model.ts";
import { ModelRegistry } from "../../src/models/model-registry.ts";
import { createOfflineProvider } from "../../src/models/offline-model.ts";
import { BACKENDS } from "../backends.ts";
import { createTestApp, type TestApp } from "../test-app.ts";
import { parseServerSentEvents } from "../server-sent-events.ts";

/** A model whose every answer is numbered ("Take 1.", "Take 2.", ...), so alternatives differ predictably. */
function countingProvider(switches: { failing: boolean }): ModelProvider {
  let takes = 0;
  const answer = (): GenerateResult => {
    if (switches.failing) throw new UpstreamModelError("the upstream is down", 503, false);
    takes += 1;
    return {
      text: `Take ${takes}.`,
      usage: { inputTokens: 10, outputTokens: 3 },
      finishReason: "stop",
      warnings: [],
      model: "counting/model",
    };
  };
  return {
    name: "counting",
    listModels: async () => ["model"],
    languageModel: (): LanguageModel => ({
      id: "counting/model",
      generate: async () => answer(),
      generateObject: async () => ({
        object: { memories: [] },
        usage: { inputTokens: 0, outputTokens: 0 },
        model: "counting/model",
        warnings: [],
      }),
      stream: async function* () {
        const result = answer();
        yield { type: "delta" as const, text: result.text };
        yield { type: "finish" as const, result };
      },
    }),
  };
}

describe.each(BACKENDS)("chat controls on $name", (backend) => {
  let app: TestApp;
  let personaId: string;
  const user = "alice";
  const model = { failing: false };

  beforeAll(async () => {
    app = await createTestApp({
      backend,
      models: new ModelRegistry([createOfflineProvider(), countingProvider(model)], "offline/default"),
    });
    const persona = await (
      await app.request("/v1/personas", {
        method: "POST",
        json: {
          name: "Mira",
          model: "counting/model",
          system_message: "You are Mira.",
          first_message: "Ahoy!",
          memory: { extraction: false },
        },
      })
    ).json();
    personaId = persona.id;
  });
  afterAll(async () => app.close());

  const path = (conversationId: string, rest = "") => `/v1/conversations/${conversationId}${rest}`;

  async function post(url: string, json: unknown = {}, as = user) {
    return app.request(url, { method: "POST", user: as, json });
  }

  async function patch(url: string, json: unknown, as = user) {
    return app.request(url, { method: "PATCH", user: as, json });
  }

  /** A conversation with one exchange: the greeting, "Hello", and the persona's reply. */
  async function conversationWithExchange(): Promise<{ id: string; userMessage: any; reply: any }> {
    const conversation = await (await post("/v1/conversations", { persona_id: personaId })).json();
    const exchange = await (await post(path(conversation.id, "/messages"), { content: "Hello" })).json();
    return { id: conversation.id, userMessage: exchange.user_message, reply: exchange.message };
  }

  async function shownMessages(conversationId: string): Promise<any[]> {
    return (await (await app.request(path(conversationId, "/messages"), { user })).json()).data;
  }

  async function historyOfPrompt(conversationId: string, messageId: string): Promise<string[]> {
    const prompt = await (
      await app.request(path(conversationId, `/messages/${messageId}/prompt`), { user })
    ).json();
    return prompt.messages.slice(1).map((message: any) => `${message.role}: ${message.content}`);
  }

  it("regenerates the latest reply as a new alternative of the same turn, keeping the others", async () => {
    const { id, userMessage, reply } = await conversationWithExchange();
    const response = await post(path(id, `/messages/${reply.id}/regenerate`));
    expect(response.status).toBe(200);
    const regenerated = (await response.json()).message;
    expect(regenerated.id).not.toBe(reply.id);
    expect(regenerated.content).not.toBe(reply.content);
    expect(regenerated).toMatchObject({
      reply_to: userMessage.id,
      alternative_index: 1,
      alternative_count: 2,
    });

    // The conversation shows the new one only, after the untouched user message.
    const shown = await shownMessages(id);
    expect(shown.map((message) => message.id)).toEqual([shown[0].id, userMessage.id, regenerated.id]);
    expect(shown[1].content).toBe("Hello");

    // The regenerated reply was written from the history before the turn: not from the first reply.
    const history = await historyOfPrompt(id, regenerated.id);
    expect(history.at(-1)).toBe("user: Hello");
    expect(history.join("\n")).not.toContain(reply.content);

    const alternatives = await (
      await app.request(path(id, `/messages/${regenerated.id}/alternatives`), { user })
    ).json();
    expect(alternatives.data.map((message: any) => message.id)).toEqual([reply.id, regenerated.id]);
    expect(alternatives.chosen).toBe(1);
    // Any alternative names the turn.
    const viaFirst = await (
      await app.request(path(id, `/messages/${reply.id}/alternatives`), { user })
    ).json();
    expect(viaFirst.chosen).toBe(1);
  });

  it("sends the chosen alternative in the next prompt's history", async () => {
    const { id, reply } = await conversationWithExchange();
    const regenerated = (await (await post(path(id, `/messages/${reply.id}/regenerate`))).json()).message;

    const choose = await patch(path(id, `/messages/${regenerated.id}`), { chosen_alternative: 0 });
    expect(choose.status).toBe(200);
    expect(await choose.json()).toMatchObject({ id: reply.id, alternative_index: 0, alternative_count: 2 });
    expect((await shownMessages(id)).at(-1).id).toBe(reply.id);

    const next = (await (await post(path(id, "/messages"), { content: "And then?" })).json()).message;
    const history = await historyOfPrompt(id, next.id);
    expect(history).toContain(`assistant: ${reply.content}`);
    expect(history).not.toContain(`assistant: ${regenerated.content}`);

    // Choosing the other one back changes what the following prompt sends.
    await patch(path(id, `/messages/${reply.id}`), { chosen_alternative: 1 });
    const after = (await (await post(path(id, "/messages"), { content: "Go on" })).json()).message;
    const laterHistory = await historyOfPrompt(id, after.id);
    expect(laterHistory).toContain(`assistant: ${regenerated.content}`);
    expect(laterHistory).not.toContain(`assistant: ${reply.content}`);
  });

  it("streams a regenerated reply like a sent message", async () => {
    const { id, reply } = await conversationWithExchange();
    const response = await post(path(id, `/messages/${reply.id}/regenerate`), { stream: true });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const events = parseServerSentEvents(await response.text());
    expect(events.map((event) => event.event)).toEqual(["message-start", "message-delta", "message-end"]);
    const end = events[2]!.data;
    expect(events[0]!.data.message_id).toBe(end.message.id);
    expect(events[1]!.data.text).toBe(end.message.content);
    expect(end.message.alternative_count).toBe(2);
  });

  it("changes nothing when the model fails to regenerate or continue", async () => {
    const { id, reply } = await conversationWithExchange();
    model.failing = true;
    try {
      expect((await post(path(id, `/messages/${reply.id}/regenerate`))).status).toBe(502);
      const streamed = await post(path(id, `/messages/${reply.id}/regenerate`), { stream: true });
      const events = parseServerSentEvents(await streamed.text());
      expect(events.at(-1)!.event).toBe("error");
      expect((await post(path(id, "/continue"))).status).toBe(502);
    } finally {
      model.failing = false;
    }
    const alternatives = await (
      await app.request(path(id, `/messages/${reply.id}/alternatives`), { user })
    ).json();
    expect(alternatives).toMatchObject({ chosen: 0, data: [{ id: reply.id, content: reply.content }] });
  });

  it("refuses to regenerate anything but the latest reply to a user's message", async () => {
    const { id, userMessage, reply } = await conversationWithExchange();
    const greeting = (await shownMessages(id))[0];
    expect((await post(path(id, `/messages/${userMessage.id}/regenerate`))).status).toBe(422);
    expect((await post(path(id, `/messages/${greeting.id}/regenerate`))).status).toBe(422);
    await post(path(id, "/messages"), { content: "Another" });
    const stale = await post(path(id, `/messages/${reply.id}/regenerate`));
    expect(stale.status).toBe(409);
    expect((await stale.json()).detail).toContain("only the latest reply");
    expect((await post(path(id, "/messages/msg_missing/regenerate"))).status).toBe(404);
    expect((await post(path(id, `/messages/${reply.id}/regenerate`), { stream: "yes" })).status).toBe(422);
  });

  it("continues the persona's last message by appending to it", async () => {
    const { id, reply } = await conversationWithExchange();
    const response = await post(path(id, "/continue"));
    expect(response.status).toBe(200);
    const continued = (await response.json()).message;
    expect(continued.id).toBe(reply.id);
    expect(continued.content).toMatch(new RegExp(`^${reply.content.replace(".", "\\.")} Take \\d+\\.$`));
    expect((await shownMessages(id)).at(-1).content).toBe(continued.content);

    const streamed = await post(path(id, "/continue"), { stream: true });
    const events = parseServerSentEvents(await streamed.text());
    expect(events.map((event) => event.event)).toEqual(["message-start", "message-delta", "message-end"]);
    expect(events[0]!.data.message_id).toBe(reply.id);
    expect(events[2]!.data.message.content.startsWith(continued.content)).toBe(true);

    // Nothing to continue when the user spoke last (here: the reply deleted).
    const spokeLast = await conversationWithExchange();
    await app.request(path(spokeLast.id, `/messages/${spokeLast.reply.id}`), { method: "DELETE", user });
    const refused = await post(path(spokeLast.id, "/continue"));
    expect(refused.status).toBe(409);
    expect((await refused.json()).detail).toContain("the last message is the user's");
    expect((await post(path(id, "/continue"), { extra: 1 })).status).toBe(422);
  });

  it("edits a user's or the persona's message, and the next prompt sends the edit", async () => {
    const { id, userMessage, reply } = await conversationWithExchange();
    const editedUser = await patch(path(id, `/messages/${userMessage.id}`), { content: "Hello, Mira" });
    expect(editedUser.status).toBe(200);
    expect(await editedUser.json()).toMatchObject({ content: "Hello, Mira", edited_at: expect.any(String) });
    const editedReply = await (
      await patch(path(id, `/messages/${reply.id}`), { content: "Well met." })
    ).json();
    expect(editedReply.content).toBe("Well met.");
    const next = (await (await post(path(id, "/messages"), { content: "Yes?" })).json()).message;
    const history = await historyOfPrompt(id, next.id);
    expect(history).toEqual(expect.arrayContaining(["user: Hello, Mira", "assistant: Well met."]));

    for (const body of [
      { content: "  " },
      {},
      { content: "x", chosen_alternative: 0 },
      { chosen_alternative: 5 },
    ]) {
      const refused = await patch(path(id, `/messages/${reply.id}`), body);
      expect(refused.status, JSON.stringify(body)).toBe(422);
    }
    expect((await patch(path(id, "/messages/msg_missing"), { content: "x" })).status).toBe(404);
  });

  it("deletes messages only when asked: a shown reply with its alternatives, a hidden alternative alone", async () => {
    const { id, userMessage, reply } = await conversationWithExchange();
    const second = (await (await post(path(id, `/messages/${reply.id}/regenerate`))).json()).message;
    const third = (await (await post(path(id, `/messages/${second.id}/regenerate`))).json()).message;

    const hidden = await app.request(path(id, `/messages/${second.id}`), { method: "DELETE", user });
    expect(hidden.status).toBe(204);
    const remaining = await (
      await app.request(path(id, `/messages/${third.id}/alternatives`), { user })
    ).json();
    expect(remaining.data.map((message: any) => message.id)).toEqual([reply.id, third.id]);

    expect((await app.request(path(id, `/messages/${third.id}`), { method: "DELETE", user })).status).toBe(
      204,
    );
    const shown = await shownMessages(id);
    expect(shown.map((message) => message.id)).not.toContain(reply.id);
    expect(shown.at(-1).id).toBe(userMessage.id);

    expect(
      (await app.request(path(id, `/messages/${userMessage.id}`), { method: "DELETE", user })).status,
    ).toBe(204);
    expect((await shownMessages(id)).map((message) => message.role)).toEqual(["assistant"]);
    expect(
      (await app.request(path(id, `/messages/${userMessage.id}`), { method: "DELETE", user })).status,
    ).toBe(404);
  });

  it("renames a conversation", async () => {
    const { id } = await conversationWithExchange();
    const renamed = await patch(path(id), { title: "  Maps of Lisbon " });
    expect(renamed.status).toBe(200);
    expect((await renamed.json()).title).toBe("Maps of Lisbon");
    expect((await (await app.request(path(id), { user })).json()).title).toBe("Maps of Lisbon");
    expect((await patch(path(id), { title: "" })).status).toBe(422);
    expect((await patch(path(id), { title: "x".repeat(201) })).status).toBe(422);
    expect((await patch(path(id), { name: "x" })).status).toBe(422);
  });

  it("answers 404 for another user's conversation on every control, changing nothing", async () => {
    const { id, reply } = await conversationWithExchange();
    const other = "bob";
    const attempts = [
      () => post(path(id, `/messages/${reply.id}/regenerate`), {}, other),
      () => post(path(id, "/continue"), {}, other),
      () => app.request(path(id, `/messages/${reply.id}/alternatives`), { user: other }),
      () => patch(path(id, `/messages/${reply.id}`), { content: "mine now" }, other),
      () => patch(path(id, `/messages/${reply.id}`), { chosen_alternative: 0 }, other),
      () => app.request(path(id, `/messages/${reply.id}`), { method: "DELETE", user: other }),
      () => patch(path(id), { title: "mine now" }, other),
    ];
    for (const attempt of attempts) expect((await attempt()).status).toBe(404);
    const shown = await shownMessages(id);
    expect(shown.at(-1)).toMatchObject({ id: reply.id, content: reply.content, edited_at: null });
    expect((await (await app.request(path(id), { user })).json()).title).toBe("Chat with Mira");
  });

  it("replays a regenerate retried with the same Idempotency-Key instead of writing another alternative", async () => {
    const { id, reply } = await conversationWithExchange();
    const once = () =>
      app.request(path(id, `/messages/${reply.id}/regenerate`), {
        method: "POST",
        user,
        json: {},
        headers: { "idempotency-key": `regenerate-${reply.id}` },
      });
    const first = await (await once()).json();
    const retry = await once();
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect((await retry.json()).message.id).toBe(first.message.id);
    const alternatives = await (
      await app.request(path(id, `/messages/${reply.id}/alternatives`), { user })
    ).json();
    expect(alternatives.data).toHaveLength(2);
  });
});
