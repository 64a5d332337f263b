import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "pino";
import { excerpt, redactSecrets } from "../lib/redact.ts";
import { AppError, BadRequestError, TooManyRequestsError, type FieldError } from "../errors/app-error.ts";
import { isUnstorableText } from "../store/errors.ts";
import { isOpenAIPath, openAIErrorResponse } from "./openai/openai-errors.ts";

/** RFC 9457 problem document, extended with the list of fields at fault. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** Rejected input is quoted back at most this far (a field's message, a path); never a whole body. */
const MAXIMUM_QUOTE = 80;
const MAXIMUM_DETAIL = 1000;
const MAXIMUM_FIELD_ERRORS = 50;

export function problemResponse(c: Context, problem: Omit<Problem, "type" | "instance">): Response {
  const body: Problem = {
    type: "about:blank",
    ...problem,
    instance: excerpt(c.req.path, 200),
    detail: excerpt(problem.detail, MAXIMUM_DETAIL),
  };
  if (problem.errors) body.errors = boundFieldErrors(problem.errors);
  if (body.errors?.length === 0) delete body.errors;
  return new Response(JSON.stringify(body), {
    status: problem.status,
    headers: { "content-type": PROBLEM_CONTENT_TYPE },
  });
}

/**
 * Field errors as callers see them: at most MAXIMUM_FIELD_ERRORS, each field path and message cut to a
 * short excerpt, so input a message quotes (an unknown key, a rejected value) never comes back whole.
 */
export function boundFieldErrors(errors: readonly FieldError[]): FieldError[] {
  const bounded = errors.slice(0, MAXIMUM_FIELD_ERRORS).map((error) => ({
    field: excerpt(error.field, MAXIMUM_QUOTE),
    message: excerpt(error.message, MAXIMUM_QUOTE * 2),
  }));
  if (errors.length > MAXIMUM_FIELD_ERRORS) {
    bounded.push({ field: "(body)", message: `and ${errors.length - MAXIMUM_FIELD_ERRORS} more problems` });
  }
  return bounded;
}

/**
 * Upstream failures reach callers as summaries (status, provider, request id); what the upstream said,
 * redacted, is logged here so operators can still see it.
 */
export function logUpstreamFailure(logger: Logger, error: unknown, c: Context): void {
  if (!(error instanceof AppError) || !("upstreamMessage" in error)) return;
  const upstream = error as AppError & {
    upstreamMessage?: string;
    upstreamStatus?: number;
    providerStatus?: number;
  };
  logger.warn(
    {
      path: c.req.path,
      method: c.req.method,
      status: error.status,
      detail: error.message,
      upstream_status: upstream.upstreamStatus ?? upstream.providerStatus,
      upstream_message: upstream.upstreamMessage && redactSecrets(upstream.upstreamMessage),
    },
    "upstream failed",
  );
}

/**
 * The one error handler: typed errors keep their status and message; Hono's own HTTP errors (such as
 * malformed JSON) keep theirs; anything else is logged and becomes an opaque 500.
 */
export function handleError(thrown: Error, c: Context, logger: Logger): Response {
  // A NUL character anywhere in an id, a query or a body reaches PostgreSQL as a parameter it refuses:
  // the caller's input is at fault, whichever route and statement it reached.
  const error = isUnstorableText(thrown)
    ? new BadRequestError("text must not contain the NUL character (U+0000)")
    : thrown;
  logUpstreamFailure(logger, error, c);
  if (isOpenAIPath(c.req.path)) return handleOpenAIError(error, c, logger);
  if (error instanceof AppError) {
    const response = problemResponse(c, {
      title: error.title,
      status: error.status,
      detail: error.message,
      errors: error.errors,
    });
    if (error instanceof TooManyRequestsError) {
      response.headers.set("retry-after", String(error.retryAfterSeconds));
    }
    return response;
  }
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    return problemResponse(c, { title: titleFor(status), status, detail: describeHttpException(error, c) });
  }
  logger.error({ err: error, path: c.req.path, method: c.req.method }, "unhandled error");
  return problemResponse(c, {
    title: "Internal Server Error",
    status: 500,
    detail: "an unexpected error occurred; it has been logged",
  });
}

function handleOpenAIError(error: Error, c: Context, logger: Logger): Response {
  if (error instanceof AppError) {
    const response = openAIErrorResponse(c, {
      status: error.status,
      message: error.message,
      field: error.errors[0]?.field,
    });
    if (error instanceof TooManyRequestsError) {
      response.headers.set("retry-after", String(error.retryAfterSeconds));
    }
    return response;
  }
  if (error instanceof HTTPException)
    return openAIErrorResponse(c, { status: error.status, message: describeHttpException(error, c) });
  logger.error({ err: error, path: c.req.path, method: c.req.method }, "unhandled error");
  return openAIErrorResponse(c, { status: 500, message: "an unexpected error occurred; it has been logged" });
}

/** Hono's own errors say little ("Unsupported Media Type"); name what was wrong with the request. */
function describeHttpException(error: HTTPException, c: Context): string {
  // Non-empty JSON bodies are parsed (and their errors named) by boundJsonBodies; what is left is empty.
  if (/malformed json/i.test(error.message)) return "the request body is empty or not valid JSON";
  if (error.status === 415) {
    const contentType = c.req.header("content-type");
    const given = contentType
      ? `content type ${JSON.stringify(contentType.slice(0, 80))}`
      : "no content type";
    return `the request body was sent with ${given}; this operation reads application/json`;
  }
  return error.message || "the request could not be handled";
}

function titleFor(status: number): string {
  const titles: Record<number, string> = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
  };
  return titles[status] ?? "Error";
}
