import { useId, useState, type ReactNode } from "react";
import { usePersonaForm } from "./persona-form-context.tsx";

/**
 * Builder inputs bound to one dotted path of the definition: each has a visible label, an optional hint,
 * and the server's message for that path underneath (linked with aria-describedby).
 */

interface FieldProps {
  path: string;
  label: string;
  hint?: ReactNode;
  /** Extra controls next to the label (e.g. an AI helper button). */
  extra?: ReactNode;
}

function useFieldIds(path: string, hint: ReactNode | undefined) {
  const id = useId();
  const form = usePersonaForm();
  const message = form.errorAt(path);
  const describedBy = [hint ? `${id}-hint` : "", message ? `${id}-error` : ""].filter(Boolean).join(" ");
  return { id, form, message, describedBy: describedBy || undefined };
}

function FieldFooter({ id, hint, message }: { id: string; hint: ReactNode; message: string | undefined }) {
  return (
    <>
      {hint && (
        <span id={`${id}-hint`} className="field-hint">
          {hint}
        </span>
      )}
      {message && (
        <span id={`${id}-error`} className="field-error">
          {message}
        </span>
      )}
    </>
  );
}

export function TextField({
  path,
  label,
  hint,
  extra,
  nullable = false,
  type = "text",
  placeholder,
  list,
}: FieldProps & { nullable?: boolean; type?: string; placeholder?: string; list?: string }) {
  const { id, form, message, describedBy } = useFieldIds(path, hint);
  const value = form.valueAt(path);
  return (
    <div className="field">
      <div className="persona-label-row">
        <label htmlFor={id}>{label}</label>
        {extra}
      </div>
      <input
        id={id}
        type={type}
        value={typeof value === "string" ? value : ""}
        placeholder={placeholder}
        list={list}
        disabled={form.disabled}
        aria-invalid={message ? true : undefined}
        aria-describedby={describedBy}
        onChange={(event) =>
          form.setField(path, nullable && event.target.value === "" ? null : event.target.value)
        }
      />
      <FieldFooter id={id} hint={hint} message={message} />
    </div>
  );
}

export function TextAreaField({
  path,
  label,
  hint,
  extra,
  rows = 5,
  children,
}: FieldProps & { rows?: number; children?: ReactNode }) {
  const { id, form, message, describedBy } = useFieldIds(path, hint);
  const value = form.valueAt(path);
  return (
    <div className="field">
      <div className="persona-label-row">
        <label htmlFor={id}>{label}</label>
        {extra}
      </div>
      <textarea
        id={id}
        rows={rows}
        value={typeof value === "string" ? value : ""}
        disabled={form.disabled}
        aria-invalid={message ? true : undefined}
        aria-describedby={describedBy}
        onChange={(event) => form.setField(path, event.target.value)}
      />
      <FieldFooter id={id} hint={hint} message={message} />
      {children}
    </div>
  );
}

function formatNumber(value: unknown): string {
  return typeof value === "number" ? String(value) : "";
}

/** A number; empty means null ("use the default") for the nullable settings. */
export function NumberField({
  path,
  label,
  hint,
  min,
  max,
  step,
}: FieldProps & { min?: number; max?: number; step?: number | "any" }) {
  const { id, form, message, describedBy } = useFieldIds(path, hint);
  const value = form.valueAt(path);
  const [text, setText] = useState(formatNumber(value));
  const [seen, setSeen] = useState(value);
  if (value !== seen) {
    setSeen(value);
    setText(formatNumber(value));
  }
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        inputMode="decimal"
        min={min}
        max={max}
        step={step ?? "any"}
        value={text}
        placeholder="default"
        disabled={form.disabled}
        aria-invalid={message ? true : undefined}
        aria-describedby={describedBy}
        onChange={(event) => {
          const raw = event.target.value;
          setText(raw);
          const parsed = raw.trim() === "" ? null : Number(raw);
          if (parsed === null || !Number.isNaN(parsed)) {
            setSeen(parsed);
            form.setField(path, parsed);
          }
        }}
      />
      <FieldFooter id={id} hint={hint} message={message} />
    </div>
  );
}

export function SelectField({
  path,
  label,
  hint,
  options,
  nullable = false,
  nullLabel = "Not set",
}: FieldProps & { options: { value: string; label: string }[]; nullable?: boolean; nullLabel?: string }) {
  const { id, form, message, describedBy } = useFieldIds(path, hint);
  const value = form.valueAt(path);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={typeof value === "string" ? value : ""}
        disabled={form.disabled}
        aria-invalid={message ? true : undefined}
        aria-describedby={describedBy}
        onChange={(event) =>
          form.setField(path, nullable && event.target.value === "" ? null : event.target.value)
        }
      >
        {nullable && <option value="">{nullLabel}</option>}
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      <FieldFooter id={id} hint={hint} message={message} />
    </div>
  );
}

export function CheckboxField({
  path,
  label,
  hint,
  onToggle,
  locked = false,
}: FieldProps & {
  /** Replaces the plain toggle, e.g. to confirm first; receives the new state. */
  onToggle?: (checked: boolean) => void;
  /** Shown checked and not editable (NSFW once saved on). */
  locked?: boolean;
}) {
  const { id, form, message, describedBy } = useFieldIds(path, hint);
  const checked = form.valueAt(path) === true;
  return (
    <div className="field persona-checkbox">
      <div className="field-inline">
        <input
          id={id}
          type="checkbox"
          checked={checked}
          disabled={form.disabled || locked}
          aria-invalid={message ? true : undefined}
          aria-describedby={describedBy}
          onChange={(event) =>
            onToggle ? onToggle(event.target.checked) : form.setField(path, event.target.checked)
          }
        />
        <label htmlFor={id}>{label}</label>
      </div>
      <FieldFooter id={id} hint={hint} message={message} />
    </div>
  );
}

/** A comma-separated list kept as an array (tags). */
export function ListTextField({ path, label, hint }: FieldProps) {
  const { id, form, message } = useFieldIds(path, hint);
  const value = form.valueAt(path);
  const items = Array.isArray(value) ? (value as string[]) : [];
  const [text, setText] = useState(items.join(", "));
  const [seen, setSeen] = useState(value);
  if (value !== seen) {
    setSeen(value);
    setText(items.join(", "));
  }
  const itemError = form.error?.errors.find((item) =>
    item.field.replace(/^definition\./, "").startsWith(`${path}.`),
  );
  const shown = message ?? itemError?.message;
  const describedBy = [hint ? `${id}-hint` : "", shown ? `${id}-error` : ""].filter(Boolean).join(" ");
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={text}
        disabled={form.disabled}
        aria-invalid={shown ? true : undefined}
        aria-describedby={describedBy || undefined}
        onChange={(event) => {
          setText(event.target.value);
          const next = event.target.value
            .split(",")
            .map((item) => item.trim())
            .filter(Boolean);
          setSeen(next);
          form.setField(path, next);
        }}
      />
      <FieldFooter id={id} hint={hint} message={shown} />
    </div>
  );
}
