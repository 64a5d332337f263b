/**
 * Memory search latency: `MemoryRetrieval.search` in process (no HTTP), on one persona grown from 1,000
 * to 10,000 to 100,000 memories, k = 10, with varied queries. No embedding model is configured, so no
 * query embedding is computed and no vector is scored: the figures are full-text candidates, salient
 * candidates, ranking, and the persona lookup that every search makes.
 */
import { sql } from "kysely";
import { searchWords } from "../src/store/memory-repository.ts";
import type { Store } from "../src/store/store.ts";
import { DEFAULT_TENANT_ID } from "../src/services/tenant-service.ts";
import { createRandom } from "./conversation-fixtures.ts";
import { summarizeLatencies, type LatencySummary } from "./latency-stats.ts";
import { createLatencyMemoryStream, createSearchQueries } from "./latency-memories.ts";
import {
  BENCH_NOW,
  createBenchPersona,
  openBenchDatabase,
  type BackendName,
  type BenchDatabase,
} from "./memory-bench-database.ts";
import { insertMemoryRows, toMemoryRow } from "./memory-rows.ts";
import { startCpuAccounting } from "./report.ts";

/** What memory-retrieval.ts asks the store for per search (its TEXT_CANDIDATES and SALIENT_CANDIDATES). */
const TEXT_CANDIDATES = 60;
const SALIENT_CANDIDATES = 30;

export interface LatencySettings {
  /** Memory counts to measure at, ascending; the persona grows from one to the next. */
  sizes: number[];
  searches: number;
  warmupSearches: number;
  k: number;
}

export interface LatencyCaseResult {
  backend: BackendName;
  memories: number;
  /** Seconds to insert the memories added since the previous size. */
  insertSeconds: number;
  addedMemories: number;
  /** Wall time of each `memoryRetrieval.search` call. */
  search: LatencySummary;
  searchesPerSecond: number;
  /** The two store reads of a search, timed alone over the same queries. */
  fullText: LatencySummary;
  salient: LatencySummary;
  /** Median share of the persona's memories that contain at least one word of a query. */
  medianMatchedShare: number;
  /** Cores used by other processes while searches ran (on PostgreSQL this includes its server). */
  otherCores: number;
}

export interface Target {
  database: BenchDatabase;
  personaId: string;
  userId: string;
}

/** The persona searched, and how to grow its memory. */
export interface LatencyFixture {
  target: Target;
  /** Adds memories until the persona holds `size`; returns how many were added. */
  growTo(size: number): Promise<number>;
}

/** A persona of tier longest with one user, over a seeded stream of memories; holds none yet. */
export async function createLatencyFixture(database: BenchDatabase): Promise<LatencyFixture> {
  const { services } = database;
  const personaId = await createBenchPersona(services, "longest");
  const user = await services.users.resolve(DEFAULT_TENANT_ID, "bench-user");
  const nextMemories = createLatencyMemoryStream({
    random: createRandom(20261122),
    userId: user.id,
    now: BENCH_NOW,
  });
  let stored = 0;
  return {
    target: { database, personaId, userId: user.id },
    async growTo(size) {
      const rows = nextMemories(size - stored).map((memory) =>
        toMemoryRow({ tenantId: DEFAULT_TENANT_ID, personaId, memory }),
      );
      await insertMemoryRows(services.store, rows);
      await database.refreshStatistics();
      stored = size;
      return rows.length;
    },
  };
}

/** The measured queries follow the warm-up ones; the same seed every run. */
export function createLatencyQueries(
  settings: Pick<LatencySettings, "searches" | "warmupSearches">,
): string[] {
  return createSearchQueries({ count: settings.warmupSearches + settings.searches, random: createRandom(7) });
}

/** Grows one persona through every size on one backend, measuring searches at each. */
export async function runSearchLatencyBenchmark(
  backend: BackendName,
  settings: LatencySettings,
): Promise<LatencyCaseResult[]> {
  const database = await openBenchDatabase(backend);
  try {
    const fixture = await createLatencyFixture(database);
    const queries = createLatencyQueries(settings);
    const results: LatencyCaseResult[] = [];
    for (const size of settings.sizes) {
      const started = performance.now();
      const addedMemories = await fixture.growTo(size);
      const insertSeconds = (performance.now() - started) / 1000;
      console.error(
        `${backend}: ${size.toLocaleString("en-US")} memories (+${addedMemories} in ${insertSeconds.toFixed(1)} s)`,
      );
      const measured = await measureSearches({ target: fixture.target, queries, settings });
      results.push({ backend, memories: size, insertSeconds, addedMemories, ...measured });
    }
    return results;
  } finally {
    await database.close();
  }
}

