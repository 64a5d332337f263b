import { setTimeout as delay } from "node:timers/promises";
import type { z } from "zod";
import {
  classifyUpstreamFailure,
  isRetryableStatus,
  parseRetryAfterMs,
  retryDelayMs,
  type Sleep,
} from "../models/upstream-retry.ts";
import {
  OUTBOUND_REFUSED_MESSAGE,
  OUTBOUND_UNREACHABLE_MESSAGE,
  OutboundRefusedError,
} from "../lib/outbound-errors.ts";
import { redactSecrets, safeRequestId } from "../lib/redact.ts";
import { bodyFor, lowerCaseHeaders, parseBody, readCapped } from "./provider-http-body.ts";
import {
  describeNetworkError,
  networkErrorCode,
  permanentFailure,
  ProviderDownloadTooLargeError,
  ProviderHttpError,
  readProviderError,
  type AttemptFailure,
} from "./provider-http-errors.ts";

/*
 * The one HTTP client for messaging providers (Twilio, the WhatsApp Graph API, web push services).
 * Every call gets a timeout per attempt, retries with backoff on failures worth retrying (network
 * errors, timeouts, 408/409/429/5xx, honouring Retry-After) and none on other 4xx, and fails with an
 * error that names the provider, the call and what went wrong. Base URLs are configuration, so tests
 * point them at loopback servers.
 *
 * What a provider said in an error body never reaches callers: an upstream may echo the headers it was
 * sent (our Authorization: Twilio's `SID:token`, a bearer token). Callers get the status, the provider's
 * error code and its request id; the body's message, redacted, stays on the error for server-side logs.
 */

/** How the client proves who it is: HTTP basic (Twilio: account SID and auth token) or a bearer token. */
export type ProviderAuth =
  { type: "basic"; username: string; password: string } | { type: "bearer"; token: string };

export interface ProviderHttpClientOptions {
  /** Names the provider in errors and logs, e.g. "twilio". */
  provider: string;
  /** e.g. `https://api.twilio.com`; request paths are appended to it. */
  baseUrl: string;
  auth?: ProviderAuth;
  /** Limit for one attempt, response body included. Default 10 s. */
  timeoutMs?: number;
  /** Total tries including the first. Default 3. */
  attempts?: number;
  /** Backoff before the second try; doubles on each further try. Default 250 ms. */
  baseDelayMs?: number;
  /** Upper bound of any wait, including one a provider asks for with Retry-After. Default 8 s. */
  maxDelayMs?: number;
  /** Injected so tests never wait. */
  sleep?: Sleep;
  /** In [0, 1); injected so tests can pin the backoff jitter. */
  random?: () => number;
  /** Headers sent with every call (a User-Agent, an API version). */
  headers?: Record<string, string>;
  /** Replaces the global fetch: the outbound guard's for URLs a user supplied (web push endpoints). */
  fetch?: typeof globalThis.fetch;
  /**
   * Leave the provider's error text and code out of errors (only the HTTP status stays): for hosts a
   * user chose, whose answers must not be relayed back to them. Default false.
   */
  hideProviderMessages?: boolean;
}

/** One call to a provider: to `path` under the base URL, or to an absolute `url`. */
export type ProviderRequest = ProviderRequestOptions &
  (
    | {
        /** Appended to the base URL: `/2010-04-01/Accounts/AC…/Messages.json`. */
        path: string;
        url?: never;
      }
    | {
        /**
         * An absolute URL instead (a media file Meta serves from its CDN): the caller has checked that its
         * host may be sent the credentials.
         */
        url: string;
        path?: never;
      }
  );

/** What a call carries besides its address. */
export interface ProviderRequestOptions {
  /** What the call does, for errors: "send message". */
  call: string;
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  query?: Record<string, string | undefined>;
  /** Sent as `application/x-www-form-urlencoded`; an array repeats the name. */
  form?: Record<string, string | readonly string[] | undefined>;
  /** Sent as `application/json`. */
  json?: unknown;
  /** Sent as is with its content type (an encrypted web push message). */
  binary?: { contentType: string; bytes: Uint8Array };
  headers?: Record<string, string>;
  /** Aborting stops the call (and its retries) at once; the abort error is rethrown unchanged. */
  signal?: AbortSignal | undefined;
  /** Limit for one attempt of this call (a large download); default the client's `timeoutMs`. */
  timeoutMs?: number | undefined;
  /**
   * What a redirect does: fails the call (default), or, for a download, is followed once to an https
   * address (or the base URL's origin) without the credentials: Twilio answers a media URL with a
   * redirect to its storage, which must not be sent the account's token.
   */
  redirect?: "error" | "follow-without-credentials";
}

