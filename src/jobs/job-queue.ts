/*
 * The one job-queue interface. Services enqueue and watch jobs through it; worker processes run them.
 * Two implementations share it: a durable queue in the project's database (the default) and BullMQ on
 * Redis (when REDIS_URL is set). Both are safe with several server and worker processes.
 */
import { excerpt, redactSecrets } from "../lib/redact.ts";

export type JobStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";

/** Statuses a job never leaves. */
export const TERMINAL_JOB_STATUSES: readonly JobStatus[] = ["succeeded", "failed", "cancelled"];

/** True for a status the job will never leave. */
export function isTerminalJobStatus(status: JobStatus): boolean {
  return TERMINAL_JOB_STATUSES.includes(status);
}

/** A unit of background work and where it stands. Times are ISO 8601 UTC. */
export interface Job {
  id: string;
  tenantId: string;
  /** selects the handler, e.g. "reply-generation" */
  kind: string;
  payload: unknown;
  status: JobStatus;
  /** what the handler returned, once succeeded */
  result: unknown | null;
  /** the message of the last failure; null while no attempt has failed or once succeeded */
  error: string | null;
  /**
   * attempts started so far, including one in progress. A run cut short because its worker process died
   * (its lease expired) is not counted here but in `crashes`: attempts are for the handler's errors.
   */
  attempts: number;
  maxAttempts: number;
  /** times a worker died (or stopped renewing its lease) while running this job; the job ran again each time */
  crashes: number;
  idempotencyKey: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** What a watcher of one job sees: status changes, and whatever its handler publishes in between. */
export type JobEvent = { type: "status"; status: JobStatus; job: Job } | { type: "progress"; data: unknown };

/** Handed to a running handler. */
export interface JobContext {
  /** aborted when the job is cancelled or this worker lost the job (its lease expired) */
  signal: AbortSignal;
  /** sends a progress event (JSON-serialisable, e.g. a streamed text delta) to every watcher, in order */
  publish(data: unknown): Promise<void>;
}

/** Runs one job; what it returns (JSON-serialisable) becomes the job's result. */
export type JobHandler = (job: Job, context: JobContext) => Promise<unknown>;

export interface EnqueueJobInput {
  tenantId: string;
  kind: string;
  payload: unknown;
  /** a second enqueue with the same key (per tenant) returns the first job instead of adding one */
  idempotencyKey?: string;
  /** attempts before a retryable failure becomes final; default 3 */
  maxAttempts?: number;
  /** real milliseconds to wait before the job may run (a persona's reply delay); default 0: at once */
  delayMs?: number;
  /** runs before every job already waiting (a priority video); default false: in turn */
  priority?: boolean;
}

export interface JobWorkerOptions {
  /** one handler per job kind; a worker only takes jobs it has a handler for (database queue) */
  handlers: Record<string, JobHandler>;
  /** jobs run at once by this worker; default 1 */
  concurrency?: number;
}

export interface JobWorker {
  /** Takes no new jobs and resolves once the running handlers have finished. */
  stop(): Promise<void>;
}

export interface JobEventsOptions {
  /** ends the iteration when aborted */
  signal?: AbortSignal;
}

/**
 * A durable queue of tenant-scoped jobs that several processes can share.
 *
 * @example
 * const queue = createJobQueue({ db });
 * const worker = queue.startWorker({
 *   handlers: { "reply-generation": async (job, { publish }) => { await publish({ delta: "Hi" }); return "Hi" } },
 * });
 * const job = await queue.enqueue({ tenantId, kind: "reply-generation", payload: { messageId } });
 * for await (const event of queue.events(tenantId, job.id)) console.log(event);
 * await worker.stop();
 * await queue.close();
 */
export interface JobQueue {
  /**
   * Adds a job, or returns the tenant's existing job with the same idempotency key.
   *
   * @example await queue.enqueue({ tenantId: "ten_1", kind: "embed", payload: { id }, idempotencyKey: id })
   */
  enqueue(input: EnqueueJobInput): Promise<Job>;
  /**
   * The job, or undefined when it does not exist or belongs to another tenant.
   *
   * @example const job = await queue.get("ten_1", "job_01…")
   */
  get(tenantId: string, id: string): Promise<Job | undefined>;
  /**
   * Cancels a queued or running job (a running handler sees its signal abort) and returns it; a finished
   * job is returned unchanged; undefined when it does not exist or belongs to another tenant.
   *
   * @example await queue.cancel("ten_1", job.id)
   */
  cancel(tenantId: string, id: string): Promise<Job | undefined>;
  /**
   * The job's current status first, then its progress and status events until a terminal status. Works
   * from any process. Yields nothing when the job does not exist or belongs to another tenant.
   * Status changes are observed, so a quick succession may be reported only by its last status.
   *
   * @example for await (const event of queue.events("ten_1", job.id, { signal })) send(event)
   */
  events(tenantId: string, id: string, options?: JobEventsOptions): AsyncIterable<JobEvent>;
  /**
   * Starts taking jobs in this process.
   *
   * @example const worker = queue.startWorker({ handlers: { embed: embedHandler }, concurrency: 4 })
   */
  startWorker(options: JobWorkerOptions): JobWorker;
  /** Stops this instance's workers (gracefully), ends its event streams and releases its connections. */
  close(): Promise<void>;
}

export const DEFAULT_MAX_ATTEMPTS = 3;

/**
 * Worker deaths a job survives before it fails. Generous, because a crash (kill -9, OOM, a deploy) is
 * rarely the job's fault and must not use up the attempts meant for its errors; bounded, so a poison job
 * that kills every worker that takes it still ends.
 */
export const DEFAULT_MAX_CRASHES = 25;

/** Checks a crash bound; returns it. */
export function validateMaxCrashes(maxCrashes: number): number {
  if (!Number.isInteger(maxCrashes) || maxCrashes < 1) {
    throw new RangeError(`maxCrashes must be a positive integer, got ${maxCrashes}`);
  }
  return maxCrashes;
}

/** The error stored for a job failed because its workers kept dying. */
export function describeCrashLimit(crashes: number): string {
  return `the worker running this job stopped responding ${crashes} times; it is not run again`;
}

/**
 * Thrown by a handler for a failure worth another attempt (a timeout, a rate limit); any other error
 * fails the job at once. An error with `retryable: true` counts too.
 *
 * @example throw new RetryableJobError("model server busy", { cause: error })
 */
export class RetryableJobError extends Error {
  readonly retryable = true;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RetryableJobError";
  }
}

/** True when an error asks for another attempt. */
export function isRetryableJobError(error: unknown): boolean {
  return (error as { retryable?: unknown } | null)?.retryable === true;
}

/**
 * The message stored for a failed attempt, which callers read (a job's `error`, a study run's, a scheduled
 * message's): upstream failures are already summaries (status, provider, request id), and anything else is
 * redacted and cut short so no credential or whole upstream body can reach a caller.
 */
export function describeJobError(error: unknown): string {
  return excerpt(redactSecrets(error instanceof Error ? error.message : String(error)), 500);
}

/** Checks enqueue input shared by every implementation; returns maxAttempts with its default applied. */
export function validateEnqueueInput(input: EnqueueJobInput): number {
  const maxAttempts = input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be a positive integer, got ${maxAttempts}`);
  }
  if (input.tenantId === "" || input.kind === "") throw new RangeError("tenantId and kind must not be empty");
  if (input.idempotencyKey === "") throw new RangeError("idempotencyKey must not be empty when given");
  if (input.delayMs !== undefined && !(Number.isFinite(input.delayMs) && input.delayMs >= 0)) {
    throw new RangeError(`delayMs must be a non-negative number, got ${input.delayMs}`);
  }
  return maxAttempts;
}
