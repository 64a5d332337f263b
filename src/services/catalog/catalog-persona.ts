import { deepMerge, type JsonObject } from "../../lib/deep-merge.ts";
import { DEFAULT_PERSONA_DEFINITION, type PersonaDefinition } from "../../domain/persona-definition.ts";

/**
 * The personas Dramatis ships with.
 *
 * - `PRESET_PERSONAS` are read-only and shared by every tenant: anyone can chat with them, nobody can edit them.
 * - `PERSONA_TEMPLATES` are starting points: creating a persona with `template_id` copies the definition and
 *   lets the request body override any field.
 *
 * Every definition is complete (it is `DEFAULT_PERSONA_DEFINITION` with the entry's fields merged in) and
 * deeply frozen, because the same objects are shared by all tenants and requests.
 *
 * @example findCatalogPersona("preset_formal_writer")?.definition.name // "Eleanor Whitcombe"
 */
export interface CatalogPersona {
  /** Stable id: `preset_<slug>` or `template_<slug>`. */
  id: string;
  /** One sentence for a picker: what this persona is for. */
  description: string;
  /** Grouping for a picker, e.g. `companion`, `education`, `roleplay`. */
  category: string;
  definition: PersonaDefinition;
}

export const PRESET_ID_PREFIX = "preset_";
export const TEMPLATE_ID_PREFIX = "template_";

/** Objects merge field by field into the defaults; arrays and scalars replace. */
export type DefinitionPatch = {
  [K in keyof PersonaDefinition]?: PersonaDefinition[K] extends readonly unknown[]
    ? PersonaDefinition[K]
    : PersonaDefinition[K] extends object
      ? Partial<PersonaDefinition[K]>
      : PersonaDefinition[K];
};

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const nested of Object.values(value)) deepFreeze(nested);
    Object.freeze(value);
  }
  return value;
}

export function defineCatalogPersona(entry: {
  id: string;
  description: string;
  category: string;
  definition: DefinitionPatch;
}): CatalogPersona {
  const definition = deepMerge(DEFAULT_PERSONA_DEFINITION, entry.definition as JsonObject);
  // Arrays the entry does not set would otherwise be shared with DEFAULT_PERSONA_DEFINITION.
  return deepFreeze(structuredClone({ ...entry, definition }));
}

/** Joins paragraphs with a blank line, so long instructions stay readable in source. */
export function paragraphs(...parts: string[]): string {
  return parts.join("\n\n");
}

/** Answers at once and at any hour; still free to check in on its own (scheduled messages stay on). */
export const ALWAYS_RESPONSIVE = { responds_immediately: true, responds_outside_active_hours: true } as const;

/** Settings for a tool-like persona: answers at once, at any hour, and never starts a conversation itself. */
export const ON_DEMAND: DefinitionPatch = {
  initiative: 1,
  active_hours: { start: "00:00", end: "23:59", time_zone: "UTC" },
  modifiers: {
    responds_immediately: true,
    responds_outside_active_hours: true,
    nsfw: false,
    disable_scheduled_messages: true,
  },
};
