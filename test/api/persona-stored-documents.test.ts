import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { personaSchema } from "../../src/http/routes/persona-routes.ts";
import { personaDefinitionSchema } from "../../src/domain/persona-definition.ts";
import { BACKENDS } from "../backends.ts";
import { createTestApp, type TestApp } from "../test-app.ts";

/**
 * Persona definitions stored by an older release (or edited by hand) lack fields added since. Reading one
 * must fill those fields with their defaults, so GET answers a schema-valid body and PATCH and publish work.
 */
describe.each(BACKENDS)("stored persona documents on $name", (backend) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await createTestApp({ backend });
  });
  afterAll(async () => app?.close());

  const createPersona = async (name: string): Promise<string> => {
    const response = await app.request("/v1/personas", { method: "POST", json: { name } });
    expect(response.status).toBe(201);
    return (await response.json()).id;
  };
  const storedDraft = async (id: string) =>
    JSON.parse(
      (
        await app.database.db
          .selectFrom("personas")
          .select("draft")
          .where("id", "=", id)
          .executeTakeFirstOrThrow()
      ).draft,
    ) as Record<string, unknown>;
  const storeDraft = async (id: string, draft: unknown) =>
    app.database.db
      .updateTable("personas")
      .set({ draft: JSON.stringify(draft) })
      .where("id", "=", id)
      .execute();
  const storeVersion = async (id: string, version: number, definition: unknown) =>
    app.database.db
      .updateTable("persona_versions")
      .set({ definition: JSON.stringify(definition) })
      .where("persona_id", "=", id)
      .where("version", "=", version)
      .execute();

  it("a draft stored without `initiative` reads schema-valid with the default and accepts a PATCH", async () => {
    const id = await createPersona("Ada");
    const { initiative: _initiative, ...withoutInitiative } = await storedDraft(id);
    await storeDraft(id, withoutInitiative);

    const got = await app.request(`/v1/personas/${id}`);
    expect(got.status).toBe(200);
    const body = await got.json();
    expect(personaSchema.safeParse(body).error).toBeUndefined();
    expect(body.initiative).toBe(5);

    const patched = await app.request(`/v1/personas/${id}`, { method: "PATCH", json: { name: "x" } });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ name: "x", initiative: 5 });
    expect((await storedDraft(id)).initiative).toBe(5);

    const listed = await app.request("/v1/personas?limit=100");
    expect(listed.status).toBe(200);
    const page = await listed.json();
    for (const persona of page.data) expect(personaSchema.safeParse(persona).error).toBeUndefined();
  });

  it("reads, edits and publishes a persona whose draft and version come from the oldest schema", async () => {
    const id = await createPersona("Old");
    expect((await app.request(`/v1/personas/${id}/publish`, { method: "POST" })).status).toBe(201);
    // The oldest documents carry no schema_version and predate the memory settings, initiative, the
    // voice item fields and the chat configuration.
    const {
      schema_version: _version,
      memory: _memory,
      initiative: _initiative,
      chat_configuration: _chat,
      ...oldest
    } = await storedDraft(id);
    const voiceConfigurations = [{ locale: "en-US" }];
    await storeDraft(id, { ...oldest, name: "Old draft", voice_configurations: voiceConfigurations });
    await storeVersion(id, 1, { ...oldest, name: "Old v1", voice_configurations: voiceConfigurations });

    const persona = await (await app.request(`/v1/personas/${id}`)).json();
    expect(personaSchema.safeParse(persona).error).toBeUndefined();
    expect(persona).toMatchObject({
      name: "Old draft",
      initiative: 5,
      memory: { tier: "basic", scope: "account", extraction: true },
      chat_configuration: { prompt: "", forward_to_voice: false },
      voice_configurations: [{ locale: "en-US", first_speaker: "agent", max_duration_seconds: 600 }],
    });
    const version1 = await (await app.request(`/v1/personas/${id}/versions/1`)).json();
    expect(personaDefinitionSchema.safeParse(version1.definition).error).toBeUndefined();
    expect(version1).toMatchObject({ name: "Old v1", definition: { name: "Old v1", initiative: 5 } });
    const versions = await (await app.request(`/v1/personas/${id}/versions`)).json();
    expect(versions.data.map((version: { name: string }) => version.name)).toEqual(["Old v1"]);
    // Only the name differs once both are upgraded: the defaults filled in are no change.
    const diff = await (await app.request(`/v1/personas/${id}/diff?from=1&to=draft`)).json();
    expect(diff.changes.map((change: { path: string }) => change.path)).toEqual(["name"]);

    const patched = await app.request(`/v1/personas/${id}`, {
      method: "PATCH",
      json: { initiative: 7, memory: { tier: "extended" } },
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({
      name: "Old draft",
      initiative: 7,
      memory: { tier: "extended", scope: "account" },
    });
    const written = await storedDraft(id);
    expect(written.schema_version).toBeTypeOf("number");
    expect(written.memory).toMatchObject({ tier: "extended", extraction: true });

    const published = await app.request(`/v1/personas/${id}/publish`, { method: "POST" });
    expect(published.status).toBe(201);
    expect((await published.json()).version).toMatchObject({ version: 2, name: "Old draft" });
    const version2 = await (await app.request(`/v1/personas/${id}/versions/2`)).json();
    expect(personaDefinitionSchema.safeParse(version2.definition).error).toBeUndefined();
    expect(version2.definition).toMatchObject({ initiative: 7, memory: { tier: "extended" } });

    // Serving the old version 1 again (rollback) works from the upgraded document too.
    const rolledBack = await app.request(`/v1/personas/${id}/rollback`, {
      method: "POST",
      json: { version: 1 },
    });
    expect(rolledBack.status).toBe(200);
    const card = await app.request(`/v1/personas/${id}/export?version=production`);
    expect(card.status).toBe(200);
  });

  it("a stored value outside the schema reads as its default instead of failing the listing", async () => {
    const id = await createPersona("Broken");
    const draft = await storedDraft(id);
    await storeDraft(id, { ...draft, verbosity: 99, appearance: { art_style: "oil" }, unknown_field: 1 });

    const listed = await app.request("/v1/personas?limit=100");
    expect(listed.status).toBe(200);
    const persona = (await listed.json()).data.find((item: { id: string }) => item.id === id);
    expect(personaSchema.safeParse(persona).error).toBeUndefined();
    expect(persona).toMatchObject({ name: "Broken", verbosity: 3, appearance: { art_style: "realistic" } });
    expect(persona).not.toHaveProperty("unknown_field");
    expect(
      (await app.request(`/v1/personas/${id}`, { method: "PATCH", json: { verbosity: 4 } })).status,
    ).toBe(200);
  });
});
