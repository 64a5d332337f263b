/**
 * Memory benchmark: `npm run bench:memory` (`node --import tsx bench/memory-bench.ts`).
 *
 * 1. Search latency (search-latency-bench.ts): `MemoryRetrieval.search` in process on one persona grown to
 *    1,000, 10,000 and 100,000 memories, with varied queries; p50/p95/p99 and searches per second.
 * 2. Retrieval quality (recall-bench.ts): recall@5 and recall@10 of the evidence for 200 questions over
 *    a seeded synthetic conversational dataset (recall-dataset.ts), per question category.
 *
 * Both run on SQLite, and on PostgreSQL too when DATABASE_URL names one (in a schema of their own, dropped
 * afterwards). Prints the tables and records them in bench/results/memory-latest.md.
 *
 * Environment: BENCH_SEARCHES (300), BENCH_SEARCH_WARMUP (50), BENCH_MEMORY_SIZES (1000,10000,100000),
 * BENCH_ONLY (latency | recall), DATABASE_URL.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readPositiveInteger } from "./bench-settings.ts";
import { listBackends } from "./memory-bench-database.ts";
import {
  formatExampleMisses,
  formatLatencyTable,
  formatMemoryResultsDocument,
  formatRecallTable,
} from "./memory-report.ts";
import { runRecallBenchmark, type RecallResult } from "./recall-bench.ts";
import { createRecallDataset } from "./recall-dataset.ts";
import { describeMachine } from "./report.ts";
import {
  runSearchLatencyBenchmark,
  type LatencyCaseResult,
  type LatencySettings,
} from "./search-latency-bench.ts";

const RESULTS_FILE = fileURLToPath(new URL("./results/memory-latest.md", import.meta.url));

function readSizes(): number[] {
  const raw = process.env.BENCH_MEMORY_SIZES;
  if (raw === undefined || raw === "") return [1_000, 10_000, 100_000];
  const sizes = raw.split(",").map((part) => Number(part.trim()));
  const ascending = sizes.every((size, index) => index === 0 || size > (sizes[index - 1] as number));
  if (!sizes.every((size) => Number.isInteger(size) && size > 0) || !ascending)
    throw new Error(
      `BENCH_MEMORY_SIZES=${JSON.stringify(raw)}: expected ascending positive integers, e.g. 1000,10000`,
    );
  return sizes;
}

function readOnly(): "latency" | "recall" | undefined {
  const only = process.env.BENCH_ONLY;
  if (only === undefined || only === "") return undefined;
  if (only === "latency" || only === "recall") return only;
  throw new Error(`BENCH_ONLY=${JSON.stringify(only)}: expected latency or recall`);
}

async function main(): Promise<void> {
  const only = readOnly();
  const latencySettings: LatencySettings = {
    sizes: readSizes(),
    searches: readPositiveInteger("BENCH_SEARCHES", 300),
    warmupSearches: readPositiveInteger("BENCH_SEARCH_WARMUP", 50),
    k: 10,
  };
  const backends = listBackends();
  if (!backends.includes("postgres"))
    console.error("PostgreSQL skipped: set DATABASE_URL=postgres://... to run it");
  const machine = await describeMachine();
  let latency: LatencyCaseResult[] | undefined;
  let recall: RecallResult[] | undefined;

  if (only !== "recall") {
    latency = [];
    for (const backend of backends)
      latency.push(...(await runSearchLatencyBenchmark(backend, latencySettings)));
    console.log(formatLatencyTable(latency));
    console.log();
  }
  if (only !== "latency") {
    recall = [];
    for (const backend of backends) {
      const result = await runRecallBenchmark(backend);
      recall.push(result);
      console.log(
        `retrieval quality, ${backend}\n\n${formatRecallTable(result)}\n\n${formatExampleMisses(result)}\n`,
      );
    }
  }

  const document = formatMemoryResultsDocument({
    machine,
    date: new Date(),
    latencySettings,
    latency,
    recall,
    dataset: createRecallDataset(),
  });
  await mkdir(path.dirname(RESULTS_FILE), { recursive: true });
  await writeFile(RESULTS_FILE, document);
  console.error(`recorded in ${path.relative(process.cwd(), RESULTS_FILE)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
