import type { z } from "zod";
import { redactSecrets } from "./redact.ts";

/**
 * The one way the cloud services of the layers (speech, media) call their service: an injected fetch, a
 * timeout joined with the caller's signal, and every failure (a refusal, an unreachable host, a body that
 * is not what the service documents) turned into the layer's provider error (`fail`), which names the
 * provider and never the key.
 */

export interface ServiceHttpOptions {
  /** makes the layer's error for a failure: `SpeechProviderError`, `MediaProviderError` */
  fail: (message: string, upstreamStatus?: number) => Error;
  fetch?: typeof fetch | undefined;
  /** per request, unless the request says otherwise */
  timeoutMs?: number | undefined;
  /** the largest answer read; default 64 MB */
  maxBytes?: number | undefined;
  /** the keys sent, removed from any upstream text that echoes them */
  secrets?: ReadonlyArray<string | undefined>;
}

export interface ServiceHttpRequest {
  url: string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: RequestInit["body"];
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  /**
   * Non-2xx statuses answered like a success, for the caller to read: where the service puts what went
   * wrong somewhere the generic error reading cannot find (ComfyUI's per-node `node_errors` on a 400).
   */
  okStatuses?: readonly number[] | undefined;
}

export interface ServiceHttpAnswer {
  bytes: Uint8Array;
  /** the media type without parameters, lower-case; null when the service sent none */
  contentType: string | null;
  /** the HTTP status: a 2xx, or one of the request's `okStatuses` */
  status: number;
}

export const DEFAULT_SERVICE_TIMEOUT_MS = 60_000;
export const DEFAULT_SERVICE_MAX_BYTES = 64 * 1024 * 1024;
/** Upstream error text shown at most this long: enough for a sentence, not for an echoed page. */
const UPSTREAM_MESSAGE_CHARACTERS = 300;

export interface ServiceHttp {
  /** The answer's bytes; a non-2xx answer or a network failure throws the layer's error. */
  bytes(request: ServiceHttpRequest): Promise<ServiceHttpAnswer>;
  /** The answer parsed as JSON and checked against `schema`. */
  json<T>(request: ServiceHttpRequest, schema: z.ZodType<T>): Promise<T>;
}

/**
 * @example
 * const http = createServiceHttp({ fail: (message, status) => new MediaProviderError("forge", message, status) });
 * const models = await http.json({ url, headers }, modelListSchema);
 */
