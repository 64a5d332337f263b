/** One field the server named in a validation problem (e.g. "definition.name"). */
export interface FieldError {
  field: string;
  message: string;
}

/** A failed request, carrying the server's problem document (RFC 9457). */
export class DramatisApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: FieldError[] = [],
  ) {
    super(detail || title);
    this.name = "DramatisApiError";
  }

  /** The server's message for one field (e.g. "definition.name"), for inline validation. */
  fieldMessage(field: string): string | undefined {
    return this.errors.find((error) => error.field === field || error.field.endsWith(`.${field}`))?.message;
  }

  /** The detail followed by the fields at fault when the detail does not name them already. */
  describe(): string {
    const fields = this.errors.map((error) => `${error.field}: ${error.message}`);
    const message = this.detail || this.title;
    if (fields.length === 0 || fields.every((field) => message.includes(field))) return message;
    return `${message} (${fields.join("; ")})`;
  }
}

interface ProblemShape {
  status?: unknown;
  title?: unknown;
  detail?: unknown;
  errors?: unknown;
  // The OpenAI-compatible endpoint answers { error: { message } }.
  error?: { message?: unknown };
}

/**
 * A DramatisApiError from a problem document: a failed response's parsed body, its raw text, or an SSE
 * `error` event's data. `status` and `title` stand in for what the document leaves out.
 */
export function problemError(body: unknown, status: number, title: string): DramatisApiError {
  let problem: ProblemShape | undefined;
  if (typeof body === "string") {
    try {
      problem = JSON.parse(body) as ProblemShape;
    } catch {
      return new DramatisApiError(status, title, body.trim().slice(0, 300));
    }
  } else if (body && typeof body === "object") {
    problem = body as ProblemShape;
  }
  if (!problem || typeof problem !== "object") return new DramatisApiError(status, title, "");
  const errors = Array.isArray(problem.errors)
    ? problem.errors.map((error: { field?: unknown; message?: unknown }) => ({
        field: String(error?.field ?? ""),
        message: String(error?.message ?? ""),
      }))
    : [];
  return new DramatisApiError(
    typeof problem.status === "number" ? problem.status : status,
    typeof problem.title === "string" ? problem.title : title,
    typeof problem.detail === "string"
      ? problem.detail
      : typeof problem.error?.message === "string"
        ? problem.error.message
        : "",
    errors,
  );
}
