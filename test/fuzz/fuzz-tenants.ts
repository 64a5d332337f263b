import type { Kysely } from "kysely";
import type { TestApp, TestResponse } from "../test-app.ts";
import type { IdPools, Role } from "./openapi-arbitraries.ts";

/**
 * The tenants the fuzz suite plays in: the callers' own tenant seeded with one real object of every kind
 * (so paths hit rows), a victim tenant seeded the same way whose rows no request may change, and the
 * credentials of every role.
 */

/** Real ids by kind; the fuzz loop adds the ids its own successful requests create. */
export type SeededIds = Record<string, string[]>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- seeding reads loosely typed JSON
async function expectOk(response: TestResponse, what: string): Promise<any> {
  const text = await response.text();
  if (response.status >= 300) throw new Error(`seeding ${what} failed: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Polls a condition the background worker makes true (a population generated, a study run). */
async function waitUntil(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 1000; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${what} did not happen`);
}

/**
 * Seeds one tenant through the API with `key` (its admin key): two personas (one published with a
 * memory, a conversation with an exchange, a job), a user persona, a skill, a cohort, a population, a
 * study, a provider, a spare API key and a spare account. Returns the ids by kind.
 */
export async function seedTenant(app: TestApp, key: string, label: string): Promise<SeededIds> {
  const send = (path: string, init: Parameters<TestApp["request"]>[1] = {}) =>
    app.request(path, { key, ...init }).then((response) => expectOk(response, `${label} ${path}`));
  const ids: SeededIds = {};
  const add = (kind: string, id: string) => (ids[kind] ??= []).push(id);

  const persona = await send("/v1/personas", {
    method: "POST",
    json: { name: `${label} Secret`, identity: { age: 30, location: "Oslo", occupation: "chef" } },
  });
  await send(`/v1/personas/${persona.id}/publish`, { method: "POST" });
  await send(`/v1/personas/${persona.id}`, { method: "PATCH", json: { name: `${label} Secret v2` } });
  add("persona", persona.id);
  add("joinCode", persona.join_code);
  add("persona", (await send("/v1/personas", { method: "POST", json: { name: `${label} Draft` } })).id);
  const userPersona = await send("/v1/user-personas", {
    method: "POST",
    user: "alice",
    json: { name: "Elena", description: "a sailor" },
  });
  add("userPersona", userPersona.id);
  await send(`/v1/user-personas/active/${userPersona.id}`, { method: "PUT", user: "alice" });
  await send(`/v1/personas/active/${persona.id}`, { method: "PUT", user: "alice" });
  const conversation = await send("/v1/conversations", {
    method: "POST",
    user: "alice",
    json: { persona_id: persona.id },
  });
  add("conversation", conversation.id);
  const exchange = await send(`/v1/conversations/${conversation.id}/messages`, {
    method: "POST",
    user: "alice",
    json: { content: "I love sailing in Oslo." },
  });
  add("message", exchange.message.id);
  add("message", exchange.user_message?.id ?? exchange.message.id);
  const accepted = await send(`/v1/conversations/${conversation.id}/messages`, {
    method: "POST",
    user: "alice",
    json: { content: "in the background", mode: "async" },
  });
  add("job", accepted.job.id);
  const memory = await send(`/v1/personas/${persona.id}/memories`, {
    method: "POST",
    user: "alice",
    json: { owner: "relationship", facts: "Alice's secret: she loves sailing." },
  });
  add("memory", memory.id);
  add(
    "memory",
    (
      await send(`/v1/personas/${persona.id}/memories`, {
        method: "POST",
        user: "alice",
        json: { owner: "timeline", facts: "Grew up by the sea." },
      })
    ).id,
  );
  add(
    "provider",
    (
      await send("/v1/providers", {
        method: "POST",
        json: {
          name: `${label}-provider`,
          kind: "openai-compatible",
          base_url: "http://127.0.0.1:9/v1",
          models: ["m"],
        },
      })
    ).id,
  );
  // Spares for the fuzz to revoke and delete: the keys and accounts the roles use are never in the pools.
  add("key", (await send("/v1/keys", { method: "POST", json: { name: "spare", scopes: ["read"] } })).id);
  add(
    "account",
    (
      await send("/v1/accounts", {
        method: "POST",
        json: { email: `spare@${label}.example`, password: "a long password", name: "Spare" },
      })
    ).id,
  );
  const skill = await send("/v1/skills", {
    method: "POST",
    json: { name: "Agree", prompt: "Agree?", answer: { type: "likert", scale: { min: 1, max: 5 } } },
  });
  add("skill", skill.id);
  const cohort = await send("/v1/cohorts", {
    method: "POST",
    json: {
      name: "Chefs",
      generator: { age: { type: "uniform", min: 20, max: 30 }, location: ["Oslo"], occupation: ["chef"] },
    },
  });
  add("cohort", cohort.id);
  const population = await send("/v1/populations", {
    method: "POST",
    json: { name: "Two", size: 2, seed: 1, cohorts: [{ cohort_id: cohort.id, proportion: 1 }] },
  });
  add("population", population.id);
  await waitUntil(`${label} population`, async () => {
    const current = await send(`/v1/populations/${population.id}`);
    return current.status === "ready";
  });
  const study = await send("/v1/studies", {
    method: "POST",
    json: { name: "Agreement", skill_id: skill.id, population_id: population.id },
  });
  add("study", study.id);
  await waitUntil(
    `${label} study`,
    async () => (await send(`/v1/studies/${study.id}`)).status === "completed",
  );
  await waitUntil(`${label} async reply`, async () => {
    const job = await send(`/v1/jobs/${accepted.job.id}`, { user: "alice" });
    return job.status === "succeeded" || job.status === "failed";
  });
  add("version", "1");
  add("version", "2");
  return ids;
}

