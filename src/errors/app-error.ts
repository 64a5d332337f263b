import { excerpt } from "../lib/redact.ts";

/** One field-level problem in a request, named by its dotted path (e.g. `sampling.temperature`). */
export interface FieldError {
  field: string;
  message: string;
}

/** Base class of every error the API turns into an RFC 9457 problem document. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly errors: FieldError[] = [],
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super(404, "Not Found", `${what} was not found`);
  }
}

export class ValidationError extends AppError {
  constructor(errors: FieldError[], detail?: string) {
    super(422, "Unprocessable Content", detail ?? summariseFieldErrors(errors), errors);
  }
}

/** `field: message; …` for a detail line, each part short and at most five of them. */
function summariseFieldErrors(errors: readonly FieldError[]): string {
  const parts = errors
    .slice(0, 5)
    .map((error) => `${excerpt(error.field, 80)}: ${excerpt(error.message, 160)}`);
  if (errors.length > 5) parts.push(`and ${errors.length - 5} more`);
  return parts.join("; ");
}

export class BadRequestError extends AppError {
  constructor(detail: string, errors: FieldError[] = []) {
    super(400, "Bad Request", detail, errors);
  }
}

export class UnauthorizedError extends AppError {
  constructor(detail: string) {
    super(401, "Unauthorized", detail);
  }
}

export class ForbiddenError extends AppError {
  constructor(detail: string) {
    super(403, "Forbidden", detail);
  }
}

export class ConflictError extends AppError {
  constructor(detail: string) {
    super(409, "Conflict", detail);
  }
}

export class PayloadTooLargeError extends AppError {
  /** `detail` says what was too large when it is not the body itself (an archive's contents, say). */
  constructor(limitBytes: number, detail?: string) {
    super(
      413,
      "Content Too Large",
      detail ?? `the request body is larger than the limit of ${limitBytes} bytes`,
    );
  }
}

/** A body in a content type (or charset) the operation does not read. */
export class UnsupportedMediaTypeError extends AppError {
  constructor(detail: string) {
    super(415, "Unsupported Media Type", detail);
  }
}

/** Dotted path of a zod issue: `["voice_configurations", 0, "locale"]` -> `voice_configurations.0.locale`. */
export function fieldPath(path: ReadonlyArray<PropertyKey>, prefix = ""): string {
  const joined = path.map(String).join(".");
  return [prefix, joined].filter(Boolean).join(".") || "(body)";
}

interface ZodLikeIssue {
  path: ReadonlyArray<PropertyKey>;
  message: string;
  code?: string;
  keys?: string[];
}

/**
 * Converts zod issues into field errors, naming unknown keys one by one. Paths and messages are cut to
 * short excerpts: a path is made of the caller's keys, and a message can quote the rejected value.
 */
export function fieldErrorsFromIssues(issues: readonly ZodLikeIssue[], prefix = ""): FieldError[] {
  return issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys" && issue.keys) {
      return issue.keys.map((key) => ({
        field: excerpt(fieldPath([...issue.path, key], prefix), 80),
        message: "unknown field",
      }));
    }
    return [{ field: excerpt(fieldPath(issue.path, prefix), 80), message: excerpt(issue.message, 160) }];
  });
}

export class TooManyRequestsError extends AppError {
  constructor(
    detail: string,
    readonly retryAfterSeconds: number,
  ) {
    super(429, "Too Many Requests", detail);
  }
}
