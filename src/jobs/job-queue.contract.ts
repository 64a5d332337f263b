import type { Logger } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../lib/create-logger.ts";
import { Metrics, type JobMetrics } from "../lib/metrics.ts";
import {
  RetryableJobError,
  isTerminalJobStatus,
  type Job,
  type JobEvent,
  type JobHandler,
  type JobQueue,
} from "./job-queue.ts";

/** One backend under test, fresh for every test. */
export interface JobQueueContractFixture {
  /**
   * A new queue instance on the backend; each instance stands for a separate process. It logs to
   * `observation.logger` (default: nowhere) and counts in `observation.metrics` (default: not at all).
   */
  openQueue(observation?: { logger?: Logger; metrics?: JobMetrics }): Promise<JobQueue>;
  /**
   * Plays a worker process that claims the next queued job of `kind` and dies: it never finishes the job
   * nor renews its lease. Returns the job id.
   */
  abandonNextJob(kind: string): Promise<string>;
  /** Closes every queue it opened and removes what the test stored. */
  close(): Promise<void>;
}

const TENANT = "ten_a";
const OTHER_TENANT = "ten_b";
/** Generous: a stuck test should fail with a message, not hit vitest's timeout. */
const FINISH_TIMEOUT_MS = 8_000;

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function defer<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => (resolve = settle));
  return { promise, resolve };
}

function delay(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** Reads a job's events until they end; `ready` resolves with the first one, so a test can sequence. */
function watchJob(queue: JobQueue, options: { tenantId: string; id: string }) {
  const ready = defer();
  const done = (async () => {
    const events: JobEvent[] = [];
    const signal = AbortSignal.timeout(FINISH_TIMEOUT_MS);
    for await (const event of queue.events(options.tenantId, options.id, { signal })) {
      events.push(event);
      ready.resolve();
    }
    ready.resolve();
    return events;
  })();
  return { ready: ready.promise, done };
}

/** Waits for the job's terminal status through events() and returns the job as it ended. */
async function waitForFinish(queue: JobQueue, options: { tenantId: string; id: string }): Promise<Job> {
  const events = await watchJob(queue, options).done;
  const last = events.at(-1);
  if (last?.type !== "status" || !isTerminalJobStatus(last.status)) {
    throw new Error(`job ${options.id} did not finish; last event ${JSON.stringify(last)}`);
  }
  return last.job;
}

/** A logger whose lines (parsed) land in `lines`. */
function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = { write: (line: string) => void lines.push(JSON.parse(line)) };
  return { logger: createLogger({ level: "info", destination }), lines };
}

function statusesOf(events: JobEvent[]): string[] {
  return events.flatMap((event) => (event.type === "status" ? [event.status] : []));
}

function progressOf(events: JobEvent[]): unknown[] {
  return events.flatMap((event) => (event.type === "progress" ? [event.data] : []));
}

/**
 * The behaviour every JobQueue implementation promises. Run it once per backend.
 *
 * @example describeJobQueueContract("sqlite", () => openSqliteJobQueueFixture())
 */
