/**
 * Chat benchmark: `node --import tsx bench/chat-bench.ts`.
 *
 * 1. Chat turn time excluding model time (turn-time-bench.ts): `ConversationService.send` in process on
 *    SQLite with an instant model, for conversations of 10, 1,000 and 10,000 messages.
 * 2. Added latency of `POST /v1/chat/completions` over the upstream called directly
 *    (completion-overhead-bench.ts): upstream and Dramatis each in their own process.
 *
 * Prints the tables and records them in bench/results/chat-latest.md. Any failed or non-2xx request stops
 * the run without recording anything.
 *
 * Environment: BENCH_TURNS (300), BENCH_TURN_WARMUP (50), BENCH_SEQUENTIAL_REQUESTS (1000),
 * BENCH_SEQUENTIAL_WARMUP (200), BENCH_CHAT_CONNECTIONS (20), BENCH_DURATION (10), BENCH_WARMUP (2),
 * BENCH_ONLY (turns | completions), BENCH_CPU_PROFILE (a .cpuprofile file to record the Dramatis server's
 * CPU during the completions measurement; summarize it with bench/summarize-cpu-profile.ts).
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readPositiveInteger } from "./bench-settings.ts";
import { formatChatResultsDocument, formatCompletionTables, formatTurnTable } from "./chat-report.ts";
import { runCompletionOverheadBenchmark, type CompletionResults } from "./completion-overhead-bench.ts";
import { describeMachine } from "./report.ts";
import { runTurnTimeBenchmark, type TurnCaseResult, type TurnSettings } from "./turn-time-bench.ts";

const RESULTS_FILE = fileURLToPath(new URL("./results/chat-latest.md", import.meta.url));

function readTurnSettings(): TurnSettings {
  return {
    cases: [
      { tier: "basic", length: 10 },
      { tier: "basic", length: 1_000 },
      { tier: "basic", length: 10_000 },
      { tier: "longest", length: 1_000 },
      { tier: "longest", length: 10_000 },
    ],
    turns: readPositiveInteger("BENCH_TURNS", 300),
    warmupTurns: readPositiveInteger("BENCH_TURN_WARMUP", 50),
    messagesPerCase: 30_000,
  };
}

function readOnly(): "turns" | "completions" | undefined {
  const only = process.env.BENCH_ONLY;
  if (only === undefined || only === "") return undefined;
  if (only === "turns" || only === "completions") return only;
  throw new Error(`BENCH_ONLY=${JSON.stringify(only)}: expected turns or completions`);
}

async function main(): Promise<void> {
  const only = readOnly();
  const turnSettings = readTurnSettings();
  const machine = await describeMachine();
  let turns: TurnCaseResult[] | undefined;
  let completions: CompletionResults | undefined;

  if (only !== "completions") {
    turns = await runTurnTimeBenchmark(turnSettings);
    console.log(formatTurnTable(turns));
    console.log();
  }
  if (only !== "turns") {
    const temporaryDirectory = await mkdtemp(path.join(os.tmpdir(), "dramatis-chat-bench-"));
    const cpuProfile = process.env.BENCH_CPU_PROFILE;
    try {
      completions = await runCompletionOverheadBenchmark({
        sequentialRequests: readPositiveInteger("BENCH_SEQUENTIAL_REQUESTS", 1000),
        sequentialWarmup: readPositiveInteger("BENCH_SEQUENTIAL_WARMUP", 200),
        load: {
          connections: readPositiveInteger("BENCH_CHAT_CONNECTIONS", 20),
          durationSeconds: readPositiveInteger("BENCH_DURATION", 10),
          warmupSeconds: readPositiveInteger("BENCH_WARMUP", 2),
        },
        temporaryDirectory,
        // A random key per run: nothing outlives the run.
        adminKey: `bench_${randomBytes(24).toString("hex")}`,
        cpuProfileFile: cpuProfile ? path.resolve(cpuProfile) : undefined,
      });
    } finally {
      await rm(temporaryDirectory, { recursive: true, force: true });
    }
    console.log(formatCompletionTables(completions));
    if (cpuProfile) console.error(`CPU profile of the Dramatis server written to ${cpuProfile}`);
  }

  const document = formatChatResultsDocument({ machine, date: new Date(), turnSettings, turns, completions });
  await mkdir(path.dirname(RESULTS_FILE), { recursive: true });
  await writeFile(RESULTS_FILE, document);
  console.error(`recorded in ${path.relative(process.cwd(), RESULTS_FILE)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
