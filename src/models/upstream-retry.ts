import { setTimeout as delay } from "node:timers/promises";
import { APICallError, RetryError } from "ai";
import {
  OUTBOUND_REFUSED_MESSAGE,
  OUTBOUND_UNREACHABLE_MESSAGE,
  OutboundRefusedError,
  OutboundUnreachableError,
} from "../lib/outbound-errors.ts";
import { redactSecrets, safeRequestId } from "../lib/redact.ts";
import { UpstreamModelError } from "./language-model.ts";

/** Waits `milliseconds`; rejects early when `signal` aborts. Injected so tests never wait. */
export type Sleep = (milliseconds: number, signal?: AbortSignal) => Promise<void>;

export interface RetryOptions {
  /** Total tries including the first. */
  attempts?: number;
  /** Delay before the second try; doubles on each further try. */
  baseDelayMs?: number;
  /** Upper bound for any single wait, including one an upstream asks for with `retry-after`. */
  maxDelayMs?: number;
  /** Aborting stops retrying at once; the abort error is rethrown as it is, never wrapped. */
  signal?: AbortSignal;
  sleep?: Sleep;
  /** Returns a number in [0, 1); injected so tests can pin the jitter. */
  random?: () => number;
  /** Names the provider in error summaries ("openai answered HTTP 401"). */
  provider?: string;
  /** Credentials sent upstream (the API key): never accepted as a request id, removed from logged text. */
  secrets?: readonly (string | undefined)[];
}

/** What Dramatis makes of one failed upstream call. */
export interface UpstreamFailure {
  /** A summary safe to show callers: status, provider, request id; never the upstream's own words. */
  detail: string;
  /** What the upstream said, redacted: for server-side logs only. */
  upstreamMessage?: string | undefined;
  upstreamStatus: number | undefined;
  retryable: boolean;
  /** The wait the upstream asked for (`retry-after-ms` / `retry-after`), when it asked. */
  retryAfterMs: number | undefined;
}

const NETWORK_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/** Anthropic reports overload and internal errors inside an otherwise successful stream. */
const RETRYABLE_STREAM_ERROR_TYPES = new Set(["overloaded_error", "api_error", "rate_limit_error"]);

const defaultSleep: Sleep = async (milliseconds, signal) => {
  await delay(milliseconds, undefined, { signal });
};

/**
 * Runs `operation`, retrying retryable upstream failures (HTTP 408/409/429/5xx, refused or reset
 * connections) with exponential backoff and jitter, honouring `retry-after` up to `maxDelayMs`.
 * The AI SDK's own retries must be off (`maxRetries: 0`) so each failure is retried once, here.
 * Every failure that ends the loop becomes an `UpstreamModelError` carrying a summary (status, provider,
 * request id) and, for logs only, the redacted upstream message; an abort ends it at once and is
 * rethrown unchanged.
 *
 * @example
 * const result = await withRetry(
 *   () => generateText({ model, prompt: "Hi", maxRetries: 0, abortSignal: signal }),
 *   { attempts: 3, signal },
 * );
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 3);
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt += 1) {
    throwIfAborted(options.signal);
    try {
      return await operation(attempt);
    } catch (error) {
      if (options.signal?.aborted || isAbortError(error)) {
        throw error;
      }
      const failure = classifyUpstreamFailure(error, options);
      if (!failure.retryable || attempt >= attempts) {
        throw toUpstreamModelError(error, failure);
      }
      await sleep(retryDelayMs({ attempt, failure, ...options }), options.signal);
    }
  }
}

/**
 * Reads status, message and retryability from whatever an AI SDK call threw: `APICallError`,
 * the SDK's `RetryError`, raw network errors (`fetch failed` with an `ECONNREFUSED` cause), and
 * error objects an upstream sent inside a stream.
 *
 * @example
 * classifyUpstreamFailure(new APICallError({ message: "busy", url, requestBodyValues: {}, statusCode: 503 }));
 * // { detail: "the model upstream answered HTTP 503", upstreamMessage: "busy", upstreamStatus: 503, … }
 */
