import { AppError, fieldErrorsFromIssues, type FieldError } from "../../errors/app-error.ts";

/**
 * A stored JSON value the current code cannot read (not JSON, the wrong shape with no meaningful default,
 * or written by a newer release). A server-side data problem, so a 500, but one that names the column and
 * the fields to repair instead of an opaque crash somewhere in a service.
 */
export class StoredDocumentError extends AppError {
  constructor(
    readonly column: string,
    errors: FieldError[],
  ) {
    const fields = errors
      .slice(0, 5)
      .map((error) => `${error.field}: ${error.message}`)
      .join("; ");
    super(500, "Stored Data Unreadable", `the stored value of ${column} cannot be read (${fields})`, errors);
  }

  static fromIssues(
    column: string,
    issues: readonly { path: PropertyKey[]; message: string }[],
  ): StoredDocumentError {
    return new StoredDocumentError(column, fieldErrorsFromIssues(issues));
  }
}
