import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GenerateRequest } from "../../src/models/language-model.ts";
import { ModelRegistry } from "../../src/models/model-registry.ts";
import { createOfflineProvider } from "../../src/models/offline-model.ts";
import { capturingProvider } from "../capturing-model.ts";
import { createTestApp, type TestApp } from "../test-app.ts";

/** A card as other front ends write it, with a lorebook the V2/V3 specs say is active by default. */
const card = {
  spec: "chara_card_v3",
  spec_version: "3.0",
  data: {
    name: "Seraphina",
    description: "A guardian of the forest of Eldoria.",
    personality: "gentle",
    scenario: "",
    first_mes: "Welcome to Eldoria, {{user}}.",
    mes_example: "",
    creator_notes: "",
    system_prompt: "",
    post_history_instructions: "",
    alternate_greetings: [],
    group_only_greetings: [],
    tags: [],
    creator: "",
    character_version: "",
    extensions: {},
    character_book: {
      name: "Eldoria",
      extensions: {},
      entries: [
        {
          keys: ["dragon", "wyrm"],
          content: "The last dragon of Eldoria, Vyrn, sleeps beneath the Ashen Peak and fears {{char}}.",
          extensions: {},
          enabled: true,
          insertion_order: 10,
          name: "Dragons",
        },
        {
          keys: ["river"],
          content: "@@depth 1\n@@role system\nThe Silverrun river never freezes.",
          extensions: {},
          enabled: true,
          insertion_order: 20,
          name: "River",
        },
        {
          keys: ["secret"],
          content: "This entry is switched off.",
          extensions: {},
          enabled: false,
          insertion_order: 30,
        },
      ],
    },
  },
};

