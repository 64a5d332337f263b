import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "../backends.ts";
import { createTestApp, type TestApp } from "../test-app.ts";
import { PASSWORD, signIn, type WebSession } from "./owned-tenant.ts";

/** A SillyTavern World Info file as its editor saves one. */
const worldInfo = {
  name: "Eldoria",
  entries: {
    "0": {
      uid: 0,
      key: ["dragon", "wyrm"],
      keysecondary: ["ancient"],
      selective: true,
      selectiveLogic: 3,
      comment: "Dragons",
      content: "Vyrn, the last dragon, sleeps beneath the Ashen Peak.",
      constant: false,
      order: 10,
      position: 4,
      depth: 2,
      role: 1,
      probability: 80,
      useProbability: true,
      disable: false,
      caseSensitive: true,
      matchWholeWords: false,
      scanDepth: 3,
      group: "beasts",
    },
    "1": { uid: 1, key: ["river"], content: "The Silverrun never freezes.", disable: true },
  },
};

describe.each(BACKENDS)("lorebooks API ($name)", (backend) => {
  let app: TestApp;
  const sessions: Record<string, WebSession> = {};

  function as(who: string, path: string, init: { method?: string; json?: unknown } = {}) {
    const session = sessions[who]!;
    return app.request(path, {
      ...init,
      key: null,
      headers: {
        cookie: session.cookie,
        ...(init.method && init.method !== "GET" ? { "x-csrf-token": session.csrf } : {}),
      },
    });
  }

  beforeAll(async () => {
    app = await createTestApp({ backend });
    for (const email of ["owner@example.com", "member@example.com"]) {
      const created = await app.request("/v1/accounts", {
        method: "POST",
        json: { email, password: PASSWORD, name: email.split("@")[0], role: "member" },
      });
      expect(created.status).toBe(201);
      sessions[email.split("@")[0]!] = await signIn(app, email);
    }
  });
  afterAll(async () => app?.close());

  it("creates, reads, edits, lists and deletes a book with every entry field defaulted", async () => {
    const created = await as("owner", "/v1/lorebooks", {
      method: "POST",
      json: {
        name: "Harbor",
        description: "The port town",
        token_budget: 300,
        entries: [
          { keys: ["harbor"], content: "Ships crowd the harbor." },
          { id: "tide", keys: ["tide"] },
        ],
      },
    });
    const book = await created.json();
    expect(created.status, JSON.stringify(book)).toBe(201);
    expect(book).toMatchObject({
      name: "Harbor",
      description: "The port town",
      visibility: "tenant",
      token_budget: 300,
      scan_depth: null,
      recursive_scanning: null,
      entry_count: 2,
      attachments: [],
    });
    expect(book.entries[0]).toMatchObject({
      id: "0",
      keys: ["harbor"],
      secondary_keys: [],
      selective: true,
      selective_logic: "and_any",
      constant: false,
      enabled: true,
      insertion_order: 100,
      priority: null,
      position: "before_char",
      depth: 4,
      role: "system",
      use_regex: false,
      case_sensitive: null,
      match_whole_words: null,
      scan_depth: null,
      probability: 100,
    });
    expect(book.entries[1].id).toBe("tide");

    const patched = await as("owner", `/v1/lorebooks/${book.id}`, {
      method: "PATCH",
      json: {
        name: "Harbour",
        entries: [{ keys: ["/ships?/i"], use_regex: true, position: "at_depth", depth: 1, role: "user" }],
      },
    });
    expect(patched.status).toBe(200);
    const edited = await patched.json();
    expect(edited).toMatchObject({ name: "Harbour", description: "The port town", entry_count: 1 });
    expect(edited.entries[0]).toMatchObject({
      position: "at_depth",
      depth: 1,
      role: "user",
      use_regex: true,
    });

    const listed = await (await as("member", "/v1/lorebooks")).json();
    expect(listed.data.map((item: { id: string }) => item.id)).toContain(book.id);
    expect(listed.data[0]).not.toHaveProperty("entries");
    // A shared book: others read it, only its creator (or an admin) changes it.
    expect((await as("member", `/v1/lorebooks/${book.id}`)).status).toBe(200);
    expect((await as("member", `/v1/lorebooks/${book.id}`, { method: "DELETE" })).status).toBe(403);

    expect((await as("owner", `/v1/lorebooks/${book.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await as("owner", `/v1/lorebooks/${book.id}`)).status).toBe(404);
  });

  it("hides a private book from other members, in lists and by id", async () => {
    const book = await (
      await as("owner", "/v1/lorebooks", { method: "POST", json: { name: "Diary", visibility: "private" } })
    ).json();
    expect(book.visibility).toBe("private");
    expect((await as("member", `/v1/lorebooks/${book.id}`)).status).toBe(404);
    expect((await as("member", `/v1/lorebooks/${book.id}/export`)).status).toBe(404);
    const listed = await (await as("member", "/v1/lorebooks")).text();
    expect(listed).not.toContain(book.id);
    expect((await as("owner", `/v1/lorebooks/${book.id}`)).status).toBe(200);
    // An API key acts as the tenant: it sees every book.
    expect((await app.request(`/v1/lorebooks/${book.id}`)).status).toBe(200);
  });

  it("refuses bad entries with a 422 naming the field", async () => {
    const response = await app.request("/v1/lorebooks", {
      method: "POST",
      json: {
        name: "Bad",
        entries: [{ keys: ["a"] }, { keys: "b", position: "somewhere", probability: 150 }],
      },
    });
    expect(response.status).toBe(422);
    const fields = (await response.json()).errors.map((error: { field: string }) => error.field);
    expect(fields).toEqual(
      expect.arrayContaining(["entries.1.keys", "entries.1.position", "entries.1.probability"]),
    );
    const repeated = await app.request("/v1/lorebooks", {
      method: "POST",
      json: { name: "Twice", entries: [{ id: "a" }, { id: "a" }] },
    });
    expect(repeated.status).toBe(422);
    expect((await repeated.json()).errors).toEqual([expect.objectContaining({ field: "entries.1.id" })]);
  });

  it("imports SillyTavern World Info and exports it back in both formats, round-tripping", async () => {
    const imported = await app.request("/v1/lorebooks/import", { method: "POST", json: worldInfo });
    const book = await imported.json();
    expect(imported.status, JSON.stringify(book)).toBe(201);
    expect(book.name).toBe("Eldoria");
    expect(book.entries).toHaveLength(2);
    expect(book.entries[0]).toMatchObject({
      id: "0",
      comment: "Dragons",
      keys: ["dragon", "wyrm"],
      secondary_keys: ["ancient"],
      selective_logic: "and_all",
      insertion_order: 10,
      position: "at_depth",
      depth: 2,
      role: "user",
      probability: 80,
      case_sensitive: true,
      match_whole_words: false,
      scan_depth: 3,
    });
    expect(book.entries[0].extensions.group).toBe("beasts");
    expect(book.entries[1].enabled).toBe(false);

    for (const format of ["sillytavern", "character_book"]) {
      const exported = await app.request(`/v1/lorebooks/${book.id}/export?format=${format}`);
      expect(exported.status).toBe(200);
      expect(exported.headers.get("content-disposition")).toMatch(/^attachment; filename="Eldoria/);
      const file = await exported.json();
      const again = await (
        await app.request("/v1/lorebooks/import?name=Again", { method: "POST", json: file })
      ).json();
      expect(again.name).toBe("Again");
      const strip = (entries: Record<string, unknown>[]) =>
        entries.map(({ extensions: _extensions, ...rest }) => rest);
      expect(strip(again.entries)).toEqual(strip(book.entries));
      expect(again.entries[0].extensions.group).toBe("beasts");
    }
  });

  it("imports a character_book and a whole card's book, and names what is wrong otherwise", async () => {
    const characterBook = {
      name: "Card book",
      scan_depth: 5,
      entries: [{ keys: ["moon"], content: "The moon is red.", enabled: true, insertion_order: 3 }],
    };
    const fromBook = await app.request("/v1/lorebooks/import", { method: "POST", json: characterBook });
    expect(fromBook.status).toBe(201);
    expect(await fromBook.json()).toMatchObject({ name: "Card book", scan_depth: 5, entry_count: 1 });
    const card = {
      spec: "chara_card_v3",
      spec_version: "3.0",
      data: { name: "Luna", character_book: characterBook },
    };
    const fromCard = await app.request("/v1/lorebooks/import", { method: "POST", json: card });
    expect(fromCard.status).toBe(201);
    expect((await fromCard.json()).entries[0]).toMatchObject({ keys: ["moon"], insertion_order: 3 });

    const noBook = await app.request("/v1/lorebooks/import", {
      method: "POST",
      json: { spec: "chara_card_v2", spec_version: "2.0", data: { name: "Empty" } },
    });
    expect(noBook.status).toBe(422);
    expect((await noBook.json()).errors[0].field).toBe("data.character_book");
    const notBook = await app.request("/v1/lorebooks/import", { method: "POST", json: { hello: "world" } });
    expect(notBook.status).toBe(422);
    expect((await notBook.json()).detail).toMatch(/not a lorebook/);
    const badEntry = await app.request("/v1/lorebooks/import", {
      method: "POST",
      json: { entries: { "0": { key: ["a"], content: 42 } } },
    });
    expect(badEntry.status).toBe(422);
    expect((await badEntry.json()).errors[0].field).toBe("entries.0.content");
    const tooMany = await app.request("/v1/lorebooks/import", {
      method: "POST",
      json: { entries: Array.from({ length: 5_001 }, () => ({ keys: ["k"], content: "c" })) },
    });
    expect(tooMany.status).toBe(422);
    expect((await tooMany.json()).errors[0]).toMatchObject({ field: "entries" });
  });

  it("attaches to a persona, a user persona and a conversation; deleting either side removes it", async () => {
    const persona = await (
      await as("owner", "/v1/personas", { method: "POST", json: { name: "Captain" } })
    ).json();
    const userPersona = await (
      await as("owner", "/v1/user-personas", { method: "POST", json: { name: "Sailor" } })
    ).json();
    const conversation = await (
      await as("owner", "/v1/conversations", { method: "POST", json: { persona_id: persona.id } })
    ).json();
    const book = await (await as("owner", "/v1/lorebooks", { method: "POST", json: { name: "Sea" } })).json();
    for (const [kind, id] of [
      ["persona", persona.id],
      ["user_persona", userPersona.id],
      ["conversation", conversation.id],
    ]) {
      const attached = await as("owner", `/v1/lorebooks/${book.id}/attachments/${kind}/${id}`, {
        method: "PUT",
      });
      expect(attached.status, kind).toBe(200);
    }
    const again = await as("owner", `/v1/lorebooks/${book.id}/attachments/persona/${persona.id}`, {
      method: "PUT",
    });
    const attachments = (await again.json()).attachments;
    expect(attachments.map((a: { kind: string; target_id: string }) => [a.kind, a.target_id])).toEqual([
      ["persona", persona.id],
      ["user_persona", userPersona.id],
      ["conversation", conversation.id],
    ]);
    // Another member sees the shared persona's attachment, never the owner's user persona or conversation,
    // and may not attach to what is not theirs.
    const seen = await (await as("member", `/v1/lorebooks/${book.id}`)).json();
    expect(seen.attachments.map((a: { kind: string }) => a.kind)).toEqual(["persona"]);
    expect(
      (await as("member", `/v1/lorebooks/${book.id}/attachments/persona/${persona.id}`, { method: "PUT" }))
        .status,
    ).toBe(403);
    expect(
      (
        await as("member", `/v1/lorebooks/${book.id}/attachments/conversation/${conversation.id}`, {
          method: "PUT",
        })
      ).status,
    ).toBe(404);
    expect(
      (await as("owner", `/v1/lorebooks/${book.id}/attachments/planet/x`, { method: "PUT" })).status,
    ).toBe(422);

    const detached = await as(
      "owner",
      `/v1/lorebooks/${book.id}/attachments/user_persona/${userPersona.id}`,
      {
        method: "DELETE",
      },
    );
    expect((await detached.json()).attachments).toHaveLength(2);
    expect((await as("owner", `/v1/conversations/${conversation.id}`, { method: "DELETE" })).status).toBe(
      204,
    );
    expect((await as("owner", `/v1/personas/${persona.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await (await as("owner", `/v1/lorebooks/${book.id}`)).json()).attachments).toEqual([]);

    await as("owner", `/v1/lorebooks/${book.id}/attachments/user_persona/${userPersona.id}`, {
      method: "PUT",
    });
    expect((await as("owner", `/v1/lorebooks/${book.id}`, { method: "DELETE" })).status).toBe(204);
    const left = await app.services.store.db.selectFrom("lorebook_attachments").selectAll().execute();
    expect(left).toEqual([]);
  });

  it("replays a retried create with the same idempotency key", async () => {
    const send = () =>
      app.request("/v1/lorebooks", {
        method: "POST",
        headers: { "idempotency-key": "lorebook-once" },
        json: { name: "Once" },
      });
    const first = await (await send()).json();
    const second = await send();
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect((await second.json()).id).toBe(first.id);
  });
});
