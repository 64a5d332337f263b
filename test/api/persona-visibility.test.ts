import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "../backends.ts";
import { createTestApp, type TestApp } from "../test-app.ts";
import { PASSWORD, signIn, type WebSession } from "./owned-tenant.ts";

/**
 * Private personas (visibility "private"): seen by their creator, admins, members granted can_edit_all
 * and API keys; to any other signed-in member they do not exist (404, filtered out of lists).
 */

describe.each(BACKENDS)("persona visibility ($name)", (backend) => {
  let app: TestApp;
  const sessions: Record<string, WebSession> = {};
  let privateId: string;
  let privateJoinCode: string;
  let sharedId: string;

  /** A request as a signed-in person (cookie, and the CSRF token on writes). */
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

  async function listIds(who: string): Promise<string[]> {
    const ids: string[] = [];
    let after: string | null = null;
    do {
      // A page of one, so the pagination itself is walked past the hidden row.
      const query: string = `?kind=persona&limit=1${after ? `&after=${after}` : ""}`;
      const page = await (await as(who, `/v1/personas${query}`)).json();
      ids.push(...page.data.map((persona: { id: string }) => persona.id));
      after = page.next_cursor;
    } while (after);
    return ids;
  }

  beforeAll(async () => {
    app = await createTestApp({ backend });
    for (const [email, role] of [
      ["owner@example.com", "member"],
      ["member@example.com", "member"],
      ["editor@example.com", "member"],
      ["admin@example.com", "admin"],
    ] as const) {
      const created = await app.request("/v1/accounts", {
        method: "POST",
        json: { email, password: PASSWORD, name: email.split("@")[0], role },
      });
      expect(created.status, `account ${email}`).toBe(201);
    }
    const accounts = (await (await app.request("/v1/accounts")).json()).data as {
      id: string;
      email: string;
    }[];
    const editor = accounts.find((account) => account.email === "editor@example.com")!;
    const granted = await app.request(`/v1/accounts/${editor.id}`, {
      method: "PATCH",
      json: { can_edit_all: true },
    });
    expect(granted.status).toBe(200);
    for (const who of ["owner", "member", "editor", "admin"]) {
      sessions[who] = await signIn(app, `${who}@example.com`);
    }
    const created = await as("owner", "/v1/personas", {
      method: "POST",
      json: { name: "Secret Sam", visibility: "private" },
    });
    expect(created.status).toBe(201);
    const persona = await created.json();
    expect(persona.visibility).toBe("private");
    privateId = persona.id;
    privateJoinCode = persona.join_code;
    const shared = await as("owner", "/v1/personas", { method: "POST", json: { name: "Open Olga" } });
    expect(shared.status).toBe(201);
    const sharedPersona = await shared.json();
    expect(sharedPersona.visibility).toBe("tenant");
    sharedId = sharedPersona.id;
  }, 120_000);
  afterAll(async () => {
    await app?.close();
  });

  it("lists a private persona only to its creator, admins, granted members and keys, page by page", async () => {
    expect(await listIds("owner")).toEqual(expect.arrayContaining([privateId, sharedId]));
    expect(await listIds("admin")).toContain(privateId);
    expect(await listIds("editor")).toContain(privateId);
    const memberIds = await listIds("member");
    expect(memberIds).toContain(sharedId);
    expect(memberIds).not.toContain(privateId);
    const keyPage = await (await app.request("/v1/personas?kind=persona&limit=100")).json();
    expect(keyPage.data.map((persona: { id: string }) => persona.id)).toContain(privateId);
  });

  it("is a 404 to another member on the persona's own paths", async () => {
    for (const path of [
      `/v1/personas/${privateId}`,
      `/v1/personas/${privateId}/versions`,
      `/v1/personas/${privateId}/diff?from=draft&to=draft`,
      `/v1/personas/${privateId}/export`,
      `/v1/personas/${privateId}/avatar`,
      `/v1/personas/${privateId}/memories`,
    ]) {
      expect((await as("member", path)).status, path).toBe(404);
      expect((await as("owner", path)).status, path).not.toBe(404);
      expect((await as("admin", path)).status, path).not.toBe(404);
    }
    const patched = await as("member", `/v1/personas/${privateId}`, {
      method: "PATCH",
      json: { visibility: "tenant" },
    });
    expect(patched.status).toBe(404);
    expect((await as("member", `/v1/personas/${privateId}`, { method: "DELETE" })).status).toBe(404);
    expect((await as("owner", `/v1/personas/${privateId}`)).status).toBe(200);
  });

  it("hides it from /v1/models and refuses it as a chat completion model", async () => {
    const ids = async (who: string) =>
      ((await (await as(who, "/v1/models")).json()).data as { id: string }[]).map((model) => model.id);
    expect(await ids("member")).not.toContain(`persona/${privateId}`);
    expect(await ids("member")).toContain(`persona/${sharedId}`);
    expect(await ids("owner")).toContain(`persona/${privateId}`);
    const completion = await as("member", "/v1/chat/completions", {
      method: "POST",
      json: { model: `persona/${privateId}`, messages: [{ role: "user", content: "hi" }] },
    });
    expect(completion.status).toBe(404);
    const owners = await as("owner", "/v1/chat/completions", {
      method: "POST",
      json: { model: `persona/${privateId}`, messages: [{ role: "user", content: "hi" }] },
    });
    expect(owners.status).toBe(200);
    // Only the owner's completion was metered: the member's never reached the model.
    const usage = await app.services.store.db
      .selectFrom("usage_events")
      .select("id")
      .where("persona_id", "=", privateId)
      .execute();
    expect(usage).toHaveLength(1);
  });

  it("refuses a conversation with it and makes it no member's active persona", async () => {
    const started = await as("member", "/v1/conversations", {
      method: "POST",
      json: { persona_id: privateId },
    });
    expect(started.status).toBe(404);
    const own = await as("owner", "/v1/conversations", { method: "POST", json: { persona_id: privateId } });
    expect(own.status).toBe(201);
    const active = await as("member", `/v1/personas/active/${privateId}`, { method: "PUT" });
    expect(active.status).toBe(404);
    expect((await as("owner", `/v1/personas/active/${privateId}`, { method: "PUT" })).status).toBe(200);
    const conversations = await app.services.store.db
      .selectFrom("conversations")
      .select("user_id")
      .where("persona_id", "=", privateId)
      .execute();
    expect(conversations).toHaveLength(1);
  });

  it("does not copy it by join code for another member, but does for its creator", async () => {
    const joined = await as("member", "/v1/personas/join", {
      method: "POST",
      json: { code: privateJoinCode },
    });
    expect(joined.status).toBe(404);
    const own = await as("owner", "/v1/personas/join", { method: "POST", json: { code: privateJoinCode } });
    expect(own.status).toBe(201);
    // The copy is the joiner's, shared with the tenant like any new persona.
    expect((await own.json()).visibility).toBe("tenant");
  });

  it("lets only an editor change visibility, and sharing makes it visible", async () => {
    const toggled = await as("owner", `/v1/personas/${privateId}`, {
      method: "PATCH",
      json: { visibility: "tenant" },
    });
    expect(toggled.status).toBe(200);
    expect((await toggled.json()).visibility).toBe("tenant");
    expect((await as("member", `/v1/personas/${privateId}`)).status).toBe(200);
    const memberTry = await as("member", `/v1/personas/${privateId}`, {
      method: "PATCH",
      json: { visibility: "private" },
    });
    expect(memberTry.status).toBe(403);
    const back = await as("owner", `/v1/personas/${privateId}`, {
      method: "PATCH",
      json: { visibility: "private" },
    });
    expect(back.status).toBe(200);
    expect((await as("member", `/v1/personas/${privateId}`)).status).toBe(404);
    const bad = await as("owner", `/v1/personas/${privateId}`, {
      method: "PATCH",
      json: { visibility: "secret" },
    });
    expect(bad.status).toBe(422);
  });

  it("stops answering a member's conversation once its persona turns private", async () => {
    const created = await as("owner", "/v1/personas", { method: "POST", json: { name: "Turncoat" } });
    const persona = await created.json();
    const started = await as("member", "/v1/conversations", {
      method: "POST",
      json: { persona_id: persona.id },
    });
    expect(started.status).toBe(201);
    const conversation = await started.json();
    const hidden = await as("owner", `/v1/personas/${persona.id}`, {
      method: "PATCH",
      json: { visibility: "private" },
    });
    expect(hidden.status).toBe(200);
    const count = async () =>
      (
        await app.services.store.db
          .selectFrom("messages")
          .select("id")
          .where("conversation_id", "=", conversation.id)
          .execute()
      ).length;
    const before = await count();
    const sent = await as("member", `/v1/conversations/${conversation.id}/messages`, {
      method: "POST",
      json: { content: "still there?" },
    });
    expect(sent.status).toBe(404);
    expect(await count()).toBe(before);
  });

  it("refuses a private persona made with an API key and no user", async () => {
    const response = await app.request("/v1/personas", {
      method: "POST",
      json: { name: "Keyed", visibility: "private" },
    });
    expect(response.status).toBe(422);
    expect((await response.json()).errors?.[0]?.field ?? "visibility").toBe("visibility");
  });
});
