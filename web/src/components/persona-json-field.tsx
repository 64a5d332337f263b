import { useId, useState } from "react";
import { usePersonaForm } from "./persona-form-context.tsx";

function format(value: unknown): string {
  return JSON.stringify(value ?? {}, null, 2);
}

/**
 * A JSON object edited as text (Character Card leftovers, extensions). Text that is not a JSON object
 * is reported to the form, which then refuses to save until it is fixed.
 */
export function JsonObjectField({ path, label, hint }: { path: string; label: string; hint: string }) {
  const id = useId();
  const form = usePersonaForm();
  const value = form.valueAt(path);
  const [text, setText] = useState(format(value));
  const [seen, setSeen] = useState(value);
  const [localError, setLocalError] = useState<string | undefined>(undefined);
  if (value !== seen) {
    setSeen(value);
    setText(format(value));
    setLocalError(undefined);
  }
  const message = localError ?? form.errorAt(path);

  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        className="persona-code"
        rows={6}
        spellCheck={false}
        value={text}
        disabled={form.disabled}
        aria-invalid={message ? true : undefined}
        aria-describedby={`${id}-hint${message ? ` ${id}-error` : ""}`}
        onChange={(event) => {
          setText(event.target.value);
          let problem: string | undefined;
          try {
            const parsed: unknown = JSON.parse(event.target.value || "{}");
            if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
              problem = "must be a JSON object, e.g. {}";
            } else {
              setSeen(parsed);
              form.setField(path, parsed);
            }
          } catch (error) {
            problem = `not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
          }
          setLocalError(problem);
          form.reportInvalid(path, problem);
        }}
      />
      <span id={`${id}-hint`} className="field-hint">
        {hint}
      </span>
      {message && (
        <span id={`${id}-error`} className="field-error">
          {message}
        </span>
      )}
    </div>
  );
}
