import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GenerateRequest } from "../../src/models/language-model.ts";
import { ModelRegistry } from "../../src/models/model-registry.ts";
import { createOfflineProvider } from "../../src/models/offline-model.ts";
import { PRESET_PERSONAS } from "../../src/services/persona-catalog.ts";
import { BACKENDS } from "../backends.ts";
import { capturingProvider } from "../capturing-model.ts";
import { createTestApp, type TestApp, type TestResponse } from "../test-app.ts";
import { PASSWORD, signIn, type WebSession } from "./owned-tenant.ts";

/**
 * TIE's personas API (docs/tie-compatibility.md), served without /v1 over Dramatis personas: every shape
 * exactly as TIE documents it, answering on /v1/chat/completions, and the web app's /personas screens
 * still reachable by a browser.
 */

const TIE_FIELDS = [
  "created_at",
  "description",
  "id",
  "is_active",
  "is_preset",
  "name",
  "system_prompt",
  "updated_at",
];

const INDEX = '<!doctype html><div id="root">the web app</div>';

interface TiePersona {
  id: string;
  name: string;
  description: string;
  system_prompt: string;
  is_preset: boolean;
  is_active: boolean;
  created_at: string;
  updated_at: string;
}

/** Exactly TIE's fields, each of TIE's type. */
function expectTieShape(persona: TiePersona): void {
  expect(Object.keys(persona).sort()).toEqual(TIE_FIELDS);
  for (const field of ["id", "name", "description", "system_prompt", "created_at", "updated_at"] as const)
    expect(typeof persona[field], field).toBe("string");
  expect(typeof persona.is_preset).toBe("boolean");
  expect(typeof persona.is_active).toBe("boolean");
  expect(Number.isNaN(Date.parse(persona.created_at))).toBe(false);
  expect(Number.isNaN(Date.parse(persona.updated_at))).toBe(false);
}

/** A problem document whose `detail` a TIE client (reading FastAPI's `detail`) can show. */
async function expectProblem(response: TestResponse, status: number): Promise<{ detail: string }> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const problem = JSON.parse(text);
  expect(typeof problem.detail).toBe("string");
  expect(problem.detail.length).toBeGreaterThan(0);
  return problem;
}

