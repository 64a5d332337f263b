import type { Context } from "hono";
import { excerpt } from "../../lib/redact.ts";

/** The OpenAI operations Dramatis serves: path -> methods. /v1/models/{id} is matched apart (ids hold "/"). */
const SERVED: ReadonlyMap<string, readonly string[]> = new Map([
  ["/v1/chat/completions", ["POST"]],
  ["/v1/models", ["GET"]],
  ["/v1/embeddings", ["POST"]],
]);
const MODEL_PATH = /^\/v1\/models\/.+/;

/**
 * OpenAI API paths Dramatis does not serve (its other products: legacy completions, responses, audio,
 * images, files, batches, fine-tuning, assistants ...). They answer 404 in OpenAI's shape, so an OpenAI
 * client pointed here says "not available on this server" instead of failing to parse a problem document.
 * None of them clashes with Dramatis's own /v1 paths (conversations, personas, ...), which keep problem+json.
 */
const UNSERVED_PREFIXES = [
  "/v1/chat/",
  "/v1/completions",
  "/v1/responses",
  "/v1/audio",
  "/v1/images",
  "/v1/files",
  "/v1/batches",
  "/v1/fine_tuning",
  "/v1/fine-tunes",
  "/v1/assistants",
  "/v1/threads",
  "/v1/vector_stores",
  "/v1/moderations",
  "/v1/uploads",
  "/v1/realtime",
  "/v1/organization",
  "/v1/evals",
  "/v1/containers",
  "/v1/edits",
  "/v1/engines",
];

function isUnservedOpenAIPath(path: string): boolean {
  return UNSERVED_PREFIXES.some(
    (prefix) => path === prefix || path.startsWith(prefix.endsWith("/") ? prefix : `${prefix}/`),
  );
}

/** Paths that speak OpenAI's wire format, errors included (auth failures and rate limits too). */
export function isOpenAIPath(path: string): boolean {
  return SERVED.has(path) || MODEL_PATH.test(path) || isUnservedOpenAIPath(path);
}

/** The served OpenAI paths, for the message that says what this server offers. */
const SERVED_LIST = "/v1/chat/completions, /v1/models, /v1/embeddings";

/**
 * The answer for a request no route matched, when its path is OpenAI's: 405 for a wrong method on an
 * operation Dramatis serves, else 404 `unknown_url`. Undefined for other paths (a problem document).
 */
export function openAIRouteNotFound(c: Context): Response | undefined {
  const path = c.req.path;
  if (!isOpenAIPath(path)) return undefined;
  const methods = SERVED.get(path) ?? (MODEL_PATH.test(path) ? ["GET"] : undefined);
  if (methods && !methods.includes(c.req.method)) {
    const response = openAIErrorResponse(c, {
      status: 405,
      message: `${c.req.method} is not allowed on ${path}; use ${methods.join(" or ")}`,
    });
    response.headers.set("allow", [...methods, ...(methods.includes("GET") ? ["HEAD"] : [])].join(", "));
    return response;
  }
  return openAIErrorResponse(c, {
    status: 404,
    message:
      `${c.req.method} ${path} is not available on this server (Dramatis serves ${SERVED_LIST} ` +
      "of OpenAI's API; personas answer as chat completion models named persona/<id>)",
    code: "unknown_url",
  });
}

function errorType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "api_error";
  return "invalid_request_error";
}

function errorCode(status: number): string | null {
  if (status === 401) return "invalid_api_key";
  if (status === 404) return "model_not_found";
  if (status === 429) return "rate_limit_exceeded";
  return null;
}

/** An error in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`, so OpenAI SDKs surface it. */
export function openAIErrorResponse(
  c: Context,
  error: { status: number; message: string; field?: string | undefined; code?: string | undefined },
): Response {
  return c.json(
    {
      error: {
        // Bounded like problem documents: rejected input is never quoted back whole.
        message: excerpt(error.message, 1000),
        type: errorType(error.status),
        param: error.field === undefined ? null : excerpt(error.field, 80),
        code: error.code ?? errorCode(error.status),
      },
    },
    error.status as 400,
  );
}