export function classifyUpstreamFailure(
  error: unknown,
  context: { provider?: string; secrets?: readonly (string | undefined)[] } = {},
): UpstreamFailure {
  if (error instanceof UpstreamModelError) {
    return {
      detail: error.message,
      upstreamMessage: error.upstreamMessage,
      upstreamStatus: error.upstreamStatus,
      retryable: error.retryable,
      retryAfterMs: undefined,
    };
  }
  if (RetryError.isInstance(error)) {
    return classifyUpstreamFailure(error.lastError, context);
  }
  const who = context.provider ? `the model provider ${context.provider}` : "the model upstream";
  const outbound = findOutboundError(error);
  if (outbound) {
    // The guard's own words are safe and fixed: they say neither what lies behind the address nor why it failed.
    const refused = outbound instanceof OutboundRefusedError;
    return {
      detail: `${who}: ${refused ? OUTBOUND_REFUSED_MESSAGE : OUTBOUND_UNREACHABLE_MESSAGE}`,
      upstreamMessage: undefined,
      upstreamStatus: undefined,
      retryable: !refused,
      retryAfterMs: undefined,
    };
  }
  if (APICallError.isInstance(error)) {
    return classifyApiCallError(error, who, context.secrets ?? []);
  }
  if (isNetworkError(error)) {
    const code = networkErrorCode(error);
    return {
      detail: `cannot connect to ${who}${code ? ` (${code})` : ""}`,
      upstreamMessage: redactSecrets(describeNetworkError(error), context.secrets),
      upstreamStatus: undefined,
      retryable: true,
      retryAfterMs: undefined,
    };
  }
  return classifyOtherError(error, who, context.secrets ?? []);
}

/**
 * True when a status means "try again later" rather than "this request is wrong".
 *
 * @example
 * isRetryableStatus(429); // true
 * isRetryableStatus(400); // false
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * Reads how long an upstream asked us to wait, from `retry-after-ms` or `retry-after` (seconds or
 * an HTTP date). Header names must be lower case, as the AI SDK stores them.
 *
 * @example
 * parseRetryAfterMs({ "retry-after": "2" }); // 2000
 */
export function parseRetryAfterMs(
  headers: Record<string, string | undefined> | undefined,
  now: () => number = Date.now,
): number | undefined {
  const milliseconds = Number.parseFloat(headers?.["retry-after-ms"] ?? "");
  if (Number.isFinite(milliseconds) && milliseconds >= 0) {
    return milliseconds;
  }
  const retryAfter = headers?.["retry-after"];
  if (retryAfter === undefined) {
    return undefined;
  }
  const seconds = Number.parseFloat(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) {
    return seconds * 1000;
  }
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now());
}

/**
 * The wait before the next try: the upstream's `retry-after` when given, otherwise exponential
 * backoff with "equal jitter" (half fixed, half random) so many clients do not retry in lockstep
 * yet never retry instantly. Always capped at `maxDelayMs`.
 *
 * @example
 * retryDelayMs({ attempt: 2, failure, baseDelayMs: 250, random: () => 0.5 }); // 375
 */
export function retryDelayMs(options: {
  attempt: number;
  failure: UpstreamFailure;
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
}): number {
  const maxDelayMs = options.maxDelayMs ?? 4000;
  if (options.failure.retryAfterMs !== undefined) {
    return Math.min(options.failure.retryAfterMs, maxDelayMs);
  }
  const exponential = Math.min((options.baseDelayMs ?? 250) * 2 ** (options.attempt - 1), maxDelayMs);
  const random = options.random ?? Math.random;
  return Math.round(exponential / 2 + (exponential / 2) * random());
}

/** True for the errors `fetch` and the AI SDK throw when a call was aborted or timed out. */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError");
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw signal.reason ?? new DOMException("The operation was aborted", "AbortError");
  }
}

function toUpstreamModelError(error: unknown, failure: UpstreamFailure): UpstreamModelError {
  if (error instanceof UpstreamModelError) {
    return error;
  }
  const upstreamError = new UpstreamModelError(
    failure.detail,
    failure.upstreamStatus,
    failure.retryable,
    failure.upstreamMessage,
  );
  upstreamError.cause = error;
  return upstreamError;
}