describe("a card's lorebook in chat", () => {
  let app: TestApp;
  let personaId: string;
  const requests: GenerateRequest[] = [];

  beforeAll(async () => {
    app = await createTestApp({
      models: new ModelRegistry([createOfflineProvider(), capturingProvider(requests)], "offline/default"),
    });
    const imported = await app.request("/v1/personas/import", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(card),
    });
    const importedText = await imported.text();
    expect(imported.status, importedText).toBe(201);
    const body = JSON.parse(importedText);
    personaId = body.persona?.id ?? body.id;
    const patched = await app.request(`/v1/personas/${personaId}`, {
      method: "PATCH",
      json: { model: "capture/model" },
    });
    expect(patched.status).toBe(200);
  });
  afterAll(async () => app?.close());

  async function say(conversationId: string, content: string) {
    requests.length = 0;
    const sent = await app.request(`/v1/conversations/${conversationId}/messages`, {
      method: "POST",
      user: "reader",
      json: { content },
    });
    expect(sent.status).toBe(200);
    const reply = (await sent.json()).message;
    const prompt = await (
      await app.request(`/v1/conversations/${conversationId}/messages/${reply.id}/prompt`, { user: "reader" })
    ).json();
    return {
      messages: requests[0]!.messages,
      sections: prompt.sections as { name: string; text: string; tokens: number; detail?: string }[],
    };
  }

  it("brings an entry into the prompt when its key is in the chat, and shows why in the inspector", async () => {
    const conversation = await (
      await app.request("/v1/conversations", {
        method: "POST",
        user: "reader",
        json: { persona_id: personaId },
      })
    ).json();

    const quiet = await say(conversation.id, "Good morning! How are you?");
    expect(quiet.sections.filter((section) => section.name === "world_info")).toEqual([]);
    expect(JSON.stringify(quiet.messages)).not.toContain("Vyrn");

    const { messages, sections } = await say(conversation.id, "Is there really a Dragon in these hills?");
    const worldInfo = sections.filter((section) => section.name === "world_info");
    expect(worldInfo).toHaveLength(1);
    expect(worldInfo[0]).toMatchObject({
      text: "The last dragon of Eldoria, Vyrn, sleeps beneath the Ashen Peak and fears Seraphina.",
      detail: "Lorebook “Eldoria”, entry “Dragons”: key “dragon” in the chat",
    });
    expect(worldInfo[0]!.tokens).toBeGreaterThan(5);
    // Where the card put it: after the character's description (the entry has no position of its own).
    const system = messages[0]!.content;
    expect(system).toContain("Vyrn, sleeps beneath the Ashen Peak and fears Seraphina.");
    expect(system.indexOf("Vyrn")).toBeGreaterThan(system.indexOf("A guardian of the forest"));
    expect(JSON.stringify(messages)).not.toMatch(/\{\{|switched off/);
  });

  it("places an @@depth entry inside the history as its @@role", async () => {
    const conversation = await (
      await app.request("/v1/conversations", {
        method: "POST",
        user: "reader",
        json: { persona_id: personaId },
      })
    ).json();
    const { messages, sections } = await say(conversation.id, "We crossed the river at dawn.");
    expect(messages.at(-2)).toEqual({ role: "system", content: "The Silverrun river never freezes." });
    expect(messages.at(-1)).toEqual({ role: "user", content: "We crossed the river at dawn." });
    expect(sections.find((section) => section.name === "world_info")?.detail).toBe(
      "Lorebook “Eldoria”, entry “River”: key “river” in the chat, at depth 1 as system",
    );
  });
});

describe("standalone lorebooks attached to a persona, a user persona or a conversation", () => {
  let app: TestApp;
  const requests: GenerateRequest[] = [];
  let personaId: string;
  let userPersonaId: string;
  let conversationId: string;

  beforeAll(async () => {
    app = await createTestApp({
      models: new ModelRegistry([createOfflineProvider(), capturingProvider(requests)], "offline/default"),
    });
    const persona = await (
      await app.request("/v1/personas", {
        method: "POST",
        user: "reader",
        json: { name: "Navigator", model: "capture/model" },
      })
    ).json();
    personaId = persona.id;
    userPersonaId = (
      await (
        await app.request("/v1/user-personas", { method: "POST", user: "reader", json: { name: "Deckhand" } })
      ).json()
    ).id;
    const active = await app.request(`/v1/user-personas/active/${userPersonaId}`, {
      method: "PUT",
      user: "reader",
    });
    expect(active.status).toBe(200);
    conversationId = (
      await (
        await app.request("/v1/conversations", {
          method: "POST",
          user: "reader",
          json: { persona_id: personaId },
        })
      ).json()
    ).id;
  });
  afterAll(async () => app?.close());

  async function worldInfoAfter(content: string) {
    requests.length = 0;
    const sent = await app.request(`/v1/conversations/${conversationId}/messages`, {
      method: "POST",
      user: "reader",
      json: { content },
    });
    expect(sent.status).toBe(200);
    const reply = (await sent.json()).message;
    const prompt = await (
      await app.request(`/v1/conversations/${conversationId}/messages/${reply.id}/prompt`, { user: "reader" })
    ).json();
    const sections = (prompt.sections as { name: string; text: string; detail?: string }[]).filter(
      (section) => section.name === "world_info",
    );
    return { sections, sent: JSON.stringify(requests[0]!.messages) };
  }

  it.each([
    ["persona", () => personaId],
    ["user_persona", () => userPersonaId],
    ["conversation", () => conversationId],
  ])(
    "brings a book attached to the %s into the prompt when its key is said, and not once detached",
    async (kind, target) => {
      const book = await (
        await app.request("/v1/lorebooks", {
          method: "POST",
          user: "reader",
          json: {
            name: `Sea lore (${kind})`,
            entries: [{ name: "Kraken", keys: ["kraken"], content: `The kraken guards the ${kind} reef.` }],
          },
        })
      ).json();
      const path = `/v1/lorebooks/${book.id}/attachments/${kind}/${target()}`;
      expect((await app.request(path, { method: "PUT", user: "reader" })).status).toBe(200);

      const quiet = await worldInfoAfter("Fair winds today.");
      expect(quiet.sections).toEqual([]);
      const { sections, sent } = await worldInfoAfter("Did you see the Kraken?");
      expect(sections).toEqual([
        expect.objectContaining({
          text: `The kraken guards the ${kind} reef.`,
          detail: `Lorebook “Sea lore (${kind})”, entry “Kraken”: key “kraken” in the chat`,
        }),
      ]);
      expect(sent).toContain(`The kraken guards the ${kind} reef.`);

      expect((await app.request(path, { method: "DELETE", user: "reader" })).status).toBe(200);
      const detached = await worldInfoAfter("The kraken again!");
      expect(detached.sections).toEqual([]);
      expect(detached.sent).not.toContain("kraken guards");
    },
  );

  it("shares one budget between books and scans each once however many ways it is attached", async () => {
    const book = await (
      await app.request("/v1/lorebooks", {
        method: "POST",
        user: "reader",
        json: {
          name: "Twice",
          entries: [{ keys: ["lighthouse"], content: "The lighthouse keeper is blind." }],
        },
      })
    ).json();
    for (const [kind, id] of [
      ["persona", personaId],
      ["conversation", conversationId],
    ]) {
      await app.request(`/v1/lorebooks/${book.id}/attachments/${kind}/${id}`, {
        method: "PUT",
        user: "reader",
      });
    }
    const { sections } = await worldInfoAfter("Is the lighthouse lit?");
    expect(sections.map((section) => section.text)).toEqual(["The lighthouse keeper is blind."]);
  });
});
