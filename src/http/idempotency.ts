import { z, type RouteConfig } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { BadRequestError } from "../errors/app-error.ts";
import {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  type IdempotencyLease,
} from "../services/idempotency-service.ts";
import { USER_HEADER } from "../services/user-service.ts";
import type { StoredResponse } from "../store/idempotency-key-repository.ts";
import type { AppEnv } from "./app-env.ts";

const MAX_KEY_LENGTH = 255;

/**
 * The header as one shared OpenAPI parameter (`#/components/parameters/IdempotencyKey`): createApp
 * registers it, and every covered route refers to it through `withIdempotencyKey`.
 */
export const idempotencyKeyParameter = z
  .string()
  .optional()
  .openapi("IdempotencyKey", {
    param: { name: "idempotency-key", in: "header" },
    description:
      "A unique value per operation (a UUID, 1-255 characters) that makes a retry safe: the first " +
      "response with this key is replayed, status and body, for 24 h with `Idempotent-Replayed: true`. " +
      "Scoped to the tenant, the API key or session, and the end user. The same key with a different " +
      "request is a 422; a retry while the first still runs is a 409. A streamed reply is replayed as " +
      "the complete recorded event stream.",
    example: "8e03978e-40d5-43e8-bc93-6894a57f9324",
  });

/**
 * Statuses that say the request was not handled, so a retry should run it: the client was told to slow
 * down (429) or the service was unavailable (503). Every other status, 5xx included, may follow work that
 * already happened (a stored message before a model failure), so it is replayed, as Stripe does.
 */
const RETRYABLE_STATUSES = new Set([429, 503]);

/** Response headers worth replaying: what describes the body or the created resource. */
const REPLAYED_HEADERS = [
  "content-type",
  "content-disposition",
  "content-language",
  "location",
  "etag",
  "last-modified",
  "link",
];

/** Reads the key; an sf-string (`"abc"`, as the draft writes it) and a bare value are both accepted. */
export function parseIdempotencyKey(raw: string): string {
  let key = raw.trim();
  if (key.length >= 2 && key.startsWith('"') && key.endsWith('"')) key = key.slice(1, -1);
  const problem =
    key.length === 0
      ? "must not be empty"
      : key.length > MAX_KEY_LENGTH
        ? `must be at most ${MAX_KEY_LENGTH} characters`
        : /[^\x20-\x7e]/.test(key)
          ? "must be printable ASCII"
          : undefined;
  if (problem) {
    throw new BadRequestError(`the ${IDEMPOTENCY_KEY_HEADER} header ${problem}`, [
      { field: IDEMPOTENCY_KEY_HEADER, message: problem },
    ]);
  }
  return key;
}

function replayedHeaders(headers: Headers): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = headers.get(name);
    if (value !== null) kept[name] = value;
  }
  return kept;
}

function bodyless(status: number): boolean {
  return status === 204 || status === 205 || status === 304;
}

function replay(stored: StoredResponse): Response {
  const headers = new Headers(stored.headers);
  headers.set(IDEMPOTENT_REPLAYED_HEADER, "true");
  return new Response(bodyless(stored.status) ? null : stored.body, { status: stored.status, headers });
}

function concatenate(chunks: Uint8Array[]): Uint8Array {
  const total = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return joined;
}

/**
 * Passes a server-sent event stream through to the client while recording it; when it ends (finished,
 * or cut off by the client, which stops the generation) the recorded events become the key's response,
 * so a retry gets the same events at once and the reply is never generated twice.
 */
function recordStream(
  response: Response,
  onEnd: (body: Uint8Array) => Promise<void>,
): ReadableStream<Uint8Array> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let ended = false;
  const end = async () => {
    if (ended) return;
    ended = true;
    await onEnd(concatenate(chunks));
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          await end();
          controller.close();
          return;
        }
        chunks.push(value);
        controller.enqueue(value);
      } catch (error) {
        await end();
        controller.error(error);
      }
    },
    async cancel(reason) {
      await reader.cancel(reason);
      await end();
    },
  });
}

/**
 * Route middleware honouring `Idempotency-Key`. Without the header the request runs as always. With it,
 * the service decides: run and store the response, replay the stored one, or refuse with 409/422.
 */
export const idempotent: MiddlewareHandler<AppEnv> = createMiddleware<AppEnv>(async (c, next) => {
  const raw = c.req.header(IDEMPOTENCY_KEY_HEADER);
  if (raw === undefined) return next();
  const key = parseIdempotencyKey(raw);
  const url = new URL(c.req.url);
  // The body is read whole to fingerprint it (bounded by the route's body limit, which already wraps the
  // request); handlers that read the raw request (card and memory imports) get a fresh copy of it.
  const body = new Uint8Array(await c.req.arrayBuffer());
  c.req.raw = new Request(c.req.raw.url, {
    method: c.req.raw.method,
    headers: c.req.raw.headers,
    body,
    signal: c.req.raw.signal,
  });
  const claim = await c.var.services.idempotency.claim({
    scope: {
      tenantId: c.var.principal.tenantId,
      principal: c.var.principal.keyId,
      actingUser: c.req.header(USER_HEADER)?.trim() ?? "",
    },
    key,
    method: c.req.method,
    path: url.pathname + url.search,
    body,
  });
  if (claim.kind === "replay") return replay(claim.response);

  const { lease } = claim;
  try {
    await next();
  } catch (error) {
    await lease.release();
    throw error;
  }
  const response = c.res;
  if (RETRYABLE_STATUSES.has(response.status)) {
    await lease.release();
    return;
  }
  const headers = replayedHeaders(response.headers);
  const complete = (responseBody: Uint8Array) =>
    storeResponse(c, lease, { status: response.status, headers, body: responseBody });
  if (response.body && (response.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    c.res = new Response(recordStream(response, complete), response);
    return;
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  await complete(bytes);
  c.res = new Response(bodyless(response.status) ? null : bytes, response);
});

async function storeResponse(
  c: { var: AppEnv["Variables"] },
  lease: IdempotencyLease,
  response: StoredResponse,
): Promise<void> {
  try {
    await lease.complete(response);
  } catch (error) {
    // The work is done and its response is on its way; a retry will find the key running until its
    // lease ends and then run again, which is the best that can be done without the database.
    c.var.logger.error({ err: error }, "could not store an idempotent response");
  }
}

/**
 * Adds `Idempotency-Key` to a route's documented headers as the shared OpenAPI parameter. For routes
 * registered for the document only (their handler reads the raw body), which add `idempotent` to the
 * handler themselves.
 */
export function withIdempotencyKeyHeader<R extends RouteConfig>(route: R): R {
  const request = route.request ?? {};
  const headers = request.headers;
  const shape = { "idempotency-key": idempotencyKeyParameter };
  if (headers !== undefined && !(headers instanceof z.ZodObject)) {
    throw new TypeError(`${route.path}: headers must be a zod object`);
  }
  return { ...route, request: { ...request, headers: headers ? headers.extend(shape) : z.object(shape) } };
}

/**
 * Adds `Idempotency-Key` to a route: the header as the shared OpenAPI parameter, and the middleware.
 *
 * @example const createThingRoute = createRoute(withIdempotencyKey({ method: "post", path: "/v1/things", ... }))
 */
export function withIdempotencyKey<R extends RouteConfig>(route: R): R {
  const middleware = route.middleware === undefined ? [] : [route.middleware].flat();
  return { ...withIdempotencyKeyHeader(route), middleware: [...middleware, idempotent] };
}
