import createClient, { type Client, type Middleware } from "openapi-fetch";
import { problemError } from "./problem.ts";
import { readServerSentEvents, type ServerSentEvent } from "./server-sent-events.ts";
import type { paths } from "./schema.ts";

export interface DramatisClientOptions {
  /** The server's origin, e.g. http://127.0.0.1:8787; "" (the default) for same-origin requests in a browser. */
  baseUrl?: string;
  /** An API key (`dra_...`), sent as `Authorization: Bearer`. Browsers use the session cookie instead. */
  apiKey?: string;
  /** The end user an API key acts for (`X-Dramatis-User`), where an endpoint acts for one. */
  user?: string;
  /** Headers computed per request (e.g. the web app's CSRF token on unsafe methods). */
  headers?: (request: Request) => Record<string, string | undefined>;
  /** Another fetch (tests pass the app's in-process handler; defaults to globalThis.fetch). */
  fetch?: (request: Request) => Promise<Response>;
  /** Cookie policy for browsers; default "same-origin". */
  credentials?: RequestInit["credentials"];
}

/** A typed client: `client.GET("/v1/personas/{id}", { params: { path: { id } } })`, and so on. */
export type DramatisClient = Client<paths, "application/json">;

/** A client for the Dramatis API, typed by the server's OpenAPI document. */
export function createDramatisClient(options: DramatisClientOptions = {}): DramatisClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl ?? "",
    credentials: options.credentials ?? "same-origin",
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const identify: Middleware = {
    onRequest({ request }) {
      if (options.apiKey) request.headers.set("authorization", `Bearer ${options.apiKey}`);
      if (options.user !== undefined) request.headers.set("x-dramatis-user", options.user);
      for (const [name, value] of Object.entries(options.headers?.(request) ?? {})) {
        if (value !== undefined) request.headers.set(name, value);
      }
      return request;
    },
  };
  client.use(identify);
  return client;
}

/** What openapi-fetch resolves to: the success branch carries data, the failure branch an error. */
type Outcome = { data?: unknown; error?: unknown; response: Response };
type SuccessData<R> = R extends { data: infer D; error?: never } ? D : never;

/**
 * The answer's data, or a DramatisApiError carrying the server's problem document:
 * `const persona = await unwrap(client.GET("/v1/personas/{id}", { params: { path: { id } } }))`.
 */
export async function unwrap<R extends Outcome>(request: Promise<R>): Promise<SuccessData<R>> {
  const outcome = await request;
  if (outcome.error !== undefined || !outcome.response.ok) {
    throw problemError(outcome.error, outcome.response.status, outcome.response.statusText);
  }
  return outcome.data as SuccessData<R>;
}

/**
 * The events of a streamed answer, requested with `parseAs: "stream"`:
 * `for await (const event of streamEvents(client.GET("/v1/jobs/{id}/events", { params, parseAs: "stream" })))`.
 * A failed request throws DramatisApiError before the first event.
 */
export async function* streamEvents(
  request: Promise<Outcome>,
  readFailed?: (error: unknown) => unknown,
): AsyncGenerator<ServerSentEvent> {
  const body: unknown = await unwrap(request);
  if (body === null || body === undefined) return;
  if (!(body instanceof ReadableStream))
    throw new TypeError('streamEvents needs a request made with parseAs: "stream"');
  yield* readServerSentEvents(body as ReadableStream<Uint8Array>, readFailed);
}