describe.each(BACKENDS)("TIE-compatible personas ($name)", (backend) => {
  let app: TestApp;
  const modelRequests: GenerateRequest[] = [];
  const webDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-tie-web-"));
  const sessions: Record<string, WebSession> = {};

  beforeAll(async () => {
    fs.writeFileSync(path.join(webDirectory, "index.html"), INDEX);
    app = await createTestApp({
      backend,
      webDirectory,
      // Every persona without a model of its own answers with the capturing model: the prompt is visible.
      models: new ModelRegistry([createOfflineProvider(), capturingProvider(modelRequests)], "capture/model"),
    });
    for (const email of ["owner@example.com", "member@example.com"]) {
      const created = await app.request("/v1/accounts", {
        method: "POST",
        json: { email, password: PASSWORD, name: email.split("@")[0], role: "member" },
      });
      expect(created.status, email).toBe(201);
      sessions[email.split("@")[0]!] = await signIn(app, email);
    }
  });
  afterAll(async () => {
    await app.close();
    fs.rmSync(webDirectory, { recursive: true, force: true });
  });

  /** A request as a signed-in person asking for JSON (cookie, and the CSRF token on writes). */
  function as(who: string, url: string, init: { method?: string; json?: unknown } = {}) {
    const session = sessions[who]!;
    return app.request(url, {
      ...init,
      key: null,
      headers: {
        accept: "application/json",
        cookie: session.cookie,
        ...(init.method && init.method !== "GET" ? { "x-csrf-token": session.csrf } : {}),
      },
    });
  }

  async function createTie(json: unknown, init: { user?: string } = {}): Promise<TiePersona> {
    const response = await app.request("/personas", { method: "POST", json, ...init });
    const text = await response.text();
    expect(response.status, text).toBe(201);
    return JSON.parse(text);
  }

  /** The system text the model got for one completion. */
  async function promptOf(body: Record<string, unknown>, init: { user?: string } = {}): Promise<string> {
    const before = modelRequests.length;
    const response = await app.request("/v1/chat/completions", {
      method: "POST",
      ...init,
      json: { model: "dramatis", messages: [{ role: "user", content: "Hello there" }], ...body },
    });
    const text = await response.text();
    expect(response.status, text).toBe(200);
    expect(modelRequests.length).toBe(before + 1);
    return modelRequests
      .at(-1)!
      .messages.filter((message) => message.role === "system")
      .map((message) => message.content)
      .join("\n");
  }

  it("lists presets and custom personas as a JSON array of TIE persona objects", async () => {
    const created = await createTie({ name: "My Coach", system_prompt: "You are a supportive life coach." });
    const response = await app.request("/personas");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const personas: TiePersona[] = await response.json();
    expect(Array.isArray(personas)).toBe(true);
    personas.forEach(expectTieShape);
    // Presets first, each with its catalogue description and its system message as system_prompt.
    const presets = personas.filter((persona) => persona.is_preset);
    expect(presets.map((persona) => persona.id).sort()).toEqual(PRESET_PERSONAS.map((p) => p.id).sort());
    expect(personas.slice(0, presets.length).every((persona) => persona.is_preset)).toBe(true);
    for (const preset of PRESET_PERSONAS) {
      const listed = presets.find((persona) => persona.id === preset.id)!;
      expect(listed).toMatchObject({
        name: preset.definition.name,
        description: preset.description,
        system_prompt: preset.definition.system_message,
        is_active: false,
      });
    }
    expect(personas.find((persona) => persona.id === created.id)).toEqual(created);
  });

  it("creates a real persona (201) that answers on /v1/chat/completions with its system prompt", async () => {
    const created = await createTie({
      name: "Formal Writer",
      description: "Writes in formal tone",
      system_prompt: "You always write in a formal, professional tone.",
    });
    expectTieShape(created);
    expect(created).toMatchObject({
      name: "Formal Writer",
      description: "Writes in formal tone",
      system_prompt: "You always write in a formal, professional tone.",
      is_preset: false,
      is_active: false,
    });
    // The native API sees the same persona: system_message, and the description as creator notes.
    const native = await (await app.request(`/v1/personas/${created.id}`)).json();
    expect(native).toMatchObject({
      kind: "persona",
      name: "Formal Writer",
      system_message: "You always write in a formal, professional tone.",
      card: { creator_notes: "Writes in formal tone" },
      production_version: null,
    });
    expect(await promptOf({ persona_id: created.id })).toContain(
      "You always write in a formal, professional tone.",
    );
    // Without a description: an empty one.
    const plain = await createTie({ name: "Plain", system_prompt: "Be plain." });
    expect(plain.description).toBe("");
  });

  it("replays a create retried with the same Idempotency-Key, as POST /v1/personas does", async () => {
    const send = () =>
      app.request("/personas", {
        method: "POST",
        headers: { "idempotency-key": "tie-create-1" },
        json: { name: "Once", system_prompt: "Only once." },
      });
    const first = await send();
    expect(first.status).toBe(201);
    const retry = await send();
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect((await retry.json()).id).toBe((await first.json()).id);
    const listed: TiePersona[] = await (await app.request("/personas")).json();
    expect(listed.filter((persona) => persona.name === "Once")).toHaveLength(1);
  });

  it("refuses a create without name or system_prompt, naming the field in a problem document", async () => {
    const cases: [unknown, string][] = [
      [{ system_prompt: "x" }, "name"],
      [{ name: "No prompt" }, "system_prompt"],
      [{ name: "   ", system_prompt: "x" }, "name"],
      [{ name: 42, system_prompt: "x" }, "name"],
      [{ name: "Wrong type", system_prompt: ["x"] }, "system_prompt"],
      [{ name: "Long", system_prompt: "x".repeat(20_001) }, "system_prompt"],
      [{ name: "Bad description", system_prompt: "x", description: 7 }, "description"],
    ];
    const before = (await (await app.request("/personas")).json()).length;
    for (const [json, field] of cases) {
      const problem = (await expectProblem(
        await app.request("/personas", { method: "POST", json }),
        422,
      )) as { detail: string; errors: { field: string; message: string }[] };
      expect(
        problem.errors.map((error) => error.field),
        JSON.stringify(json),
      ).toContain(field);
      expect(problem.detail).toContain(field);
    }
    const missing = (await (
      await app.request("/personas", { method: "POST", json: { name: "No prompt" } })
    ).json()) as { errors: { field: string; message: string }[] };
    expect(missing.errors).toContainEqual({ field: "system_prompt", message: "is required" });
    // Invalid JSON is a 400; none of it stored anything.
    await expectProblem(
      await app.request("/personas", {
        method: "POST",
        body: "{not json",
        headers: { "content-type": "application/json" },
      }),
      400,
    );
    expect((await (await app.request("/personas")).json()).length).toBe(before);
  });

  it("updates with PUT (the change shows in the next reply's prompt) and keeps what is not sent", async () => {
    const created = await createTie({
      name: "Coach",
      description: "Coaching",
      system_prompt: "You are a gentle coach.",
    });
    expect(await promptOf({ persona_id: created.id })).toContain("You are a gentle coach.");
    const response = await app.request(`/personas/${created.id}`, {
      method: "PUT",
      json: { system_prompt: "You are a strict drill sergeant." },
    });
    expect(response.status).toBe(200);
    const updated: TiePersona = await response.json();
    expectTieShape(updated);
    expect(updated).toMatchObject({
      id: created.id,
      name: "Coach",
      description: "Coaching",
      system_prompt: "You are a strict drill sergeant.",
      is_preset: false,
      created_at: created.created_at,
    });
    const prompt = await promptOf({ persona_id: created.id });
    expect(prompt).toContain("You are a strict drill sergeant.");
    expect(prompt).not.toContain("You are a gentle coach.");
    const renamed: TiePersona = await (
      await app.request(`/personas/${created.id}`, {
        method: "PUT",
        json: { name: "Sergeant", description: "Drills" },
      })
    ).json();
    expect(renamed).toMatchObject({
      name: "Sergeant",
      description: "Drills",
      system_prompt: "You are a strict drill sergeant.",
    });
    await expectProblem(
      await app.request(`/personas/${created.id}`, { method: "PUT", json: { name: "" } }),
      422,
    );
  });

  it("edits a persona's chat prompt when it has one, since that is what chat replies start from", async () => {
    const native = await (
      await app.request("/v1/personas", {
        method: "POST",
        json: {
          name: "Two prompts",
          system_message: "General instructions.",
          chat_configuration: { prompt: "Chat instructions." },
        },
      })
    ).json();
    const listed: TiePersona[] = await (await app.request("/personas")).json();
    expect(listed.find((persona) => persona.id === native.id)!.system_prompt).toBe("Chat instructions.");
    const updated = await app.request(`/personas/${native.id}`, {
      method: "PUT",
      json: { system_prompt: "New chat instructions." },
    });
    expect((await updated.json()).system_prompt).toBe("New chat instructions.");
    const prompt = await promptOf({ persona_id: native.id });
    expect(prompt).toContain("New chat instructions.");
    const after = await (await app.request(`/v1/personas/${native.id}`)).json();
    expect(after.system_message).toBe("General instructions.");
  });

  it("edits only the draft of a persona published natively, as PATCH /v1/personas/{id} does", async () => {
    const created = await createTie({ name: "Published", system_prompt: "Version one." });
    expect((await app.request(`/v1/personas/${created.id}/publish`, { method: "POST" })).status).toBe(201);
    const updated = await app.request(`/personas/${created.id}`, {
      method: "PUT",
      json: { system_prompt: "Version two." },
    });
    expect((await updated.json()).system_prompt).toBe("Version two.");
    expect(await promptOf({ persona_id: created.id })).toContain("Version one.");
    expect((await app.request(`/v1/personas/${created.id}/publish`, { method: "POST" })).status).toBe(201);
    expect(await promptOf({ persona_id: created.id })).toContain("Version two.");
  });

  it("deletes a custom persona with TIE's body; a missing one or a preset is a 404", async () => {
    const created = await createTie({ name: "Doomed", system_prompt: "Soon gone." });
    const response = await app.request(`/personas/${created.id}`, { method: "DELETE" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "deleted", persona_id: created.id });
    const listed: TiePersona[] = await (await app.request("/personas")).json();
    expect(listed.map((persona) => persona.id)).not.toContain(created.id);
    await expectProblem(await app.request(`/personas/${created.id}`, { method: "DELETE" }), 404);
    await expectProblem(
      await app.request(`/personas/${created.id}`, { method: "PUT", json: { name: "Back" } }),
      404,
    );
    await expectProblem(await app.request(`/v1/personas/${created.id}`), 404);
  });

  it("never edits or deletes a preset (404, even for the admin key), and leaves it as it was", async () => {
    const preset = PRESET_PERSONAS[0]!;
    const put = await expectProblem(
      await app.request(`/personas/${preset.id}`, { method: "PUT", json: { name: "Hijacked" } }),
      404,
    );
    expect(put.detail).toContain(preset.id);
    await expectProblem(await app.request(`/personas/${preset.id}`, { method: "DELETE" }), 404);
    const listed: TiePersona[] = await (await app.request("/personas")).json();
    expect(listed.find((persona) => persona.id === preset.id)).toMatchObject({
      name: preset.definition.name,
      is_preset: true,
    });
  });

  it("keeps one active persona per end user: set, read, list, answer, clear", async () => {
    const user = "tie-active@example.com";
    await expectProblem(await app.request("/personas/active", { user }), 404);
    const created = await createTie({ name: "Active one", system_prompt: "You are the active persona." });
    const set = await app.request(`/personas/active/${created.id}`, { method: "PUT", user });
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ status: "active", persona_id: created.id });
    const active = await app.request("/personas/active", { user });
    expect(active.status).toBe(200);
    const activePersona: TiePersona = await active.json();
    expectTieShape(activePersona);
    expect(activePersona).toMatchObject({ id: created.id, is_active: true });
    const listed: TiePersona[] = await (await app.request("/personas", { user })).json();
    expect(listed.filter((persona) => persona.is_active).map((persona) => persona.id)).toEqual([created.id]);
    // The native endpoint sees the same active persona, and chat completions answer as it.
    expect(await (await app.request("/v1/personas/active", { user })).json()).toEqual({
      status: "active",
      persona_id: created.id,
    });
    expect(await promptOf({}, { user })).toContain("You are the active persona.");
    // Another end user has none.
    await expectProblem(await app.request("/personas/active", { user: "someone-else" }), 404);
    const cleared = await app.request("/personas/active", { method: "DELETE", user });
    expect(cleared.status).toBe(200);
    expect(await cleared.json()).toEqual({ status: "cleared" });
    await expectProblem(await app.request("/personas/active", { user }), 404);
    await expectProblem(await app.request("/personas/active/psn_missing", { method: "PUT", user }), 404);
  });

  it("makes a preset active for a key with no X-Dramatis-User: chat completions without a user answer as it", async () => {
    const preset = PRESET_PERSONAS[0]!;
    const set = await app.request(`/personas/active/${preset.id}`, { method: "PUT" });
    expect(await set.json()).toEqual({ status: "active", persona_id: preset.id });
    expect((await (await app.request("/personas/active")).json()).id).toBe(preset.id);
    const prompt = await promptOf({});
    expect(prompt).toContain(preset.definition.system_message.slice(0, 60));
    expect((await app.request("/personas/active", { method: "DELETE" })).status).toBe(200);
  });

  it("hides another member's private persona (404) and keeps others' shared ones read-only (404)", async () => {
    const secret = await (
      await as("owner", "/v1/personas", {
        method: "POST",
        json: { name: "Owner's secret", system_message: "Private.", visibility: "private" },
      })
    ).json();
    const shared = await createTieAs("owner", { name: "Owner's shared", system_prompt: "Shared." });
    const ownerList: TiePersona[] = await (await as("owner", "/personas")).json();
    expect(ownerList.map((persona) => persona.id)).toEqual(expect.arrayContaining([secret.id, shared.id]));
    const memberList: TiePersona[] = await (await as("member", "/personas")).json();
    expect(memberList.map((persona) => persona.id)).toContain(shared.id);
    expect(memberList.map((persona) => persona.id)).not.toContain(secret.id);
    for (const id of [secret.id, shared.id]) {
      await expectProblem(
        await as("member", `/personas/${id}`, { method: "PUT", json: { name: "Mine" } }),
        404,
      );
      await expectProblem(await as("member", `/personas/${id}`, { method: "DELETE" }), 404);
    }
    await expectProblem(await as("member", `/personas/active/${secret.id}`, { method: "PUT" }), 404);
    // The member's own persona is theirs to change; the owner's are unchanged.
    const own = await createTieAs("member", { name: "Member's", system_prompt: "Mine." });
    const renamed = await as("member", `/personas/${own.id}`, { method: "PUT", json: { name: "Renamed" } });
    expect((await renamed.json()).name).toBe("Renamed");
    const after: TiePersona[] = await (await as("owner", "/personas")).json();
    expect(after.find((persona) => persona.id === shared.id)!.name).toBe("Owner's shared");
    expect(after.find((persona) => persona.id === secret.id)!.name).toBe("Owner's secret");
  });

  async function createTieAs(who: string, json: unknown): Promise<TiePersona> {
    const response = await as(who, "/personas", { method: "POST", json });
    const text = await response.text();
    expect(response.status, text).toBe(201);
    return JSON.parse(text);
  }

  it("authenticates as /v1 does: 401 without credentials, 403 for a read-only key's writes", async () => {
    const anonymous = await expectProblem(
      await app.request("/personas", { key: null, headers: { accept: "application/json" } }),
      401,
    );
    expect(anonymous.detail).toMatch(/API key/);
    await expectProblem(
      await app.request("/personas", { method: "POST", key: null, json: { name: "x", system_prompt: "y" } }),
      401,
    );
    await expectProblem(await app.request("/personas/active", { method: "DELETE", key: "dra_wrong" }), 401);
    const readKey = (
      await (
        await app.request("/v1/keys", { method: "POST", json: { name: "reader", scopes: ["read"] } })
      ).json()
    ).key as string;
    expect((await app.request("/personas", { key: readKey })).status).toBe(200);
    await expectProblem(
      await app.request("/personas", {
        method: "POST",
        key: readKey,
        json: { name: "x", system_prompt: "y" },
      }),
      403,
    );
    // A session's write without its CSRF token is refused too.
    await expectProblem(
      await app.request("/personas", {
        method: "POST",
        key: null,
        headers: { cookie: sessions.owner!.cookie },
        json: { name: "x", system_prompt: "y" },
      }),
      403,
    );
  });

  it("applies the /v1 rate limit headers and body limit", async () => {
    const listed = await app.request("/personas");
    expect(listed.headers.get("ratelimit-policy")).toMatch(/"default"/);
    const tooBig = await app.request("/personas", {
      method: "POST",
      json: { name: "Big", system_prompt: "x".repeat(2 * 1024 * 1024) },
    });
    await expectProblem(tooBig, 413);
  });

  it("leaves the web app's /personas screens to a browser, and answers JSON to API callers", async () => {
    const browser = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };
    for (const screen of ["/personas", "/personas/active", "/personas/new", "/personas/psn_1"]) {
      for (const headers of [browser, { ...browser, cookie: sessions.owner!.cookie }, {}]) {
        const response = await app.request(screen, { key: null, headers });
        expect(response.status, `${screen} ${JSON.stringify(headers)}`).toBe(200);
        expect(response.headers.get("content-type")).toMatch(/^text\/html/);
        expect(await response.text()).toBe(INDEX);
      }
    }
    const head = await app.request("/personas", { method: "HEAD", key: null, headers: browser });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toMatch(/^text\/html/);
    // A Bearer token, a named end user, or a signed-in fetch without HTML in Accept: the API.
    const apiCalls: [string, { key?: null; headers: Record<string, string> }, number][] = [
      ["a Bearer key, even asking for HTML", { headers: browser }, 200],
      ["a named end user", { key: null, headers: { ...browser, "x-dramatis-user": "alice" } }, 401],
      ["JSON without credentials", { key: null, headers: { accept: "application/json" } }, 401],
      ["a session without Accept", { key: null, headers: { cookie: sessions.owner!.cookie } }, 200],
      ["a session's fetch", { key: null, headers: { cookie: sessions.owner!.cookie, accept: "*/*" } }, 200],
    ];
    for (const [label, init, status] of apiCalls) {
      const response = await app.request("/personas", init);
      if (status === 200) {
        expect(response.status, label).toBe(200);
        expect(response.headers.get("content-type"), label).toMatch(/^application\/json/);
        expect(Array.isArray(await response.json()), label).toBe(true);
      } else {
        await expectProblem(response, status);
      }
    }
    // Only GETs are screens: a browser's form POST is the API's.
    await expectProblem(
      await app.request("/personas", { method: "POST", key: null, headers: browser, body: "" }),
      401,
    );
  });

  it("documents every route under the TIE-compatible tag", async () => {
    const document = await (await app.request("/openapi.json", { key: null })).json();
    const operations = Object.entries(document.paths as Record<string, Record<string, { tags: string[] }>>)
      .filter(([route]) => route === "/personas" || route.startsWith("/personas/"))
      .flatMap(([route, methods]) => Object.entries(methods).map(([method, op]) => ({ route, method, op })));
    expect(operations.map(({ method, route }) => `${method.toUpperCase()} ${route}`).sort()).toEqual([
      "DELETE /personas/active",
      "DELETE /personas/{persona_id}",
      "GET /personas",
      "GET /personas/active",
      "POST /personas",
      "PUT /personas/active/{persona_id}",
      "PUT /personas/{persona_id}",
    ]);
    for (const { op } of operations) expect(op.tags).toEqual(["TIE-compatible"]);
  });
});
