/**
 * Where a memory search's time goes: `node --import tsx bench/memory-search-experiment.ts` (with
 * DATABASE_URL for PostgreSQL too).
 *
 * A diagnostic, not a recorded benchmark. On the search-latency benchmark's persona at one size (10,000 by
 * default, BENCH_EXPERIMENT_SIZE), it times, query by query over the same 300 queries:
 *
 * - `memoryRetrieval.search()` and its two store reads (`searchText`, `listSalient`), as configured;
 * - on PostgreSQL, the two statements of `searchText` apart: the document-frequency query (how many of the
 *   persona's memories hold each query word), and the ranking query given those frequencies, which is
 *   what would remain if the frequencies were kept per persona instead of counted per search.
 *
 * The two statements are copied from `MemoryRepository.searchTextPostgres` (src/store/memory-repository.ts);
 * if that changes, change them here. Nothing in src/ changes.
 */
import { sql } from "kysely";
import { searchWords } from "../src/store/memory-repository.ts";
import { readPositiveInteger } from "./bench-settings.ts";
import { formatNumber, summarizeLatencies, type LatencySummary } from "./latency-stats.ts";
import { listBackends, openBenchDatabase, type BackendName } from "./memory-bench-database.ts";
import {
  createLatencyFixture,
  createLatencyQueries,
  readFullText,
  readSalient,
  searchMemories,
  timeCall,
  type Target,
} from "./search-latency-bench.ts";

const K = 10;
/** As memory-retrieval.ts asks: max(TEXT_CANDIDATES, k * 3). */
const TEXT_CANDIDATES = 60;

interface Variant {
  label: string;
  run: (query: string) => Promise<unknown>;
}

/** Times each variant over every query, in turn per query, and returns one summary per variant. */
async function timeVariants(variants: Variant[], queries: string[]): Promise<Map<string, LatencySummary>> {
  const durations = new Map(variants.map((variant) => [variant.label, [] as number[]]));
  for (const query of queries) {
    for (const variant of variants)
      durations.get(variant.label)?.push(await timeCall(() => variant.run(query)));
  }
  return new Map([...durations].map(([label, samples]) => [label, summarizeLatencies(samples)]));
}

function visibilitySql(target: Target) {
  return sql`m.persona_id = ${target.personaId} and (m.owner = 'timeline' or (m.owner = 'relationship' and m.user_id = ${target.userId}))`;
}

/**
 * The first statement of `searchTextPostgres`: how many of the persona's memories hold each word (one
 * GIN-index count per word), and how many it has in all.
 */
async function countDocumentFrequencies(target: Target, words: string[]): Promise<number[]> {
  const { personaId } = target;
  const result = await sql<Record<string, number>>`
    select (select count(*) from memories where persona_id = ${personaId}) as total, ${sql.join(
      words.map(
        (word, index) =>
          sql`(select count(*) from memories where persona_id = ${personaId} and search_vector @@ plainto_tsquery('english', ${word})) as ${sql.ref(`df_${index}`)}`,
      ),
    )}`.execute(target.database.services.store.db);
  const counts = result.rows[0] ?? {};
  const total = Number(counts.total ?? 0);
  return words.map((_, index) => {
    const frequency = Number(counts[`df_${index}`] ?? 0);
    return Math.log((total - frequency + 0.5) / (frequency + 0.5) + 1);
  });
}

/** The second statement of `searchTextPostgres`: the candidates ranked by the words' IDF. */
function rankByKnownFrequencies(target: Target, words: string[], idf: number[]) {
  const score = sql.join(
    words.map(
      (word, index) =>
        sql`(case when m.search_vector @@ plainto_tsquery('english', ${word}) then ${idf[index]}::float8 else 0 end)`,
    ),
    sql` + `,
  );
  return sql`select m.*, ${score} as text_score from memories m
    where m.search_vector @@ to_tsquery('english', ${words.join(" | ")}) and ${visibilitySql(target)}
    order by text_score desc, m.id limit ${TEXT_CANDIDATES}`.execute(target.database.services.store.db);
}

/** The PostgreSQL-only variants; the frequencies for the second are counted beforehand, untimed. */
async function createPostgresVariants(target: Target, queries: string[]): Promise<Variant[]> {
  const known = new Map<string, number[]>();
  for (const query of queries) {
    const words = searchWords(query);
    if (words.length > 0) known.set(query, await countDocumentFrequencies(target, words));
  }
  const nonEmpty = (query: string) => searchWords(query).length > 0;
  return [
    {
      label: "searchText, statement 1: document frequencies",
      run: async (query) => nonEmpty(query) && countDocumentFrequencies(target, searchWords(query)),
    },
    {
      label: "searchText, statement 2: ranking, frequencies known",
      run: async (query) =>
        nonEmpty(query) && rankByKnownFrequencies(target, searchWords(query), known.get(query) ?? []),
    },
  ];
}

async function measureBackend(backend: BackendName, size: number): Promise<Map<string, LatencySummary>> {
  const database = await openBenchDatabase(backend);
  try {
    const fixture = await createLatencyFixture(database);
    await fixture.growTo(size);
    const { target } = fixture;
    const queries = createLatencyQueries({ searches: 300, warmupSearches: 50 });
    for (const query of queries.slice(0, 50)) await searchMemories(target, query, K);
    const measured = queries.slice(50);
    return await timeVariants(
      [
        { label: "search(), as configured", run: (query) => searchMemories(target, query, K) },
        { label: "searchText (full-text read)", run: (query) => readFullText(target, query, K) },
        { label: "listSalient (salient read)", run: () => readSalient(target) },
        ...(backend === "postgres" ? await createPostgresVariants(target, measured) : []),
      ],
      measured,
    );
  } finally {
    await database.close();
  }
}

async function main(): Promise<void> {
  const size = readPositiveInteger("BENCH_EXPERIMENT_SIZE", 10_000);
  for (const backend of listBackends()) {
    const timings = await measureBackend(backend, size);
    console.log(`\n${backend}, ${formatNumber(size, 0)} memories, 300 queries\n`);
    console.log("| variant | p50 ms | p95 ms |\n|---|---:|---:|");
    for (const [label, summary] of timings) {
      console.log(`| ${label} | ${formatNumber(summary.p50, 2)} | ${formatNumber(summary.p95, 2)} |`);
    }
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
