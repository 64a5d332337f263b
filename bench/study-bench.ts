/**
 * Study throughput: N study runs (default 10,000) against a loopback OpenAI-compatible upstream that
 * answers in 100 ms and serves at most 64 requests at once, so no setup can beat 640 runs/s. Two setups:
 *
 * - **embedded**: one `dramatis serve` process, jobs in its SQLite database;
 * - **redis, 2 workers**: `serve --role api` plus two `serve --role worker` processes sharing the SQLite
 *   file, jobs in BullMQ on Redis (skipped when no Redis answers at REDIS_URL or redis://127.0.0.1:6379).
 *
 * Each run: generate a population (two generator cohorts, half each), create a Likert skill, start a study
 * with concurrency 64 on the upstream's model, and time it from creation to `completed`. It then checks that
 * every persona was answered once (CSV rows, distinct personas, upstream requests) before recording.
 *
 * Usage: npm run bench:studies  (BENCH_STUDY_RUNS=1000 for a quick look). Results: bench/results/studies.md.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { readPositiveInteger } from "./bench-settings.ts";
import { startOpenAIUpstream, UPSTREAM_MODEL, type RunningUpstream } from "./openai-upstream.ts";
import { describeMachine, readProcessCpuMilliseconds } from "./report.ts";

const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));
const RESULTS_FILE = path.join(PROJECT_ROOT, "bench", "results", "studies.md");
const RUNS = readPositiveInteger("BENCH_STUDY_RUNS", 10_000);
const CONCURRENCY = readPositiveInteger("BENCH_STUDY_CONCURRENCY", 64);
const LATENCY_MS = 100;
const UPSTREAM_LIMIT = 64;
const CEILING = (UPSTREAM_LIMIT * 1000) / LATENCY_MS;
const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";

interface Setup {
  name: string;
  /** roles of the processes to start, the first one serves HTTP */
  roles: ("all" | "api" | "worker")[];
  redis: boolean;
}

interface Outcome {
  setup: string;
  runs: number;
  generationSeconds: number;
  studySeconds: number;
  runsPerSecond: number;
  peakUpstreamConcurrency: number;
  serverCpuSeconds: number;
}

async function main(): Promise<void> {
  const machine = await describeMachine();
  const setups: Setup[] = [{ name: "embedded (SQLite queue, 1 process)", roles: ["all"], redis: false }];
  if (await redisAnswers()) {
    setups.push({ name: "Redis (BullMQ), api + 2 workers", roles: ["api", "worker", "worker"], redis: true });
  } else {
    console.warn(`no Redis at ${REDIS_URL}: the two-worker setup is skipped`);
  }
  const outcomes: Outcome[] = [];
  for (const setup of setups) {
    console.error(`\n== ${setup.name}: ${RUNS} runs`);
    outcomes.push(await measure(setup));
    const last = outcomes.at(-1)!;
    console.error(
      `   ${last.runsPerSecond.toFixed(1)} runs/s (${((100 * last.runsPerSecond) / CEILING).toFixed(0)}% of ${CEILING})`,
    );
  }
  const table = [
    "| setup | runs | population generated in | study took | runs/s | of the 640/s ceiling | upstream peak concurrency | server CPU |",
    "| ----- | ---: | ----------------------: | ---------: | -----: | -------------------: | ------------------------: | ---------: |",
    ...outcomes.map(
      (outcome) =>
        `| ${outcome.setup} | ${outcome.runs} | ${outcome.generationSeconds.toFixed(1)} s | ${outcome.studySeconds.toFixed(1)} s | ${outcome.runsPerSecond.toFixed(1)} | ${((100 * outcome.runsPerSecond) / CEILING).toFixed(0)}% | ${outcome.peakUpstreamConcurrency} | ${outcome.serverCpuSeconds.toFixed(1)} s |`,
    ),
  ].join("\n");
  const document = `# Study throughput

Recorded by \`npm run bench:studies\` on ${new Date().toISOString().slice(0, 10)}: ${machine.cores} cores (${machine.cpuModel}),
Node ${machine.nodeVersion}, ${machine.backgroundCpuPercent.toFixed(0)}% CPU busy before the run.

${RUNS} study runs, concurrency ${CONCURRENCY}, against a loopback OpenAI-compatible upstream that answers each
request in ${LATENCY_MS} ms and at most ${UPSTREAM_LIMIT} at once: the ceiling is ${CEILING} runs/s. Every run is
one job: the persona's pinned version, its memories and the rendered question go to the model, the JSON answer
is validated and recorded with its usage. The upstream, the load and every server process share the machine.

${table}

"server CPU" is the user + system time of the server processes during the study. Each study was checked
before recording: every persona answered exactly once (CSV rows and distinct persona ids equal the run
count, and the upstream received exactly that many requests).
`;
  await mkdir(path.dirname(RESULTS_FILE), { recursive: true });
  await writeFile(RESULTS_FILE, document);
  console.log(document);
}

