/**
 * HTTP benchmark: `npm run bench`.
 *
 * Measures a raw node:http hello world (the ceiling on this machine), an authenticated persona read and a
 * persona create on SQLite. Each scenario gets a fresh server process; this process only generates load.
 * Prints a markdown table and records it in bench/results/latest.md. Fails when any request errors or
 * answers non-2xx, because such figures measure the error path rather than the endpoint.
 *
 * BENCH_DURATION (seconds, default 10), BENCH_CONNECTIONS (default 50) and BENCH_WARMUP (seconds,
 * default 2) override the load.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readPositiveInteger } from "./bench-settings.ts";
import { checkRequest, measureLoad, type BenchRequest, type LoadSettings } from "./load-test.ts";
import { describeMachine, formatResultsDocument, formatResultsTable, type ScenarioResult } from "./report.ts";
import { startServerProcess, type ServerKind } from "./server-process.ts";
import type { ServerReady } from "./server-ready.ts";

const RESULTS_FILE = fileURLToPath(new URL("./results/latest.md", import.meta.url));

interface Scenario {
  name: string;
  /** Names the scenario's data directory. */
  slug: string;
  server: "raw" | "dramatis";
  buildRequest(ready: ServerReady, adminKey: string): BenchRequest;
}

const scenarios: Scenario[] = [
  {
    name: "raw node:http hello world (ceiling)",
    slug: "raw",
    server: "raw",
    buildRequest: (ready) => ({ url: ready.url, method: "GET" }),
  },
  {
    name: "GET /v1/personas/{id} (admin key, SQLite)",
    slug: "persona-read",
    server: "dramatis",
    buildRequest: (ready, adminKey) => ({
      url: `${ready.url}/v1/personas/${requirePersonaId(ready)}`,
      method: "GET",
      headers: { authorization: `Bearer ${adminKey}` },
    }),
  },
  {
    name: "POST /v1/personas (admin key, SQLite)",
    slug: "persona-create",
    server: "dramatis",
    buildRequest: (ready, adminKey) => ({
      url: `${ready.url}/v1/personas`,
      method: "POST",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Bench persona" }),
    }),
  },
];

function requirePersonaId(ready: ServerReady): string {
  if (!ready.personaId) throw new Error("the Dramatis bench server did not report a persona id");
  return ready.personaId;
}

function readLoadSettings(): LoadSettings {
  return {
    durationSeconds: readPositiveInteger("BENCH_DURATION", 10),
    connections: readPositiveInteger("BENCH_CONNECTIONS", 50),
    warmupSeconds: readPositiveInteger("BENCH_WARMUP", 2),
  };
}

async function runScenario(options: {
  scenario: Scenario;
  settings: LoadSettings;
  temporaryDirectory: string;
  adminKey: string;
}): Promise<ScenarioResult> {
  const { scenario, settings, temporaryDirectory, adminKey } = options;
  const serverKind: ServerKind =
    scenario.server === "raw"
      ? { kind: "raw" }
      : { kind: "dramatis", dataDirectory: path.join(temporaryDirectory, scenario.slug), adminKey };
  const server = await startServerProcess(serverKind);
  try {
    const request = scenario.buildRequest(server.ready, adminKey);
    await checkRequest(request);
    console.error(`measuring ${scenario.name} ...`);
    return { name: scenario.name, result: await measureLoad(request, settings) };
  } finally {
    await server.stop();
  }
}

/** Names every scenario that saw an error or a non-2xx answer, with its status codes. */
function describeFailures(results: ScenarioResult[]): string[] {
  return results
    .filter(({ result }) => result.errors + result.non2xx + result.warmupFailures > 0)
    .map(
      ({ name, result }) =>
        `${name}: ${result.errors} errors, ${result.non2xx} non-2xx, ${result.warmupFailures} failures in ` +
        `warm-up; status codes ${JSON.stringify(result.statusCodes)}`,
    );
}

async function main(): Promise<void> {
  const settings = readLoadSettings();
  // Read before any load of our own, so it shows only what else was running.
  const machine = await describeMachine();
  // A random key per run: nothing outlives the run, and the key must be 24+ printable characters.
  const adminKey = `bench_${randomBytes(24).toString("hex")}`;
  const temporaryDirectory = await mkdtemp(path.join(os.tmpdir(), "dramatis-bench-"));
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of scenarios) {
      results.push(await runScenario({ scenario, settings, temporaryDirectory, adminKey }));
    }
  } finally {
    await rm(temporaryDirectory, { recursive: true, force: true });
  }

  console.log(formatResultsTable(results));
  const failures = describeFailures(results);
  if (failures.length > 0) {
    throw new Error(`Benchmark invalid, results not recorded:\n  ${failures.join("\n  ")}`);
  }
  const document = formatResultsDocument({
    scenarios: results,
    machine,
    settings,
    date: new Date(),
  });
  await mkdir(path.dirname(RESULTS_FILE), { recursive: true });
  await writeFile(RESULTS_FILE, document);
  console.error(`recorded in ${path.relative(process.cwd(), RESULTS_FILE)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
