/**
 * MIGRATION ONLY: the hand-written request helpers the screens used before the SDK. Each screen moves to
 * `client` + TanStack Query (see api.ts, query-client.ts); this file is deleted once nothing imports it.
 */
import { ApiError, currentCsrfToken } from "./api.ts";

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface RequestOptions {
  /** JSON-serialised unless it is a Blob/File/FormData/string. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

function requestInit(method: Method, options: RequestOptions): RequestInit {
  const headers: Record<string, string> = { accept: "application/json", ...options.headers };
  const csrfToken = currentCsrfToken();
  if (method !== "GET" && csrfToken) headers["x-csrf-token"] = csrfToken;
  let body: BodyInit | undefined;
  if (options.body instanceof Blob || options.body instanceof FormData || typeof options.body === "string") {
    body = options.body;
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] = "application/json";
  }
  const init: RequestInit = { method, headers, credentials: "same-origin" };
  if (body !== undefined) init.body = body;
  if (options.signal) init.signal = options.signal;
  return init;
}

/**
 * An ApiError from a problem document's text (a failed response's body, or an SSE `error` event's data);
 * `status` and `title` stand in for what the document leaves out.
 */
export function apiErrorFromProblem(text: string, status: number, title: string): ApiError {
  try {
    const problem = JSON.parse(text) as {
      status?: number;
      title?: string;
      detail?: string;
      errors?: { field: string; message: string }[];
      error?: { message?: string };
    };
    return new ApiError(
      problem.status ?? status,
      problem.title ?? title,
      problem.detail ?? problem.error?.message ?? "",
      Array.isArray(problem.errors) ? problem.errors : [],
    );
  } catch {
    return new ApiError(status, title, text.slice(0, 300));
  }
}

async function errorFrom(response: Response): Promise<ApiError> {
  return apiErrorFromProblem(await response.text(), response.status, response.statusText);
}

/** Sends a request and returns the raw response, throwing ApiError when it is not 2xx. */
export async function apiFetch(
  method: Method,
  path: string,
  options: RequestOptions = {},
): Promise<Response> {
  const response = await fetch(path, requestInit(method, options));
  if (!response.ok) throw await errorFrom(response);
  return response;
}

/** Sends a request and parses the JSON answer (undefined for 204). */
export async function api<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
  const response = await apiFetch(method, path, options);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export interface ServerSentEvent {
  event: string;
  data: string;
  /** the event's `id:`, where a reconnecting reader resumes (Last-Event-ID); undefined when it had none */
  id?: string;
}

/**
 * POSTs (or GETs) and reads a text/event-stream answer, calling `onEvent` per event until the stream
 * ends or `signal` aborts it. EventSource cannot POST or send the CSRF header, hence fetch.
 */
export async function streamEvents(
  method: Method,
  path: string,
  options: RequestOptions & { onEvent: (event: ServerSentEvent) => void },
): Promise<void> {
  const response = await apiFetch(method, path, {
    ...options,
    headers: { ...options.headers, accept: "text/event-stream" },
  });
  if (!response.body) return;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let boundary = buffer.search(/\r?\n\r?\n/);
    while (boundary !== -1) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary).replace(/^\r?\n\r?\n/, "");
      const parsed = parseEventBlock(block);
      if (parsed) options.onEvent(parsed);
      boundary = buffer.search(/\r?\n\r?\n/);
    }
  }
}

function parseEventBlock(block: string): ServerSentEvent | undefined {
  let event = "message";
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
    else if (field === "id" && !value.includes("\0")) id = value;
  }
  if (data.length === 0) return undefined;
  return id === undefined ? { event, data: data.join("\n") } : { event, data: data.join("\n"), id };
}

/** Builds a query string from defined values only. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
