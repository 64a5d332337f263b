import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Worker } from "bullmq";
import { Redis } from "ioredis";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DatabaseJobQueue } from "../../src/jobs/database-job-queue.ts";
import { describeJobQueueContract, type JobQueueContractFixture } from "../../src/jobs/job-queue.contract.ts";
import type { Job, JobQueue } from "../../src/jobs/job-queue.ts";
import { RedisJobQueue } from "../../src/jobs/redis-job-queue.ts";
import type { Clock } from "../../src/lib/clock.ts";
import { createLogger } from "../../src/lib/create-logger.ts";
import { randomToken } from "../../src/lib/ids.ts";
import { openDatabase, type DatabaseHandle } from "../../src/store/database.ts";

/*
 * Short intervals keep the suite fast; they are the only difference from production settings. A second
 * queue instance opens its own database connection or Redis connections, as another process would.
 */
const DATABASE_TIMING = { pollIntervalMs: 20, leaseMs: 400, retryDelayMs: 10 };
const REDIS_TIMING = { pollIntervalMs: 50, leaseMs: 500, retryDelayMs: 10 };

/** Where a queue logs and counts; the contract's logging test captures both. */
type Observation = Parameters<JobQueueContractFixture["openQueue"]>[0] & {};
/** Expected failures (the contract fails jobs on purpose) need not fill the test output. */
const silent = pino({ level: "silent" });

const databaseUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;
const hasPostgres = databaseUrl !== undefined && /^postgres(ql)?:\/\//.test(databaseUrl);
const hasRedis = redisUrl !== undefined && /^rediss?:\/\//.test(redisUrl);

if (!process.env.DRAMATIS_QUIET_SKIPS) {
  if (!hasPostgres)
    console.warn("PostgreSQL job queue suite skipped: set DATABASE_URL=postgres://... to run it");
  if (!hasRedis) console.warn("Redis job queue suite skipped: set REDIS_URL=redis://... to run it");
}

/** One database (a SQLite file or a PostgreSQL schema) that several connections can open. */
interface DatabaseLocation {
  open(): Promise<DatabaseHandle>;
  remove(handle: DatabaseHandle): Promise<void>;
}

