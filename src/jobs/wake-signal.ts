/** Waits the given time, or less when the signal aborts; never rejects. Injected so tests can control it. */
export type Sleep = (milliseconds: number, signal: AbortSignal) => Promise<void>;

/** Sleeps on a real timer. */
export const sleepOnTimer: Sleep = (milliseconds, signal) =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const finish = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", finish);
      resolve();
    };
    const timer = setTimeout(finish, milliseconds);
    signal.addEventListener("abort", finish, { once: true });
  });

export interface WakeWaitOptions {
  /** the longest wait: pollers still poll, because other processes cannot wake them */
  milliseconds: number;
  /** the generation read before the poller last looked; a change since then returns at once */
  since: number;
  signal?: AbortSignal;
  sleep: Sleep;
}

/**
 * Lets pollers sleep until their interval passes or something in this process announces a change.
 * The generation counter closes the gap between "looked and found nothing" and "started waiting":
 * a notification in that gap makes the wait return immediately instead of being lost.
 */
export class WakeSignal {
  #generation = 0;
  readonly #waiters = new Set<() => void>();

  get generation(): number {
    return this.#generation;
  }

  notify(): void {
    this.#generation += 1;
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }

  async wait(options: WakeWaitOptions): Promise<void> {
    if (options.since !== this.#generation || options.signal?.aborted) return;
    const controller = new AbortController();
    const wake = () => controller.abort();
    this.#waiters.add(wake);
    // A listener removed afterwards, not AbortSignal.any: pollers wait often on one long-lived signal.
    options.signal?.addEventListener("abort", wake, { once: true });
    try {
      await options.sleep(options.milliseconds, controller.signal);
    } finally {
      this.#waiters.delete(wake);
      options.signal?.removeEventListener("abort", wake);
    }
  }
}

/** Wake signals per job id, so a change to one job wakes only that job's watchers. */
export class JobWatchers {
  readonly #signals = new Map<string, { signal: WakeSignal; watchers: number }>();

  /** Registers a watcher of the job; call release() when it stops watching. */
  watch(jobId: string): { signal: WakeSignal; release(): void } {
    const entry = this.#signals.get(jobId) ?? { signal: new WakeSignal(), watchers: 0 };
    entry.watchers += 1;
    this.#signals.set(jobId, entry);
    return {
      signal: entry.signal,
      release: () => {
        entry.watchers -= 1;
        if (entry.watchers === 0) this.#signals.delete(jobId);
      },
    };
  }

  notify(jobId: string): void {
    this.#signals.get(jobId)?.signal.notify();
  }
}
