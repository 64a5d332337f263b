import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, type Updateable } from "kysely";
import type { Logger } from "pino";
import { systemClock, type Clock } from "../lib/clock.ts";
import { createLogger } from "../lib/create-logger.ts";
import type { JobMetrics } from "../lib/metrics.ts";
import { newId } from "../lib/ids.ts";
import { isUniqueViolation } from "../store/errors.ts";
import { isPostgres } from "../store/dialect.ts";
import type { Database, JobRow, JobTable } from "../store/schema.ts";
import {
  DEFAULT_MAX_CRASHES,
  validateEnqueueInput,
  validateMaxCrashes,
  type EnqueueJobInput,
  type Job,
  type JobEvent,
  type JobEventsOptions,
  type JobQueue,
  type JobWorker,
  type JobWorkerOptions,
} from "./job-queue.ts";
import { streamJobEvents, type JobEventSource } from "./job-event-stream.ts";
import { LeasedJobWorker, type JobLeaseStore, type JobOutcome } from "./leased-job-worker.ts";
import { observeJobHandlers } from "./observed-job-handlers.ts";
import { JobWatchers, WakeSignal, sleepOnTimer, type Sleep } from "./wake-signal.ts";

export interface DatabaseJobQueueOptions {
  db: Kysely<Database>;
  clock?: Clock;
  /** how pollers wait; injected by tests */
  sleep?: Sleep;
  /** how often idle workers and event readers look for news from other processes; default 250 ms */
  pollIntervalMs?: number;
  /** how long a claimed job stays with its worker without a heartbeat; default 30 s */
  leaseMs?: number;
  /** how often a running job's lease is renewed; default a third of the lease */
  heartbeatIntervalMs?: number;
  /** the first retry's delay, doubled for each later one; default 1 s */
  retryDelayMs?: number;
  /** worker deaths a job survives before it fails (see DEFAULT_MAX_CRASHES); default 25 */
  maxCrashes?: number;
  /** told about failed jobs and failures no caller can see (a failed poll or heartbeat); default: stdout at info */
  logger?: Logger;
  /** jobs queued, running, failed and their durations; none: not counted */
  metrics?: JobMetrics;
}

const MAX_RETRY_DELAY_MS = 10 * 60_000;
const PUBLISH_ATTEMPTS = 5;

