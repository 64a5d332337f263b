import type { Context } from "hono";
import { excerpt } from "../../lib/redact.ts";

/** Paths that speak OpenAI's wire format, errors included. */
export function isOpenAIPath(path: string): boolean {
  return path === "/v1/chat/completions" || path === "/v1/models" || path.startsWith("/v1/models/");
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
  error: { status: number; message: string; field?: string | undefined },
): Response {
  return c.json(
    {
      error: {
        // Bounded like problem documents: rejected input is never quoted back whole.
        message: excerpt(error.message, 1000),
        type: errorType(error.status),
        param: error.field === undefined ? null : excerpt(error.field, 80),
        code: errorCode(error.status),
      },
    },
    error.status as 400,
  );
}
