/**
 * Studies across real server processes (`node bin/dramatis.js serve`), proving two claims of
 * docs/studies.md with the operating system in the loop rather than in-process fakes:
 *
 * - a study survives a crash (SIGKILL mid-study, then a restart on the same data): every persona is
 *   answered exactly once and metered exactly once;
 * - with REDIS_URL, one API process and two worker processes share a study's runs: both workers run some,
 *   and still nobody is answered twice.
 *
 * Which worker ran what is told apart without server changes: each worker's provider `mock` points at its
 * own mock upstream, so the requests each upstream received are the work its worker did.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Queue } from "bullmq";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { randomToken } from "../src/lib/ids.ts";
import { startMockOpenAI, type MockUpstream } from "./mock-upstreams.ts";
import { readCsvRecords } from "./csv-records.ts";

const PROJECT_DIRECTORY = path.resolve(import.meta.dirname, "..");
const CLI = path.join(PROJECT_DIRECTORY, "bin", "dramatis.js");
const TEST_TIMEOUT_MS = 120_000;
/** A killed worker's jobs are taken over after this long (the default, 30 s, would make the test slow). */
const JOB_LEASE_MS = "2000";
/** Each run's model call waits this long upstream, so a study takes long enough to interrupt. */
const UPSTREAM_DELAY_MS = 30;
/** Kept from each process's output for the failure report: the end matters most. */
const OUTPUT_LIMIT_CHARS = 200_000;

const redisUrl = process.env.REDIS_URL;
const databaseUrl = process.env.DATABASE_URL;
const hasPostgres = databaseUrl !== undefined && /^postgres(ql)?:\/\//.test(databaseUrl);

if (!redisUrl && !process.env.DRAMATIS_QUIET_SKIPS) {
  console.warn(
    "Studies across API and worker processes skipped: set REDIS_URL=redis://... to run it (needs Redis)",
  );
}

/** A spawned `dramatis serve` and everything it printed. */
interface ServerProcess {
  name: string;
  child: ChildProcess;
  /** The HTTP address; empty for a worker. */
  url: string;
  output: { text: string };
  exited: Promise<void>;
}

/** What a test started, so it is all stopped and removed afterwards whether the test passed or not. */
class Resources {
  readonly processes: ServerProcess[] = [];
  private readonly upstreams: MockUpstream[] = [];
  private readonly directories: string[] = [];
  private readonly cleanups: (() => Promise<void>)[] = [];

  temporaryDirectory(label: string): string {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), `dramatis-${label}-`));
    this.directories.push(directory);
    return directory;
  }

  async upstream(): Promise<MockUpstream> {
    const upstream = await startMockOpenAI({
      reply: () => JSON.stringify({ answer: 3 }),
      replyDelayMs: UPSTREAM_DELAY_MS,
    });
    this.upstreams.push(upstream);
    return upstream;
  }

  onCleanup(cleanup: () => Promise<void>): void {
    this.cleanups.push(cleanup);
  }

  /** Prints every process's output. */
  printOutputs(): void {
    for (const server of this.processes) {
      console.error(`----- output of ${server.name} (pid ${server.child.pid}) -----\n${server.output.text}`);
    }
  }

  async release(): Promise<void> {
    await Promise.all(this.processes.map((server) => killProcess(server)));
    this.processes.length = 0;
    await Promise.all(this.upstreams.map((upstream) => upstream.close()));
    this.upstreams.length = 0;
    for (const cleanup of this.cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => console.error("cleanup failed:", error));
    }
    for (const directory of this.directories.splice(0))
      fs.rmSync(directory, { recursive: true, force: true });
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** SIGKILL to this one process id (the CLI runs in-process through tsx, so it has no children). */
async function killProcess(server: ServerProcess): Promise<void> {
  if (!hasExited(server.child)) server.child.kill("SIGKILL");
  await server.exited;
}

function providersFor(upstream: MockUpstream): string {
  return JSON.stringify([
    { name: "mock", kind: "openai-compatible", base_url: upstream.baseURL, api_key: "x", models: ["m"] },
  ]);
}

/**
 * Starts `dramatis serve --role <role>` with only the environment given (no DATABASE_URL, REDIS_URL or
 * provider keys leak in from the test's own environment), and waits until it serves /healthz or, for a
 * worker, until it says it runs jobs.
 */
