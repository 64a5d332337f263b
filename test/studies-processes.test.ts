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
import { Queue } from "bullmq";
import { unwrap, type DramatisClient, type Schema, type paths } from "@dramatis/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { randomToken } from "../src/lib/ids.ts";
import { readCsvRecords } from "./csv-records.ts";
import {
  Resources,
  createPostgresDatabase,
  databaseUrl,
  hasPostgres,
  providersFor,
  serverClient,
  startServe,
  waitUntil,
} from "./server-processes.ts";

const TEST_TIMEOUT_MS = 120_000;
/** A killed worker's jobs are taken over after this long (the default, 30 s, would make the test slow). */
const JOB_LEASE_MS = "2000";
/** Each run's model call waits this long upstream, so a study takes long enough to interrupt. */
const UPSTREAM_DELAY_MS = 30;
/** What every study run's model call answers. */
const STUDY_UPSTREAM = { reply: () => JSON.stringify({ answer: 3 }), replyDelayMs: UPSTREAM_DELAY_MS };

const redisUrl = process.env.REDIS_URL;

if (!redisUrl && !process.env.DRAMATIS_QUIET_SKIPS) {
  console.warn(
    "Studies across API and worker processes skipped: set REDIS_URL=redis://... to run it (needs Redis)",
  );
}

/** A generator cohort, a population of `size` (generated in the background, waited for) and a Likert skill. */
async function preparePanel(api: DramatisClient, size: number) {
  const cohort = await unwrap(
    api.POST("/v1/cohorts", {
      body: {
        name: "Everyone",
        generator: {
          age: { type: "uniform", min: 18, max: 80 },
          sex: { female: 1, male: 1 },
          location: { "Lisbon, Portugal": 2, "Porto, Portugal": 1 },
          occupation: ["nurse", "teacher", "software engineer", "barista"],
          traits: { values: ["curious", "cautious", "warm", "ambitious"], per_persona: 2 },
        },
      },
    }),
  );
  const created = await unwrap(
    api.POST("/v1/populations", {
      body: { name: "Crash panel", size, seed: 11, cohorts: [{ cohort_id: cohort.id, proportion: 1 }] },
    }),
  );
  let population = created;
  await waitUntil(
    async () => {
      population = await unwrap(api.GET("/v1/populations/{id}", { params: { path: { id: created.id } } }));
      return population.status !== "generating";
    },
    { what: "the population to be generated" },
  );
  expect(population).toMatchObject({ status: "ready", generated: size });
  const skill = await unwrap(
    api.POST("/v1/skills", {
      body: {
        name: "Remote work",
        prompt: "You are {{persona.name}}, {{persona.age}}, a {{persona.occupation}}. {{context.question}}",
        answer: { type: "likert", scale: { min: 1, max: 5 } },
        context: { question: "Working from home makes me more productive." },
      },
    }),
  );
  return { population, skill };
}

/**
 * Asserts the finished study answered every member of the population exactly once: one CSV row per
 * member, each member once, all answered, and exactly one `study_run` usage event per member.
 */
async function expectEachMemberAnsweredOnce(
  api: DramatisClient,
  studyId: string,
  populationId: string,
  size: number,
) {
  const study = await getStudy(api, studyId);
  expect(study.status).toBe("completed");
  expect(study.progress).toMatchObject({ total: size, answered: size, done: size, invalid: 0, failed: 0 });

  const members = new Set<string>();
  let after: string | undefined;
  for (;;) {
    const page = await unwrap(
      api.GET("/v1/populations/{id}/members", {
        params: { path: { id: populationId }, query: { limit: 100, ...(after ? { after } : {}) } },
      }),
    );
    for (const member of page.data) members.add(member.persona_id);
    if (!page.next_cursor) break;
    after = page.next_cursor;
  }
  expect(members.size).toBe(size);

  const exported = await unwrap(
    api.GET("/v1/studies/{id}/export", {
      params: { path: { id: studyId }, query: { format: "csv" } },
      parseAs: "text",
    }),
  );
  const [header, ...rows] = readCsvRecords(exported as string);
  const column = (name: string) => header!.indexOf(name);
  expect(column("persona_id")).toBeGreaterThanOrEqual(0);
  expect(rows).toHaveLength(size);
  const answered = rows.map((row) => row[column("persona_id")]!);
  expect(new Set(answered).size).toBe(size);
  expect(new Set(answered)).toEqual(members);
  expect(new Set(rows.map((row) => row[column("status")]))).toEqual(new Set(["answered"]));
  expect(new Set(rows.map((row) => row[column("answer")]))).toEqual(new Set(["3"]));

  const usage = await unwrap(api.GET("/v1/usage", { params: { query: { group_by: "kind" } } }));
  const studyRuns = usage.totals.find((total) => total.key === "study_run");
  expect(studyRuns?.requests).toBe(size);
}

type Study = Schema<"Study">;
type StudyRequest = NonNullable<paths["/v1/studies"]["post"]["requestBody"]>["content"]["application/json"];

function getStudy(api: DramatisClient, id: string): Promise<Study> {
  return unwrap(api.GET("/v1/studies/{id}", { params: { path: { id } } }));
}

function createStudy(api: DramatisClient, body: StudyRequest): Promise<Study> {
  return unwrap(api.POST("/v1/studies", { body }));
}

async function waitForStudy(
  api: DramatisClient,
  studyId: string,
  done: (study: Study) => boolean,
  what: string,
) {
  let study: Study | undefined;
  await waitUntil(
    async () => {
      study = await getStudy(api, studyId);
      return done(study);
    },
    { what, intervalMs: 50 },
  );
  return study as Study;
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
      const upstream = await resources.upstream(STUDY_UPSTREAM);
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
      const api = serverClient(() => server.url, adminKey);

      const { population, skill } = await preparePanel(api, size);
      const study = await createStudy(api, {
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
      const resumed = await getStudy(api, study.id);
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
        resources.upstream(STUDY_UPSTREAM),
        resources.upstream(STUDY_UPSTREAM),
        resources.upstream(STUDY_UPSTREAM),
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
      const api = serverClient(() => apiProcess.url, adminKey);

      const { population, skill } = await preparePanel(api, size);
      const study = await createStudy(api, {
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
