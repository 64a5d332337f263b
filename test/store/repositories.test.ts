import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../../src/lib/ids.ts";
import { isUniqueViolation } from "../../src/store/errors.ts";
import type { DatabaseHandle } from "../../src/store/database.ts";
import { DEFAULT_PERSONA_DEFINITION, type PersonaDefinition } from "../../src/domain/persona-definition.ts";
import type { StoredPersona } from "../../src/store/persona-repository.ts";
import { Store } from "../../src/store/store.ts";
import { BACKENDS } from "../backends.ts";

const NOW = "2026-01-01T00:00:00.000Z";

const definitionNamed = (name: string): PersonaDefinition => ({ ...DEFAULT_PERSONA_DEFINITION, name });

function personaRow(
  tenantId: string | null,
  overrides: Partial<Omit<StoredPersona, "draft_revision">> = {},
): Omit<StoredPersona, "draft_revision"> {
  return {
    id: newId("psn"),
    tenant_id: tenantId,
    kind: tenantId === null ? "preset" : "persona",
    join_code: newId("jc").slice(-10).toUpperCase(),
    created_by_user_id: null,
    visibility: "tenant",
    draft: definitionNamed("Ada"),
    production_version: null,
    latest_version: 0,
    has_unpublished_changes: 1,
    created_at: NOW,
    updated_at: NOW,
    ...overrides,
  };
}