/** Which kind of id a path parameter names, by the path it sits in (as the isolation walk knows it). */
export function kindFor(path: string, parameter: string): string | undefined {
  if (parameter === "memoryId") return "memory";
  if (parameter === "messageId") return "message";
  if (parameter === "version") return "version";
  if (parameter !== "id") return undefined;
  const prefixes: [string, string][] = [
    ["/v1/personas/active", "persona"],
    ["/v1/personas", "persona"],
    ["/v1/user-personas", "userPersona"],
    ["/v1/keys", "key"],
    ["/v1/conversations", "conversation"],
    ["/v1/jobs", "job"],
    ["/v1/providers", "provider"],
    ["/v1/accounts", "account"],
    ["/v1/skills", "skill"],
    ["/v1/cohorts", "cohort"],
    ["/v1/populations", "population"],
    ["/v1/studies", "study"],
    ["/v1/scheduled-messages", "scheduledMessage"],
    ["/v1/push/subscriptions", "pushSubscription"],
  ];
  return prefixes.find(([prefix]) => path.startsWith(prefix))?.[1];
}

/** Body and query fields that carry ids, by their name. */
function kindForField(field: string): string | undefined {
  const fields: Record<string, string> = {
    persona_id: "persona",
    user_persona_id: "userPersona",
    conversation_id: "conversation",
    cohort_id: "cohort",
    skill_id: "skill",
    population_id: "population",
    study_id: "study",
    memory_ids: "memory",
    message_ids: "message",
    code: "joinCode",
    version: "version",
  };
  return fields[field];
}

/** The prefix of each kind's ids, so the ids a fuzzed request created join the pool. */
const ID_PREFIXES: Record<string, string> = {
  psn: "persona",
  upn: "userPersona",
  cnv: "conversation",
  msg: "message",
  mem: "memory",
  job: "job",
  skl: "skill",
  coh: "cohort",
  pop: "population",
  std: "study",
  prv: "provider",
  sch: "scheduledMessage",
  dev: "pushSubscription",
};

/** Ids of the callers' tenant (growing as the fuzz creates objects) mixed with the victim's. */
export class FuzzPools implements IdPools {
  private static readonly LIMIT = 40;
  constructor(
    private readonly own: SeededIds,
    private readonly victim: SeededIds,
  ) {}

  idsFor(path: string, parameter: string): readonly string[] {
    const kind = kindFor(path, parameter);
    return kind ? (this.own[kind] ?? []) : [];
  }

  idsForField(field: string): readonly string[] {
    if (field === "time_zone") return ["UTC", "Europe/Oslo", "America/New_York"];
    const kind = kindForField(field);
    if (!kind) return [];
    return [...(this.own[kind] ?? []), ...(this.victim[kind] ?? [])];
  }

  /** Learns an id a request created (a 201's `id`), keeping each pool small. */
  learn(id: unknown): void {
    if (typeof id !== "string") return;
    const kind = ID_PREFIXES[id.split("_")[0] ?? ""];
    if (!kind) return;
    const pool = (this.own[kind] ??= []);
    if (pool.includes(id)) return;
    pool.push(id);
    if (pool.length > FuzzPools.LIMIT) pool.splice(0, 1);
  }

