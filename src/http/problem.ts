import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "pino";
import { AppError, BadRequestError, TooManyRequestsError, type FieldError } from "../services/errors.ts";
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

export function problemResponse(c: Context, problem: Omit<Problem, "type" | "instance">): Response {
  const body: Problem = { type: "about:blank", instance: c.req.path, ...problem };
  if (body.errors?.length === 0) delete body.errors;
  return new Response(JSON.stringify(body), {
    status: problem.status,
    headers: { "content-type": PROBLEM_CONTENT_TYPE },
  });
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
    const detail = /malformed json/i.test(error.message)
      ? "the request body is not valid JSON"
      : error.message || "the request could not be handled";
    return problemResponse(c, { title: titleFor(status), status, detail });
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
    return openAIErrorResponse(c, {
      status: error.status,
      message: error.message,
      field: error.errors[0]?.field,
    });
  }
  if (error instanceof HTTPException)
    return openAIErrorResponse(c, { status: error.status, message: error.message });
  logger.error({ err: error, path: c.req.path, method: c.req.method }, "unhandled error");
  return openAIErrorResponse(c, { status: 500, message: "an unexpected error occurred; it has been logged" });
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
  };
  return titles[status] ?? "Error";
}
