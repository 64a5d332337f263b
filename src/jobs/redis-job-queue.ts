import { createHash } from "node:crypto";
import { Queue, UnrecoverableError, Worker, type Job as BullJob, type JobState } from "bullmq";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { systemClock, type Clock } from "../lib/clock.ts";
import { createLogger } from "../lib/create-logger.ts";
import { newId, randomToken } from "../lib/ids.ts";
import type { JobMetrics } from "../lib/metrics.ts";
import {
  DEFAULT_MAX_CRASHES,
  describeJobError,
  isRetryableJobError,
  isTerminalJobStatus,
  validateEnqueueInput,
  validateMaxCrashes,
  type EnqueueJobInput,
  type Job,
  type JobEvent,
  type JobEventsOptions,
  type JobHandler,
  type JobQueue,
  type JobStatus,
  type JobWorker,
  type JobWorkerOptions,
} from "./job-queue.ts";
import { streamJobEvents, type JobEventSource } from "./job-event-stream.ts";
import { jobLogFields, observeJobHandlers } from "./observed-job-handlers.ts";
import { JobWatchers, sleepOnTimer, type Sleep } from "./wake-signal.ts";

export interface RedisJobQueueOptions {
  /** e.g. redis://127.0.0.1:6379 */
  url: string;
  /** the BullMQ queue name; default "jobs" */
  queueName?: string;
  /** the prefix of every key; default "dramatis" (tests use a unique one) */
  prefix?: string;
  clock?: Clock;
  /** how event readers wait; injected by tests */
  sleep?: Sleep;
  /** how often event readers re-read a job in case a notification was lost; default 1 s */
  pollIntervalMs?: number;
  /** BullMQ's lock duration: how long a dead worker keeps its jobs; default 30 s */
  leaseMs?: number;
  /** the first retry's delay, doubled for each later one; default 1 s */
  retryDelayMs?: number;
  /** worker deaths (BullMQ stalls) a job survives before it fails (see DEFAULT_MAX_CRASHES); default 25 */
  maxCrashes?: number;
  /** how long finished jobs, their progress and cancellations are kept; default 7 days */
  retentionMs?: number;
  /** told about failed jobs and failures no caller can see (connection errors); default: stdout at info */
  logger?: Logger;
  /** jobs queued, running, failed and their durations; none: not counted */
  metrics?: JobMetrics;
}

/** What the BullMQ job's data holds; the kind is the BullMQ job name. */
interface StoredJobData {
  tenantId: string;
  payload: unknown;
  idempotencyKey: string | null;
  createdAt: string;
  /** unique to one enqueue: tells a new job from the one an earlier enqueue with the same key made */
  enqueueId?: string;
}

/** A message on the queue's change channel. */
interface ChangeMessage {
  jobId: string;
  cancelled?: boolean;
}

/**
 * Job ids derived from the tenant and idempotency key make BullMQ deduplicate for us (it ignores an add
 * with an existing id); hashing keeps them free of the ":" BullMQ uses in keys and of the raw key.
 */
function idempotentJobId(tenantId: string, idempotencyKey: string): string {
  const digest = createHash("sha256")
    .update(JSON.stringify([tenantId, idempotencyKey]))
    .digest("hex");
  return `job_${digest.slice(0, 32)}`;
}

function toIsoTime(milliseconds: number | undefined): string | null {
  return milliseconds ? new Date(milliseconds).toISOString() : null;
}

/** A cancellation wins over the BullMQ state: its handler may still be winding down, or never ran. */
function toJobStatus(state: JobState | "unknown", cancelledAt: string | null): JobStatus {
  if (cancelledAt !== null) return "cancelled";
  if (state === "completed") return "succeeded";
  if (state === "failed") return "failed";
  if (state === "active") return "running";
  // waiting, delayed (retry backoff), prioritized, waiting-children
  return "queued";
}