  /** Forgets an id the run deleted; the objects valid-ish requests create refill the pool. */
  forget(id: string): void {
    for (const pool of Object.values(this.own)) {
      const index = pool.indexOf(id);
      if (index >= 0) pool.splice(index, 1);
    }
  }
}

/** All of the victim's ids, as path parameters aimed across tenants. */
export function foreignIds(victim: SeededIds): string[] {
  return Object.entries(victim)
    .filter(([kind]) => kind !== "version")
    .flatMap(([, ids]) => ids);
}

export interface SessionCredentials {
  cookie: string;
  csrfToken: string;
}

/** Signs an account in, as the web app does, and keeps the cookie and CSRF token. */
export async function signIn(app: TestApp, email: string, password: string): Promise<SessionCredentials> {
  const response = await app.request("/v1/auth/login", {
    key: null,
    method: "POST",
    json: { email, password },
  });
  const body = await expectOk(response, `sign-in of ${email}`);
  const cookie = (response.headers.get("set-cookie") ?? "").split(";")[0]!;
  return { cookie, csrfToken: body.csrf_token };
}

/** The roles every operation is sent as. Session roles read their credentials at send time (they renew). */
export function createRoles(credentials: {
  readKey: string;
  writeKey: string;
  adminKey: string;
  otherTenantKey: string;
  adminSession: () => SessionCredentials;
  memberSession: () => SessionCredentials;
}): Role[] {
  const bearer = (name: string, key: string): Role => ({
    name,
    headers: () => ({ authorization: `Bearer ${key}` }),
  });
  const session = (name: string, current: () => SessionCredentials): Role => ({
    name,
    headers: () => ({ cookie: current().cookie, "x-csrf-token": current().csrfToken }),
  });
  return [
    { name: "no key", headers: () => ({}) },
    bearer("read-only key", credentials.readKey),
    { name: "write key (x-api-key)", headers: () => ({ "x-api-key": credentials.writeKey }) },
    bearer("admin key", credentials.adminKey),
    session("admin session", credentials.adminSession),
    session("member session", credentials.memberSession),
    bearer("another tenant's key", credentials.otherTenantKey),
  ];
}

/**
 * Every row of every table that belongs to `tenantId`: rows with its id in any column, then rows that
 * name one of those rows' ids, until nothing new joins (messages of its conversations, versions of its
 * personas, ...). Compared before and after, it shows any change reaching into the tenant.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- walks every table, whatever its type
export async function snapshotTenant(db: Kysely<any>, tenantId: string): Promise<Map<string, string[]>> {
  const tables = (await db.introspection.getTables()).map((table) => table.name).sort();
  const rowsByTable = new Map<string, Record<string, unknown>[]>();
  for (const table of tables) {
    if (table.startsWith("kysely_") || table.includes("_fts")) continue;
    rowsByTable.set(table, (await db.selectFrom(table).selectAll().execute()) as Record<string, unknown>[]);
  }
  const owned = new Set<unknown>([tenantId]);
  const belongs = new Map<string, Set<Record<string, unknown>>>();
  for (let grew = true; grew;) {
    grew = false;
    for (const [table, rows] of rowsByTable) {
      const mine = belongs.get(table) ?? new Set();
      belongs.set(table, mine);
      for (const row of rows) {
        if (mine.has(row)) continue;
        if (Object.values(row).some((value) => owned.has(value))) {
          mine.add(row);
          grew = true;
          if (typeof row.id === "string" || typeof row.id === "number") owned.add(row.id);
        }
      }
    }
  }
  const snapshot = new Map<string, string[]>();
  for (const [table, rows] of belongs) {
    if (rows.size === 0) continue;
    snapshot.set(
      table,
      [...rows]
        .map((row) =>
          JSON.stringify(row, (_, value) => (Buffer.isBuffer(value) ? value.toString("hex") : value)),
        )
        .sort(),
    );
  }
  return snapshot;
}

/** The rows that differ between two snapshots, table by table, for the failure message. */
export function describeSnapshotChanges(
  before: Map<string, string[]>,
  after: Map<string, string[]>,
): string[] {
  const changes: string[] = [];
  for (const table of new Set([...before.keys(), ...after.keys()])) {
    const was = new Set(before.get(table) ?? []);
    const now = new Set(after.get(table) ?? []);
    for (const row of was) if (!now.has(row)) changes.push(`${table}: - ${row.slice(0, 300)}`);
    for (const row of now) if (!was.has(row)) changes.push(`${table}: + ${row.slice(0, 300)}`);
  }
  return changes;
}