describe.each(BACKENDS)("repositories on $name", (backend) => {
  let database: DatabaseHandle;
  let store: Store;

  beforeAll(async () => {
    database = await backend.open();
    store = new Store(database.db);
    for (const id of ["ten_a", "ten_b"]) {
      await store.tenants.insert({ id, name: id, is_operator: 0, created_at: NOW });
    }
  });
  afterAll(async () => database.close());

  it("applies migrations idempotently (a second run is a no-op)", async () => {
    const { migrateToLatest } = await import("../../src/store/migrations/index.ts");
    await expect(migrateToLatest(database.db as never)).resolves.toBeUndefined();
    expect((await store.tenants.list()).map((tenant) => tenant.id)).toEqual(["ten_a", "ten_b"]);
  });

  it("creates a user once per external id, also under concurrent first use", async () => {
    const candidates = Array.from({ length: 5 }, () => ({
      id: newId("usr"),
      tenant_id: "ten_a",
      external_id: "alice",
      active_user_persona_id: null,
      active_persona_id: null,
      inbox_read_at: null,
      inbox_sequence: 0,
      created_at: NOW,
    }));
    const users = await Promise.all(candidates.map((candidate) => store.users.findOrInsert(candidate)));
    expect(new Set(users.map((user) => user.id)).size).toBe(1);
    const other = await store.users.findOrInsert({ ...candidates[0]!, id: newId("usr"), tenant_id: "ten_b" });
    expect(other.id).not.toBe(users[0]!.id);
  });

  it("finds API keys by hash and revokes only within the tenant", async () => {
    const key = {
      id: newId("key"),
      tenant_id: "ten_a",
      name: "k",
      prefix: "dra_abcdefgh",
      secret_hash: `hash-${newId("h")}`,
      scopes: ["read"],
      created_at: NOW,
      last_used_at: null,
      revoked_at: null,
      rate_limit_per_minute: null,
    };
    await store.apiKeys.insert(key);
    expect((await store.apiKeys.findBySecretHash(key.secret_hash))?.id).toBe(key.id);
    expect(await store.apiKeys.revoke("ten_b", key.id, NOW)).toBe(false);
    expect(await store.apiKeys.revoke("ten_a", key.id, NOW)).toBe(true);
    expect(await store.apiKeys.revoke("ten_a", key.id, NOW)).toBe(false);
    await store.apiKeys.touchLastUsed(key.id, "2026-01-02T00:00:00.000Z");
    expect(await store.apiKeys.findById("ten_a", key.id)).toMatchObject({
      revoked_at: NOW,
      last_used_at: "2026-01-02T00:00:00.000Z",
    });
    expect(await store.apiKeys.findById("ten_b", key.id)).toBeUndefined();
  });

  it("shows a tenant its own personas and presets, never another tenant's", async () => {
    const own = personaRow("ten_a");
    const foreign = personaRow("ten_b");
    const preset = personaRow(null);
    for (const row of [own, foreign, preset]) await store.personas.insert(row);
    expect((await store.personas.findVisible("ten_a", own.id))?.id).toBe(own.id);
    expect((await store.personas.findVisible("ten_a", preset.id))?.id).toBe(preset.id);
    expect(await store.personas.findVisible("ten_a", foreign.id)).toBeUndefined();
    const listed = (await store.personas.list("ten_a", { limit: 100 })).items.map((row) => row.id);
    expect(listed).toContain(own.id);
    expect(listed).toContain(preset.id);
    expect(listed).not.toContain(foreign.id);
    expect(await store.personas.update("ten_a", foreign.id, { draft: definitionNamed("B") })).toBe(false);
    expect(await store.personas.update("ten_a", preset.id, { draft: definitionNamed("B") })).toBe(false);
    expect(await store.personas.delete("ten_a", foreign.id)).toBe(false);
    expect((await store.personas.findVisible("ten_b", foreign.id))!.draft).toEqual(definitionNamed("Ada"));
  });

  it("pages through personas by cursor without gaps or repeats", async () => {
    const rows = Array.from({ length: 7 }, (_, index) =>
      personaRow("ten_b", { id: newId("psn", 1_800_000_000_000 + index) }),
    );
    for (const row of rows) await store.personas.insert(row);
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await store.personas.list("ten_b", { limit: 3, after, kind: "persona" });
      seen.push(...page.items.map((row) => row.id));
      if (!page.nextCursor) break;
      after = page.nextCursor;
    }
    expect(seen.filter((id) => rows.some((row) => row.id === id))).toEqual(rows.map((row) => row.id));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("guards publishing with the expected latest version", async () => {
    const row = personaRow("ten_a");
    await store.personas.insert(row);
    expect(await store.personas.update("ten_a", row.id, { latest_version: 1 }, { latestVersion: 0 })).toBe(
      true,
    );
    expect(await store.personas.update("ten_a", row.id, { latest_version: 2 }, { latestVersion: 0 })).toBe(
      false,
    );
    const { draft_revision: revision } = (await store.personas.findVisible("ten_a", row.id))!;
    const edit = { draft: definitionNamed("Edited") };
    expect(await store.personas.update("ten_a", row.id, edit, { draftRevision: "stale" })).toBe(false);
    expect(await store.personas.update("ten_a", row.id, edit, { draftRevision: revision })).toBe(true);
    const version = { persona_id: row.id, version: 1, definition: definitionNamed("v1"), created_at: NOW };
    await store.personas.insertVersion(version);
    const duplicate = store.personas.insertVersion(version);
    await expect(duplicate).rejects.toSatisfy(isUniqueViolation);
  });

  it("rolls back a failed transaction completely", async () => {
    const row = personaRow("ten_a");
    await expect(
      store.transaction(async (transaction) => {
        await transaction.personas.insert(row);
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await store.personas.findVisible("ten_a", row.id)).toBeUndefined();
  });

  it("enforces foreign keys and cascades persona deletion to versions", async () => {
    await expect(store.personas.insert(personaRow("ten_missing"))).rejects.toThrow();
    const row = personaRow("ten_a");
    await store.personas.insert(row);
    await store.personas.insertVersion({
      persona_id: row.id,
      version: 1,
      definition: definitionNamed("v1"),
      created_at: NOW,
    });
    await store.personas.delete("ten_a", row.id);
    expect(await store.personas.listVersions(row.id)).toEqual([]);
  });

  it("upserts presets idempotently", async () => {
    const preset = personaRow(null, { id: "preset_test", production_version: 1, latest_version: 1 });
    const version = {
      persona_id: "preset_test",
      version: 1,
      definition: definitionNamed("v1"),
      created_at: NOW,
    };
    await store.personas.upsertPreset(preset, version);
    await store.personas.upsertPreset(
      { ...preset, draft: definitionNamed("v2") },
      { ...version, definition: definitionNamed("v2") },
    );
    expect((await store.personas.findVisible("ten_b", "preset_test"))?.draft.name).toBe("v2");
    expect((await store.personas.findVersion("preset_test", 1))?.definition.name).toBe("v2");
  });

  it("scopes user personas to their user", async () => {
    const alice = await store.users.findOrInsert({
      id: newId("usr"),
      tenant_id: "ten_a",
      external_id: "alice-2",
      active_user_persona_id: null,
      active_persona_id: null,
      inbox_read_at: null,
      inbox_sequence: 0,
      created_at: NOW,
    });
    const bob = await store.users.findOrInsert({
      id: newId("usr"),
      tenant_id: "ten_a",
      external_id: "bob-2",
      active_user_persona_id: null,
      active_persona_id: null,
      inbox_read_at: null,
      inbox_sequence: 0,
      created_at: NOW,
    });
    const userPersona = {
      id: newId("upn"),
      tenant_id: "ten_a",
      user_id: alice.id,
      name: "Elena",
      description: "space pirate",
      avatar_url: null,
      created_at: NOW,
      updated_at: NOW,
    };
    await store.userPersonas.insert(userPersona);
    expect((await store.userPersonas.find(alice.id, userPersona.id))?.name).toBe("Elena");
    expect(await store.userPersonas.find(bob.id, userPersona.id)).toBeUndefined();
    expect(await store.userPersonas.update(bob.id, userPersona.id, { name: "x" })).toBe(false);
    expect(await store.userPersonas.delete(bob.id, userPersona.id)).toBe(false);
    expect((await store.userPersonas.list(alice.id, { limit: 10 })).items).toHaveLength(1);
  });

  it("stores a tenant provider's capabilities, clears them with null, and reads an unreadable value as none", async () => {
    const provider = {
      id: newId("prv"),
      tenant_id: "ten_a",
      name: "house",
      kind: "openai-compatible" as const,
      base_url: "https://llm.example.com/v1",
      api_key_sealed: null,
      models: ["house-model-7b"],
      capabilities: { images: true, tools: ["house-*"], structured_output: false },
      created_at: NOW,
      updated_at: NOW,
    };
    await store.providers.insert(provider);
    expect((await store.providers.find("ten_a", provider.id))?.capabilities).toEqual(provider.capabilities);
    expect(await store.providers.find("ten_b", provider.id)).toBeUndefined();

    expect(await store.providers.update("ten_a", provider.id, { capabilities: { audio: ["*-audio"] } })).toBe(
      true,
    );
    expect((await store.providers.find("ten_a", provider.id))?.capabilities).toEqual({ audio: ["*-audio"] });
    // Changing something else leaves them alone.
    await store.providers.update("ten_a", provider.id, { models: ["other"] });
    expect((await store.providers.find("ten_a", provider.id))?.capabilities).toEqual({ audio: ["*-audio"] });
    await store.providers.update("ten_a", provider.id, { capabilities: null });
    const cleared = await database.db
      .selectFrom("tenant_providers")
      .select("capabilities")
      .where("id", "=", provider.id)
      .executeTakeFirstOrThrow();
    expect(cleared.capabilities).toBeNull();
    expect((await store.providers.find("ten_a", provider.id))?.capabilities).toBeNull();

    // Written by hand or by an older build: the provider still lists, its models following their names.
    for (const stored of ["not json", '{"images":"yes"}', '{"vision":true}', "[]"]) {
      await database.db
        .updateTable("tenant_providers")
        .set({ capabilities: stored })
        .where("id", "=", provider.id)
        .execute();
      const listed = await store.providers.list("ten_a");
      expect(listed.find((row) => row.id === provider.id)?.capabilities, stored).toBeNull();
    }
    await store.providers.delete("ten_a", provider.id);
  });
});
