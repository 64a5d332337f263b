/**
 * The database and services the memory benchmarks run on: a fresh SQLite file in a temp directory, or a
 * PostgreSQL schema of its own (dropped afterwards), with the real services built in process the way
 * test/test-app.ts builds them, and no job worker (searches enqueue nothing).
 */
import { randomBytes } from "node:crypto";
import { SecretBox } from "../src/lib/secret-box.ts";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { DatabaseJobQueue } from "../src/jobs/database-job-queue.ts";
import type { Clock } from "../src/lib/clock.ts";
import { randomToken } from "../src/lib/ids.ts";
import { ModelRegistry } from "../src/models/model-registry.ts";
import { createOfflineProvider } from "../src/models/offline-model.ts";
import type { PersonaDefinition } from "../src/domain/persona-definition.ts";
import { tenantEditor } from "../src/services/persona-editor.ts";
import { createServices, type Services } from "../src/composition/create-services.ts";
import { DEFAULT_TENANT_ID } from "../src/services/tenant-service.ts";
import { openDatabase, type DatabaseHandle } from "../src/store/database.ts";
import { Store } from "../src/store/store.ts";

export type BackendName = "sqlite" | "postgres";

/** The time every benchmark search runs at, so recency scores are the same on every run. */
export const BENCH_NOW = new Date("2026-11-22T12:00:00.000Z");

/** A clock stopped at BENCH_NOW. */
export const fixedClock: Clock = { now: () => new Date(BENCH_NOW) };

export interface BenchDatabase {
  backend: BackendName;
  services: Services;
  /**
   * After a bulk load, what autovacuum would do on a production PostgreSQL server after this many inserts
   * (it is off on the test server here): refresh the planner's statistics and mark the new pages
   * all-visible, so searches neither plan blind nor pay for first-read visibility checks. SQLite keeps no
   * statistics unless asked, and Dramatis never asks, so it gets nothing.
   */
  refreshStatistics(): Promise<void>;
  close(): Promise<void>;
}

/** The backends to run: SQLite always, PostgreSQL when DATABASE_URL names one. */
export function listBackends(): BackendName[] {
  const url = process.env.DATABASE_URL;
  return url !== undefined && /^postgres(ql)?:\/\//.test(url) ? ["sqlite", "postgres"] : ["sqlite"];
}

/** Opens a fresh, migrated database of the given kind with the services over it and presets installed. */
export async function openBenchDatabase(backend: BackendName): Promise<BenchDatabase> {
  const { handle, cleanUp } = backend === "sqlite" ? await openSqlite() : await openPostgres();
  const jobs = new DatabaseJobQueue({ db: handle.db, clock: fixedClock });
  const services = createServices(new Store(handle.db), fixedClock, {
    // Retrieval never calls a model; the registry exists because the services need one.
    models: new ModelRegistry([createOfflineProvider()], "offline/default"),
    jobs,
    secrets: new SecretBox(randomBytes(32)),
  });
  await services.personas.installPresets();
  await services.tenants.ensureDefaultTenant(undefined);
  return {
    backend,
    services,
    async refreshStatistics() {
      if (backend === "postgres") await sql`vacuum analyze memories`.execute(handle.db);
    },
    async close() {
      await jobs.close();
      await cleanUp();
    },
  };
}

async function openSqlite(): Promise<{ handle: DatabaseHandle; cleanUp: () => Promise<void> }> {
  const directory = await mkdtemp(path.join(os.tmpdir(), "dramatis-memory-bench-"));
  const handle = await openDatabase({
    database: { kind: "sqlite", file: path.join(directory, "dramatis.sqlite") },
  });
  return {
    handle,
    async cleanUp() {
      await handle.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

async function openPostgres(): Promise<{ handle: DatabaseHandle; cleanUp: () => Promise<void> }> {
  const url = process.env.DATABASE_URL as string;
  // A schema per run, so the benchmark never touches anything else in the database.
  const schema = `bench_memory_${randomToken(10)}`;
  // Two cores here: a small pool, as a production server on this machine would have.
  const handle = await openDatabase({
    database: { kind: "postgres", url },
    postgresSchema: schema,
    poolSize: 4,
  });
  return {
    handle,
    async cleanUp() {
      await sql.raw(`drop schema if exists ${schema} cascade`).execute(handle.db);
      await handle.close();
    },
  };
}

/** A persona of the default tenant with the given memory tier and default retrieval weights. */
export async function createBenchPersona(
  services: Services,
  tier: PersonaDefinition["memory"]["tier"],
): Promise<string> {
  const owner = await services.users.resolve(DEFAULT_TENANT_ID, "bench-owner");
  const persona = await services.personas.create(
    { tenantId: DEFAULT_TENANT_ID, userId: owner.id },
    {
      name: "Mira",
      identity: {
        age: 34,
        occupation: "lighthouse keeper",
        location: "a windy island off the coast of Maine",
        summary: "Mira keeps the light, reads everything she can find and loves a long conversation.",
      },
      memory: { tier, scope: "account" },
    },
  );
  await services.personas.publish(tenantEditor(DEFAULT_TENANT_ID), persona.id);
  return persona.id;
}
