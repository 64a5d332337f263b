import { DramatisApiError, readServerSentEvents, type ServerSentEvent } from "@dramatis/sdk";
import { describeUnreachableServer, sendApiRequest } from "./server-connection.ts";
import { formatDuration } from "./study-display.ts";

/*
 * How `dramatis study` talks to the server: JSON requests, paged lists, the server-sent event stream,
 * and waiting out a server that went away (a restart mid-study) for a bounded time.
 */

const PAGE_LIMIT = 200;
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

/** The server could not be reached, or the connection broke; worth trying again while the budget lasts. */
export class ServerUnreachableError extends Error {
  /** The cause in a few words (`ECONNREFUSED`), for a line that says the command is reconnecting. */
  readonly reason: string;

  constructor(message: string, reason?: string) {
    super(message);
    this.reason = reason ?? message;
  }
}

export interface StudyApi {
  /** Sends a request; a non-2xx answer throws DramatisApiError, an unreachable server ServerUnreachableError. */
  send(method: string, path: string, init?: { body?: unknown; signal?: AbortSignal }): Promise<Response>;
  json<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T>;
}

/**
 * A client of one server with one key. A request aborted through its signal throws InterruptedError.
 *
 * @example
 * const api = createStudyApi({ baseUrl: "http://127.0.0.1:8787", apiKey: "dra_…", user: "me" });
 * const study = await api.json("GET", "/v1/studies/std_1");
 */
export function createStudyApi(settings: {
  baseUrl: string;
  apiKey: string;
  user: string;
  fetch?: typeof fetch;
}): StudyApi {
  const fetchImplementation = settings.fetch ?? globalThis.fetch;
  const send: StudyApi["send"] = (method, pathname, init = {}) =>
    sendApiRequest({
      access: settings,
      fetch: fetchImplementation,
      method,
      path: pathname,
      body: init.body,
      signal: init.signal,
      unreachable: (error) => {
        if (init.signal?.aborted) return new InterruptedError();
        const cause = (error as { cause?: { code?: string } }).cause;
        return new ServerUnreachableError(
          describeUnreachableServer(settings.baseUrl, error),
          cause?.code ?? (error as Error).message,
        );
      },
    });
  return {
    send,
    json: async <T>(method: string, pathname: string, body?: unknown, signal?: AbortSignal) =>
      (await (await send(method, pathname, { body, signal })).json()) as T,
  };
}

/** Every item of a paged list endpoint (`data` + `next_cursor`). */
export async function listEvery<T>(api: StudyApi, pathname: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `?limit=${PAGE_LIMIT}${cursor ? `&after=${encodeURIComponent(cursor)}` : ""}`;
    const page: { data: T[]; next_cursor: string | null } = await api.json("GET", `${pathname}${query}`);
    items.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
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
 *   try { const study = await api.json("GET", path); reconnection.connected(); return study; }
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

/** The study's event stream; a broken connection is a ServerUnreachableError, an abort an InterruptedError. */
export function readStudyEvents(
  response: Response,
  signal: AbortSignal,
): AsyncGenerator<ServerSentEvent> | [] {
  if (!response.body) return [];
  return readServerSentEvents(response.body, (error) =>
    signal.aborted
      ? new InterruptedError()
      : new ServerUnreachableError(`the connection to the server broke (${(error as Error).message})`),
  );
}
