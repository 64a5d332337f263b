import type { Logger } from "pino";
import type { JobMetrics } from "../lib/metrics.ts";
import { isRetryableJobError, type Job, type JobHandler } from "./job-queue.ts";

/** Where a worker reports on the jobs it runs. */
export interface JobObservation {
  logger: Logger;
  /** running jobs, failures and durations by kind; none: not counted */
  metrics?: JobMetrics | undefined;
}

/** The ids a log line about a job carries, so an operator can find the job (GET /v1/jobs/{id}). */
export function jobLogFields(job: Job): Record<string, unknown> {
  return {
    job_id: job.id,
    kind: job.kind,
    tenant_id: job.tenantId,
    attempt: job.attempts,
    max_attempts: job.maxAttempts,
  };
}

/**
 * The handlers with every attempt counted (running gauge, duration by outcome, failures) and every
 * failure logged with the job's id, kind and tenant; the error still reaches the queue, which records it
 * and retries when it may. Both queue implementations run their handlers through this.
 *
 * @example queue-side: const handlers = observeJobHandlers(options.handlers, { logger, metrics });
 */
export function observeJobHandlers(
  handlers: Record<string, JobHandler>,
  observation: JobObservation,
): Record<string, JobHandler> {
  return Object.fromEntries(
    Object.entries(handlers).map(([kind, handler]) => [kind, observeJobHandler(handler, observation)]),
  );
}

function observeJobHandler(handler: JobHandler, observation: JobObservation): JobHandler {
  const { logger, metrics } = observation;
  return async (job, context) => {
    metrics?.running.inc({ kind: job.kind });
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const result = await handler(job, context);
      metrics?.duration.observe({ kind: job.kind, outcome: "succeeded" }, seconds());
      return result;
    } catch (error) {
      if (context.signal.aborted) {
        // Cancelled, or this worker lost the job (another runs it): not the job's failure.
        metrics?.duration.observe({ kind: job.kind, outcome: "stopped" }, seconds());
        logger.info({ ...jobLogFields(job), err: error }, "job stopped: cancelled or its lease was lost");
        throw error;
      }
      metrics?.failed.inc({ kind: job.kind });
      metrics?.duration.observe({ kind: job.kind, outcome: "failed" }, seconds());
      const willRetry = isRetryableJobError(error) && job.attempts < job.maxAttempts;
      logger[willRetry ? "warn" : "error"](
        { ...jobLogFields(job), will_retry: willRetry, err: error },
        willRetry ? "job attempt failed; it runs again" : "job failed",
      );
      throw error;
    } finally {
      metrics?.running.dec({ kind: job.kind });
    }
  };
}