function toJob(bullJob: BullJob, observed: { state: JobState | "unknown"; cancelledAt: string | null }): Job {
  const data = bullJob.data as StoredJobData;
  const status = toJobStatus(observed.state, observed.cancelledAt);
  const startedAt = toIsoTime(bullJob.processedOn);
  const finishedAt =
    status === "cancelled"
      ? observed.cancelledAt
      : isTerminalJobStatus(status)
        ? toIsoTime(bullJob.finishedOn)
        : null;
  const times = [data.createdAt, startedAt, finishedAt].filter((time): time is string => time !== null);
  return {
    id: bullJob.id as string,
    tenantId: data.tenantId,
    kind: bullJob.name,
    payload: data.payload,
    status,
    result: status === "succeeded" ? (bullJob.returnvalue ?? null) : null,
    error: status === "succeeded" || status === "cancelled" ? null : bullJob.failedReason || null,
    // BullMQ counts a stalled run (its worker died) in attemptsStarted and in stalledCounter, never in
    // attemptsMade, so the attempts that count against maxAttempts are the starts that were not stalls.
    attempts: Math.max(0, (bullJob.attemptsStarted ?? bullJob.attemptsMade) - (bullJob.stalledCounter ?? 0)),
    maxAttempts: bullJob.opts.attempts ?? 1,
    crashes: bullJob.stalledCounter ?? 0,
    idempotencyKey: data.idempotencyKey,
    createdAt: data.createdAt,
    updatedAt: times.sort().at(-1) as string,
    startedAt,
    finishedAt,
  };
}

/**
 * The job queue on Redis through BullMQ. BullMQ provides claiming, locks renewed while a job runs, stalled
 * job recovery (a dead worker's job waits again without spending an attempt; see maxCrashes) and retries
 * with backoff; this class adds tenants, cancellation and progress streams.
 * Progress events go to a per-job Redis list (so late readers and other processes see them in order) and
 * a pub/sub channel wakes readers and carries cancellations to the worker running the job.
 * Every worker should register every kind: BullMQ hands any job to any worker, and an unknown kind fails.
 *
 * @example
 * const queue = new RedisJobQueue({ url: "redis://127.0.0.1:6379" });
 * queue.startWorker({ handlers: { embed: embedHandler } });
 */
export class RedisJobQueue implements JobQueue {
  readonly #url: string;
  readonly #queueName: string;
  readonly #prefix: string;
  readonly #keyBase: string;
  readonly #clock: Clock;
  readonly #sleep: Sleep;
  readonly #pollIntervalMs: number;
  readonly #leaseMs: number;
  readonly #retryDelayMs: number;
  readonly #maxCrashes: number;
  readonly #retentionMs: number;
  readonly #logger: Logger;
  readonly #metrics: JobMetrics | undefined;
  /** Connection errors (Redis restarting, unreachable): ioredis reconnects by itself. */
  readonly #onConnectionError = (error: unknown) =>
    this.#logger.error({ err: error }, "job queue: Redis connection error; reconnecting");
  readonly #queue: Queue;
  readonly #commands: Redis;
  #subscriber: Promise<Redis> | undefined;
  readonly #watchers = new JobWatchers();
  readonly #workers = new Set<Worker>();
  readonly #closing = new AbortController();

  constructor(options: RedisJobQueueOptions) {
    this.#url = options.url;
    this.#queueName = options.queueName ?? "jobs";
    this.#prefix = options.prefix ?? "dramatis";
    this.#keyBase = `${this.#prefix}:${this.#queueName}:dramatis`;
    this.#clock = options.clock ?? systemClock;
    this.#sleep = options.sleep ?? sleepOnTimer;
    this.#pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#retryDelayMs = options.retryDelayMs ?? 1_000;
    this.#maxCrashes = validateMaxCrashes(options.maxCrashes ?? DEFAULT_MAX_CRASHES);
    this.#retentionMs = options.retentionMs ?? 7 * 24 * 3_600_000;
    this.#logger = options.logger ?? createLogger({ level: "info" });
    this.#metrics = options.metrics;
    this.#queue = new Queue(this.#queueName, { connection: { url: this.#url }, prefix: this.#prefix });
    this.#queue.on("error", this.#onConnectionError);
    this.#commands = new Redis(this.#url);
    this.#commands.on("error", this.#onConnectionError);
  }