function sqliteLocation(): DatabaseLocation {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-jobs-"));
  const file = path.join(directory, "jobs.sqlite");
  return {
    open: () => openDatabase({ database: { kind: "sqlite", file } }),
    async remove() {
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

function postgresLocation(url: string): DatabaseLocation {
  const schema = `test_jobs_${randomToken(12)}`;
  return {
    open: () => openDatabase({ database: { kind: "postgres", url }, postgresSchema: schema, poolSize: 4 }),
    async remove(handle) {
      await handle.db.schema.dropSchema(schema).ifExists().cascade().execute();
    },
  };
}

async function openDatabaseFixture(location: DatabaseLocation): Promise<JobQueueContractFixture> {
  const handles: DatabaseHandle[] = [];
  const queues: DatabaseJobQueue[] = [];
  async function openQueue(observation: Observation = {}): Promise<DatabaseJobQueue> {
    const handle = await location.open();
    handles.push(handle);
    const queue = new DatabaseJobQueue({
      db: handle.db,
      ...DATABASE_TIMING,
      logger: observation.logger ?? silent,
      metrics: observation.metrics,
    });
    queues.push(queue);
    return queue;
  }
  return {
    openQueue,
    async abandonNextJob(kind) {
      const deadWorker = await openQueue();
      const job = await deadWorker.claimNextJob({ workerId: "wrk_dead", kinds: [kind] });
      if (!job) throw new Error(`no queued ${kind} job to abandon`);
      return job.id;
    },
    async close() {
      await Promise.all(queues.map((queue) => queue.close()));
      await location.remove(handles[0]!);
      await Promise.all(handles.map((handle) => handle.close()));
    },
  };
}

async function openRedisFixture(url: string): Promise<JobQueueContractFixture> {
  const settings = { url, prefix: `dramatis-test-${randomToken(10)}`, queueName: "jobs" };
  const queues: JobQueue[] = [];
  const deadWorkers: Worker[] = [];
  return {
    async openQueue(observation: Observation = {}) {
      const queue = new RedisJobQueue({
        ...settings,
        ...REDIS_TIMING,
        logger: observation.logger ?? silent,
        metrics: observation.metrics,
      });
      queues.push(queue);
      return queue;
    },
    async abandonNextJob() {
      // A BullMQ worker without a processor takes a job by hand and, unlike a running one, never renews its lock.
      const deadWorker = new Worker(settings.queueName, null, {
        connection: { url, maxRetriesPerRequest: null },
        prefix: settings.prefix,
        lockDuration: REDIS_TIMING.leaseMs,
      });
      deadWorkers.push(deadWorker);
      const job = await deadWorker.getNextJob(`token-${randomToken(8)}`);
      if (!job?.id) throw new Error("no queued job to abandon");
      return job.id;
    },
    async close() {
      await Promise.all(queues.map((queue) => queue.close()));
      await Promise.all(deadWorkers.map((worker) => worker.close(true)));
      await removeRedisKeys({ url, prefix: settings.prefix });
    },
  };
}

async function removeRedisKeys(options: { url: string; prefix: string }): Promise<void> {
  const redis = new Redis(options.url);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${options.prefix}:*`, "COUNT", 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    await redis.quit();
  }
}

describeJobQueueContract("sqlite", () => openDatabaseFixture(sqliteLocation()));
if (hasPostgres)
  describeJobQueueContract("postgres", () => openDatabaseFixture(postgresLocation(databaseUrl)));
if (hasRedis) describeJobQueueContract("redis", () => openRedisFixture(redisUrl));

/** A clock tests move by hand. */
function manualClock(start: string): Clock & { advance(milliseconds: number): void } {
  let time = Date.parse(start);
  return {
    now: () => new Date(time),
    advance(milliseconds) {
      time += milliseconds;
    },
  };
}

const databaseLocations: Array<[string, () => DatabaseLocation]> = [["sqlite", sqliteLocation]];
if (hasPostgres) databaseLocations.push(["postgres", () => postgresLocation(databaseUrl)]);

describe.each(databaseLocations)("database job queue leases and backoff on %s", (_name, makeLocation) => {
  const LEASE_MS = 30_000;
  const MAX_CRASHES = 3;
  let location: DatabaseLocation;
  let handle: DatabaseHandle;
  let clock: ReturnType<typeof manualClock>;
  let queue: DatabaseJobQueue;
  let logged: Record<string, unknown>[];

  beforeEach(async () => {
    logged = [];
    location = makeLocation();
    handle = await location.open();
    clock = manualClock("2026-01-01T00:00:00.000Z");
    queue = new DatabaseJobQueue({
      db: handle.db,
      clock,
      leaseMs: LEASE_MS,
      retryDelayMs: 1_000,
      pollIntervalMs: 10,
      maxCrashes: MAX_CRASHES,
      logger: createLogger({
        level: "info",
        destination: { write: (line) => void logged.push(JSON.parse(line)) },
      }),
    });
  });
  afterEach(async () => {
    await queue.close();
    await location.remove(handle);
    await handle.close();
  });

  async function claim(workerId: string): Promise<Job | undefined> {
    return queue.claimNextJob({ workerId, kinds: ["work"] });
  }

  it("keeps a claimed job from other workers until its lease expires by the queue's clock", async () => {
    const job = await queue.enqueue({ tenantId: "ten_a", kind: "work", payload: null });
    const claimed = await claim("wrk_first");
    expect(claimed).toMatchObject({ id: job.id, status: "running", attempts: 1 });

    expect(await claim("wrk_second")).toBeUndefined();
    clock.advance(LEASE_MS - 1);
    expect(await queue.renewLease({ job: claimed!, workerId: "wrk_first" })).toBe(true);
    clock.advance(LEASE_MS - 1);
    expect(await claim("wrk_second")).toBeUndefined();
    clock.advance(2);

    // A takeover counts a crash, not an attempt.
    expect(await claim("wrk_second")).toMatchObject({ id: job.id, attempts: 1, crashes: 1 });
    // The first worker lost the job: its heartbeat, progress and outcome no longer count.
    expect(await queue.renewLease({ job: claimed!, workerId: "wrk_first" })).toBe(false);
    expect(await queue.publishProgress({ job: claimed!, workerId: "wrk_first", data: "late" })).toBe(false);
    const outcome = { type: "succeeded", resultJson: '"late"' } as const;
    expect(await queue.finishJob({ job: claimed!, workerId: "wrk_first", outcome })).toBe(false);
    expect((await queue.get("ten_a", job.id))?.status).toBe("running");
  });

  it("holds a retried job back for its exponential backoff", async () => {
    const job = await queue.enqueue({ tenantId: "ten_a", kind: "work", payload: null });
    const retry = { type: "retry", error: "busy" } as const;
    const first = await claim("wrk_a");
    expect(await queue.finishJob({ job: first!, workerId: "wrk_a", outcome: retry })).toBe(true);
    expect(await queue.get("ten_a", job.id)).toMatchObject({ status: "queued", error: "busy", attempts: 1 });
    clock.advance(999);
    expect(await claim("wrk_a")).toBeUndefined();
    clock.advance(1);
    const second = await claim("wrk_a");
    expect(second).toMatchObject({ attempts: 2 });

    expect(await queue.finishJob({ job: second!, workerId: "wrk_a", outcome: retry })).toBe(true);
    clock.advance(1_999);
    expect(await claim("wrk_a")).toBeUndefined();
    clock.advance(1);
    expect(await claim("wrk_a")).toMatchObject({ attempts: 3 });
  });

  it("fails a job whose workers died maxCrashes times, without running it again", async () => {
    const job = await queue.enqueue({ tenantId: "ten_a", kind: "work", payload: null, maxAttempts: 1 });
    for (let crash = 1; crash <= MAX_CRASHES; crash += 1) {
      const claimed = await claim(`wrk_dead_${crash}`);
      // Every takeover before the bound is a crash; the single attempt is never spent.
      expect(claimed).toMatchObject({ id: job.id, attempts: 1, crashes: crash - 1 });
      clock.advance(LEASE_MS);
    }
    let ran = false;
    const worker = queue.startWorker({ handlers: { work: async () => (ran = true) } });

    const events = [];
    for await (const event of queue.events("ten_a", job.id, { signal: AbortSignal.timeout(5_000) })) {
      events.push(event);
    }
    await worker.stop();
    expect(events.at(-1)).toMatchObject({ type: "status", status: "failed" });
    expect(await queue.get("ten_a", job.id)).toMatchObject({
      attempts: 1,
      crashes: MAX_CRASHES,
      error: expect.stringMatching(/stopped responding 3 times/),
    });
    expect(ran).toBe(false);
    expect(logged).toContainEqual(
      expect.objectContaining({
        msg: "job failed: its workers kept dying while running it",
        job_id: job.id,
        kind: "work",
        tenant_id: "ten_a",
        crashes: MAX_CRASHES,
      }),
    );
  });
});