export function describeJobQueueContract(
  name: string,
  makeQueue: () => Promise<JobQueueContractFixture>,
): void {
  describe(`job queue contract on ${name}`, () => {
    let fixture: JobQueueContractFixture;

    beforeEach(async () => {
      fixture = await makeQueue();
    });
    afterEach(async () => fixture.close());

    it("runs an enqueued job and records the handler's result", async () => {
      const queue = await fixture.openQueue();
      const worker = queue.startWorker({ handlers: { echo: async (job) => ({ echoed: job.payload }) } });
      const job = await queue.enqueue({ tenantId: TENANT, kind: "echo", payload: { text: "hi" } });
      expect(job).toMatchObject({
        tenantId: TENANT,
        kind: "echo",
        payload: { text: "hi" },
        status: expect.stringMatching(/^(queued|running)$/),
        result: null,
        maxAttempts: 3,
        idempotencyKey: null,
      });

      const finished = await waitForFinish(queue, { tenantId: TENANT, id: job.id });
      expect(finished).toMatchObject({
        status: "succeeded",
        result: { echoed: { text: "hi" } },
        error: null,
      });
      expect(finished.attempts).toBe(1);
      expect(finished.startedAt).not.toBeNull();
      expect(finished.finishedAt).not.toBeNull();
      expect(await queue.get(TENANT, job.id)).toEqual(finished);
      await worker.stop();
    });

    it("returns the existing job for a repeated idempotency key, per tenant, from any instance", async () => {
      const queue = await fixture.openQueue();
      const otherProcess = await fixture.openQueue();
      const first = await queue.enqueue({
        tenantId: TENANT,
        kind: "echo",
        payload: 1,
        idempotencyKey: "k-1",
      });
      const again = await otherProcess.enqueue({
        tenantId: TENANT,
        kind: "echo",
        payload: 2,
        idempotencyKey: "k-1",
      });
      expect(again.id).toBe(first.id);
      expect(again.payload).toBe(1);
      expect(again.idempotencyKey).toBe("k-1");

      const otherTenant = await queue.enqueue({
        tenantId: OTHER_TENANT,
        kind: "echo",
        payload: 3,
        idempotencyKey: "k-1",
      });
      expect(otherTenant.id).not.toBe(first.id);
      const unkeyed = await Promise.all(
        [1, 2].map((payload) => queue.enqueue({ tenantId: TENANT, kind: "echo", payload })),
      );
      expect(unkeyed[0]!.id).not.toBe(unkeyed[1]!.id);
    });

    it("hides a job from other tenants: get, cancel and events", async () => {
      const queue = await fixture.openQueue();
      const job = await queue.enqueue({ tenantId: TENANT, kind: "echo", payload: null });

      expect(await queue.get(OTHER_TENANT, job.id)).toBeUndefined();
      expect(await queue.cancel(OTHER_TENANT, job.id)).toBeUndefined();
      expect(await watchJob(queue, { tenantId: OTHER_TENANT, id: job.id }).done).toEqual([]);
      expect((await queue.get(TENANT, job.id))?.status).toBe("queued");
      expect(await queue.get(TENANT, "job_does_not_exist")).toBeUndefined();
    });

    it("streams progress in order to watchers in this and another process", async () => {
      const workerProcess = await fixture.openQueue();
      const watcherProcess = await fixture.openQueue();
      const deltas = ["Once", " upon", " a", " time"];
      const watchersReady = defer();
      const stream: JobHandler = async (_job, { publish }) => {
        await watchersReady.promise;
        for (const delta of deltas) await publish({ delta });
        return { text: deltas.join("") };
      };
      const worker = workerProcess.startWorker({ handlers: { stream } });
      const job = await workerProcess.enqueue({ tenantId: TENANT, kind: "stream", payload: null });

      const watchers = [workerProcess, watcherProcess].map((queue) =>
        watchJob(queue, { tenantId: TENANT, id: job.id }),
      );
      await Promise.all(watchers.map((watcher) => watcher.ready));
      watchersReady.resolve();

      for (const events of await Promise.all(watchers.map((watcher) => watcher.done))) {
        expect(events[0]).toMatchObject({
          type: "status",
          status: expect.stringMatching(/^(queued|running)$/),
        });
        expect(progressOf(events)).toEqual(deltas.map((delta) => ({ delta })));
        expect(events.at(-1)).toMatchObject({
          type: "status",
          status: "succeeded",
          job: { result: { text: "Once upon a time" } },
        });
        expect(statusesOf(events).filter((status) => isTerminalJobStatus(status as never))).toHaveLength(1);
      }
      await worker.stop();
    });

    it("retries a retryable failure, then succeeds", async () => {
      const queue = await fixture.openQueue();
      let calls = 0;
      const flaky: JobHandler = async () => {
        calls += 1;
        if (calls === 1) throw new RetryableJobError("model server busy");
        if (calls === 2) throw Object.assign(new Error("rate limited"), { retryable: true });
        return "done";
      };
      const worker = queue.startWorker({ handlers: { flaky } });
      const job = await queue.enqueue({ tenantId: TENANT, kind: "flaky", payload: null });

      const finished = await waitForFinish(queue, { tenantId: TENANT, id: job.id });
      expect(finished).toMatchObject({ status: "succeeded", result: "done", attempts: 3, error: null });
      expect(calls).toBe(3);
      await worker.stop();
    });

    it("fails a retryable failure once maxAttempts are used up, with the last message", async () => {
      const queue = await fixture.openQueue();
      let calls = 0;
      const doomed: JobHandler = async () => {
        calls += 1;
        throw new RetryableJobError(`still busy (${calls})`);
      };
      const worker = queue.startWorker({ handlers: { doomed } });
      const job = await queue.enqueue({ tenantId: TENANT, kind: "doomed", payload: null, maxAttempts: 2 });

      const finished = await waitForFinish(queue, { tenantId: TENANT, id: job.id });
      expect(finished).toMatchObject({
        status: "failed",
        error: "still busy (2)",
        attempts: 2,
        maxAttempts: 2,
      });
      expect(calls).toBe(2);
      await worker.stop();
    });

    it("fails a non-retryable error at once, with its message", async () => {
      const queue = await fixture.openQueue();
      let calls = 0;
      const broken: JobHandler = async () => {
        calls += 1;
        throw new Error("payload names no persona");
      };
      const worker = queue.startWorker({ handlers: { broken } });
      const job = await queue.enqueue({ tenantId: TENANT, kind: "broken", payload: null });

      const finished = await waitForFinish(queue, { tenantId: TENANT, id: job.id });
      expect(finished).toMatchObject({ status: "failed", error: "payload names no persona", attempts: 1 });
      expect(calls).toBe(1);
      await worker.stop();
    });

    it("logs a failed job with its id, kind and tenant, and counts jobs by kind in the metrics", async () => {
      const { logger, lines } = capturingLogger();
      const metrics = new Metrics();
      const queue = await fixture.openQueue({ logger, metrics: metrics.jobs });
      const worker = queue.startWorker({
        handlers: {
          broken: async () => {
            throw new Error("payload names no persona");
          },
          echo: async (job) => job.payload,
        },
      });
      const failing = await queue.enqueue({ tenantId: TENANT, kind: "broken", payload: null });
      const echo = await queue.enqueue({
        tenantId: TENANT,
        kind: "echo",
        payload: 1,
        idempotencyKey: "once",
      });
      // The same key again is the same job: queued once, counted once.
      await queue.enqueue({ tenantId: TENANT, kind: "echo", payload: 1, idempotencyKey: "once" });
      expect(await waitForFinish(queue, { tenantId: TENANT, id: failing.id })).toMatchObject({
        status: "failed",
      });
      expect(await waitForFinish(queue, { tenantId: TENANT, id: echo.id })).toMatchObject({
        status: "succeeded",
      });

      const failure = lines.find((line) => line.job_id === failing.id);
      expect(failure).toMatchObject({
        level: 50,
        msg: "job failed",
        job_id: failing.id,
        kind: "broken",
        tenant_id: TENANT,
        attempt: 1,
        will_retry: false,
        err: { message: "payload names no persona" },
      });
      const text = await metrics.registry.metrics();
      expect(text).toContain('dramatis_jobs_enqueued_total{kind="broken"} 1');
      expect(text).toContain('dramatis_jobs_enqueued_total{kind="echo"} 1');
      expect(text).toContain('dramatis_jobs_failed_total{kind="broken"} 1');
      expect(text).toContain('dramatis_job_duration_seconds_count{kind="broken",outcome="failed"} 1');
      expect(text).toContain('dramatis_job_duration_seconds_count{kind="echo",outcome="succeeded"} 1');
      expect(text).toContain('dramatis_jobs_running{kind="echo"} 0');
      await worker.stop();
    });

    it("cancels a queued job, which then never runs", async () => {
      const queue = await fixture.openQueue();
      const job = await queue.enqueue({ tenantId: TENANT, kind: "record", payload: null });

      const cancelled = await queue.cancel(TENANT, job.id);
      expect(cancelled).toMatchObject({ id: job.id, status: "cancelled" });
      expect(cancelled?.finishedAt).not.toBeNull();
      expect(statusesOf(await watchJob(queue, { tenantId: TENANT, id: job.id }).done)).toEqual(["cancelled"]);
      expect((await queue.cancel(TENANT, job.id))?.status).toBe("cancelled");

      const ran: string[] = [];
      const worker = queue.startWorker({
        handlers: { record: async (current) => void ran.push(current.id) },
      });
      const later = await queue.enqueue({ tenantId: TENANT, kind: "record", payload: null });
      expect((await waitForFinish(queue, { tenantId: TENANT, id: later.id })).status).toBe("succeeded");
      expect(ran).toEqual([later.id]);
      expect((await queue.get(TENANT, job.id))?.status).toBe("cancelled");
      await worker.stop();
    });

    it("holds a delayed job until its delay has passed, while others run at once", async () => {
      const queue = await fixture.openQueue();
      const started = new Map<string, number>();
      const worker = queue.startWorker({
        handlers: { record: async (current) => void started.set(current.id, Date.now()) },
        concurrency: 2,
      });
      const enqueuedAt = Date.now();
      const delayed = await queue.enqueue({ tenantId: TENANT, kind: "record", payload: null, delayMs: 700 });
      expect(delayed.status).toBe("queued");
      const prompt = await queue.enqueue({ tenantId: TENANT, kind: "record", payload: null });
      expect((await waitForFinish(queue, { tenantId: TENANT, id: prompt.id })).status).toBe("succeeded");
      expect((await waitForFinish(queue, { tenantId: TENANT, id: delayed.id })).status).toBe("succeeded");
      // A lower bound only: the job may run late on a busy machine, never early.
      expect(started.get(delayed.id)! - enqueuedAt).toBeGreaterThanOrEqual(650);
      await expect(
        queue.enqueue({ tenantId: TENANT, kind: "record", payload: null, delayMs: -1 }),
      ).rejects.toThrow(/delayMs/);
      await worker.stop();
    });

    it("runs a priority job before the jobs already waiting", async () => {
      const queue = await fixture.openQueue();
      const order: string[] = [];
      const waiting = await Promise.all(
        [1, 2, 3].map(() => queue.enqueue({ tenantId: TENANT, kind: "record", payload: "in turn" })),
      );
      const urgent = await queue.enqueue({
        tenantId: TENANT,
        kind: "record",
        payload: "priority",
        priority: true,
      });
      // One worker, started after everything is queued: what it takes first is what the queue put first.
      const worker = queue.startWorker({
        handlers: { record: async (current) => void order.push(String(current.payload)) },
        concurrency: 1,
      });
      for (const job of [urgent, ...waiting]) await waitForFinish(queue, { tenantId: TENANT, id: job.id });
      expect(order).toEqual(["priority", "in turn", "in turn", "in turn"]);
      await worker.stop();
    });

    it("cancels a running job from another process by aborting its handler", async () => {
      const workerProcess = await fixture.openQueue();
      const apiProcess = await fixture.openQueue();
      const started = defer();
      const aborted = defer();
      const endless: JobHandler = async (_job, { signal }) => {
        started.resolve();
        if (!signal.aborted) await new Promise((resolve) => signal.addEventListener("abort", resolve));
        aborted.resolve();
        throw signal.reason;
      };
      const worker = workerProcess.startWorker({ handlers: { endless } });
      const job = await apiProcess.enqueue({ tenantId: TENANT, kind: "endless", payload: null });
      await started.promise;

      expect((await apiProcess.cancel(TENANT, job.id))?.status).toBe("cancelled");
      await aborted.promise;
      await worker.stop();
      expect((await apiProcess.get(TENANT, job.id))?.status).toBe("cancelled");
    });

    it("runs each of 20 jobs exactly once with two workers in two processes", async () => {
      const processes = [await fixture.openQueue(), await fixture.openQueue()];
      const runs = new Map<string, number>();
      const count: JobHandler = async (job) => {
        runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
        await delay(5);
        return job.payload;
      };
      const workers = processes.map((queue) => queue.startWorker({ handlers: { count }, concurrency: 3 }));
      const jobs = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          processes[index % 2]!.enqueue({ tenantId: TENANT, kind: "count", payload: index }),
        ),
      );

      const finished = await Promise.all(
        jobs.map((job) => waitForFinish(processes[0]!, { tenantId: TENANT, id: job.id })),
      );
      expect(finished.map((job) => job.status)).toEqual(jobs.map(() => "succeeded"));
      expect(finished.map((job) => job.result)).toEqual(jobs.map((job) => job.payload));
      expect([...runs.values()]).toEqual(jobs.map(() => 1));
      await Promise.all(workers.map((worker) => worker.stop()));
    });

    it("stops gracefully: stop() resolves only after the running handler finished", async () => {
      const queue = await fixture.openQueue();
      const started = defer();
      const release = defer();
      let handlerFinished = false;
      const slow: JobHandler = async () => {
        started.resolve();
        await release.promise;
        handlerFinished = true;
        return "finished";
      };
      const worker = queue.startWorker({ handlers: { slow } });
      const job = await queue.enqueue({ tenantId: TENANT, kind: "slow", payload: null });
      await started.promise;

      let stopped = false;
      const stopping = worker.stop().then(() => (stopped = true));
      await delay(50);
      expect(stopped).toBe(false);
      release.resolve();
      await stopping;
      expect(handlerFinished).toBe(true);
      expect(await queue.get(TENANT, job.id)).toMatchObject({ status: "succeeded", result: "finished" });
    });

    it("runs again a job whose worker died (its lease expired)", async () => {
      const queue = await fixture.openQueue();
      const job = await queue.enqueue({ tenantId: TENANT, kind: "recover", payload: null });
      expect(await fixture.abandonNextJob("recover")).toBe(job.id);
      expect((await queue.get(TENANT, job.id))?.status).toBe("running");

      const ran: string[] = [];
      const recover: JobHandler = async (current) => {
        ran.push(current.id);
        return "recovered";
      };
      const worker = queue.startWorker({ handlers: { recover } });
      const finished = await waitForFinish(queue, { tenantId: TENANT, id: job.id });
      // The dead worker's run was a crash, not an attempt.
      expect(finished).toMatchObject({ status: "succeeded", result: "recovered", attempts: 1, crashes: 1 });
      expect(ran).toEqual([job.id]);
      await worker.stop();
    });

    it("retries a job whose lease expired without spending the attempts meant for errors", async () => {
      const queue = await fixture.openQueue();
      const job = await queue.enqueue({ tenantId: TENANT, kind: "crashed", payload: null, maxAttempts: 2 });
      expect(await fixture.abandonNextJob("crashed")).toBe(job.id);

      // Both attempts are still there for errors: one retryable failure, then success.
      const seen: Array<{ attempts: number; crashes: number }> = [];
      const crashed: JobHandler = async (current) => {
        seen.push({ attempts: current.attempts, crashes: current.crashes });
        if (seen.length === 1) throw new RetryableJobError("upstream busy");
        return "delivered";
      };
      const worker = queue.startWorker({ handlers: { crashed } });
      const finished = await waitForFinish(queue, { tenantId: TENANT, id: job.id });
      await worker.stop();
      expect(finished).toMatchObject({ status: "succeeded", result: "delivered", attempts: 2, crashes: 1 });
      expect(seen).toEqual([
        { attempts: 1, crashes: 1 },
        { attempts: 2, crashes: 1 },
      ]);
    });
  });
}
