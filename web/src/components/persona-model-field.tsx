import { ModelPicker } from "./model-picker.tsx";
import { usePersonaForm } from "./persona-form-context.tsx";

/**
 * A persona's model, bound to one path of the definition: picked from the configured models, or null
 * for the tenant's default model.
 */
export function PersonaModelField({
  path,
  label,
  hint,
  nullLabel,
}: {
  path: string;
  label: string;
  hint?: string;
  /** What null means here when it is not the tenant default (a channel falls back to the persona's model). */
  nullLabel?: string;
}) {
  const form = usePersonaForm();
  const value = form.valueAt(path);
  return (
    <ModelPicker
      label={label}
      value={typeof value === "string" && value !== "" ? value : null}
      onChange={(model) => form.setField(path, model)}
      hint={hint}
      nullLabel={nullLabel}
      error={form.errorAt(path)}
      disabled={form.disabled}
    />
  );
}
