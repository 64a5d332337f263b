import type { Logger } from "pino";
import { randomToken } from "../lib/ids.ts";
import type { JobMetrics } from "../lib/metrics.ts";
import { yieldToEventLoop } from "../lib/yield-to-event-loop.ts";
import {
  describeCrashLimit,
  describeJobError,
  isRetryableJobError,
  type Job,
  type JobHandler,
  type JobWorker,
  type JobWorkerOptions,
} from "./job-queue.ts";
import { jobLogFields } from "./observed-job-handlers.ts";
import type { Sleep, WakeSignal } from "./wake-signal.ts";

/** How an attempt ended, as the store records it. */
export type JobOutcome =
  | { type: "succeeded"; resultJson: string }
  | { type: "failed"; error: string }
  | { type: "retry"; error: string };

/** The storage a leased worker needs; the database queue provides it (and holds all the SQL). */
export interface JobLeaseStore {
  /** Takes the next runnable job of these kinds for the worker, with a fresh lease. */
  claimNextJob(options: { workerId: string; kinds: readonly string[] }): Promise<Job | undefined>;
  /** Extends the lease; false when the worker no longer holds the job (cancelled or taken over). */
  renewLease(options: { job: Job; workerId: string }): Promise<boolean>;
  /** Records the outcome; false when the worker no longer held the job, so nothing changed. */
  finishJob(options: { job: Job; workerId: string; outcome: JobOutcome }): Promise<boolean>;
  /** Appends a progress event; false when the worker no longer holds the job. */
  publishProgress(options: { job: Job; workerId: string; data: unknown }): Promise<boolean>;
}

export interface LeasedJobWorkerOptions extends JobWorkerOptions {
  store: JobLeaseStore;
  /** announced on enqueue, so an idle worker in this process claims at once instead of at the next poll */
  jobAvailable: WakeSignal;
  /** the handlers' abort controllers by job id, so a cancel in this process aborts at once */
  runningJobs: Map<string, AbortController>;
  pollIntervalMs: number;
  heartbeatIntervalMs: number;
  /** a job taken over this many times after its worker died fails instead of running again */
  maxCrashes: number;
  sleep: Sleep;
  /** told about failures no caller sees (a failed poll, heartbeat or outcome write), with the job's ids */
  logger: Logger;
  /** counts jobs failed for their workers' crashes; the handlers count their own attempts */
  metrics?: JobMetrics | undefined;
}

/** The reason a handler's signal aborts when its lease is gone. */
export class JobLeaseLostError extends Error {
  constructor(jobId: string) {
    super(`job ${jobId} is no longer held by this worker (cancelled or its lease expired)`);
    this.name = "JobLeaseLostError";
  }
}

/**
 * A worker for a lease-based store: it polls for jobs, renews each running job's lease with a heartbeat
 * (so a dead worker's jobs are taken over once its lease expires) and records every outcome conditionally
 * on still holding the lease, so at most one worker's outcome counts.
 */
export class LeasedJobWorker implements JobWorker {
  readonly #options: LeasedJobWorkerOptions;
  readonly #workerId = `wrk_${randomToken(16)}`;
  readonly #kinds: string[];
  readonly #concurrency: number;
  readonly #active = new Set<Promise<void>>();
  readonly #stopping = new AbortController();
  readonly #loop: Promise<void>;

  constructor(options: LeasedJobWorkerOptions) {
    this.#options = options;
    this.#kinds = Object.keys(options.handlers);
    if (this.#kinds.length === 0) throw new RangeError("startWorker needs at least one handler");
    this.#concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(this.#concurrency) || this.#concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer, got ${this.#concurrency}`);
    }
    this.#loop = this.#takeJobs();
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
    await this.#loop;
    await Promise.all(this.#active);
  }

  async #takeJobs(): Promise<void> {
    const { jobAvailable, pollIntervalMs, sleep } = this.#options;
    while (!this.#stopping.signal.aborted) {
      if (this.#active.size >= this.#concurrency) {
        await Promise.race(this.#active);
        continue;
      }
      const generation = jobAvailable.generation;
      const job = await this.#claim();
      if (job) {
        this.#start(job);
        // Handlers that never wait on real I/O (the offline model over a synchronous SQLite) would
        // otherwise chain claim after claim in microtasks and starve HTTP.
        await yieldToEventLoop();
        continue;
      }
      await jobAvailable.wait({
        milliseconds: pollIntervalMs,
        since: generation,
        signal: this.#stopping.signal,
        sleep,
      });
    }
  }

  async #claim(): Promise<Job | undefined> {
    try {
      return await this.#options.store.claimNextJob({ workerId: this.#workerId, kinds: this.#kinds });
    } catch (error) {
      // A failed poll (database restarting, busy) is retried at the next interval.
      this.#options.logger.error(
        { err: error, worker_id: this.#workerId, kinds: this.#kinds },
        "job queue: claiming a job failed; trying again at the next poll",
      );
      return undefined;
    }
  }

