import { useId, type ReactNode } from "react";
import { ApiError } from "../lib/api.ts";
import { ErrorNotice } from "./notice.tsx";

export interface ControlProps {
  id: string;
  "aria-describedby"?: string;
  "aria-invalid"?: true;
}

/**
 * A labelled form control with its hint and the server's message for it. The control is rendered by
 * `children`, which receives the id and ARIA attributes that tie it to the label, hint and error.
 */
export function SettingsField({
  label,
  hint,
  error,
  className = "field",
  children,
}: {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | undefined;
  className?: string;
  children: (control: ControlProps) => ReactNode;
}) {
  const id = useId();
  const describedBy = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ");
  const control: ControlProps = { id };
  if (describedBy) control["aria-describedby"] = describedBy;
  if (error) control["aria-invalid"] = true;
  return (
    <div className={className}>
      <label htmlFor={id}>{label}</label>
      {children(control)}
      {hint && (
        <span id={`${id}-hint`} className="field-hint">
          {hint}
        </span>
      )}
      {error && (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      )}
    </div>
  );
}

/** The server's message for one field of a failed request, if it names that field. */
export function fieldError(error: unknown, field: string): string | undefined {
  return error instanceof ApiError ? error.fieldMessage(field) : undefined;
}

/**
 * A failed form submission: the server's message, plus any field errors the form does not show next
 * to a field (those listed in `fields` are shown inline).
 */
export function FormProblem({ error, fields }: { error: unknown; fields: string[] }) {
  if (!error) return null;
  if (!(error instanceof ApiError)) return <ErrorNotice error={error} />;
  const inline = (name: string) => fields.some((field) => name === field || name.endsWith(`.${field}`));
  const elsewhere = error.errors.filter((item) => !inline(item.field));
  // When every message sits next to its field, the summary only points there (the detail repeats them).
  if (error.errors.length > 0 && elsewhere.length === 0) {
    return (
      <div className="notice notice-error" role="alert">
        Check the fields marked below.
      </div>
    );
  }
  return (
    <div className="notice notice-error" role="alert">
      {error.detail || error.title}
      {elsewhere.length > 0 && (
        <ul>
          {elsewhere.map((item) => (
            <li key={item.field}>
              <code>{item.field}</code>: {item.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
