import fc from "fast-check";
import pino from "pino";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isOpenAIPath } from "../../src/http/openai/openai-errors.ts";
import { BACKENDS, type Backend } from "../backends.ts";
import { ADMIN_KEY, createTestApp, type TestApp } from "../test-app.ts";
import {
  describeRequest,
  listOperations,
  requestArbitrary,
  type FuzzRequest,
  type OpenApiDocument,
  type Operation,
} from "./openapi-arbitraries.ts";
import {
  FuzzPools,
  createRoles,
  describeSnapshotChanges,
  foreignIds,
  seedTenant,
  signIn,
  snapshotTenant,
  type SessionCredentials,
} from "./fuzz-tenants.ts";

/**
 * Fuzzes every operation of /openapi.json as every role, in process: FUZZ_REQUESTS requests (default
 * 20,000) per backend, drawn by fast-check from the document's schemas and mixed with hostile shapes.
 * Asserts no 5xx, every error a problem document (OpenAI's error shape on the OpenAI-compatible routes),
 * and no row of a victim tenant changed.
 *
 * Reproduce a failure with the seed it prints: FUZZ_SEED=<seed> FUZZ_REQUESTS=<n> npx vitest run
 * test/fuzz/openapi-fuzz.test.ts. FUZZ_COLLECT=1 keeps going past failures and prints one line per
 * distinct one (for a survey rather than a gate). FUZZ_BACKENDS=sqlite limits the backends.
 */

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 20_000);
const SEED =
  process.env.FUZZ_SEED === undefined
    ? Date.now() ^ (Math.random() * 2 ** 31)
    : Number(process.env.FUZZ_SEED);
const COLLECT = process.env.FUZZ_COLLECT === "1";
const ONLY_BACKEND = process.env.FUZZ_BACKENDS;

/** Unhandled errors the app logged, so a 500 reports its cause and stack rather than an opaque body. */
class ErrorLog extends Writable {
  private last: string | undefined;
  /** The last unhandled error logged since the previous call. */
  take(): string | undefined {
    const last = this.last;
    this.last = undefined;
    return last;
  }
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    const line = chunk.toString();
    if (line.includes('"level":50')) this.last = line;
    callback();
  }
}

/** The one place the fuzz suite builds its app (limiter settings and the like join here). */
function createFuzzApp(backend: Backend, errors: ErrorLog): Promise<TestApp> {
  return createTestApp({
    backend,
    workerConcurrency: 1,
    // The seeded provider points at a closed loopback port, allow-listed as an operator would a local server.
    outboundAllow: "127.0.0.1:9",
    logger: pino({ level: "error" }, errors),
  });
}

interface Outcome {
  status: number;
  contentType: string;
  text: string;
}

async function send(app: TestApp, request: FuzzRequest): Promise<Outcome> {
  const response = (await app.request(request.url, {
    key: null,
    method: request.method,
    headers: request.headers,
    body: request.body as RequestInit["body"],
  })) as unknown as Response;
  const contentType = response.headers.get("content-type") ?? "";
  // Event streams stay open (the inbox never ends): their status and headers are the answer.
  if (contentType.startsWith("text/event-stream")) {
    await response.body?.cancel();
    return { status: response.status, contentType, text: "" };
  }
  return { status: response.status, contentType, text: await response.text() };
}

/** Why the answer breaks the contract, or undefined when it keeps it. */
function contractBreach(request: FuzzRequest, outcome: Outcome): string | undefined {
  if (outcome.status >= 500) return `answered ${outcome.status}`;
  if (outcome.status < 400) return undefined;
  let body: any;
  try {
    body = JSON.parse(outcome.text);
  } catch {
    return `a ${outcome.status} whose body is not JSON (${outcome.contentType}): ${outcome.text.slice(0, 200)}`;
  }
  // The route the server saw: the URL parser resolves dot segments, `%2e%2e` included
  // (/v1/providers/%2e%2e/models is /v1/models, an OpenAI route).
  const path = new URL(request.url, "http://fuzz.invalid").pathname;
  if (isOpenAIPath(path)) {
    const error = body?.error;
    const ok =
      outcome.contentType.startsWith("application/json") &&
      typeof error?.message === "string" &&
      typeof error?.type === "string" &&
      "code" in error;
    return ok ? undefined : `a ${outcome.status} not in OpenAI's error shape: ${outcome.text.slice(0, 300)}`;
  }
  const ok =
    outcome.contentType.startsWith("application/problem+json") &&
    typeof body?.type === "string" &&
    typeof body?.title === "string" &&
    body?.status === outcome.status &&
    typeof body?.detail === "string";
  return ok
    ? undefined
    : `a ${outcome.status} that is not a problem document (${outcome.contentType}): ${outcome.text.slice(0, 300)}`;
}

