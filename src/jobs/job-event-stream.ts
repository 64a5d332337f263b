import { isTerminalJobStatus, type Job, type JobEvent } from "./job-queue.ts";
import type { Sleep, WakeSignal } from "./wake-signal.ts";

/** Where one job's state and progress are read from; each queue implementation provides one. */
export interface JobEventSource {
  /** the job, or undefined when it is gone or not the caller's */
  readJob(): Promise<Job | undefined>;
  /** the position just after the progress stored so far */
  readProgressPosition(): Promise<number>;
  /** the progress stored after a position, in order, and the position after it */
  readProgressAfter(position: number): Promise<{ items: unknown[]; position: number }>;
}

export interface StreamJobEventsOptions {
  source: JobEventSource;
  /** announces changes to this job made in this process */
  wake: WakeSignal;
  /** ends the stream when aborted */
  signal: AbortSignal;
  /** how often to look for changes made by other processes */
  pollIntervalMs: number;
  sleep: Sleep;
}

function statusEvent(job: Job): JobEvent {
  return { type: "status", status: job.status, job };
}

/** True when a watcher should hear about the change: a new status, or a new attempt of the same one. */
function hasVisiblyChanged(before: Job, after: Job): boolean {
  return before.status !== after.status || before.attempts !== after.attempts;
}

/**
 * A job's current status, then its progress and status changes until a terminal status, by polling the
 * source and waking early on changes announced in this process.
 *
 * @example for await (const event of streamJobEvents({ source, wake, signal, pollIntervalMs: 250, sleep })) …
 */
export async function* streamJobEvents(options: StreamJobEventsOptions): AsyncGenerator<JobEvent> {
  const { source, wake, signal } = options;
  let generation = wake.generation;
  // The position is read before the snapshot, so nothing published after the snapshot is missed.
  let position = await source.readProgressPosition();
  let seen = await source.readJob();
  if (!seen) return;
  yield statusEvent(seen);
  while (!isTerminalJobStatus(seen.status)) {
    await wake.wait({
      milliseconds: options.pollIntervalMs,
      since: generation,
      signal,
      sleep: options.sleep,
    });
    if (signal.aborted) return;
    generation = wake.generation;
    // The job is read before its progress: once it is finished, all of its progress is already stored.
    const current = await source.readJob();
    if (!current) return;
    const progress = await source.readProgressAfter(position);
    position = progress.position;
    for (const data of progress.items) yield { type: "progress", data };
    if (hasVisiblyChanged(seen, current)) yield statusEvent(current);
    seen = current;
  }
}