  async enqueue(input: EnqueueJobInput): Promise<Job> {
    const maxAttempts = validateEnqueueInput(input);
    const id =
      input.idempotencyKey === undefined
        ? newId("job")
        : idempotentJobId(input.tenantId, input.idempotencyKey);
    const data: StoredJobData = {
      tenantId: input.tenantId,
      payload: input.payload ?? null,
      idempotencyKey: input.idempotencyKey ?? null,
      createdAt: this.#clock.now().toISOString(),
      enqueueId: randomToken(16),
    };
    const retentionSeconds = Math.ceil(this.#retentionMs / 1_000);
    await this.#queue.add(input.kind, data, {
      jobId: id,
      attempts: maxAttempts,
      backoff: { type: "exponential", delay: this.#retryDelayMs },
      ...(input.delayMs ? { delay: Math.round(input.delayMs) } : {}),
      // BullMQ runs jobs without a priority before prioritised ones, so a priority job goes to the head
      // of the waiting list instead: it is taken next.
      ...(input.priority ? { lifo: true } : {}),
      removeOnComplete: { age: retentionSeconds },
      removeOnFail: { age: retentionSeconds },
    });
    // Read back rather than trust the add: for a repeated idempotency key BullMQ kept the first job.
    const job = await this.get(input.tenantId, id);
    if (!job) throw new Error(`job ${id} vanished right after it was enqueued`);
    const stored = await this.#queue.getJob(id);
    if ((stored?.data as StoredJobData | undefined)?.enqueueId === data.enqueueId) {
      this.#metrics?.enqueued.inc({ kind: input.kind });
    }
    return job;
  }

  async get(tenantId: string, id: string): Promise<Job | undefined> {
    // The state is read before the job's fields: BullMQ writes a job's result or failure together with its
    // final state, so fields read afterwards are never older than the state.
    const [state, cancelledAt] = await Promise.all([
      this.#queue.getJobState(id),
      this.#commands.get(this.#cancelledKey(id)),
    ]);
    const bullJob = await this.#queue.getJob(id);
    if (!bullJob || (bullJob.data as StoredJobData | undefined)?.tenantId !== tenantId) return undefined;
    return toJob(bullJob, { state, cancelledAt });
  }

  /**
   * Marks the job cancelled. A queued job stays in BullMQ's lists until a worker takes and skips it; a
   * running handler's signal aborts (through pub/sub when it runs in another process). A job finishing
   * in the instant between the check and the mark is reported cancelled.
   */
  async cancel(tenantId: string, id: string): Promise<Job | undefined> {
    const job = await this.get(tenantId, id);
    if (!job || isTerminalJobStatus(job.status)) return job;
    const now = this.#clock.now().toISOString();
    await this.#commands.set(this.#cancelledKey(id), now, "PX", this.#retentionMs, "NX");
    this.#abortLocally(id);
    await this.#announce({ jobId: id, cancelled: true });
    return this.get(tenantId, id);
  }

