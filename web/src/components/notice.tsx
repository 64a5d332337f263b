import type { ReactNode } from "react";
import { ApiError } from "../lib/api.ts";

/** A failed request or action, shown with the server's own words. */
export function ErrorNotice({ error }: { error: unknown }) {
  if (!error) return null;
  // With field errors the detail only repeats them, so the title and the list say it once.
  const message =
    error instanceof ApiError
      ? error.errors.length > 0
        ? `${error.title}:`
        : `${error.title}: ${error.detail}`
      : error instanceof Error
        ? error.message
        : String(error);
  return (
    <div className="notice notice-error" role="alert">
      {message}
      {error instanceof ApiError && error.errors.length > 0 && (
        <ul>
          {error.errors.map((fieldError) => (
            <li key={fieldError.field}>
              <code>{fieldError.field}</code>: {fieldError.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Notice({
  kind = "info",
  children,
}: {
  kind?: "info" | "warning" | "success";
  children: ReactNode;
}) {
  return (
    <div className={`notice notice-${kind}`} role={kind === "warning" ? "alert" : "status"}>
      {children}
    </div>
  );
}

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <p className="loading" role="status">
      {label}
    </p>
  );
}