/** A file a provider served (`download`). */
export interface ProviderDownload {
  bytes: Uint8Array;
  /** the Content-Type it was served with, parameters removed; undefined when none */
  contentType: string | undefined;
  attempts: number;
  latencyMs: number;
}

/** A successful (2xx) answer. */
export interface ProviderResponse<T> {
  status: number;
  headers: Headers;
  /** The parsed JSON body (validated when a schema was given), the text otherwise, undefined when empty. */
  body: T;
  /** Tries it took, including the successful one. */
  attempts: number;
  /** Wall-clock time of the successful attempt. */
  latencyMs: number;
}

const defaultSleep: Sleep = async (milliseconds, signal) => {
  await delay(milliseconds, undefined, { signal });
};

/**
 * @example
 * const twilio = new ProviderHttpClient({
 *   provider: "twilio",
 *   baseUrl: "https://api.twilio.com",
 *   auth: { type: "basic", username: accountSid, password: authToken },
 * });
 * const { body } = await twilio.request(
 *   { call: "send message", method: "POST", path: `/2010-04-01/Accounts/${accountSid}/Messages.json`,
 *     form: { From: "+14155550100", To: "+14155550111", Body: "Hi" } },
 *   z.object({ sid: z.string() }),
 * );
 */
export class ProviderHttpClient {
  readonly provider: string;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly sleep: Sleep;