export function createServiceHttp(options: ServiceHttpOptions): ServiceHttp {
  const secrets = options.secrets ?? [];
  /** Errors made here: passed on as they are when they surface in a catch below. */
  const made = new WeakSet<object>();
  const fail = (message: string, status?: number) => {
    const error = options.fail(redactSecrets(message, secrets), status);
    made.add(error);
    return error;
  };

  async function bytes(request: ServiceHttpRequest): Promise<ServiceHttpAnswer> {
    const timeoutMs = request.timeoutMs ?? options.timeoutMs ?? DEFAULT_SERVICE_TIMEOUT_MS;
    const maxBytes = options.maxBytes ?? DEFAULT_SERVICE_MAX_BYTES;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    let response: Response;
    let body: Uint8Array;
    try {
      response = await (options.fetch ?? fetch)(request.url, {
        method: request.method ?? "GET",
        headers: request.headers,
        body: request.body,
        signal,
        redirect: "error",
      });
      body = await readBounded(response, maxBytes);
    } catch (error) {
      if (error instanceof Error && made.has(error)) throw error;
      // The caller gave up: its own abort, not the provider's failure.
      if (request.signal?.aborted) throw request.signal.reason ?? error;
      if (timeout.aborted) throw fail(`no answer within ${describeDuration(timeoutMs)}`);
      // The address and the error's own text stay out: they can name internal hosts.
      const code = networkErrorCode(error);
      throw fail(`cannot reach the service${code ? ` (${code})` : ""}`);
    }
    const contentType = mediaTypeOf(response.headers.get("content-type"));
    if (!response.ok && !request.okStatuses?.includes(response.status)) {
      const message = readUpstreamMessage(body, contentType) || response.statusText || "no message";
      throw fail(`${response.status}: ${message}`, response.status);
    }
    return { bytes: body, contentType, status: response.status };
  }

  async function json<T>(request: ServiceHttpRequest, schema: z.ZodType<T>): Promise<T> {
    const answer = await bytes({ ...request, headers: { Accept: "application/json", ...request.headers } });
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(answer.bytes));
    } catch {
      throw fail(`answered something that is not JSON (${answer.contentType ?? "no content type"})`);
    }
    const result = schema.safeParse(parsed);
    if (!result.success) {
      const issue = result.error.issues[0];
      const where = issue?.path.length ? issue.path.join(".") : "the answer";
      throw fail(`answered in an unexpected shape (${where}: ${issue?.message ?? "invalid"})`);
    }
    return result.data;
  }

  /** The body, refused as soon as it grows past `maxBytes` rather than after it sat in memory. */
  async function readBounded(response: Response, maxBytes: number): Promise<Uint8Array> {
    const limit = maxBytes >= 1024 * 1024 ? `${Math.round(maxBytes / 1024 / 1024)} MB` : `${maxBytes} bytes`;
    const tooLarge = () => fail(`answered more than ${limit}`, response.status);
    if (Number(response.headers.get("content-length") ?? 0) > maxBytes) {
      await response.body?.cancel();
      throw tooLarge();
    }
    if (!response.body) return new Uint8Array(0);
    const chunks: Uint8Array[] = [];
    let length = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      length += chunk.byteLength;
      // Leaving the loop by a throw cancels the stream.
      if (length > maxBytes) throw tooLarge();
      chunks.push(chunk);
    }
    const body = new Uint8Array(length);
    let offset = 0;
    for (const chunk of chunks) {
      body.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return body;
  }

  return { bytes, json };
}

/** `audio/wav; codecs=1` -> `audio/wav`. */
export function mediaTypeOf(header: string | null | undefined): string | null {
  const type = header?.split(";")[0]?.trim().toLowerCase();
  return type || null;
}

/**
 * The human part of an error answer: each service nests it differently (OpenAI and Azure `error.message`,
 * ElevenLabs `detail.message`, Deepgram `err_msg`, FastAPI servers `detail[0].msg`); plain text is cut short.
 */
export function readUpstreamMessage(body: Uint8Array, contentType: string | null): string {
  const text = new TextDecoder().decode(body.subarray(0, 64 * 1024)).trim();
  if (!text) return "";
  const looksJson = contentType?.includes("json") || text.startsWith("{") || text.startsWith("[");
  if (looksJson) {
    try {
      const message = findMessage(JSON.parse(text));
      if (message) return shorten(message);
    } catch {
      // not JSON after all: shown as text
    }
  }
  if (contentType === "text/html" || /^<!doctype html|^<html/i.test(text)) return "";
  return shorten(text);
}

function findMessage(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return findMessage(value[0]);
  if (!value || typeof value !== "object") return undefined;
  const record = value as Record<string, unknown>;
  for (const key of ["error", "message", "detail", "err_msg", "msg", "error_description", "reason"]) {
    const found = findMessage(record[key]);
    if (found) return found;
  }
  return undefined;
}

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > UPSTREAM_MESSAGE_CHARACTERS
    ? `${oneLine.slice(0, UPSTREAM_MESSAGE_CHARACTERS - 1)}…`
    : oneLine;
}

function describeDuration(milliseconds: number): string {
  return milliseconds >= 1000 ? `${Math.round(milliseconds / 1000)} s` : `${milliseconds} ms`;
}

function networkErrorCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  return typeof cause?.code === "string" && /^[A-Z_]{3,40}$/.test(cause.code) ? cause.code : undefined;
}

/** `base/` + `path` without a doubled or missing slash. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}
