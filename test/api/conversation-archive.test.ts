import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "../backends.ts";
import { createTestApp, type TestApp } from "../test-app.ts";

/** Branching, search, export and import of conversations, on every backend. */
describe.each(BACKENDS)("conversation branching, search, export and import on $name", (backend) => {
  let app: TestApp;
  let personaId: string;
  const user = "alice";

  beforeAll(async () => {
    app = await createTestApp({ backend });
    const persona = await (
      await app.request("/v1/personas", {
        method: "POST",
        json: {
          name: "Mira",
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
  const post = (url: string, json: unknown = {}, as = user) =>
    app.request(url, { method: "POST", user: as, json });
  const shown = async (conversationId: string, as = user): Promise<any[]> =>
    (await (await app.request(path(conversationId, "/messages"), { user: as })).json()).data;

  /** Greeting, "Hello", reply (regenerated once: two alternatives, the second shown), "Tell me more", reply. */
  async function richConversation(): Promise<{ id: string; messages: any[] }> {
    const conversation = await (await post("/v1/conversations", { persona_id: personaId })).json();
    const first = await (await post(path(conversation.id, "/messages"), { content: "Hello" })).json();
    const regenerated = await post(path(conversation.id, `/messages/${first.message.id}/regenerate`));
    expect(regenerated.status).toBe(200);
    await post(path(conversation.id, "/messages"), { content: "Tell me more about the sea" });
    return { id: conversation.id, messages: await shown(conversation.id) };
  }

  describe("branch", () => {
    it("copies the shown messages up to the chosen one, alternatives kept, source unchanged", async () => {
      const { id, messages } = await richConversation();
      expect(messages).toHaveLength(5);
      const before = JSON.stringify(messages);
      const target = messages[2]; // the regenerated reply, alternative 1 of 2
      const response = await post(path(id, "/branch"), { message_id: target.id });
      expect(response.status).toBe(201);
      const branch = await response.json();
      expect(branch).toMatchObject({
        title: "Chat with Mira (branch)",
        channel: "web",
        persona_id: personaId,
        branched_from: { conversation_id: id, message_id: target.id },
      });
      expect((await (await app.request(path(branch.id), { user })).json()).branched_from).toEqual({
        conversation_id: id,
        message_id: target.id,
      });
      const copied = await shown(branch.id);
      expect(copied.map((message) => [message.role, message.content])).toEqual(
        messages.slice(0, 3).map((message) => [message.role, message.content]),
      );
      expect(copied.every((message) => !messages.some((original) => original.id === message.id))).toBe(true);
      expect(copied[2]).toMatchObject({ alternative_index: 1, alternative_count: 2, reply_to: copied[1].id });
      const alternatives = await (
        await app.request(path(branch.id, `/messages/${copied[2].id}/alternatives`), { user })
      ).json();
      expect(alternatives.data).toHaveLength(2);
      expect(alternatives.chosen).toBe(1);
      // A copied reply opens in the prompt inspector with the prompt its original was written from.
      const promptOf = async (conversationId: string, messageId: string) =>
        app.request(path(conversationId, `/messages/${messageId}/prompt`), { user });
      const copiedPrompt = await promptOf(branch.id, copied[2].id);
      expect(copiedPrompt.status).toBe(200);
      expect(await copiedPrompt.json()).toEqual({
        ...(await (await promptOf(id, target.id)).json()),
        message_id: copied[2].id,
      });
      // The branch goes its own way; the source is as it was.
      expect((await post(path(branch.id, "/messages"), { content: "Another path" })).status).toBe(200);
      expect(JSON.stringify(await shown(id))).toBe(before);
      expect((await shown(branch.id)).length).toBe(5);
    });

    it("shows a hidden alternative given as the branch point", async () => {
      const { id, messages } = await richConversation();
      const alternatives = await (
        await app.request(path(id, `/messages/${messages[2].id}/alternatives`), { user })
      ).json();
      const hidden = alternatives.data[0];
      const branch = await (await post(path(id, "/branch"), { message_id: hidden.id })).json();
      const copied = await shown(branch.id);
      expect(copied.at(-1)).toMatchObject({
        content: hidden.content,
        alternative_index: 0,
        alternative_count: 2,
      });
    });

    it("answers 404 for a message of another conversation and for another user's conversation", async () => {
      const one = await richConversation();
      const other = await richConversation();
      expect((await post(path(one.id, "/branch"), { message_id: other.messages[0].id })).status).toBe(404);
      expect((await post(path(one.id, "/branch"), { message_id: "msg_missing" })).status).toBe(404);
      expect((await post(path(one.id, "/branch"), { message_id: one.messages[0].id }, "bob")).status).toBe(
        404,
      );
      expect((await post(path(one.id, "/branch"), {})).status).toBe(422);
      const list = await (await app.request("/v1/conversations?limit=200", { user: "bob" })).json();
      expect(list.data).toEqual([]);
    });
  });

  describe("search", () => {
    it("finds the caller's shown messages case-insensitively, with a snippet, and nobody else's", async () => {
      const { id, messages } = await richConversation();
      await post(path(id, "/messages"), { content: "100% sure about the_underscore and C:\\path" });
      const search = async (q: string, as = user, extra = "") =>
        app.request(`/v1/conversations/search?q=${encodeURIComponent(q)}${extra}`, { user: as });
      const response = await search("ABOUT THE SEA");
      expect(response.status).toBe(200);
      const page = await response.json();
      const hit = page.data.find((item: any) => item.conversation.id === id);
      expect(hit).toMatchObject({
        conversation: { id, title: "Chat with Mira", persona_id: personaId },
        message_id: messages[3].id,
        role: "user",
        snippet: "Tell me more about the sea",
        match: { start: 13, length: 13 },
      });
      // Wildcards match themselves.
      expect((await (await search("0% s")).json()).data).toHaveLength(1);
      expect((await (await search("%")).json()).data.map((item: any) => item.snippet)).toEqual([
        expect.stringContaining("100% sure"),
      ]);
      expect((await (await search("e_u")).json()).data).toHaveLength(1);
      expect((await (await search("C:\\p")).json()).data).toHaveLength(1);
      // Another user finds nothing of alice's; a persona filter narrows.
      expect((await (await search("about the sea", "bob")).json()).data).toEqual([]);
      expect((await (await search("about the sea", user, "&persona_id=prs_other")).json()).data).toEqual([]);
      expect((await search("")).status).toBe(422);
    });

    it("leaves out deleted messages and hidden alternatives, and pages newest first", async () => {
      const conversation = await (await post("/v1/conversations", { persona_id: personaId })).json();
      const sent: string[] = [];
      for (const word of ["zebra one", "zebra two", "zebra three"]) {
        sent.push(
          (await (await post(path(conversation.id, "/messages"), { content: word })).json()).user_message.id,
        );
      }
      await app.request(path(conversation.id, `/messages/${sent[1]}`), { method: "DELETE", user });
      const first = await (await app.request("/v1/conversations/search?q=zebra&limit=1", { user })).json();
      expect(first.data.map((item: any) => item.message_id)).toEqual([sent[2]]);
      const second = await (
        await app.request(`/v1/conversations/search?q=zebra&limit=1&cursor=${first.next_cursor}`, { user })
      ).json();
      expect(second.data.map((item: any) => item.message_id)).toEqual([sent[0]]);
      expect(second.next_cursor).toBeNull();
    });
  });

  describe("export and import", () => {
    const withoutIdsAndDates = (document: any) => ({
      ...document,
      exported_at: undefined,
      conversation: {
        ...document.conversation,
        id: undefined,
        created_at: undefined,
        branched_from: undefined,
      },
      messages: document.messages.map((message: any) => ({
        ...message,
        alternatives: message.alternatives.map((alternative: any) => ({
          ...alternative,
          created_at: undefined,
        })),
      })),
    });

    async function importFile(body: string, contentType: string, query = "") {
      return app.request(`/v1/conversations/import${query}`, {
        method: "POST",
        user,
        headers: { "content-type": contentType },
        body,
      });
    }

    it("exports the Dramatis document and imports it back to an equal conversation", async () => {
      const { id } = await richConversation();
      const response = await app.request(path(id, "/export?format=dramatis"), { user });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-disposition")).toBe(
        'attachment; filename="Chat_with_Mira.dramatis.json"',
      );
      const document = await response.json();
      expect(document).toMatchObject({
        format: "dramatis.conversation",
        version: 1,
        conversation: { id, title: "Chat with Mira", persona: { id: personaId, name: "Mira" } },
      });
      expect(document.messages).toHaveLength(5);
      expect(document.messages[2]).toMatchObject({ role: "assistant", chosen: 1 });
      expect(document.messages[2].alternatives).toHaveLength(2);

      const imported = await importFile(JSON.stringify(document), "application/json");
      expect(imported.status).toBe(201);
      const result = await imported.json();
      expect(result).toMatchObject({ format: "dramatis", message_count: 5, warnings: [] });
      const again = await (await app.request(path(result.conversation.id, "/export"), { user })).json();
      expect(withoutIdsAndDates(again)).toEqual(withoutIdsAndDates(document));
      // The imported conversation answers like any other.
      expect(
        (await post(path(result.conversation.id, "/messages"), { content: "Still there?" })).status,
      ).toBe(200);
    });

    it("keeps a message's user persona only for its owner: another user's import drops it, with a warning", async () => {
      const elena = await (
        await post("/v1/user-personas", { name: "Elena", description: "a pirate" })
      ).json();
      const conversation = await (await post("/v1/conversations", { persona_id: personaId })).json();
      const sent = await post(path(conversation.id, "/messages"), {
        content: "Ahoy",
        user_persona_id: elena.id,
      });
      expect(sent.status).toBe(200);
      const document = await (await app.request(path(conversation.id, "/export"), { user })).json();
      const body = JSON.stringify(document);
      const spokenAs = async (conversationId: string, as: string) =>
        (await shown(conversationId, as)).find((message) => message.role === "user").user_persona;

      const own = await (await importFile(body, "application/json")).json();
      expect(own.warnings).toEqual([]);
      expect(await spokenAs(own.conversation.id, user)).toMatchObject({ id: elena.id, name: "Elena" });

      // Bob may import the file, but Elena is not his: her lorebooks and memories must not answer him.
      const theirs = await app.request("/v1/conversations/import", {
        method: "POST",
        user: "bob-importer",
        headers: { "content-type": "application/json" },
        body,
      });
      expect(theirs.status).toBe(201);
      const result = await theirs.json();
      expect(result.warnings).toEqual([
        "imported without their user persona (not one of yours): the messages spoken as Elena",
      ]);
      expect(await spokenAs(result.conversation.id, "bob-importer")).toBeNull();
    });

    it("exports SillyTavern JSONL and imports it back, swipes as alternatives", async () => {
      const { id, messages } = await richConversation();
      const response = await app.request(path(id, "/export?format=sillytavern"), { user });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("application/jsonl");
      expect(response.headers.get("content-disposition")).toBe('attachment; filename="Chat_with_Mira.jsonl"');
      const text = await response.text();
      const lines = text
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line));
      expect(lines).toHaveLength(6);
      expect(Object.keys(lines[0])).toEqual(["user_name", "character_name", "create_date", "chat_metadata"]);
      expect(lines[0]).toMatchObject({
        character_name: "Mira",
        create_date: expect.stringMatching(/^\d{4}-\d\d-\d\d@\d\dh\d\dm\d\ds$/),
      });
      expect(lines[3]).toMatchObject({
        name: "Mira",
        is_user: false,
        is_system: false,
        mes: messages[2].content,
        swipe_id: 1,
        send_date: expect.stringMatching(/^[A-Z][a-z]+ \d{1,2}, \d{4} \d{1,2}:\d\d(am|pm)$/),
        extra: expect.any(Object),
      });
      expect(lines[3].swipes).toHaveLength(2);
      expect(lines[2]).toMatchObject({ is_user: true, mes: "Hello", swipes: ["Hello"], swipe_id: 0 });

      expect((await importFile(text, "application/jsonl")).status).toBe(422); // no persona named
      const imported = await importFile(text, "application/jsonl", `?persona_id=${personaId}`);
      expect(imported.status).toBe(201);
      const result = await imported.json();
      expect(result).toMatchObject({ format: "sillytavern", message_count: 5 });
      const copied = await shown(result.conversation.id);
      expect(copied.map((message) => message.content)).toEqual(messages.map((message) => message.content));
      expect(copied[2]).toMatchObject({ alternative_index: 1, alternative_count: 2 });
      const again = await (
        await app.request(path(result.conversation.id, "/export?format=sillytavern"), { user })
      ).text();
      expect(again).toBe(text);
    });

    it("refuses other files with 415 and a wrong line or field with 422 naming it", async () => {
      const header = JSON.stringify({
        user_name: "You",
        character_name: "Mira",
        create_date: "2024-06-10@15h45m30s",
        chat_metadata: {},
      });
      const good = JSON.stringify({
        name: "Mira",
        is_user: false,
        is_system: false,
        send_date: "June 10, 2024 3:45pm",
        mes: "Hi",
        swipes: ["Hi", "Hey"],
        swipe_id: 0,
        extra: {},
      });
      const query = `?persona_id=${personaId}`;
      const badSwipe = JSON.stringify({
        name: "Mira",
        is_user: false,
        mes: "Hi",
        swipes: ["Hi"],
        swipe_id: 4,
      });
      const refused = await importFile([header, good, badSwipe].join("\n"), "application/jsonl", query);
      expect(refused.status).toBe(422);
      const problem = await refused.json();
      expect(problem.errors[0].field).toBe("line 3: swipe_id");
      expect((await importFile([header, "{not json"].join("\n"), "application/jsonl", query)).status).toBe(
        422,
      );
      const noText = await importFile(
        [header, JSON.stringify({ name: "x", mes: 5 })].join("\n"),
        "text/plain",
        query,
      );
      expect((await noText.json()).errors[0].field).toBe("line 2: mes");
      expect((await importFile("name,text\nMira,Hi", "text/csv", query)).status).toBe(415);
      expect((await importFile("name,text\nMira,Hi", "text/plain", query)).status).toBe(415);
      const wrongDocument = await importFile(
        JSON.stringify({ format: "dramatis.conversation", version: 1, conversation: {}, messages: [] }),
        "application/json",
        query,
      );
      expect(wrongDocument.status).toBe(422);
      expect((await wrongDocument.json()).errors.map((error: any) => error.field)).toContain(
        "conversation.title",
      );
      expect(
        (await importFile([header, good].join("\n"), "application/jsonl", "?persona_id=prs_missing")).status,
      ).toBe(404);
      const tooMany = [
        header,
        ...Array.from({ length: 5_001 }, () => JSON.stringify({ name: "You", is_user: true, mes: "x" })),
      ];
      const bounded = await importFile(tooMany.join("\n"), "application/jsonl", query);
      expect(bounded.status).toBe(422);
      expect((await bounded.json()).detail).toContain("at most 5000 messages");
      // Nothing was created by any refusal.
      const imported = await importFile([header, good].join("\n"), "application/jsonl", query);
      expect(imported.status).toBe(201);
      const result = await imported.json();
      expect(result.conversation.title).toBe("Chat with Mira");
      expect((await shown(result.conversation.id))[0]).toMatchObject({ content: "Hi", alternative_count: 2 });
    });

    it("answers 404 to another user's export and replays an import retried with the same key", async () => {
      const { id } = await richConversation();
      expect((await app.request(path(id, "/export"), { user: "bob" })).status).toBe(404);
      const text = await (await app.request(path(id, "/export?format=sillytavern"), { user })).text();
      const once = () =>
        app.request(`/v1/conversations/import?persona_id=${personaId}`, {
          method: "POST",
          user,
          headers: { "content-type": "application/jsonl", "idempotency-key": `import-${id}` },
          body: text,
        });
      const first = await (await once()).json();
      const retry = await once();
      expect(retry.headers.get("idempotent-replayed")).toBe("true");
      expect((await retry.json()).conversation.id).toBe(first.conversation.id);
    });
  });
});