/**
 * Operations that run scrypt (about 50 ms of CPU each, by design) are drawn a quarter as often as the
 * rest, so the run spends its time on many routes rather than on hashing.
 */
function hashesPasswords(document: OpenApiDocument, operation: Operation): boolean {
  const schemas = Object.values(operation.bodies).map((schema) =>
    typeof schema.$ref === "string" ? document.components?.schemas?.[schema.$ref.split("/").pop()!] : schema,
  );
  return JSON.stringify(schemas).includes('password"');
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

const OTHER_TENANT_ROLE = "another tenant's key";

const backends = BACKENDS.filter(
  (backend) => !ONLY_BACKEND || ONLY_BACKEND.split(",").includes(backend.name),
);

describe.each(backends)("OpenAPI fuzz on $name", (backend) => {
  const errors = new ErrorLog();
  let app: TestApp;
  let operations: Operation[];
  let document: OpenApiDocument;
  let victimTenant: string;
  let pools: FuzzPools;
  let arbitrary: fc.Arbitrary<FuzzRequest>;
  let sessions: { admin: SessionCredentials; member: SessionCredentials };
  const passwords = { admin: "an admin's long password", member: "a member's long password" };

  beforeAll(async () => {
    app = await createFuzzApp(backend, errors);
    document = await (await app.request("/openapi.json", { key: null })).json();
    operations = listOperations(document);
    const keyOf = async (init: Parameters<TestApp["request"]>[1]) =>
      (await (await app.request("/v1/keys", { method: "POST", ...init })).json()).key as string;
    const readKey = await keyOf({ json: { name: "fuzz read", scopes: ["read"] } });
    const writeKey = await keyOf({ json: { name: "fuzz write", scopes: ["read", "write"] } });
    for (const role of ["admin", "member"] as const) {
      const created = await app.request("/v1/accounts", {
        method: "POST",
        json: { email: `${role}@fuzz.example`, password: passwords[role], name: role, role },
      });
      expect(created.status).toBe(201);
    }
    sessions = {
      admin: await signIn(app, "admin@fuzz.example", passwords.admin),
      member: await signIn(app, "member@fuzz.example", passwords.member),
    };
    const tenantKey = async (name: string) => {
      const created = await (await app.request("/v1/tenants", { method: "POST", json: { name } })).json();
      return { id: created.tenant?.id ?? created.id, key: created.admin_key as string };
    };
    const victim = await tenantKey("Victim");
    victimTenant = victim.id;
    const other = await tenantKey("Other");
    const own = await seedTenant(app, ADMIN_KEY, "own");
    const victimIds = await seedTenant(app, victim.key, "victim");
    pools = new FuzzPools(own, victimIds);
    const roles = createRoles({
      readKey,
      writeKey,
      adminKey: ADMIN_KEY,
      otherTenantKey: other.key,
      adminSession: () => sessions.admin,
      memberSession: () => sessions.member,
    });
    arbitrary = requestArbitrary({
      document,
      operations,
      roles,
      pools,
      foreignIds: foreignIds(victimIds),
      // Deletions are drawn half as often, so the seeded rows last through most of the run.
      weightOf: (operation) =>
        hashesPasswords(document, operation) ? 1 : operation.method === "DELETE" ? 2 : 4,
    });
  }, 120_000);
  afterAll(async () => app?.close());

  it("covers every operation of the document", () => {
    expect(operations.length).toBeGreaterThan(100);
    expect(victimTenant).toMatch(/^ten_/);
  });

  it(
    `answers ${REQUESTS} generated requests with no 5xx, only problem documents, and no foreign row changed`,
    async () => {
      const victimBefore = await snapshotTenant(app.database.db, victimTenant);
      const failures = new Map<string, { count: number; example: string }>();
      let sent = 0;
      const stats: Record<string, { count: number; ms: number; statuses: Record<number, number> }> = {};
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      console.info(
        `fuzz on ${backend.name}: ${REQUESTS} requests, seed ${SEED} (FUZZ_SEED=${SEED} to replay)`,
      );

      const property = fc.asyncProperty(arbitrary, async (request) => {
        errors.take();
        sent++;
        const began = performance.now();
        const outcome = await send(app, request);
        const took = performance.now() - began;
        const stat = (stats[`${request.operation}`] ??= { count: 0, ms: 0, statuses: {} });
        stat.count++;
        stat.ms += took;
        stat.statuses[outcome.status] = (stat.statuses[outcome.status] ?? 0) + 1;
        const ownTenant = request.role !== OTHER_TENANT_ROLE;
        if (ownTenant && request.method === "DELETE" && outcome.status < 300) {
          for (const segment of request.url.split("?")[0]!.split("/")) pools.forget(decodeSegment(segment));
        }
        if (ownTenant && outcome.status < 300 && outcome.contentType.includes("json")) {
          try {
            pools.learn(JSON.parse(outcome.text)?.id);
          } catch {
            // not JSON after all: nothing to learn
          }
        }
        if (process.env.FUZZ_TRACE && request.operation === process.env.FUZZ_TRACE) {
          console.info(
            `${request.role} ${request.method} ${request.url.slice(0, 120)} [${request.shape}] -> ${outcome.status} ${outcome.text.slice(0, 600)}`,
          );
        }
        await renewSessions(request, outcome);
        const breach = contractBreach(request, outcome);
        if (breach === undefined) return;
        const logged = errors.take();
        const cause = logged ? `\n  logged: ${logged.slice(0, 1500)}` : "";
        const report = `${breach}\n${describeRequest(request)}${cause}`;
        if (!COLLECT) throw new Error(report);
        const key = `${request.operation} ${outcome.status} ${(logged ?? breach).replace(/"time":\d+,|"reqId":"[^"]*",|"pid":\d+,|"request_id":"[^"]*",/g, "").slice(0, 160)}`;
        const seen = failures.get(key);
        if (seen) seen.count++;
        else failures.set(key, { count: 1, example: report });
      });
      await fc.assert(property, { numRuns: REQUESTS, seed: SEED, endOnFailure: COLLECT });

      const seconds = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      console.info(
        `fuzz on ${backend.name}: ${sent} requests (shrinking included) in ${seconds.toFixed(1)} s, ` +
          `${Math.round(sent / seconds)}/s, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s of CPU`,
      );
      if (process.env.FUZZ_STATS === "1") {
        for (const [operation, stat] of Object.entries(stats).sort((a, b) => b[1].ms - a[1].ms)) {
          console.info(
            `${operation}: ${stat.count} in ${Math.round(stat.ms)} ms ${JSON.stringify(stat.statuses)}`,
          );
        }
      }
      if (failures.size > 0) {
        const lines = [...failures.values()].map(({ count, example }) => `x${count} ${example}`);
        throw new Error(`${failures.size} distinct contract breaches:\n\n${lines.join("\n\n")}`);
      }
      const changes = describeSnapshotChanges(
        victimBefore,
        await snapshotTenant(app.database.db, victimTenant),
      );
      expect(changes, "rows of the victim tenant changed").toEqual([]);
    },
    // Generous for a busy machine; the figure it prints is what bench/README.md records.
    20 * 60_000,
  );

  /** Signing out or changing a password ends a session the fuzz keeps using: sign in again. */
  async function renewSessions(request: FuzzRequest, outcome: Outcome): Promise<void> {
    if (outcome.status >= 300 || !request.role.endsWith("session")) return;
    if (!/\/v1\/auth\/(logout|password)$/.test(request.url.split("?")[0]!)) return;
    const role = request.role === "admin session" ? "admin" : "member";
    sessions[role] = await signIn(app, `${role}@fuzz.example`, passwords[role]);
  }
});
