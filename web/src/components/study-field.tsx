import { ApiError } from "../lib/api.ts";
import { ErrorNotice } from "./notice.tsx";

/**
 * Field errors for the research forms, matched by dotted prefix: the server may name `answer.options.2`
 * or `cohorts.1.proportion`, and the form shows that message next to the control for `answer.options`
 * or the second cohort row's proportion.
 */

function isUnder(field: string, path: string): boolean {
  return field === path || field.startsWith(`${path}.`);
}

/** The server's first message for `path` or anything under it, if the error names one. */
export function errorUnder(error: unknown, path: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  return error.errors.find((item) => isUnder(item.field, path))?.message;
}

/** The server's messages under `path` that none of the `shown` prefixes claims. */
export function errorsUnclaimed(
  error: unknown,
  path: string,
  shown: string[],
): { field: string; message: string }[] {
  if (!(error instanceof ApiError)) return [];
  return error.errors.filter(
    (item) => isUnder(item.field, path) && !shown.some((prefix) => isUnder(item.field, prefix)),
  );
}

/**
 * A failed submission: the server's words, plus the field errors no control shows (`shown` lists the
 * prefixes the form places inline), so every message is visible exactly once.
 */
export function StudyFormProblem({ error, shown }: { error: unknown; shown: string[] }) {
  if (!error) return null;
  if (!(error instanceof ApiError)) return <ErrorNotice error={error} />;
  const elsewhere = error.errors.filter((item) => !shown.some((path) => isUnder(item.field, path)));
  if (error.errors.length > 0 && elsewhere.length === 0) {
    return (
      <div className="notice notice-error" role="alert">
        {error.title}: check the fields marked below.
      </div>
    );
  }
  return (
    <div className="notice notice-error" role="alert">
      {error.errors.length > 0 ? error.title : `${error.title}: ${error.detail}`}
      {elsewhere.length > 0 && (
        <ul>
          {elsewhere.map((item) => (
            <li key={`${item.field}:${item.message}`}>
              <code>{item.field}</code>: {item.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
