import { useId } from "react";
import { usePersonaForm } from "./persona-form-context.tsx";

const VERBOSITY = ["", "Concise", "Brief", "Balanced", "Detailed", "Verbose"];

function initiativeLabel(level: number): string {
  if (level <= 1) return "Reserved: only answers when contacted";
  if (level <= 3) return "Quiet: rare check-ins";
  if (level <= 6) return "Balanced: occasional check-ins";
  if (level <= 9) return "Eager: frequent check-ins";
  return "Dedicated: always checking in";
}

function LevelSlider({
  path,
  label,
  min,
  max,
  describe,
  hint,
}: {
  path: string;
  label: string;
  min: number;
  max: number;
  describe: (value: number) => string;
  hint: string;
}) {
  const id = useId();
  const form = usePersonaForm();
  const raw = form.valueAt(path);
  const value = typeof raw === "number" ? raw : min;
  const message = form.errorAt(path);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="persona-slider">
        <input
          id={id}
          type="range"
          min={min}
          max={max}
          step={1}
          value={value}
          disabled={form.disabled}
          aria-valuetext={`${value}: ${describe(value)}`}
          aria-describedby={`${id}-hint${message ? ` ${id}-error` : ""}`}
          onChange={(event) => form.setField(path, Number(event.target.value))}
        />
        <output htmlFor={id} className="persona-slider-value">
          {value} · {describe(value)}
        </output>
      </div>
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

/** Response controls: how long replies are, and how often the persona starts a conversation. */
export function PersonaResponseFields() {
  return (
    <>
      <LevelSlider
        path="verbosity"
        label="Verbosity"
        min={1}
        max={5}
        describe={(value) => VERBOSITY[value] ?? ""}
        hint="1 concise (short answers) · 3 balanced · 5 verbose (highly detailed)."
      />
      <LevelSlider
        path="initiative"
        label="Initiative"
        min={1}
        max={10}
        describe={initiativeLabel}
        hint="How often the persona starts conversations on its own, within its active hours."
      />
    </>
  );
}