  async *events(tenantId: string, id: string, options: JobEventsOptions = {}): AsyncGenerator<JobEvent> {
    const signal = options.signal
      ? AbortSignal.any([options.signal, this.#closing.signal])
      : this.#closing.signal;
    const watch = this.#watchers.watch(id);
    const key = this.#progressKey(id);
    const source: JobEventSource = {
      readJob: () => this.get(tenantId, id),
      readProgressPosition: () => this.#commands.llen(key),
      readProgressAfter: async (position) => {
        const items = await this.#commands.lrange(key, position, -1);
        return { items: items.map((item) => JSON.parse(item)), position: position + items.length };
      },
    };
    try {
      // Wakes on changes other processes announce; subscribing first means none is missed after the snapshot.
      await this.#subscribe();
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
    const handlers = observeJobHandlers(options.handlers, { logger: this.#logger, metrics: this.#metrics });
    const worker = new Worker(
      this.#queueName,
      (job, _token, signal) => this.#process(job, handlers, signal),
      {
        connection: { url: this.#url, maxRetriesPerRequest: null },
        prefix: this.#prefix,
        concurrency: options.concurrency ?? 1,
        lockDuration: this.#leaseMs,
        stalledInterval: this.#leaseMs,
        // A stalled job (its worker died, so its lock expired) goes back to waiting: BullMQ counts the stall
        // in stalledCounter, not in attemptsMade, so the attempts meant for errors are not spent. The stall
        // bound is generous (a crash is rarely the job's fault) but finite, so a poison job that kills
        // every worker that takes it still ends: failed after maxCrashes stalls.
        maxStalledCount: this.#maxCrashes - 1,
      },
    );
    worker.on("error", this.#onConnectionError);
    worker.on("active", (job) => void this.#announce({ jobId: job.id as string }));
    worker.on("completed", (job) => void this.#announce({ jobId: job.id as string }));
    worker.on("failed", (job) => {
      if (!job) return;
      // A handler's failure was logged where it ran; a job failed for its workers' deaths ran no handler.
      if ((job.stalledCounter ?? 0) >= this.#maxCrashes) {
        this.#metrics?.failed.inc({ kind: job.name });
        this.#logger.error(
          {
            ...jobLogFields(toJob(job, { state: "failed", cancelledAt: null })),
            crashes: job.stalledCounter,
          },
          "job failed: its workers kept dying while running it",
        );
      }
      void this.#announce({ jobId: job.id as string });
    });
    worker.on("stalled", (jobId) => void this.#announce({ jobId }));
    this.#workers.add(worker);
    // Cancellations from other processes arrive by pub/sub.
    this.#subscribe().catch((error: unknown) =>
      this.#logger.error(
        { err: error },
        "job queue: subscribing to cancellations failed; jobs cancelled elsewhere stop only when they end",
      ),
    );
    return {
      stop: async () => {
        await worker.close();
        this.#workers.delete(worker);
      },
    };
  }

  async close(): Promise<void> {
    this.#closing.abort();
    await Promise.all([...this.#workers].map((worker) => worker.close()));
    this.#workers.clear();
    await this.#queue.close();
    // A subscription that failed was logged when it failed; there is nothing to close then.
    const subscriber = await this.#subscriber?.catch(() => undefined);
    await Promise.all([subscriber?.quit(), this.#commands.quit()]);
  }

  async #process(
    bullJob: BullJob,
    handlers: Record<string, JobHandler>,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const id = bullJob.id as string;
    if (await this.#isCancelled(id)) throw new UnrecoverableError(`job ${id} was cancelled`);
    const handler = handlers[bullJob.name];
    if (!handler) {
      const job = toJob(bullJob, { state: "active", cancelledAt: null });
      this.#logger.error(jobLogFields(job), "job failed: this worker has no handler for its kind");
      this.#metrics?.failed.inc({ kind: job.kind });
      throw new UnrecoverableError(`no handler for job kind ${bullJob.name}`);
    }
    const abortSignal = signal ?? new AbortController().signal;
    try {
      const job = toJob(bullJob, { state: "active", cancelledAt: null });
      const result = await handler(job, { signal: abortSignal, publish: (data) => this.#publish(id, data) });
      return result ?? null;
    } catch (error) {
      // UnrecoverableError makes BullMQ fail the job at once instead of retrying it.
      if (abortSignal.aborted || (await this.#isCancelled(id))) {
        throw new UnrecoverableError(
          `job ${id} was stopped: ${describeJobError(abortSignal.reason ?? error)}`,
        );
      }
      if (isRetryableJobError(error))
        throw error instanceof Error ? error : new Error(describeJobError(error));
      throw new UnrecoverableError(describeJobError(error));
    }
  }

  async #publish(jobId: string, data: unknown): Promise<void> {
    const key = this.#progressKey(jobId);
    const message: ChangeMessage = { jobId };
    await this.#commands
      .multi()
      .rpush(key, JSON.stringify(data ?? null))
      .pexpire(key, this.#retentionMs)
      .publish(this.#channel(), JSON.stringify(message))
      .exec();
    this.#watchers.notify(jobId);
  }

  async #announce(message: ChangeMessage): Promise<void> {
    this.#watchers.notify(message.jobId);
    try {
      await this.#commands.publish(this.#channel(), JSON.stringify(message));
    } catch (error) {
      // Readers elsewhere still notice at their next poll.
      this.#logger.warn(
        { err: error, job_id: message.jobId },
        "job queue: announcing a job's change failed; watchers elsewhere see it at their next poll",
      );
    }
  }

  #subscribe(): Promise<Redis> {
    this.#subscriber ??= (async () => {
      const subscriber = this.#commands.duplicate();
      subscriber.on("error", this.#onConnectionError);
      subscriber.on("message", (_channel: string, text: string) => this.#receive(text));
      await subscriber.subscribe(this.#channel());
      return subscriber;
    })();
    return this.#subscriber;
  }

  #receive(text: string): void {
    const message = JSON.parse(text) as ChangeMessage;
    this.#watchers.notify(message.jobId);
    if (message.cancelled) this.#abortLocally(message.jobId);
  }

  #abortLocally(jobId: string): void {
    for (const worker of this.#workers) worker.cancelJob(jobId, `job ${jobId} was cancelled`);
  }

  async #isCancelled(jobId: string): Promise<boolean> {
    return (await this.#commands.exists(this.#cancelledKey(jobId))) > 0;
  }

  #cancelledKey(jobId: string): string {
    return `${this.#keyBase}:cancelled:${jobId}`;
  }

  #progressKey(jobId: string): string {
    return `${this.#keyBase}:progress:${jobId}`;
  }

  #channel(): string {
    return `${this.#keyBase}:changes`;
  }
}
