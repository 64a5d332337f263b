import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "../backends.ts";
import { createTestApp, type TestApp } from "../test-app.ts";

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error("timed out waiting");
}

describe.each(BACKENDS)("learning from conversations on $name", (backend) => {
  let app: TestApp;
  let personaId: string;
  const user = "ana-account";

  beforeAll(async () => {
    app = await createTestApp({ backend });
    personaId = (await (await app.request("/v1/personas", { method: "POST", json: { name: "Kai" } })).json())
      .id;
  });
  afterAll(async () => app.close());

  async function say(conversationId: string, content: string, userPersonaId?: string | null) {
    return (
      await app.request(`/v1/conversations/${conversationId}/messages`, {
        method: "POST",
        user,
        json: { content, ...(userPersonaId === undefined ? {} : { user_persona_id: userPersonaId }) },
      })
    ).json();
  }

  async function relationshipMemories(): Promise<any[]> {
    const page = await (
      await app.request(`/v1/personas/${personaId}/memories?owner=relationship`, { user })
    ).json();
    return page.data;
  }

  it("remembers what the user said across conversations and user personas", async () => {
    const elena = (
      await (await app.request("/v1/user-personas", { method: "POST", user, json: { name: "Elena" } })).json()
    ).id;
    const first = (
      await (
        await app.request("/v1/conversations", { method: "POST", user, json: { persona_id: personaId } })
      ).json()
    ).id;
    await say(first, "Hi! My name is Ana and I love sailing.", elena);
    const learned = await waitFor(relationshipMemories, (memories) => memories.length >= 2);
    expect(learned.map((memory) => memory.facts).sort()).toEqual([
      "The user loves sailing.",
      "The user's name is Ana.",
    ]);
    expect(learned[0].source.kind).toBe("extraction");
    expect(learned[0].source.message_ids).toHaveLength(2);

    // A later conversation, as nobody in particular: the memory is the account's.
    const second = (
      await (
        await app.request("/v1/conversations", { method: "POST", user, json: { persona_id: personaId } })
      ).json()
    ).id;
    const exchange = await say(second, "Do you remember my name and what I love doing?", null);
    const prompt = await (
      await app.request(`/v1/conversations/${second}/messages/${exchange.message.id}/prompt`, { user })
    ).json();
    const memories = prompt.sections.find((section: any) => section.name === "memories").text;
    expect(memories).toContain("Ana");
    expect(memories).toContain("sailing");
    expect(exchange.message.content).toMatch(/Ana|sailing/);

    // Saying it again reinforces instead of duplicating; a contradiction becomes a linked revision.
    await say(second, "I love sailing, truly.", null);
    await say(second, "Actually, my name is Anna.", null);
    const after = await waitFor(relationshipMemories, (list) =>
      list.some((memory) => memory.type === "revised"),
    );
    const sailing = after.filter((memory) => memory.facts === "The user loves sailing.");
    expect(sailing).toHaveLength(1);
    await waitFor(
      relationshipMemories,
      (list) =>
        list.find((memory) => memory.facts === "The user loves sailing.")?.strength >
        learned.find((memory: any) => memory.facts === "The user loves sailing.").strength,
    );
    const original = after.find((memory) => memory.facts === "The user's name is Ana.");
    const revision = after.find((memory) => memory.type === "revised");
    expect(original).toBeDefined();
    expect(revision).toMatchObject({ revises: original.id, facts: "The user's name is Anna." });
  });

  it("learns nothing when extraction is off for the persona", async () => {
    const quiet = (
      await (
        await app.request("/v1/personas", {
          method: "POST",
          json: { name: "Quiet", memory: { extraction: false } },
        })
      ).json()
    ).id;
    const conversation = (
      await (
        await app.request("/v1/conversations", { method: "POST", user, json: { persona_id: quiet } })
      ).json()
    ).id;
    const exchange = await say(conversation, "My name is Ana and I love sailing.");
    const jobs = await app.services.store.db
      .selectFrom("jobs")
      .selectAll()
      .where("kind", "=", "memory-extraction")
      .execute();
    const job = jobs.find((entry) => JSON.parse(entry.payload).reply_message_id === exchange.message.id);
    await waitFor(
      async () => (await app.request(`/v1/jobs/${job?.id}`, { user })).json(),
      (view: any) => view.status === "succeeded",
    );
    const page = await (
      await app.request(`/v1/personas/${quiet}/memories?owner=relationship`, { user })
    ).json();
    expect(page.data).toEqual([]);
  });
});