async function measureSearches(options: {
  target: Target;
  queries: string[];
  settings: LatencySettings;
}): Promise<Omit<LatencyCaseResult, "backend" | "memories" | "insertSeconds" | "addedMemories">> {
  const { target, queries, settings } = options;
  const measuredQueries = queries.slice(settings.warmupSearches);
  // Warm-up: JIT, statement caches, and the database pages the searches read.
  for (const query of queries.slice(0, settings.warmupSearches))
    await searchMemories(target, query, settings.k);
  const stopAccounting = startCpuAccounting([]);
  const searchDurations: number[] = [];
  for (const query of measuredQueries)
    searchDurations.push(await timeCall(() => searchMemories(target, query, settings.k)));
  const { otherCores } = stopAccounting();
  // The two store reads of a search, timed alone afterwards, query by query in turn, so that a burst of
  // other work on the machine skews both alike.
  const fullTextDurations: number[] = [];
  const salientDurations: number[] = [];
  for (const query of measuredQueries) {
    fullTextDurations.push(await timeCall(() => readFullText(target, query, settings.k)));
    salientDurations.push(await timeCall(() => readSalient(target)));
  }
  const totalMs = searchDurations.reduce((total, duration) => total + duration, 0);
  return {
    search: summarizeLatencies(searchDurations),
    searchesPerSecond: (searchDurations.length * 1000) / totalMs,
    fullText: summarizeLatencies(fullTextDurations),
    salient: summarizeLatencies(salientDurations),
    medianMatchedShare: await measureMatchedShare(target, measuredQueries),
    otherCores,
  };
}

export async function timeCall(call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await call();
  return performance.now() - started;
}

export async function searchMemories(target: Target, query: string, k: number): Promise<void> {
  const ranked = await target.database.services.memoryRetrieval.search({
    tenantId: DEFAULT_TENANT_ID,
    personaId: target.personaId,
    query,
    k,
    userId: target.userId,
  });
  // There are always more than k salient candidates, so a short answer means something broke.
  if (ranked.length !== k)
    throw new Error(`search for ${JSON.stringify(query)} returned ${ranked.length} memories`);
}

export function readFullText(target: Target, query: string, k: number) {
  return target.database.services.store.memories.searchText(target.personaId, {
    userId: target.userId,
    query,
    limit: Math.max(TEXT_CANDIDATES, k * 3),
  });
}

export function readSalient(target: Target) {
  return target.database.services.store.memories.listSalient(target.personaId, {
    userId: target.userId,
    limit: SALIENT_CANDIDATES,
  });
}

/** How broad the queries are: the median share of memories holding any of a query's words. */
async function measureMatchedShare(target: Target, queries: string[]): Promise<number> {
  const { store } = target.database.services;
  const total = await store.memories.countAll(target.personaId);
  const shares: number[] = [];
  for (const query of queries) {
    shares.push(
      (await countMatches({ store, backend: target.database.backend, personaId: target.personaId, query })) /
        total,
    );
  }
  shares.sort((left, right) => left - right);
  return shares[Math.floor(shares.length / 2)] ?? 0;
}

/** Memories matching any word of the query, counted the way each backend's search matches. */
async function countMatches(options: {
  store: Store;
  backend: BackendName;
  personaId: string;
  query: string;
}): Promise<number> {
  const { store, backend, personaId } = options;
  const words = searchWords(options.query);
  if (words.length === 0) return 0;
  const result =
    backend === "sqlite"
      ? await sql<{ count: number }>`select count(*) as count
          from memories_fts join memories m on m.rowid = memories_fts.rowid
          where memories_fts match ${words.map((word) => `"${word}"`).join(" OR ")} and m.persona_id = ${personaId}`.execute(
          store.db,
        )
      : await sql<{ count: number }>`select count(*) as count from memories m
          where m.search_vector @@ to_tsquery('english', ${words.join(" | ")}) and m.persona_id = ${personaId}`.execute(
          store.db,
        );
  return Number(result.rows[0]?.count ?? 0);
}
