import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../test-app.ts";

/** A card's alternate greetings: one is chosen when a conversation starts, with its macros replaced. */
describe("choosing the greeting a conversation opens with", () => {
  let app: TestApp;
  let personaId: string;

  beforeAll(async () => {
    app = await createTestApp();
    const created = await app.request("/v1/personas", {
      method: "POST",
      json: {
        name: "Vex",
        first_message: "Halt, {{user}}.",
        alternate_greetings: ["{{char}} looks up from the ledger.", "The gate creaks open for {{user}}."],
      },
    });
    expect(created.status).toBe(201);
    personaId = (await created.json()).id;
  });
  afterAll(async () => app?.close());

  const start = (json: Record<string, unknown>) =>
    app.request("/v1/conversations", {
      method: "POST",
      user: "greeter",
      json: { persona_id: personaId, ...json },
    });

  it("opens with the first message by default and with the chosen alternate greeting", async () => {
    const first = await start({});
    expect(first.status).toBe(201);
    expect((await first.json()).messages[0].content).toBe("Halt, User.");

    const second = await start({ greeting: 2 });
    expect(second.status).toBe(201);
    expect((await second.json()).messages[0].content).toBe("The gate creaks open for User.");

    const alternate = await start({ greeting: 1 });
    expect((await alternate.json()).messages[0].content).toBe("Vex looks up from the ledger.");
  });

  it("carries every greeting as the opening message's alternatives, the chosen one shown", async () => {
    const conversation = await (await start({ greeting: 1 })).json();
    const [opener] = conversation.messages;
    expect(opener).toMatchObject({
      content: "Vex looks up from the ledger.",
      alternative_index: 1,
      alternative_count: 3,
      reply_to: null,
      model: null,
    });
    const listed = await app.request(
      `/v1/conversations/${conversation.id}/messages/${opener.id}/alternatives`,
      { user: "greeter" },
    );
    const alternatives = await listed.json();
    expect(alternatives.data.map((message: { content: string }) => message.content)).toEqual([
      "Halt, User.",
      "Vex looks up from the ledger.",
      "The gate creaks open for User.",
    ]);
    expect(alternatives.chosen).toBe(1);
    // The conversation shows one opening message, not three.
    const shown = await app.request(`/v1/conversations/${conversation.id}/messages`, { user: "greeter" });
    expect((await shown.json()).data.map((message: { content: string }) => message.content)).toEqual([
      "Vex looks up from the ledger.",
    ]);
  });

  it("refuses a greeting the persona does not have, naming the field and the range", async () => {
    const response = await start({ greeting: 3 });
    expect(response.status).toBe(422);
    const problem = await response.json();
    expect(problem.errors).toEqual([
      {
        field: "greeting",
        message: "this persona has 2 alternate greetings: use 0 (its first message) to 2",
      },
    ]);
    expect((await start({ greeting: -1 })).status).toBe(422);
    expect((await start({ greeting: "1" })).status).toBe(422);
  });
});

/** A V3 card's greetings: first_mes, alternate_greetings and group_only_greetings. */
const card = {
  spec: "chara_card_v3",
  spec_version: "3.0",
  data: {
    name: "Seraphina",
    description: "A guardian of the forest.",
    personality: "",
    scenario: "",
    first_mes: "Welcome to Eldoria, {{user}}.",
    mes_example: "",
    creator_notes: "",
    system_prompt: "",
    post_history_instructions: "",
    alternate_greetings: ["{{char}} tends the fire.", "Rain falls on {{user}}'s hood."],
    group_only_greetings: ["{{char}} greets the whole party."],
    tags: [],
    creator: "",
    character_version: "",
    extensions: {},
  },
};

