import { DramatisApiError } from "@dramatis/sdk";
import { ServerUnreachableError } from "./server-connection.ts";
import { formatDuration } from "./study-display.ts";

/*
 * How `dramatis study` copes with the server: its failures, what Ctrl-C means to a request, and
 * waiting out a server that went away (a restart mid-study) for a bounded time.
 */

const MAXIMUM_RECONNECT_DELAY_MS = 10_000;

/** A failure with a message meant for people, and its exit code (2 = the command line was wrong). */
export class StudyCommandError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Ctrl-C while waiting: the study goes on, only the command stops. */
export class InterruptedError extends Error {}

/**
 * What a request resolves to; one the signal aborted (Ctrl-C) throws InterruptedError instead of the
 * abort.
 *
 * @example const study = await interruptible(unwrap(client.GET("/v1/studies/{id}", { params, signal })), signal);
 */
export async function interruptible<T>(request: Promise<T>, signal: AbortSignal): Promise<T> {
  try {
    return await request;
  } catch (error) {
    if (signal.aborted) throw new InterruptedError();
    throw error;
  }
}

/** Gone, or restarting (a proxy's 502-504, a server shutting down): worth waiting for. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof ServerUnreachableError) return true;
  return error instanceof DramatisApiError && [502, 503, 504].includes(error.status);
}

/**
 * Waits out a server that went away. Time without the server is summed over every outage; once the
 * sum passes `limitMs` (--timeout) the command gives up. Waits between attempts double from
 * `initialDelayMs` up to 10 s.
 *
 * @example
 * const reconnection = new Reconnection({ limitMs: 3_600_000, now: Date.now, signal, initialDelayMs: 1000 });
 * for (;;) {
 *   try { const study = await unwrap(client.GET("/v1/studies/{id}", { params })); reconnection.connected(); return study; }
 *   catch (error) { await reconnection.failed(error); }
 * }
 */
export class Reconnection {
  private outageStartedAt: number | undefined;
  private spentMs = 0;
  private delayMs: number;
  /** Added to the message when the command gives up (what to do next). */
  giveUpHint: string | undefined;

  constructor(
    private readonly options: {
      limitMs: number;
      now: () => number;
      signal: AbortSignal;
      initialDelayMs: number;
      /** Called once when an outage starts, with its cause. */
      onLost?: (reason: string) => void;
      /** Called once when the server answers again. */
      onBack?: () => void;
    },
  ) {
    this.delayMs = options.initialDelayMs;
  }

  /** Records that the server answered. */
  connected(): void {
    this.delayMs = this.options.initialDelayMs;
    if (this.outageStartedAt === undefined) return;
    this.spentMs += this.options.now() - this.outageStartedAt;
    this.outageStartedAt = undefined;
    this.options.onBack?.();
  }

  /**
   * Records a failure and waits before the next attempt. Rethrows what is not worth retrying; throws
   * InterruptedError on Ctrl-C and ServerUnreachableError once the budget is spent.
   */
  async failed(error: unknown): Promise<void> {
    const { signal, now } = this.options;
    if (signal.aborted || error instanceof InterruptedError) throw new InterruptedError();
    if (!isRetryable(error)) throw error;
    const reason = error instanceof ServerUnreachableError ? error.reason : (error as Error).message;
    if (this.outageStartedAt === undefined) {
      this.outageStartedAt = now();
      this.options.onLost?.(reason);
    }
    if (this.spentMs + (now() - this.outageStartedAt) > this.options.limitMs) {
      const hint = this.giveUpHint ? `; ${this.giveUpHint}` : "";
      throw new ServerUnreachableError(
        `gave up after the server was unreachable for ${formatDuration(this.options.limitMs / 1000)} ` +
          `in all (${reason})${hint}`,
      );
    }
    await sleep(this.delayMs, signal);
    this.delayMs = Math.min(this.delayMs * 2, MAXIMUM_RECONNECT_DELAY_MS);
  }
}

/** Resolves after the time, or rejects with InterruptedError when the signal aborts first. */
export function sleep(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new InterruptedError());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new InterruptedError());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, milliseconds);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
