import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "../backends.ts";
import { createTestApp, type TestApp, type TestResponse } from "../test-app.ts";

async function json(response: TestResponse): Promise<any> {
  return response.json();
}

describe.each(BACKENDS)("persona API on $name", (backend) => {
  let app: TestApp;
  let secondTenantKey: string;

  beforeAll(async () => {
    app = await createTestApp({ backend });
    const created = await app.request("/v1/tenants", { method: "POST", json: { name: "Second" } });
    expect(created.status).toBe(201);
    secondTenantKey = (await json(created)).admin_key;
  });
  afterAll(async () => app.close());

  it("creates a persona from a name alone, with defaults and a join code", async () => {
    const response = await app.request("/v1/personas", { method: "POST", json: { name: "Ada" } });
    expect(response.status).toBe(201);
    const persona = await json(response);
    expect(persona).toMatchObject({
      name: "Ada",
      kind: "persona",
      verbosity: 3,
      initiative: 5,
      production_version: null,
      latest_version: 0,
      has_unpublished_changes: true,
      appearance: { art_style: "realistic" },
      memory: { tier: "basic", scope: "account" },
      modifiers: { nsfw: false },
    });
    expect(persona.id).toMatch(/^psn_/);
    expect(persona.join_code).toMatch(/^[0-9A-Z]{8}$/);
  });

  it("walks draft -> publish v1 -> edit -> publish v2 -> rollback -> join -> card round trip", async () => {
    const created = await json(
      await app.request("/v1/personas", {
        method: "POST",
        json: {
          name: "Mira",
          identity: {
            age: 31,
            sex: "female",
            location: "Lisbon",
            occupation: "cartographer",
            summary: "Maps.",
          },
          system_message: "You are Mira.",
          sampling: { temperature: 0.7, top_k: 40 },
          voice_configurations: [{ locale: "en-US", prompt: "Speak warmly", voice: "en-US-Ava" }],
        },
      }),
    );
    const id = created.id;
    expect(created.voice_configurations[0]).toMatchObject({
      locale: "en-US",
      first_speaker: "agent",
      recording: false,
    });

    const edited = await json(
      await app.request(`/v1/personas/${id}`, {
        method: "PATCH",
        json: { verbosity: 2, identity: { age: 32 } },
      }),
    );
    expect(edited).toMatchObject({ verbosity: 2, identity: { age: 32, location: "Lisbon" } });

    const v1 = await app.request(`/v1/personas/${id}/publish`, { method: "POST" });
    expect(v1.status).toBe(201);
    expect((await json(v1)).version).toMatchObject({ version: 1, is_production: true });

    await app.request(`/v1/personas/${id}`, {
      method: "PATCH",
      json: { system_message: "You are Mira, v2." },
    });
    const v2 = await json(await app.request(`/v1/personas/${id}/publish`, { method: "POST" }));
    expect(v2.persona).toMatchObject({
      production_version: 2,
      latest_version: 2,
      has_unpublished_changes: false,
    });

    const diff = await json(await app.request(`/v1/personas/${id}/diff?from=1&to=2`));
    expect(diff.changes).toEqual([
      { path: "system_message", from: "You are Mira.", to: "You are Mira, v2." },
    ]);

    const rolledBack = await app.request(`/v1/personas/${id}/rollback`, {
      method: "POST",
      json: { version: 1 },
    });
    expect(rolledBack.status).toBe(200);
    expect((await json(rolledBack)).production_version).toBe(1);
    const versions = await json(await app.request(`/v1/personas/${id}/versions`));
    expect(versions.data.map((v: any) => [v.version, v.is_production])).toEqual([
      [1, true],
      [2, false],
    ]);
    const version1 = await json(await app.request(`/v1/personas/${id}/versions/1`));
    expect(version1.definition.system_message).toBe("You are Mira.");

    // Join copies the production version (v1) into the second tenant, as an independent persona.
    const joined = await app.request("/v1/personas/join", {
      method: "POST",
      key: secondTenantKey,
      json: { code: created.join_code.toLowerCase() },
    });
    expect(joined.status).toBe(201);
    const copy = await json(joined);
    expect(copy.id).not.toBe(id);
    expect(copy).toMatchObject({ name: "Mira", system_message: "You are Mira.", production_version: null });
    await app.request(`/v1/personas/${copy.id}`, {
      method: "PATCH",
      key: secondTenantKey,
      json: { name: "Mine" },
    });
    expect((await json(await app.request(`/v1/personas/${id}`))).name).toBe("Mira");

    // Export a V2 PNG card and import it back: same fields.
    const exported = await app.request(`/v1/personas/${id}/export?format=card_v2&as=png`);
    expect(exported.status).toBe(200);
    expect(exported.headers.get("content-type")).toBe("image/png");
    const png = new Uint8Array(await exported.arrayBuffer());
    const imported = await app.request("/v1/personas/import", {
      method: "POST",
      key: secondTenantKey,
      headers: { "content-type": "image/png" },
      body: png,
    });
    expect(imported.status).toBe(201);
    const importedBody = await json(imported);
    expect(importedBody.format).toBe("card_v2");
    const original = await json(await app.request(`/v1/personas/${id}`));
    const definitionOf = (persona: any) => {
      const {
        id: _id,
        kind: _k,
        join_code: _j,
        production_version: _p,
        latest_version: _l,
        has_unpublished_changes: _h,
        created_at: _c,
        updated_at: _u,
        ...definition
      } = persona;
      return definition;
    };
    expect(definitionOf(importedBody.persona)).toEqual(definitionOf(original));
  });

  it("keeps every field of concurrent draft edits and gives concurrent publishes distinct versions", async () => {
    const persona = await json(await app.request("/v1/personas", { method: "POST", json: { name: "C" } }));
    const edits = [
      { verbosity: 1 },
      { initiative: 9 },
      { identity: { age: 40 } },
      { identity: { location: "Oslo" } },
      { tags: ["a"] },
    ];
    const responses = await Promise.all(
      edits.map((edit) => app.request(`/v1/personas/${persona.id}`, { method: "PATCH", json: edit })),
    );
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await json(await app.request(`/v1/personas/${persona.id}`))).toMatchObject({
      verbosity: 1,
      initiative: 9,
      identity: { age: 40, location: "Oslo" },
      tags: ["a"],
    });
    const publishes = await Promise.all(
      [1, 2, 3].map(() => app.request(`/v1/personas/${persona.id}/publish`, { method: "POST" })),
    );
    const published = await Promise.all(
      publishes.filter((response) => response.status === 201).map((response) => json(response)),
    );
    const numbers = published.map((body: any) => body.version.version);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(publishes.every((response) => response.status === 201 || response.status === 409)).toBe(true);
    const versions = await json(await app.request(`/v1/personas/${persona.id}/versions`));
    expect(versions.data.map((v: any) => v.version)).toEqual(numbers.sort());
  });

  it("names the field of an out-of-range value in a 422 problem", async () => {
    const response = await app.request("/v1/personas", {
      method: "POST",
      json: {
        name: "X",
        sampling: { temperature: 3, top_k: 101 },
        verbosity: 9,
        active_hours: { time_zone: "Mars/Base" },
      },
    });
    expect(response.status).toBe(422);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    const problem = await json(response);
    expect(problem.errors.map((error: any) => error.field).sort()).toEqual([
      "active_hours.time_zone",
      "sampling.temperature",
      "sampling.top_k",
      "verbosity",
    ]);
  });

  it("rejects a missing name, unknown fields and malformed JSON clearly", async () => {
    const missing = await json(await app.request("/v1/personas", { method: "POST", json: { verbosity: 2 } }));
    expect(missing.errors).toEqual([{ field: "name", message: "must not be empty" }]);
    const unknown = await json(
      await app.request("/v1/personas", { method: "POST", json: { name: "A", colour: 1 } }),
    );
    expect(unknown.errors).toEqual([{ field: "colour", message: "unknown field" }]);
    const malformed = await app.request("/v1/personas", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"name": ',
    });
    expect(malformed.status).toBe(400);
    expect((await json(malformed)).detail).toMatch(/not valid JSON/);
    const wrongType = await app.request("/v1/personas", { method: "POST", json: { name: 42 } });
    expect(wrongType.status).toBe(422);
  });

  it("keeps NSFW permanent once set and leaves the draft untouched on a rejected edit", async () => {
    const persona = await json(await app.request("/v1/personas", { method: "POST", json: { name: "N" } }));
    await app.request(`/v1/personas/${persona.id}`, { method: "PATCH", json: { modifiers: { nsfw: true } } });
    const response = await app.request(`/v1/personas/${persona.id}`, {
      method: "PATCH",
      json: { name: "Renamed", modifiers: { nsfw: false } },
    });
    expect(response.status).toBe(422);
    expect((await json(response)).errors[0].field).toBe("modifiers.nsfw");
    expect(await json(await app.request(`/v1/personas/${persona.id}`))).toMatchObject({
      name: "N",
      modifiers: { nsfw: true },
    });
  });

  it("serves presets read-only and creates personas from templates", async () => {
    const presets = await json(await app.request("/v1/personas?kind=preset"));
    expect(presets.data.length).toBeGreaterThanOrEqual(3);
    const preset = presets.data[0];
    const write = await app.request(`/v1/personas/${preset.id}`, {
      method: "PATCH",
      json: { name: "Mine now" },
    });
    expect(write.status).toBe(403);
    expect((await json(write)).detail).toMatch(/preset/);
    expect((await app.request(`/v1/personas/${preset.id}`, { method: "DELETE" })).status).toBe(403);
    expect((await app.request(`/v1/personas/${preset.id}/publish`, { method: "POST" })).status).toBe(403);

    const templates = await json(await app.request("/v1/persona-templates"));
    const template = templates.data[0];
    const fromTemplate = await app.request("/v1/personas", {
      method: "POST",
      json: { template_id: template.id },
    });
    expect(fromTemplate.status).toBe(201);
    expect((await json(fromTemplate)).system_message).toBe(template.definition.system_message);
    const unknownTemplate = await app.request("/v1/personas", {
      method: "POST",
      json: { template_id: "nope" },
    });
    expect((await json(unknownTemplate)).errors[0].field).toBe("template_id");
  });

  it("answers unknown join codes, versions and rollbacks clearly", async () => {
    expect(
      (await app.request("/v1/personas/join", { method: "POST", json: { code: "ZZZZZZZZ" } })).status,
    ).toBe(404);
    const persona = await json(await app.request("/v1/personas", { method: "POST", json: { name: "V" } }));
    expect((await app.request(`/v1/personas/${persona.id}/versions/3`)).status).toBe(404);
    const rollback = await app.request(`/v1/personas/${persona.id}/rollback`, {
      method: "POST",
      json: { version: 3 },
    });
    expect(rollback.status).toBe(422);
    expect((await json(rollback)).errors[0].field).toBe("version");
    const diff = await app.request(`/v1/personas/${persona.id}/diff?from=abc`);
    expect(diff.status).toBe(422);
  });

  it("exports V3 JSON cards with unknown extensions surviving a round trip", async () => {
    const card = {
      spec: "chara_card_v2",
      spec_version: "2.0",
      data: {
        name: "Seraphina",
        description: "A guardian of the forest.",
        personality: "kind",
        scenario: "Glade",
        first_mes: "Hello, traveller.",
        mes_example: "<START>\n{{char}}: Be careful.",
        creator_notes: "",
        system_prompt: "",
        post_history_instructions: "",
        alternate_greetings: [],
        tags: ["fantasy"],
        creator: "someone",
        character_version: "1",
        extensions: { depth_prompt: { depth: 4, prompt: "x" }, talkativeness: "0.5" },
      },
    };
    const imported = await json(await app.request("/v1/personas/import", { method: "POST", json: card }));
    const exported = await json(
      await app.request(`/v1/personas/${imported.persona.id}/export?format=card_v3&as=json`),
    );
    expect(exported.spec).toBe("chara_card_v3");
    expect(exported.data.extensions.depth_prompt).toEqual({ depth: 4, prompt: "x" });
    expect(exported.data.extensions.talkativeness).toBe("0.5");
    expect(exported.data).toMatchObject({
      name: "Seraphina",
      first_mes: "Hello, traveller.",
      creator: "someone",
    });
  });

  it("rejects malformed cards with a 4xx naming the problem", async () => {
    const notPng = await app.request("/v1/personas/import", {
      method: "POST",
      headers: { "content-type": "image/png" },
      body: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]),
    });
    expect(notPng.status).toBe(400);
    const deep = await app.request("/v1/personas/import", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "[".repeat(10_000) + "]".repeat(10_000),
    });
    // Valid JSON beyond the JSON policy: unprocessable, like any over-deep body.
    expect(deep.status).toBe(422);
    expect((await json(deep)).detail).toMatch(/deep|nest/i);
  });
});