async function startServe(
  resources: Resources,
  options: { name: string; role: "all" | "api" | "worker"; environment: Record<string, string> },
): Promise<ServerProcess> {
  const port = options.role === "worker" ? 0 : await freePort();
  const environment: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? os.tmpdir(),
    TMPDIR: os.tmpdir(),
    LOG_LEVEL: "info",
    PORT: String(port),
    ...options.environment,
  };
  const child = spawn(process.execPath, [CLI, "serve", "--role", options.role], {
    cwd: PROJECT_DIRECTORY,
    env: environment,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = { text: "" };
  const append = (chunk: Buffer) => {
    output.text = (output.text + chunk.toString("utf8")).slice(-OUTPUT_LIMIT_CHARS);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exited = new Promise<void>((resolve) => {
    if (hasExited(child)) resolve();
    else child.once("exit", () => resolve());
  });
  const server: ServerProcess = {
    name: options.name,
    child,
    url: options.role === "worker" ? "" : `http://127.0.0.1:${port}`,
    output,
    exited,
  };
  resources.processes.push(server);
  await waitUntil(
    async () => {
      if (hasExited(child)) {
        throw new Error(`${options.name} exited (${child.exitCode ?? child.signalCode}) while starting`);
      }
      if (options.role === "worker") return output.text.includes("worker is running background jobs");
      const response = await fetch(`${server.url}/healthz`).catch(() => undefined);
      return response?.status === 200;
    },
    { what: `${options.name} to start`, timeoutMs: 60_000 },
  );
  return server;
}

async function waitUntil(
  check: () => Promise<boolean>,
  options: { what: string; timeoutMs?: number; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(options.intervalMs ?? 100);
  }
  throw new Error(`timed out waiting for ${options.what}`);
}

/** A small client for one server's HTTP API with the admin key. */
function apiClient(baseUrl: () => string, adminKey: string) {
  const request = async (method: string, pathname: string, body?: unknown) => {
    const response = await fetch(`${baseUrl()}${pathname}`, {
      method,
      headers: {
        authorization: `Bearer ${adminKey}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, text, headers: response.headers };
  };
  return {
    request,
    async get(pathname: string): Promise<any> {
      const response = await request("GET", pathname);
      expect(response.status, `GET ${pathname}: ${response.text}`).toBe(200);
      return JSON.parse(response.text);
    },
    async create(pathname: string, body: unknown): Promise<any> {
      const response = await request("POST", pathname, body);
      expect(response.status, `POST ${pathname}: ${response.text}`).toBe(201);
      return JSON.parse(response.text);
    },
  };
}

type ApiClient = ReturnType<typeof apiClient>;

/** A generator cohort, a population of `size` (generated in the background, waited for) and a Likert skill. */
async function preparePanel(api: ApiClient, size: number) {
  const cohort = await api.create("/v1/cohorts", {
    name: "Everyone",
    generator: {
      age: { type: "uniform", min: 18, max: 80 },
      sex: { female: 1, male: 1 },
      location: { "Lisbon, Portugal": 2, "Porto, Portugal": 1 },
      occupation: ["nurse", "teacher", "software engineer", "barista"],
      traits: { values: ["curious", "cautious", "warm", "ambitious"], per_persona: 2 },
    },
  });
  const created = await api.create("/v1/populations", {
    name: "Crash panel",
    size,
    seed: 11,
    cohorts: [{ cohort_id: cohort.id, proportion: 1 }],
  });
  let population: any;
  await waitUntil(
    async () => {
      population = await api.get(`/v1/populations/${created.id}`);
      return population.status !== "generating";
    },
    { what: "the population to be generated" },
  );
  expect(population).toMatchObject({ status: "ready", generated: size });
  const skill = await api.create("/v1/skills", {
    name: "Remote work",
    prompt: "You are {{persona.name}}, {{persona.age}}, a {{persona.occupation}}. {{context.question}}",
    answer: { type: "likert", scale: { min: 1, max: 5 } },
    context: { question: "Working from home makes me more productive." },
  });
  return { population, skill };
}

/**
 * Asserts the finished study answered every member of the population exactly once: one CSV row per
 * member, each member once, all answered, and exactly one `study_run` usage event per member.
 */
async function expectEachMemberAnsweredOnce(
  api: ApiClient,
  studyId: string,
  populationId: string,
  size: number,
) {
  const study = await api.get(`/v1/studies/${studyId}`);
  expect(study.status).toBe("completed");
  expect(study.progress).toMatchObject({ total: size, answered: size, done: size, invalid: 0, failed: 0 });

  const members = new Set<string>();
  let after = "";
  for (;;) {
    const page = await api.get(`/v1/populations/${populationId}/members?limit=100${after}`);
    for (const member of page.data) members.add(member.persona_id);
    if (!page.next_cursor) break;
    after = `&after=${encodeURIComponent(page.next_cursor)}`;
  }
  expect(members.size).toBe(size);

  const exported = await api.request("GET", `/v1/studies/${studyId}/export?format=csv`);
  expect(exported.status).toBe(200);
  const [header, ...rows] = readCsvRecords(exported.text);
  const column = (name: string) => header!.indexOf(name);
  expect(column("persona_id")).toBeGreaterThanOrEqual(0);
  expect(rows).toHaveLength(size);
  const answered = rows.map((row) => row[column("persona_id")]!);
  expect(new Set(answered).size).toBe(size);
  expect(new Set(answered)).toEqual(members);
  expect(new Set(rows.map((row) => row[column("status")]))).toEqual(new Set(["answered"]));
  expect(new Set(rows.map((row) => row[column("answer")]))).toEqual(new Set(["3"]));

  const usage = await api.get("/v1/usage?group_by=kind");
  const studyRuns = usage.totals.find((total: { key: string }) => total.key === "study_run");
  expect(studyRuns?.requests).toBe(size);
}

async function waitForStudy(api: ApiClient, studyId: string, done: (study: any) => boolean, what: string) {
  let study: any;
  await waitUntil(
    async () => {
      study = await api.get(`/v1/studies/${studyId}`);
      return done(study);
    },
    { what, intervalMs: 50 },
  );
  return study;
}

describe("studies across real server processes", () => {
  const resources = new Resources();
  afterEach(async (context) => {
    // Before the processes go: their output is what explains a failure, in CI too.
    if (context.task.result?.state === "fail") resources.printOutputs();
    await resources.release();
  });

  it(
    "answers every persona exactly once after the server is killed mid-study and started again",
    async () => {
      const size = 150;
      const upstream = await resources.upstream();
      const dataDirectory = resources.temporaryDirectory("crash");
      const adminKey = `dra_test_${randomToken(32)}`;
      const environment = {
        DRAMATIS_DATA_DIR: dataDirectory,
        DRAMATIS_ADMIN_KEY: adminKey,
        DRAMATIS_PROVIDERS: providersFor(upstream),
        // Leases are written by the process that claims a job, so the one that dies needs the short lease too.
        DRAMATIS_JOB_LEASE_MS: JOB_LEASE_MS,
      };
      let server = await startServe(resources, { name: "server (first start)", role: "all", environment });
      const api = apiClient(() => server.url, adminKey);

      const { population, skill } = await preparePanel(api, size);
      const study = await api.create("/v1/studies", {
        name: "Survives a crash",
        skill_id: skill.id,
        population_id: population.id,
        model: "mock/m",
        concurrency: 4,
        seed: 5,
      });
      expect(study.progress.total).toBe(size);

      const atCrash = await waitForStudy(
        api,
        study.id,
        (current) => current.progress.done >= size / 3,
        "a third of the runs to finish",
      );
      server.child.kill("SIGKILL");
      await server.exited;
      expect(server.child.signalCode).toBe("SIGKILL");
      // The crash must interrupt the study, or the restart proves nothing.
      expect(atCrash.progress.done).toBeLessThan(size);

      server = await startServe(resources, { name: "server (after the crash)", role: "all", environment });
      // Nothing recorded before the crash was lost.
      const resumed = await api.get(`/v1/studies/${study.id}`);
      expect(resumed.progress.answered).toBeGreaterThanOrEqual(atCrash.progress.answered);

      await waitForStudy(api, study.id, (current) => current.status !== "running", "the study to complete");
      await expectEachMemberAnsweredOnce(api, study.id, population.id, size);
      // Runs cut off by the crash asked the model again after the restart; none was answered twice.
      expect(upstream.generationRequests().length).toBeGreaterThanOrEqual(size);
    },
    TEST_TIMEOUT_MS,
  );

  it.skipIf(!redisUrl)(
    "shares a study between two worker processes on Redis, answering every persona exactly once",
    async () => {
      const size = 200;
      await expectRedisQueueToOurselves(redisUrl!);
      const [forApi, forFirstWorker, forSecondWorker] = await Promise.all([
        resources.upstream(),
        resources.upstream(),
        resources.upstream(),
      ]);
      const dataDirectory = resources.temporaryDirectory("workers");
      const adminKey = `dra_test_${randomToken(32)}`;
      // One database for the three processes: a PostgreSQL database of this run's own when DATABASE_URL is
      // set (as in CI), else the SQLite file in the shared data directory.
      const shared = {
        DRAMATIS_DATA_DIR: dataDirectory,
        DRAMATIS_ADMIN_KEY: adminKey,
        REDIS_URL: redisUrl!,
        ...(hasPostgres ? { DATABASE_URL: await createPostgresDatabase(resources, databaseUrl!) } : {}),
      };
      // The API process first: it creates the database, the default tenant and the secret key the others read.
      const apiProcess = await startServe(resources, {
        name: "api",
        role: "api",
        environment: { ...shared, DRAMATIS_PROVIDERS: providersFor(forApi) },
      });
      // Eight jobs at most per worker against a study concurrency of 16: one worker cannot hold them all.
      await Promise.all(
        [forFirstWorker, forSecondWorker].map((upstream, index) =>
          startServe(resources, {
            name: `worker ${index + 1}`,
            role: "worker",
            environment: {
              ...shared,
              DRAMATIS_PROVIDERS: providersFor(upstream),
              DRAMATIS_WORKER_CONCURRENCY: "8",
            },
          }),
        ),
      );
      const api = apiClient(() => apiProcess.url, adminKey);

      const { population, skill } = await preparePanel(api, size);
      const study = await api.create("/v1/studies", {
        name: "Shared by two workers",
        skill_id: skill.id,
        population_id: population.id,
        model: "mock/m",
        concurrency: 16,
        seed: 5,
      });
      resources.onCleanup(() =>
        removeOurFinishedJobs(
          redisUrl!,
          (payload) => payload?.study_id === study.id || payload?.population_id === population.id,
        ),
      );
      await waitForStudy(api, study.id, (current) => current.status !== "running", "the study to complete");
      await expectEachMemberAnsweredOnce(api, study.id, population.id, size);

      const first = forFirstWorker.generationRequests().length;
      const second = forSecondWorker.generationRequests().length;
      expect(first, "generation requests through worker 1").toBeGreaterThan(0);
      expect(second, "generation requests through worker 2").toBeGreaterThan(0);
      // No crash here: one model call per run, so every run was asked exactly once, by one worker.
      expect(first + second).toBe(size);
      // The API process runs no jobs.
      expect(forApi.generationRequests()).toHaveLength(0);
    },
    TEST_TIMEOUT_MS,
  );
});

/**
 * The server's Redis queue has a fixed name (prefix "dramatis", queue "jobs"). Jobs left there by an
 * earlier run are harmless (their runs do not exist in this test's database, so the handler skips them),
 * but a worker from elsewhere consuming the queue would take this test's jobs to another database and
 * leave its runs unanswered, so that fails the test at once, with the reason.
 */
async function expectRedisQueueToOurselves(url: string): Promise<void> {
  const queue = new Queue("jobs", { connection: { url }, prefix: "dramatis" });
  try {
    const workers = await queue.getWorkers();
    expect(
      workers.length,
      `${workers.length} other worker(s) consume the dramatis jobs queue on ${url}; stop them first`,
    ).toBe(0);
    const counts = await queue.getJobCounts("wait", "active", "delayed", "prioritized", "paused");
    const stale = Object.values(counts).reduce((sum, count) => sum + count, 0);
    if (stale > 0)
      console.warn(`dramatis jobs queue: ${stale} unfinished job(s) from earlier runs will be skipped`);
  } finally {
    await queue.close();
  }
}

/** A database of its own for this run on the PostgreSQL server of `url`, dropped afterwards. */
async function createPostgresDatabase(resources: Resources, url: string): Promise<string> {
  const name = `dramatis_processes_${randomToken(12).toLowerCase()}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  resources.onCleanup(async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // The server processes are killed before this runs; force closes connections they may have left.
      await client.query(`drop database if exists ${name} with (force)`);
    } finally {
      await client.end();
    }
  });
  const own = new URL(url);
  own.pathname = `/${name}`;
  return own.toString();
}

/**
 * Removes this test's finished jobs from the shared queue (the server keeps finished jobs for 7 days), so
 * repeated runs do not pile them up in a developer's Redis. Only jobs whose payload names this test's
 * study or population are touched; the progress list key mirrors src/jobs/redis-job-queue.ts.
 */
async function removeOurFinishedJobs(url: string, ours: (payload: any) => boolean): Promise<void> {
  const queue = new Queue("jobs", { connection: { url }, prefix: "dramatis" });
  try {
    const client = await queue.client;
    for (const job of await queue.getJobs(["completed", "failed"])) {
      if (!job?.id || !ours(job.data?.payload)) continue;
      await job.remove();
      await client.del(`dramatis:jobs:dramatis:progress:${job.id}`);
    }
  } finally {
    await queue.close();
  }
}