  #start(job: Job): void {
    const run = this.#run(job).finally(() => this.#active.delete(run));
    this.#active.add(run);
  }

  async #run(job: Job): Promise<void> {
    const controller = new AbortController();
    const heartbeat = new AbortController();
    this.#options.runningJobs.set(job.id, controller);
    const keepingLease = this.#keepLease(job, controller, heartbeat.signal);
    try {
      const outcome = await this.#attempt(job, controller);
      await this.#options.store.finishJob({ job, workerId: this.#workerId, outcome });
    } catch (error) {
      // The lease then expires and another worker runs the job again.
      this.#options.logger.error(
        { ...jobLogFields(job), worker_id: this.#workerId, err: error },
        "job queue: recording a job's outcome failed; it runs again once its lease expires",
      );
    } finally {
      heartbeat.abort();
      await keepingLease;
      this.#options.runningJobs.delete(job.id);
    }
  }

  async #attempt(job: Job, controller: AbortController): Promise<JobOutcome> {
    if (job.crashes >= this.#options.maxCrashes) {
      // Its workers keep dying while running it: most likely the job kills them (a poison job).
      this.#failWithoutRunning(job, "job failed: its workers kept dying while running it");
      return { type: "failed", error: describeCrashLimit(job.crashes) };
    }
    if (job.attempts > job.maxAttempts) {
      // Only a takeover recorded by an older version (which counted crashes as attempts) gets here.
      this.#failWithoutRunning(job, "job failed: no attempts left after its worker stopped responding");
      return { type: "failed", error: `worker stopped responding; no attempts left of ${job.maxAttempts}` };
    }
    const handler = this.#options.handlers[job.kind] as JobHandler;
    try {
      const result = await handler(job, {
        signal: controller.signal,
        publish: (data) => this.#publish({ job, controller, data }),
      });
      return { type: "succeeded", resultJson: JSON.stringify(result ?? null) };
    } catch (error) {
      const retry = isRetryableJobError(error) && job.attempts < job.maxAttempts;
      return { type: retry ? "retry" : "failed", error: describeJobError(error) };
    }
  }

  #failWithoutRunning(job: Job, message: string): void {
    this.#options.metrics?.failed.inc({ kind: job.kind });
    this.#options.logger.error({ ...jobLogFields(job), crashes: job.crashes }, message);
  }

  async #publish(options: { job: Job; controller: AbortController; data: unknown }): Promise<void> {
    const { job, controller, data } = options;
    const held = await this.#options.store.publishProgress({ job, workerId: this.#workerId, data });
    if (!held) {
      const reason = new JobLeaseLostError(job.id);
      controller.abort(reason);
      throw reason;
    }
  }

  async #keepLease(job: Job, controller: AbortController, stop: AbortSignal): Promise<void> {
    const { store, heartbeatIntervalMs, sleep, logger } = this.#options;
    while (!stop.aborted) {
      await sleep(heartbeatIntervalMs, stop);
      if (stop.aborted) return;
      try {
        if (!(await store.renewLease({ job, workerId: this.#workerId }))) {
          controller.abort(new JobLeaseLostError(job.id));
          return;
        }
      } catch (error) {
        // One failed renewal is not fatal: the lease is still valid for a while, so try again.
        logger.warn(
          { ...jobLogFields(job), worker_id: this.#workerId, err: error },
          "job queue: renewing a job's lease failed; trying again at the next heartbeat",
        );
      }
    }
  }
}