function classifyApiCallError(
  error: APICallError,
  who: string,
  secrets: readonly (string | undefined)[],
): UpstreamFailure {
  const status = error.statusCode;
  const retryable =
    error.isRetryable || (status !== undefined && isRetryableStatus(status)) || isNetworkError(error.cause);
  const requestId = safeRequestId(error.responseHeaders, secrets);
  const code = status === undefined ? networkErrorCode(error) : undefined;
  return {
    // The upstream's message and body can echo our request (its Authorization header): callers get none of it.
    detail:
      (status === undefined
        ? `cannot connect to ${who}${code ? ` (${code})` : ""}`
        : status >= 200 && status < 300
          ? // It had answered 200 and was streaming when the body broke off.
            `the connection to ${who} was lost`
          : `${who} answered HTTP ${status}`) + (requestId ? ` (request id ${requestId})` : ""),
    upstreamMessage: redactSecrets(
      [error.message, error.responseBody].filter(Boolean).join(" ").slice(0, 4000),
      secrets,
    ).slice(0, 500),
    upstreamStatus: status,
    retryable,
    retryAfterMs: retryable ? parseRetryAfterMs(error.responseHeaders) : undefined,
  };
}

/** Plain errors and the `{ type, message }` objects providers put into a stream's error part. */
function classifyOtherError(
  error: unknown,
  who: string,
  secrets: readonly (string | undefined)[],
): UpstreamFailure {
  const message = readMessage(error);
  const rawType = isRecord(error) && typeof error.type === "string" ? error.type : undefined;
  // A stream's error type (`overloaded_error`) is shown when it looks like one; its message is not.
  const type = rawType !== undefined && /^[a-z0-9_.-]{1,60}$/i.test(rawType) ? rawType : undefined;
  return {
    detail: `${who} reported an error${type ? ` (${type})` : ""}`,
    upstreamMessage:
      message === undefined ? undefined : redactSecrets(message.slice(0, 4000), secrets).slice(0, 500),
    upstreamStatus: undefined,
    retryable: type !== undefined && RETRYABLE_STREAM_ERROR_TYPES.has(type),
    retryAfterMs: undefined,
  };
}

/** The outbound guard's refusal or unreachable error, wherever the AI SDK wrapped it in the `cause` chain. */
function findOutboundError(error: unknown): OutboundRefusedError | OutboundUnreachableError | undefined {
  for (let current = error, depth = 0; current !== undefined && depth < 8; depth++) {
    if (current instanceof OutboundRefusedError || current instanceof OutboundUnreachableError)
      return current;
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}

/** Walks the `cause` chain: undici hides `ECONNREFUSED` behind `TypeError: fetch failed`. */
function isNetworkError(error: unknown): boolean {
  return findNetworkCause(error) !== undefined;
}

function findNetworkCause(error: unknown): Error | undefined {
  const chain = causeChain(error);
  return (
    chain.find((link) => {
      const code = (link as { code?: unknown }).code;
      return typeof code === "string" && NETWORK_ERROR_CODES.has(code);
    }) ??
    chain.find(
      (link) =>
        link instanceof TypeError && /^(fetch failed|failed to fetch|terminated)$/i.test(link.message),
    )
  );
}

function causeChain(error: unknown): Error[] {
  const chain: Error[] = [];
  for (let current = error; current instanceof Error && !chain.includes(current); current = current.cause) {
    chain.push(current);
  }
  return chain;
}

function describeNetworkError(error: unknown): string {
  const cause = findNetworkCause(error);
  const code = (cause as { code?: unknown } | undefined)?.code;
  const message = readMessage(cause) ?? readMessage(error) ?? "network error";
  return typeof code === "string" && !message.includes(code) ? `${code} ${message}` : message;
}

/** The error code (ECONNREFUSED) in the cause chain, when it is a plain code. */
function networkErrorCode(error: unknown): string | undefined {
  const code = (findNetworkCause(error) as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && /^[A-Z0-9_]{2,40}$/.test(code) ? code : undefined;
}

function readMessage(error: unknown): string | undefined {
  if (error instanceof Error) {
    return error.message || undefined;
  }
  if (isRecord(error)) {
    if (typeof error.message === "string") {
      return error.message;
    }
    if (isRecord(error.error)) {
      return readMessage(error.error);
    }
  }
  return typeof error === "string" ? error : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
