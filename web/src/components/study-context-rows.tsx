import { useId } from "react";
import { ApiError } from "../lib/api.ts";
import { errorUnder } from "./study-field.tsx";

export interface ContextRow {
  /** Stable across edits, so typing in a row keeps its focus when rows are added or removed. */
  id: number;
  key: string;
  value: string;
}

let nextRowId = 1;

export function contextRow(key = "", value = ""): ContextRow {
  return { id: nextRowId++, key, value };
}

export function contextRowsFrom(context: Record<string, unknown> | null | undefined): ContextRow[] {
  return Object.entries(context ?? {}).map(([key, value]) =>
    contextRow(key, typeof value === "string" ? value : JSON.stringify(value)),
  );
}

/** The rows as the API's `context` object; rows without a key are left out. */
export function contextFromRows(rows: ContextRow[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (const row of rows) {
    const key = row.key.trim();
    if (key) context[key] = row.value;
  }
  return context;
}

/**
 * Key/value rows for a `context` object (the values behind `{{context.<key>}}` in a skill's prompt),
 * with the server's message for `context.<key>` under its row.
 */
export function StudyContextRows({
  rows,
  onChange,
  error,
  legend = "Context values",
  hint,
}: {
  rows: ContextRow[];
  onChange: (rows: ContextRow[]) => void;
  error: unknown;
  legend?: string;
  hint?: string;
}) {
  const id = useId();
  const update = (rowId: number, change: Partial<ContextRow>) =>
    onChange(rows.map((row) => (row.id === rowId ? { ...row, ...change } : row)));
  const wholeError =
    error instanceof ApiError ? error.errors.find((item) => item.field === "context")?.message : undefined;
  return (
    <fieldset className="study-context" aria-describedby={hint ? `${id}-hint` : undefined}>
      <legend>{legend}</legend>
      {hint && (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      )}
      {rows.length === 0 && <p className="muted">No context values.</p>}
      {rows.map((row, index) => {
        const message = row.key.trim() ? errorUnder(error, `context.${row.key.trim()}`) : undefined;
        return (
          <div key={row.id} className="study-context-row">
            <div className="field">
              <label htmlFor={`${id}-key-${row.id}`}>Key {index + 1}</label>
              <input
                id={`${id}-key-${row.id}`}
                value={row.key}
                placeholder="question"
                autoComplete="off"
                onChange={(event) => update(row.id, { key: event.target.value })}
              />
            </div>
            <div className="field study-context-value">
              <label htmlFor={`${id}-value-${row.id}`}>
                Value {row.key.trim() ? <code>{`{{context.${row.key.trim()}}}`}</code> : index + 1}
              </label>
              <textarea
                id={`${id}-value-${row.id}`}
                rows={2}
                value={row.value}
                aria-invalid={message ? true : undefined}
                aria-describedby={message ? `${id}-error-${row.id}` : undefined}
                onChange={(event) => update(row.id, { value: event.target.value })}
              />
              {message && (
                <span id={`${id}-error-${row.id}`} className="field-error">
                  {message}
                </span>
              )}
            </div>
            <button
              type="button"
              className="button-small study-row-remove"
              aria-label={`Remove context value ${row.key.trim() || index + 1}`}
              onClick={() => onChange(rows.filter((other) => other.id !== row.id))}
            >
              Remove
            </button>
          </div>
        );
      })}
      {wholeError && <p className="field-error">{wholeError}</p>}
      <button type="button" className="button-small" onClick={() => onChange([...rows, contextRow()])}>
        Add context value
      </button>
    </fieldset>
  );
}