  constructor(private readonly options: ProviderHttpClientOptions) {
    this.provider = options.provider;
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.attempts = Math.max(1, options.attempts ?? 3);
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** Calls the provider, retrying what is worth retrying; validates the body when `schema` is given. */
  async request<T = unknown>(request: ProviderRequest, schema?: z.ZodType<T>): Promise<ProviderResponse<T>> {
    const { result, attempts } = await this.withRetries(request, () => this.attempt(request));
    return { ...result, body: this.validate(request, result.body, schema, attempts), attempts };
  }

  /**
   * Downloads a file (a user's picture) with the client's credentials, retried like any call: its bytes,
   * read only up to `maxBytes` (ProviderDownloadTooLargeError past it, never retried).
   *
   * @example const { bytes } = await twilio.download({ call: "download media", path }, { maxBytes: 5 << 20 });
   */
  async download(request: ProviderRequest, options: { maxBytes: number }): Promise<ProviderDownload> {
    const asked = { ...request, headers: { accept: "*/*", ...request.headers } } as ProviderRequest;
    const { result, attempts } = await this.withRetries(asked, () =>
      this.attemptDownload(asked, options.maxBytes),
    );
    return { ...result, attempts };
  }

  /** Runs `attempt` until it succeeds, fails for good or the attempts are used up (backing off between). */
  private async withRetries<R>(
    request: ProviderRequest,
    run: () => Promise<{ response: R } | { failure: AttemptFailure }>,
  ): Promise<{ result: R; attempts: number }> {
    for (let attempt = 1; ; attempt += 1) {
      request.signal?.throwIfAborted();
      const outcome = await run();
      if ("response" in outcome) return { result: outcome.response, attempts: attempt };
      const failure = outcome.failure;
      if (!failure.retryable || attempt >= this.attempts) {
        throw new ProviderHttpError({
          provider: this.provider,
          call: request.call,
          detail: failure.detail,
          providerStatus: failure.providerStatus,
          providerCode: failure.providerCode,
          providerRequestId: failure.providerRequestId,
          upstreamMessage: failure.upstreamMessage,
          retryable: failure.retryable,
          attempts: attempt,
          cause: failure.cause,
        });
      }
      const wait = retryDelayMs({
        attempt,
        failure: { ...failure, upstreamStatus: failure.providerStatus },
        baseDelayMs: this.options.baseDelayMs,
        maxDelayMs: this.options.maxDelayMs ?? 8000,
        random: this.options.random,
      });
      await this.sleep(wait, request.signal);
    }
  }

  private async attempt(
    request: ProviderRequest,
  ): Promise<
    | { response: { status: number; headers: Headers; body: unknown; latencyMs: number } }
    | { failure: AttemptFailure }
  > {
    const { signal, timeout, timeoutMs } = this.attemptSignal(request);
    const started = performance.now();
    let response: Response;
    let text: string;
    try {
      response = await this.fetchOnce(request, signal);
      text = await response.text();
    } catch (error) {
      if (request.signal?.aborted) throw error; // the caller gave up: not a provider failure
      return { failure: this.describeThrown(error, timeout.aborted, timeoutMs) };
    }
    const latencyMs = Math.round(performance.now() - started);
    const body = parseBody(text, response.headers.get("content-type"));
    if (response.ok)
      return { response: { status: response.status, headers: response.headers, body, latencyMs } };
    return { failure: this.describeStatus(response, body) };
  }

  private async attemptDownload(
    request: ProviderRequest,
    maxBytes: number,
  ): Promise<{ response: Omit<ProviderDownload, "attempts"> } | { failure: AttemptFailure }> {
    const { signal, timeout, timeoutMs } = this.attemptSignal(request);
    const started = performance.now();
    try {
      let response = await this.fetchOnce(request, signal);
      if (request.redirect === "follow-without-credentials" && REDIRECT_STATUSES.has(response.status)) {
        await response.body?.cancel();
        const location = this.redirectTarget(response, this.urlFor(request));
        if (location === undefined) {
          return { failure: permanentFailure(`HTTP ${response.status}: a redirect to no https address`) };
        }
        response = await (this.options.fetch ?? fetch)(location, { signal, redirect: "error" });
      }
      if (!response.ok) {
        const text = await response.text();
        return {
          failure: this.describeStatus(response, parseBody(text, response.headers.get("content-type"))),
        };
      }
      const bytes = await readCapped(response.body, maxBytes, this.provider);
      const contentType =
        response.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase() || undefined;
      return { response: { bytes, contentType, latencyMs: Math.round(performance.now() - started) } };
    } catch (error) {
      if (request.signal?.aborted || error instanceof ProviderDownloadTooLargeError) throw error;
      return { failure: this.describeThrown(error, timeout.aborted, timeoutMs) };
    }
  }

  /** One attempt's signal: the caller's, ended by the attempt's timeout. */
  private attemptSignal(request: ProviderRequest) {
    const timeoutMs = request.timeoutMs ?? this.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    return {
      timeout,
      timeoutMs,
      signal: request.signal ? AbortSignal.any([request.signal, timeout]) : timeout,
    };
  }

  private fetchOnce(request: ProviderRequest, signal: AbortSignal): Promise<Response> {
    return (this.options.fetch ?? fetch)(this.urlFor(request), {
      method: request.method ?? "GET",
      headers: this.headersFor(request),
      body: bodyFor(request),
      signal,
      redirect: request.redirect === "follow-without-credentials" ? "manual" : "error",
    });
  }

  /** Where a redirect leads, when it may be followed: https, or the base URL's own origin (tests). */
  private redirectTarget(response: Response, from: string): string | undefined {
    const location = response.headers.get("location");
    if (!location) return undefined;
    let target: URL;
    try {
      target = new URL(location, from);
    } catch {
      return undefined;
    }
    const sameOrigin = target.origin === new URL(this.baseUrl).origin;
    return target.protocol === "https:" || sameOrigin ? target.toString() : undefined;
  }

  /** What an answer other than 2xx amounts to: its status, and the provider's code and request id. */
  private describeStatus(response: Response, body: unknown): AttemptFailure {
    const retryable = isRetryableStatus(response.status);
    const hidden = this.options.hideProviderMessages === true;
    const { message, code: rawCode } = hidden
      ? { message: undefined, code: undefined }
      : readProviderError(body);
    const secrets = this.secrets();
    // A code is shown only when it looks like one (Twilio's 21610, Meta's 131047), never echoed text.
    const code =
      rawCode !== undefined &&
      /^[A-Za-z0-9_.-]{1,40}$/.test(rawCode) &&
      !secrets.some((secret) => secret.includes(rawCode) || rawCode.includes(secret))
        ? rawCode
        : undefined;
    const requestId = hidden ? undefined : safeRequestId(response.headers, secrets);
    return {
      detail: `HTTP ${response.status}${code ? ` (code ${code})` : ""}${requestId ? ` (request id ${requestId})` : ""}`,
      providerStatus: response.status,
      providerCode: code,
      providerRequestId: requestId,
      upstreamMessage: message === undefined ? undefined : redactSecrets(message, secrets).slice(0, 300),
      retryable,
      retryAfterMs: retryable ? parseRetryAfterMs(lowerCaseHeaders(response.headers)) : undefined,
    };
  }

  private describeThrown(error: unknown, timedOut: boolean, timeoutMs: number): AttemptFailure {
    if (this.options.hideProviderMessages) {
      // A timeout, a refused port and a reset all read the same: nothing about the host leaks.
      const refused = error instanceof OutboundRefusedError;
      return {
        detail: `cannot reach ${this.baseUrl}: ${refused ? OUTBOUND_REFUSED_MESSAGE : OUTBOUND_UNREACHABLE_MESSAGE}`,
        providerStatus: undefined,
        providerCode: undefined,
        retryable: !refused && (timedOut || classifyUpstreamFailure(error).retryable),
        retryAfterMs: undefined,
        cause: error,
      };
    }
    if (timedOut) {
      return {
        detail: `no answer within ${timeoutMs} ms`,
        providerStatus: undefined,
        providerCode: undefined,
        retryable: true,
        retryAfterMs: undefined,
        cause: error,
      };
    }
    return {
      // The address and the network error's text stay out: callers learn only that it was unreachable.
      detail: `cannot reach ${this.provider}${networkErrorCode(error) ? ` (${networkErrorCode(error)})` : ""}`,
      upstreamMessage: redactSecrets(describeNetworkError(error), this.secrets()),
      providerStatus: undefined,
      providerCode: undefined,
      // Refused, reset and unresolvable connections are worth another try; anything else (a bad URL) is not.
      retryable: classifyUpstreamFailure(error).retryable,
      retryAfterMs: undefined,
      cause: error,
    };
  }

  private validate<T>(
    request: ProviderRequest,
    body: unknown,
    schema: z.ZodType<T> | undefined,
    attempt: number,
  ): T {
    if (!schema) return body as T;
    const result = schema.safeParse(body);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    throw new ProviderHttpError({
      provider: this.provider,
      call: request.call,
      detail: `unexpected response: ${issue ? `${issue.path.join(".") || "(body)"}: ${issue.message}` : "invalid"}`,
      retryable: false,
      attempts: attempt,
    });
  }

  /** What this client sends as credentials, so an echo of them can be recognised and removed. */
  private secrets(): string[] {
    const auth = this.options.auth;
    if (auth?.type === "basic")
      return [auth.password, auth.username, `${auth.username}:${auth.password}`].filter(
        (secret) => secret.length >= 4,
      );
    if (auth?.type === "bearer") return auth.token.length >= 4 ? [auth.token] : [];
    return [];
  }

  private urlFor(request: ProviderRequest): string {
    const path = request.path ?? "";
    const url = new URL(request.url ?? `${this.baseUrl}${path.startsWith("/") ? "" : "/"}${path}`);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, value);
    }
    return url.toString();
  }

  private headersFor(request: ProviderRequest): Headers {
    const headers = new Headers({ accept: "application/json", ...this.options.headers, ...request.headers });
    const auth = this.options.auth;
    if (auth?.type === "basic") {
      const credentials = Buffer.from(`${auth.username}:${auth.password}`).toString("base64");
      headers.set("authorization", `Basic ${credentials}`);
    } else if (auth?.type === "bearer") {
      headers.set("authorization", `Bearer ${auth.token}`);
    }
    if (request.form !== undefined) headers.set("content-type", "application/x-www-form-urlencoded");
    else if (request.json !== undefined) headers.set("content-type", "application/json");
    else if (request.binary !== undefined) headers.set("content-type", request.binary.contentType);
    return headers;
  }
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