function toJob(row: JobRow): Job {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    kind: row.kind,
    payload: JSON.parse(row.payload),
    status: row.status,
    result: row.result === null ? null : JSON.parse(row.result),
    error: row.error,
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    crashes: Number(row.crashes),
    idempotencyKey: row.idempotency_key,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

function addMilliseconds(date: Date, milliseconds: number): string {
  return new Date(date.getTime() + milliseconds).toISOString();
}

/** Who claims, when, and which kinds: everything a claim statement depends on. */
interface ClaimContext {
  now: Date;
  workerId: string;
  kinds: readonly string[];
  leaseMs: number;
}

/** A queued job that is due, or a running one whose worker's lease expired. */
function claimableJob(context: ClaimContext) {
  const now = context.now.toISOString();
  return (expression: ExpressionBuilder<Database, "jobs">): Expression<SqlBool> =>
    expression.and([
      expression("kind", "in", context.kinds),
      expression.or([
        expression.and([expression("status", "=", "queued"), expression("run_after", "<=", now)]),
        expression.and([expression("status", "=", "running"), expression("lease_expires_at", "<=", now)]),
      ]),
    ]);
}

/**
 * Claiming a queued job starts an attempt; taking over a running job (its worker died, so its lease
 * expired) counts a crash instead and leaves the attempts, which are for the handler's errors, alone. The
 * SET expressions read the row as it was before the update, in both dialects.
 */
function claimColumns(context: ClaimContext) {
  return (expression: ExpressionBuilder<Database, "jobs">) => ({
    status: "running" as const,
    attempts: expression
      .case()
      .when("status", "=", "running")
      .then(expression.ref("attempts"))
      .else(expression("attempts", "+", 1))
      .end(),
    crashes: expression
      .case()
      .when("status", "=", "running")
      .then(expression("crashes", "+", 1))
      .else(expression.ref("crashes"))
      .end(),
    lease_owner: context.workerId,
    lease_expires_at: addMilliseconds(context.now, context.leaseMs),
    started_at: context.now.toISOString(),
    updated_at: context.now.toISOString(),
  });
}

/**
 * The durable job queue in the project's database (SQLite or PostgreSQL). Workers claim jobs with a lease
 * renewed by a heartbeat; a job whose worker died is claimed again once its lease expires, counting a
 * crash rather than an attempt, and fails only after `maxCrashes` such deaths. Progress events
 * live in `job_events`, so watchers in any process see them.
 *
 * @example
 * const queue = new DatabaseJobQueue({ db });
 * queue.startWorker({ handlers: { embed: embedHandler } });
 * await queue.enqueue({ tenantId, kind: "embed", payload: { memoryId } });
 */
export class DatabaseJobQueue implements JobQueue, JobLeaseStore {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;
  readonly #sleep: Sleep;
  readonly #pollIntervalMs: number;
  readonly #leaseMs: number;
  readonly #heartbeatIntervalMs: number;
  readonly #retryDelayMs: number;
  readonly #maxCrashes: number;
  readonly #logger: Logger;
  readonly #metrics: JobMetrics | undefined;
  readonly #isPostgres: boolean;
  readonly #jobAvailable = new WakeSignal();
  readonly #watchers = new JobWatchers();
  readonly #runningJobs = new Map<string, AbortController>();
  readonly #workers = new Set<JobWorker>();
  readonly #closing = new AbortController();

  constructor(options: DatabaseJobQueueOptions) {
    this.#db = options.db;
    this.#clock = options.clock ?? systemClock;
    this.#sleep = options.sleep ?? sleepOnTimer;
    this.#pollIntervalMs = options.pollIntervalMs ?? 250;
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#heartbeatIntervalMs = options.heartbeatIntervalMs ?? Math.floor(this.#leaseMs / 3);
    this.#retryDelayMs = options.retryDelayMs ?? 1_000;
    this.#maxCrashes = validateMaxCrashes(options.maxCrashes ?? DEFAULT_MAX_CRASHES);
    this.#logger = options.logger ?? createLogger({ level: "info" });
    this.#metrics = options.metrics;
    this.#isPostgres = isPostgres(options.db);
  }

  async enqueue(input: EnqueueJobInput): Promise<Job> {
    const maxAttempts = validateEnqueueInput(input);
    const clockNow = this.#clock.now();
    const now = clockNow.toISOString();
    const inserted = await this.#db
      .insertInto("jobs")
      .values({
        id: newId("job"),
        tenant_id: input.tenantId,
        kind: input.kind,
        payload: JSON.stringify(input.payload ?? null),
        status: "queued",
        result: null,
        error: null,
        attempts: 0,
        max_attempts: maxAttempts,
        crashes: 0,
        idempotency_key: input.idempotencyKey ?? null,
        run_after: addMilliseconds(clockNow, Math.round(input.delayMs ?? 0)),
        priority: input.priority ? 1 : 0,
        lease_owner: null,
        lease_expires_at: null,
        created_at: now,
        updated_at: now,
        started_at: null,
        finished_at: null,
      })
      .onConflict((conflict) => conflict.columns(["tenant_id", "idempotency_key"]).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) {
      this.#metrics?.enqueued.inc({ kind: input.kind });
      this.#jobAvailable.notify();
      return toJob(inserted);
    }
    // Only a job with an idempotency key can conflict, so the earlier job is there.
    const existing = await this.#db
      .selectFrom("jobs")
      .selectAll()
      .where("tenant_id", "=", input.tenantId)
      .where("idempotency_key", "=", input.idempotencyKey ?? null)
      .executeTakeFirstOrThrow();
    return toJob(existing);
  }

  async get(tenantId: string, id: string): Promise<Job | undefined> {
    const row = await this.#db
      .selectFrom("jobs")
      .selectAll()
      .where("id", "=", id)
      .where("tenant_id", "=", tenantId)
      .executeTakeFirst();
    return row && toJob(row);
  }

  async cancel(tenantId: string, id: string): Promise<Job | undefined> {
    const now = this.#clock.now().toISOString();
    const row = await this.#db
      .updateTable("jobs")
      .set({
        status: "cancelled",
        finished_at: now,
        updated_at: now,
        lease_owner: null,
        lease_expires_at: null,
      })
      .where("id", "=", id)
      .where("tenant_id", "=", tenantId)
      .where("status", "in", ["queued", "running"])
      .returningAll()
      .executeTakeFirst();
    if (!row) return this.get(tenantId, id);
    // A handler in this process stops now; one in another process at its next heartbeat.
    this.#runningJobs.get(id)?.abort(new Error(`job ${id} was cancelled`));
    this.#watchers.notify(id);
    return toJob(row);
  }

  async *events(tenantId: string, id: string, options: JobEventsOptions = {}): AsyncGenerator<JobEvent> {
    const signal = options.signal
      ? AbortSignal.any([options.signal, this.#closing.signal])
      : this.#closing.signal;
    const watch = this.#watchers.watch(id);
    const source: JobEventSource = {
      readJob: () => this.get(tenantId, id),
      readProgressPosition: () => this.#lastSequence(id),
      readProgressAfter: (sequence) => this.#progressAfter(id, sequence),
    };
    try {
      yield* streamJobEvents({
        source,
        wake: watch.signal,
        signal,
        pollIntervalMs: this.#pollIntervalMs,
        sleep: this.#sleep,
      });
    } finally {
      watch.release();
    }
  }

  startWorker(options: JobWorkerOptions): JobWorker {
    if (this.#closing.signal.aborted) throw new Error("the job queue is closed");
    const observation = { logger: this.#logger, metrics: this.#metrics };
    const worker = new LeasedJobWorker({
      ...options,
      handlers: observeJobHandlers(options.handlers, observation),
      store: this,
      jobAvailable: this.#jobAvailable,
      runningJobs: this.#runningJobs,
      pollIntervalMs: this.#pollIntervalMs,
      heartbeatIntervalMs: this.#heartbeatIntervalMs,
      maxCrashes: this.#maxCrashes,
      sleep: this.#sleep,
      ...observation,
    });
    this.#workers.add(worker);
    return {
      stop: async () => {
        await worker.stop();
        this.#workers.delete(worker);
      },
    };
  }

  /** Stops this instance's workers and event streams; the database stays open (its owner closes it). */
  async close(): Promise<void> {
    this.#closing.abort();
    await Promise.all([...this.#workers].map((worker) => worker.stop()));
    this.#workers.clear();
  }

  /**
   * Claims the next runnable job for a worker: a queued job that is due, or a running job whose lease
   * expired (its worker died). Safe with several processes. Public for workers built on this store.
   *
   * @example const job = await queue.claimNextJob({ workerId: "wrk_1", kinds: ["embed"] })
   */
  async claimNextJob(options: { workerId: string; kinds: readonly string[] }): Promise<Job | undefined> {
    if (options.kinds.length === 0) return undefined;
    const context = { ...options, now: this.#clock.now(), leaseMs: this.#leaseMs };
    const row = this.#isPostgres ? await this.#claimOnPostgres(context) : await this.#claimOnSqlite(context);
    if (!row) return undefined;
    this.#watchers.notify(row.id);
    return toJob(row);
  }

  async renewLease(options: { job: Job; workerId: string }): Promise<boolean> {
    const result = await this.#db
      .updateTable("jobs")
      .set({ lease_expires_at: addMilliseconds(this.#clock.now(), this.#leaseMs) })
      .where("id", "=", options.job.id)
      .where("lease_owner", "=", options.workerId)
      .where("status", "=", "running")
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async finishJob(options: { job: Job; workerId: string; outcome: JobOutcome }): Promise<boolean> {
    const now = this.#clock.now();
    const result = await this.#db
      .updateTable("jobs")
      .set({
        ...this.#outcomeColumns(options.outcome, { now, attempt: options.job.attempts }),
        updated_at: now.toISOString(),
        lease_owner: null,
        lease_expires_at: null,
      })
      .where("id", "=", options.job.id)
      .where("lease_owner", "=", options.workerId)
      .where("status", "=", "running")
      .executeTakeFirst();
    const recorded = result.numUpdatedRows > 0n;
    if (recorded) this.#watchers.notify(options.job.id);
    if (recorded && options.outcome.type === "retry") this.#jobAvailable.notify();
    return recorded;
  }

  async publishProgress(options: { job: Job; workerId: string; data: unknown }): Promise<boolean> {
    const data = JSON.stringify(options.data ?? null);
    for (let attempt = 1; ; attempt += 1) {
      try {
        const held = await this.#insertProgress({ ...options, data });
        if (held) this.#watchers.notify(options.job.id);
        return held;
      } catch (error) {
        // Two concurrent publishers of one job can pick the same next sequence; the loser tries again.
        if (!isUniqueViolation(error) || attempt >= PUBLISH_ATTEMPTS) throw error;
      }
    }
  }

  /** PostgreSQL: lock one due row, skipping rows other workers are claiming right now. */
  async #claimOnPostgres(context: ClaimContext): Promise<JobRow | undefined> {
    return this.#db.transaction().execute(async (transaction) => {
      const candidate = await transaction
        .selectFrom("jobs")
        .select("id")
        .where(claimableJob(context))
        .orderBy("priority", "desc")
        .orderBy("run_after")
        .orderBy("created_at")
        .limit(1)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (!candidate) return undefined;
      return transaction
        .updateTable("jobs")
        .set(claimColumns(context))
        .where("id", "=", candidate.id)
        .returningAll()
        .executeTakeFirstOrThrow();
    });
  }

  /**
   * SQLite: one conditional UPDATE. SQLite runs one writer at a time and the statement re-checks the
   * condition, so two processes never claim the same row; one statement also keeps no lock across awaits.
   */
  async #claimOnSqlite(context: ClaimContext): Promise<JobRow | undefined> {
    const nextId = this.#db
      .selectFrom("jobs")
      .select("id")
      .where(claimableJob(context))
      .orderBy("priority", "desc")
      .orderBy("run_after")
      .orderBy("created_at")
      .limit(1);
    return this.#db
      .updateTable("jobs")
      .set(claimColumns(context))
      .where("id", "=", nextId)
      .where(claimableJob(context))
      .returningAll()
      .executeTakeFirst();
  }

  #outcomeColumns(outcome: JobOutcome, at: { now: Date; attempt: number }): Updateable<JobTable> {
    const finishedAt = at.now.toISOString();
    switch (outcome.type) {
      case "succeeded":
        return { status: "succeeded", result: outcome.resultJson, error: null, finished_at: finishedAt };
      case "failed":
        return { status: "failed", error: outcome.error, finished_at: finishedAt };
      case "retry":
        return {
          status: "queued",
          error: outcome.error,
          run_after: addMilliseconds(at.now, this.#retryDelay(at.attempt)),
        };
    }
  }

  /** Exponential backoff: the base delay after the first attempt, doubled after each later one. */
  #retryDelay(attempt: number): number {
    return Math.min(this.#retryDelayMs * 2 ** Math.max(0, attempt - 1), MAX_RETRY_DELAY_MS);
  }

  /** Appends the job's next event, only while the worker still holds the job (one statement, both dialects). */
  async #insertProgress(options: { job: Job; workerId: string; data: string }): Promise<boolean> {
    const { job, workerId, data } = options;
    const createdAt = this.#clock.now().toISOString();
    const result = await this.#db
      .insertInto("job_events")
      .columns(["job_id", "sequence", "type", "data", "created_at"])
      .expression((expression) =>
        expression
          .selectFrom("jobs")
          .select((select) => [
            "jobs.id as job_id",
            select
              .selectFrom("job_events")
              .select((events) =>
                events(events.fn.coalesce(events.fn.max("job_events.sequence"), events.lit(0)), "+", 1).as(
                  "next",
                ),
              )
              .where("job_events.job_id", "=", job.id)
              .as("sequence"),
            select.val("progress").as("type"),
            select.val(data).as("data"),
            select.val(createdAt).as("created_at"),
          ])
          .where("jobs.id", "=", job.id)
          .where("jobs.lease_owner", "=", workerId)
          .where("jobs.status", "=", "running"),
      )
      .executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }

  async #lastSequence(jobId: string): Promise<number> {
    const row = await this.#db
      .selectFrom("job_events")
      .select((expression) => expression.fn.max("sequence").as("last"))
      .where("job_id", "=", jobId)
      .executeTakeFirst();
    return Number(row?.last ?? 0);
  }

  async #progressAfter(jobId: string, sequence: number): Promise<{ items: unknown[]; position: number }> {
    const rows = await this.#db
      .selectFrom("job_events")
      .select(["sequence", "data"])
      .where("job_id", "=", jobId)
      .where("sequence", ">", sequence)
      .orderBy("sequence")
      .execute();
    return {
      items: rows.map((row) => JSON.parse(row.data)),
      position: Number(rows.at(-1)?.sequence ?? sequence),
    };
  }
}