async function measure(setup: Setup): Promise<Outcome> {
  const dataDirectory = await mkdtemp(path.join(os.tmpdir(), "dramatis-study-bench-"));
  const adminKey = `dra_bench_${randomBytes(16).toString("hex")}`;
  const upstream = await startOpenAIUpstream({
    latencyMs: LATENCY_MS,
    maxConcurrent: UPSTREAM_LIMIT,
    // A Likert answer that varies with the prompt, as a model's would.
    reply: (body) => JSON.stringify({ answer: 1 + (JSON.stringify(body.messages ?? []).length % 5) }),
  });
  const port = await freePort();
  const children: ChildProcess[] = [];
  try {
    if (setup.redis) await clearQueue();
    for (const [index, role] of setup.roles.entries()) {
      children.push(
        startProcess({ role, port: index === 0 ? port : 0, dataDirectory, adminKey, upstream, setup }),
      );
      // The first process creates the database; the others only open it.
      if (index === 0) await waitForHealth(`http://127.0.0.1:${port}`);
    }
    const api = client(`http://127.0.0.1:${port}`, adminKey);
    const generator = (minimum: number, maximum: number) => ({
      age: { type: "uniform", min: minimum, max: maximum },
      location: { "Lisbon, Portugal": 2, "Porto, Portugal": 1, "Madrid, Spain": 1 },
      occupation: ["nurse", "teacher", "software engineer", "barista", "accountant"],
    });
    const young = await api.post("/v1/cohorts", { name: "Young", generator: generator(18, 34) });
    const old = await api.post("/v1/cohorts", { name: "Old", generator: generator(55, 80) });
    let started = performance.now();
    const population = await api.post("/v1/populations", {
      name: "Bench panel",
      size: RUNS,
      seed: 1,
      cohorts: [
        { cohort_id: young.id, proportion: 1 },
        { cohort_id: old.id, proportion: 1 },
      ],
    });
    while ((await api.get(`/v1/populations/${population.id}`)).status === "generating") await sleep(500);
    const generationSeconds = (performance.now() - started) / 1000;
    const skill = await api.post("/v1/skills", {
      name: "Remote work",
      prompt:
        "You are {{persona.name}}, {{persona.age}}, a {{persona.occupation}}. Working from home makes me more productive.",
      answer: { type: "likert", scale: { min: 1, max: 5 } },
    });
    const cpuBefore = serverCpu(children);
    started = performance.now();
    const study = await api.post("/v1/studies", {
      name: "Throughput",
      skill_id: skill.id,
      population_id: population.id,
      model: `bench/${UPSTREAM_MODEL}`,
      concurrency: CONCURRENCY,
      seed: 1,
    });
    let current = study;
    while (current.status === "running") {
      await sleep(250);
      current = await api.get(`/v1/studies/${study.id}`);
    }
    const studySeconds = (performance.now() - started) / 1000;
    const serverCpuSeconds = (serverCpu(children) - cpuBefore) / 1000;
    await verify(api, study.id, current, upstream);
    return {
      setup: setup.name,
      runs: RUNS,
      generationSeconds,
      studySeconds,
      runsPerSecond: RUNS / studySeconds,
      peakUpstreamConcurrency: upstream.peakConcurrency(),
      serverCpuSeconds,
    };
  } finally {
    await Promise.all(children.map(stopProcess));
    await upstream.stop();
    await rm(dataDirectory, { recursive: true, force: true });
  }
}

async function verify(
  api: ReturnType<typeof client>,
  studyId: string,
  study: { status: string; progress: { answered: number } },
  upstream: RunningUpstream,
): Promise<void> {
  if (study.status !== "completed" || study.progress.answered !== RUNS) {
    throw new Error(`the study ended ${study.status} with ${study.progress.answered} of ${RUNS} answered`);
  }
  const csv = await api.text(`/v1/studies/${studyId}/export?format=csv`);
  const rows = csv
    .split("\r\n")
    .filter((line) => line !== "")
    .slice(1);
  const personas = new Set(rows.map((row) => row.split(",")[1]));
  if (rows.length !== RUNS || personas.size !== RUNS) {
    throw new Error(`the CSV has ${rows.length} rows for ${personas.size} personas; expected ${RUNS}`);
  }
  if (upstream.answered() !== RUNS) {
    throw new Error(`the upstream answered ${upstream.answered()} requests for ${RUNS} runs`);
  }
}

function startProcess(options: {
  role: "all" | "api" | "worker";
  port: number;
  dataDirectory: string;
  adminKey: string;
  upstream: RunningUpstream;
  setup: Setup;
}): ChildProcess {
  const environment: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(options.port),
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    DRAMATIS_DATA_DIR: options.dataDirectory,
    DRAMATIS_ADMIN_KEY: options.adminKey,
    DRAMATIS_PROVIDERS: JSON.stringify([
      {
        name: "bench",
        kind: "openai-compatible",
        base_url: `${options.upstream.url}/v1`,
        api_key: "bench",
        models: [UPSTREAM_MODEL],
      },
    ]),
    REDIS_URL: options.setup.redis ? REDIS_URL : "",
    DATABASE_URL: "",
  };
  // BENCH_CPU_PROFILE_DIR=dir writes each server process's CPU profile there when it stops.
  const profile = process.env.BENCH_CPU_PROFILE_DIR
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE_DIR}`]
    : [];
  const child = spawn(process.execPath, [...profile, "bin/dramatis.js", "serve", "--role", options.role], {
    cwd: PROJECT_ROOT,
    env: environment,
    stdio: ["ignore", "ignore", "inherit"],
  });
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

function serverCpu(children: readonly ChildProcess[]): number {
  return children.reduce((sum, child) => sum + (readProcessCpuMilliseconds(child.pid ?? 0) ?? 0), 0);
}

function client(baseUrl: string, adminKey: string) {
  const request = async (method: string, route: string, body?: unknown) => {
    const response = await fetch(`${baseUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
    return response;
  };
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    get: async (route: string): Promise<any> => (await request("GET", route)).json(),
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    post: async (route: string, body: unknown): Promise<any> => (await request("POST", route, body)).json(),
    text: async (route: string): Promise<string> => (await request("GET", route)).text(),
  };
}

async function waitForHealth(baseUrl: string): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`the server at ${baseUrl} did not start`);
}

async function redisAnswers(): Promise<boolean> {
  const redis = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** Jobs of an earlier, interrupted run would only be skipped, but they would still cost time. */
async function clearQueue(): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", "dramatis:jobs:*", "COUNT", 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

await main();
