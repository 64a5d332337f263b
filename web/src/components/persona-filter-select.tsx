import type { Schema } from "../lib/api.ts";

/**
 * The "Persona" filter of a list page (the gallery, scheduled messages): every persona, the user's own
 * and the presets in groups, and a stand-in for one the address names that is not listed (deleted, or
 * still loading).
 */
export function PersonaFilterSelect({
  id,
  personas,
  value,
  onChange,
}: {
  id: string;
  /** undefined while loading */
  personas: readonly Schema<"Persona">[] | undefined;
  /** "" for all */
  value: string;
  onChange: (personaId: string) => void;
}) {
  const list = personas ?? [];
  const known = list.some((persona) => persona.id === value);
  return (
    <div className="field">
      <label htmlFor={id}>Persona</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">All personas</option>
        {value && personas && !known && <option value={value}>The persona in the address</option>}
        <PersonaOptionGroups personas={list} />
      </select>
    </div>
  );
}

/** A persona select's options: the user's own personas, then the presets, each in its group. */
export function PersonaOptionGroups({ personas }: { personas: readonly Schema<"Persona">[] }) {
  const own = personas.filter((persona) => persona.kind === "persona");
  const presets = personas.filter((persona) => persona.kind === "preset");
  return (
    <>
      {own.length > 0 && (
        <optgroup label="Your personas">
          {own.map((persona) => (
            <option key={persona.id} value={persona.id}>
              {persona.name}
            </option>
          ))}
        </optgroup>
      )}
      {presets.length > 0 && (
        <optgroup label="Presets">
          {presets.map((persona) => (
            <option key={persona.id} value={persona.id}>
              {persona.name}
            </option>
          ))}
        </optgroup>
      )}
    </>
  );
}
