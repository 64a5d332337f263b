import { AppError } from "../errors/app-error.ts";

/*
 * The errors of ProviderHttpClient, and how a failed attempt is read: what a provider's error body says
 * and what a network error was underneath undici's "fetch failed".
 */

/** A download larger than its caller takes: stopped as soon as the bytes passed the limit. */
export class ProviderDownloadTooLargeError extends Error {
  constructor(
    readonly maxBytes: number,
    provider = "a provider",
  ) {
    super(`a media file from ${provider} is larger than ${maxBytes} bytes`);
    this.name = "ProviderDownloadTooLargeError";
  }
}

/**
 * A provider call that failed for good. `retryable` says whether trying again later may help (the job
 * queue reads it); the HTTP API shows it as 502 with this message.
 */
export class ProviderHttpError extends AppError {
  readonly provider: string;
  readonly call: string;
  /** The provider's HTTP status; undefined for network errors and timeouts. */
  readonly providerStatus: number | undefined;
  /** The provider's own error code when it sent one (Twilio's 21610, Meta's 131047). */
  readonly providerCode: string | undefined;
  readonly retryable: boolean;
  readonly attempts: number;
  /** The provider's request id, when it sent a plausible one; shown to callers for support. */
  readonly providerRequestId: string | undefined;
  /** The provider's own error message, redacted: for server-side logs only, never for callers. */
  readonly upstreamMessage: string | undefined;

  constructor(options: {
    provider: string;
    call: string;
    detail: string;
    providerStatus?: number | undefined;
    providerCode?: string | undefined;
    providerRequestId?: string | undefined;
    upstreamMessage?: string | undefined;
    retryable: boolean;
    attempts: number;
    cause?: unknown;
  }) {
    const tries = options.attempts === 1 ? "1 attempt" : `${options.attempts} attempts`;
    super(502, "Bad Gateway", `${options.provider} ${options.call} failed: ${options.detail} (${tries})`);
    this.provider = options.provider;
    this.call = options.call;
    this.providerStatus = options.providerStatus;
    this.providerCode = options.providerCode;
    this.retryable = options.retryable;
    this.attempts = options.attempts;
    this.providerRequestId = options.providerRequestId;
    this.upstreamMessage = options.upstreamMessage;
    if (options.cause !== undefined) this.cause = options.cause;
  }
}

/** What one failed attempt amounts to. */
export interface AttemptFailure {
  detail: string;
  providerStatus: number | undefined;
  providerCode: string | undefined;
  providerRequestId?: string | undefined;
  upstreamMessage?: string | undefined;
  retryable: boolean;
  retryAfterMs: number | undefined;
  cause?: unknown;
}

/** A failure no retry mends. */
export function permanentFailure(detail: string): AttemptFailure {
  return {
    detail,
    providerStatus: undefined,
    providerCode: undefined,
    retryable: false,
    retryAfterMs: undefined,
  };
}

/**
 * The message and code in a provider's error body: Twilio `{ code, message }`, Graph API
 * `{ error: { message, code } }`, OAuth `{ error_description }`, or plain text.
 */
export function readProviderError(body: unknown): { message: string | undefined; code: string | undefined } {
  if (typeof body === "string") return { message: body.trim().slice(0, 2000) || undefined, code: undefined };
  if (!isRecord(body)) return { message: undefined, code: undefined };
  const nested = isRecord(body.error) ? body.error : undefined;
  const message = [body.message, nested?.message, body.error_description, body.detail, body.error].find(
    (candidate): candidate is string => typeof candidate === "string" && candidate !== "",
  );
  const code = [body.code, nested?.code].find(
    (candidate) => typeof candidate === "string" || typeof candidate === "number",
  );
  return { message: message?.slice(0, 2000), code: code === undefined ? undefined : String(code) };
}

/** undici hides the reason (ECONNREFUSED 127.0.0.1:9) behind `TypeError: fetch failed`. */
export function describeNetworkError(error: unknown): string {
  const chain: unknown[] = [];
  for (let link = error; link instanceof Error && !chain.includes(link); link = link.cause) chain.push(link);
  const innermost = chain.at(-1) as (Error & { code?: unknown }) | undefined;
  if (!innermost) return String(error);
  const code = typeof innermost.code === "string" ? innermost.code : undefined;
  return code && !innermost.message.includes(code) ? `${code} ${innermost.message}` : innermost.message;
}

/** The error code (ECONNREFUSED) deepest in the cause chain, when it is a plain code. */
export function networkErrorCode(error: unknown): string | undefined {
  let found: string | undefined;
  const seen: unknown[] = [];
  for (let link = error; link instanceof Error && !seen.includes(link); link = link.cause) {
    seen.push(link);
    const code = (link as { code?: unknown }).code;
    if (typeof code === "string" && /^[A-Z0-9_]{2,40}$/.test(code)) found = code;
  }
  return found;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