describe("swiping the first message between a card's greetings", () => {
  let app: TestApp;
  let personaId: string;
  const user = "swiper";

  beforeAll(async () => {
    app = await createTestApp();
    const imported = await app.request("/v1/personas/import", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(card),
    });
    expect(imported.status).toBe(201);
    const body = await imported.json();
    // group_only_greetings are used now: no "kept for export but not used" warning.
    expect(body.warnings.join(" ")).not.toContain("group_only_greetings");
    personaId = body.persona.id;
  });
  afterAll(async () => app?.close());

  const start = async (greeting?: number) => {
    const response = await app.request("/v1/conversations", {
      method: "POST",
      user,
      json: { persona_id: personaId, ...(greeting === undefined ? {} : { greeting }) },
    });
    expect(response.status).toBe(201);
    return response.json();
  };
  const contents = async (conversationId: string, messageId: string) => {
    const response = await app.request(
      `/v1/conversations/${conversationId}/messages/${messageId}/alternatives`,
      { user },
    );
    const body = await response.json();
    return { texts: body.data.map((message: { content: string }) => message.content), chosen: body.chosen };
  };

  it("swipes with the same alternatives API as replies, each greeting's macros replaced", async () => {
    const conversation = await start();
    const opener = conversation.messages[0];
    expect(opener.content).toBe("Welcome to Eldoria, User.");
    // Group-only greetings are for group chats: not among the swipes of a conversation opened otherwise.
    expect(await contents(conversation.id, opener.id)).toEqual({
      texts: ["Welcome to Eldoria, User.", "Seraphina tends the fire.", "Rain falls on User's hood."],
      chosen: 0,
    });

    const swiped = await app.request(`/v1/conversations/${conversation.id}/messages/${opener.id}`, {
      method: "PATCH",
      user,
      json: { chosen_alternative: 2 },
    });
    expect(swiped.status).toBe(200);
    expect(await swiped.json()).toMatchObject({
      content: "Rain falls on User's hood.",
      alternative_index: 2,
      alternative_count: 3,
    });

    // The next reply's history starts from the greeting shown.
    const exchange = await app.request(`/v1/conversations/${conversation.id}/messages`, {
      method: "POST",
      user,
      json: { content: "Hello" },
    });
    const reply = (await exchange.json()).message;
    const prompt = await app.request(`/v1/conversations/${conversation.id}/messages/${reply.id}/prompt`, {
      user,
    });
    const history = (await prompt.json()).messages.map((message: { content: string }) => message.content);
    expect(history).toContain("Rain falls on User's hood.");
    expect(history).not.toContain("Welcome to Eldoria, User.");
  });

  it("regenerating the first message shows the next greeting, from the last back to the first", async () => {
    const conversation = await start(1);
    const opener = conversation.messages[0];
    const regenerate = async (messageId: string) => {
      const response = await app.request(
        `/v1/conversations/${conversation.id}/messages/${messageId}/regenerate`,
        { method: "POST", user, json: {} },
      );
      expect(response.status).toBe(200);
      return (await response.json()).message;
    };
    const second = await regenerate(opener.id);
    expect(second).toMatchObject({
      content: "Rain falls on User's hood.",
      alternative_index: 2,
      model: null,
    });
    const third = await regenerate(second.id);
    expect(third).toMatchObject({ content: "Welcome to Eldoria, User.", alternative_index: 0 });
    // No model ran: the conversation still has only its opening turn.
    const shown = await app.request(`/v1/conversations/${conversation.id}/messages`, { user });
    expect((await shown.json()).data).toHaveLength(1);

    const streamed = await app.request(
      `/v1/conversations/${conversation.id}/messages/${third.id}/regenerate`,
      { method: "POST", user, json: { stream: true } },
    );
    expect(streamed.headers.get("content-type")).toContain("text/event-stream");
    const events = await streamed.text();
    expect(events).toContain("event: message-start");
    expect(events).toContain("Seraphina tends the fire.");
    expect(events).toContain("event: message-end");
  });

  it("opens with a group greeting when chosen explicitly, which then joins the swipes", async () => {
    const conversation = await start(3);
    const opener = conversation.messages[0];
    expect(opener).toMatchObject({
      content: "Seraphina greets the whole party.",
      alternative_index: 3,
      alternative_count: 4,
    });
    expect((await contents(conversation.id, opener.id)).texts.at(-1)).toBe(
      "Seraphina greets the whole party.",
    );

    const refused = await app.request("/v1/conversations", {
      method: "POST",
      user,
      json: { persona_id: personaId, greeting: 4 },
    });
    expect(refused.status).toBe(422);
    expect((await refused.json()).errors).toEqual([
      {
        field: "greeting",
        message:
          "this persona has 2 alternate greetings and 1 group greeting: use 0 (its first message) to 3",
      },
    ]);
  });

  it("keeps group_only_greetings on export, V3 and V2", async () => {
    for (const format of ["card_v3", "card_v2"]) {
      const exported = await app.request(`/v1/personas/${personaId}/export?format=${format}`);
      expect(exported.status).toBe(200);
      const body = await exported.json();
      expect(body.data.group_only_greetings).toEqual(["{{char}} greets the whole party."]);
      expect(body.data.alternate_greetings).toEqual(card.data.alternate_greetings);
    }
  });
});
