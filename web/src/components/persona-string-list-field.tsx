import { useId } from "react";
import { usePersonaForm } from "./persona-form-context.tsx";

/**
 * An editable list of texts (alternate greetings, communication examples): one textarea per item, each
 * with its own label, Remove button and server message (`path.N`).
 */
export function StringListField({
  path,
  legend,
  itemLabel,
  hint,
  addLabel,
  max = 50,
}: {
  path: string;
  legend: string;
  itemLabel: string;
  hint?: string;
  addLabel: string;
  max?: number;
}) {
  const id = useId();
  const form = usePersonaForm();
  const value = form.valueAt(path);
  const items = Array.isArray(value) ? (value as string[]) : [];
  const listMessage = form.errorAt(path);

  return (
    <fieldset className="persona-list-field" aria-describedby={hint ? `${id}-hint` : undefined}>
      <legend>{legend}</legend>
      {hint && (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      )}
      {items.length === 0 && <p className="muted">None yet.</p>}
      {items.map((item, index) => {
        const message = form.errorAt(`${path}.${index}`);
        return (
          <div className="field" key={index}>
            <div className="persona-label-row">
              <label htmlFor={`${id}-${index}`}>
                {itemLabel} {index + 1}
              </label>
              <button
                type="button"
                className="button-link button-small"
                disabled={form.disabled}
                aria-label={`Remove ${itemLabel.toLowerCase()} ${index + 1}`}
                onClick={() =>
                  form.setField(
                    path,
                    items.filter((_, position) => position !== index),
                  )
                }
              >
                Remove
              </button>
            </div>
            <textarea
              id={`${id}-${index}`}
              rows={3}
              value={item}
              disabled={form.disabled}
              aria-invalid={message ? true : undefined}
              aria-describedby={message ? `${id}-${index}-error` : undefined}
              onChange={(event) =>
                form.setField(
                  path,
                  items.map((existing, position) => (position === index ? event.target.value : existing)),
                )
              }
            />
            {message && (
              <span id={`${id}-${index}-error`} className="field-error">
                {message}
              </span>
            )}
          </div>
        );
      })}
      {listMessage && <p className="field-error">{listMessage}</p>}
      <button
        type="button"
        className="button-small"
        disabled={form.disabled || items.length >= max}
        onClick={() => form.setField(path, [...items, ""])}
      >
        {addLabel}
      </button>
    </fieldset>
  );
}
