import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GenerateRequest } from "../../src/models/language-model.ts";
import { ModelRegistry } from "../../src/models/model-registry.ts";
import { createOfflineProvider } from "../../src/models/offline-model.ts";
import { BACKENDS } from "../backends.ts";
import { capturingProvider } from "../capturing-model.ts";
import { parseServerSentEvents } from "../server-sent-events.ts";
import { createTestApp, type TestApp } from "../test-app.ts";

/** What the model got and what the user saw must hold no macro a card author wrote. */
const UNREPLACED = /\{\{\s*(char|user|original|time|date|weekday|idle_duration)\s*\}\}|<(user|bot|char)>/i;

describe.each(BACKENDS)("macros in persona text ($name)", (backend) => {
  let app: TestApp;
  let gatekeeperId: string;
  let openerId: string;
  const modelRequests: GenerateRequest[] = [];

  beforeAll(async () => {
    // The test clock starts at 2026-01-01T00:00Z: 9:00 AM on a Thursday in Tokyo.
    app = await createTestApp({
      backend,
      models: new ModelRegistry(
        [
          createOfflineProvider(),
          capturingProvider(modelRequests),
          // A model that writes the placeholders itself, cut mid-placeholder the way tokens fall.
          capturingProvider([], {
            name: "cardwise",
            deltas: ["Well met, {{us", "er}}. I am {", "{char}}; <US", "ER> may rest."],
          }),
        ],
        "offline/default",
      ),
    });
    const create = async (json: Record<string, unknown>) => {
      const response = await app.request("/v1/personas", { method: "POST", json });
      expect(response.status).toBe(201);
      return (await response.json()).id as string;
    };
    gatekeeperId = await create({
      name: "Vex",
      system_message:
        "{{original}} {{char}} guards the gate and calls {{user}} 'traveller'. Idle: {{idle_duration}}.",
      first_message: "Halt, {{user}}! I am {{Char}}. <USER> may pass at {{time}} on {{weekday}}.",
      personality: "<BOT> is gruff with {{user}}.",
      scenario: "{{user}} arrives at {{char}}'s gate.",
      identity: { summary: "{{char}} has kept the gate for years." },
      communication_examples: ["{{user}}: Let me in.\n{{char}}: Not today."],
      active_hours: { start: "00:00", end: "23:59", time_zone: "Asia/Tokyo" },
    });
    openerId = await create({ name: "Opener", start_prompt: "Greet {{user}} as {{char}} would." });
  });
  afterAll(async () => app.close());

  async function start(user: string, personaId = gatekeeperId) {
    const response = await app.request("/v1/conversations", {
      method: "POST",
      user,
      json: { persona_id: personaId },
    });
    expect(response.status).toBe(201);
    return response.json();
  }

  async function exchange(user: string, conversationId: string, content: string) {
    const response = await app.request(`/v1/conversations/${conversationId}/messages`, {
      method: "POST",
      user,
      json: { content },
    });
    expect(response.status).toBe(200);
    const result = await response.json();
    const prompt = await (
      await app.request(`/v1/conversations/${conversationId}/messages/${result.message.id}/prompt`, { user })
    ).json();
    return { result, prompt };
  }

  const section = (prompt: any, name: string): string =>
    prompt.sections.find((entry: any) => entry.name === name).text;

  it("names the user 'User' when they have neither a user persona nor an account", async () => {
    const conversation = await start("macro-anonymous");
    const greeting = conversation.messages[0].content;
    expect(greeting).toBe("Halt, User! I am Vex. User may pass at 9:00 AM on Thursday.");
    const stored = await (
      await app.request(`/v1/conversations/${conversation.id}/messages`, { user: "macro-anonymous" })
    ).json();
    expect(stored.data[0].content).toBe(greeting);

    const { result, prompt } = await exchange(
      "macro-anonymous",
      conversation.id,
      "Let me through, {{char}}.",
    );
    expect(section(prompt, "base_instructions")).toBe(
      "You are Vex. Stay in character. Vex guards the gate and calls User 'traveller'. Idle: just now.",
    );
    expect(section(prompt, "identity")).toContain("Vex has kept the gate for years.");
    expect(section(prompt, "identity")).toContain("Personality: Vex is gruff with User.");
    expect(section(prompt, "identity")).toContain("Scenario: User arrives at Vex's gate.");
    expect(section(prompt, "communication_examples")).toContain("User: Let me in.\nVex: Not today.");
    expect(prompt.messages.at(-1)).toEqual({ role: "user", content: "Let me through, Vex." });
    // The user's own message is stored as typed; only what the model reads has the name.
    expect(result.user_message.content).toBe("Let me through, {{char}}.");
    expect(JSON.stringify(prompt)).not.toMatch(UNREPLACED);
    expect(result.message.content).not.toMatch(UNREPLACED);
  });

  it("uses the user persona's name when one is active", async () => {
    const user = "macro-with-persona";
    const elena = await (
      await app.request("/v1/user-personas", {
        method: "POST",
        user,
        json: { name: "Elena", description: "a space pirate" },
      })
    ).json();
    await app.request(`/v1/user-personas/active/${elena.id}`, { method: "PUT", user });
    const conversation = await start(user);
    expect(conversation.messages[0].content).toBe(
      "Halt, Elena! I am Vex. Elena may pass at 9:00 AM on Thursday.",
    );
    const { prompt } = await exchange(user, conversation.id, "Hello");
    expect(section(prompt, "base_instructions")).toContain("calls Elena 'traveller'");
    expect(section(prompt, "identity")).toContain("Scenario: Elena arrives at Vex's gate.");
    expect(prompt.messages[1]).toEqual({
      role: "assistant",
      content: "Halt, Elena! I am Vex. Elena may pass at 9:00 AM on Thursday.",
    });
    expect(JSON.stringify(prompt)).not.toMatch(UNREPLACED);
  });

  it("falls back to the account's display name without a user persona", async () => {
    const created = await app.request("/v1/accounts", {
      method: "POST",
      json: { email: "ana@example.com", password: "correct horse battery", name: "Ana" },
    });
    expect(created.status).toBe(201);
    const conversation = await start("ana@example.com");
    expect(conversation.messages[0].content).toBe(
      "Halt, Ana! I am Vex. Ana may pass at 9:00 AM on Thursday.",
    );
    const { prompt } = await exchange("ana@example.com", conversation.id, "Hi");
    expect(section(prompt, "base_instructions")).toContain("calls Ana 'traveller'");
  });

  it("says how long the user was away since their previous message", async () => {
    const user = "macro-idle";
    const conversation = await start(user);
    await exchange(user, conversation.id, "First");
    app.clock.advance(2 * 60 * 60 * 1000);
    const { prompt } = await exchange(user, conversation.id, "Back again");
    expect(section(prompt, "base_instructions")).toContain("Idle: 2 hours.");
  });

  it("replaces the macros of a start prompt the model opens with", async () => {
    const conversation = await start("macro-opener", openerId);
    const opener = conversation.messages[0];
    const prompt = await (
      await app.request(`/v1/conversations/${conversation.id}/messages/${opener.id}/prompt`, {
        user: "macro-opener",
      })
    ).json();
    expect(prompt.messages.at(-1).content).toBe("Begin the conversation. Greet User as Opener would.");
    expect(JSON.stringify(prompt)).not.toMatch(UNREPLACED);
    expect(opener.content).not.toMatch(UNREPLACED);
  });

  it("opens with the start prompt when nothing is left of the first message", async () => {
    const quiet = await (
      await app.request("/v1/personas", {
        method: "POST",
        json: {
          name: "Quiet",
          first_message: "{{noop}}{{// kept for later}}",
          start_prompt: "Nod at {{user}}.",
        },
      })
    ).json();
    const conversation = await start("macro-quiet", quiet.id);
    expect(conversation.messages).toHaveLength(1);
    expect(conversation.messages[0].model).toBe("offline/default");
  });

  it("gives a chat completion's system message the persona's instructions as {{original}}", async () => {
    const personaId = (
      await (
        await app.request("/v1/personas", {
          method: "POST",
          json: {
            name: "Quill",
            model: "capture/model",
            system_message: "{{char}} is a scribe.",
            personality: "{{char}} is precise with {{user}}.",
            communication_examples: ["<USER>: hi\n<BOT>: Noted."],
          },
        })
      ).json()
    ).id;
    modelRequests.length = 0;
    const response = await app.request("/v1/chat/completions", {
      method: "POST",
      user: "macro-completions",
      json: {
        model: `persona/${personaId}`,
        messages: [
          { role: "system", content: "{{original}} Today {{user}} dictates a letter." },
          { role: "user", content: "Take this down, {{char}}." },
        ],
      },
    });
    expect(response.status).toBe(200);
    expect(modelRequests).toHaveLength(1);
    const [request] = modelRequests;
    expect(request?.messages[0]?.content).toMatch(/^Quill is a scribe\. Today User dictates a letter\./);
    expect(request?.messages.at(-1)).toEqual({ role: "user", content: "Take this down, Quill." });
    // The offline engine composes from the context: it must not see macros either.
    expect(request?.context?.persona.personality).toBe("Quill is precise with User.");
    expect(JSON.stringify(request)).not.toMatch(UNREPLACED);
  });

  it("sends a card's post-history instructions after the history, macros replaced, and never its creator notes", async () => {
    const personaId = (
      await (
        await app.request("/v1/personas", {
          method: "POST",
          json: {
            name: "Wren",
            model: "capture/model",
            card: {
              post_history_instructions: "Answer {{user}} in one line, as {{char}}.",
              creator_notes: "NOTES-FOR-HUMANS: best with a large model.",
            },
          },
        })
      ).json()
    ).id;
    const conversation = await start("macro-post-history", personaId);
    modelRequests.length = 0;
    const { prompt } = await exchange("macro-post-history", conversation.id, "Where does the road go?");
    expect(modelRequests).toHaveLength(1);
    const messages = modelRequests[0]!.messages;
    expect(messages.at(-2)).toEqual({ role: "user", content: "Where does the road go?" });
    expect(messages.at(-1)).toEqual({ role: "system", content: "Answer User in one line, as Wren." });
    expect(section(prompt, "post_history_instructions")).toBe("Answer User in one line, as Wren.");
    // The creator's notes are for people choosing the card: never part of what the model reads.
    expect(JSON.stringify(messages)).not.toContain("NOTES-FOR-HUMANS");
    expect(JSON.stringify(prompt)).not.toContain("NOTES-FOR-HUMANS");
  });

  it("shows the names where the model itself writes {{user}} or {{char}}, streamed or not", async () => {
    const personaId = (
      await (
        await app.request("/v1/personas", { method: "POST", json: { name: "Moth", model: "cardwise/model" } })
      ).json()
    ).id;
    const conversation = await start("macro-output", personaId);
    const streamed = await app.request(`/v1/conversations/${conversation.id}/messages`, {
      method: "POST",
      user: "macro-output",
      json: { content: "Who are you?", stream: true },
    });
    const events = parseServerSentEvents(await streamed.text());
    const deltas = events.filter((event) => event.event === "message-delta").map((event) => event.data.text);
    const expected = "Well met, User. I am Moth; User may rest.";
    expect(deltas.join("")).toBe(expected);
    for (const delta of deltas) expect(delta).not.toMatch(/[{}<]/);
    const end = events.find((event) => event.event === "message-end")!.data;
    expect(end.message.content).toBe(expected);
    const { result } = await exchange("macro-output", conversation.id, "And again?");
    expect(result.message.content).toBe(expected);
  });
});
