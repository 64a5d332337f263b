import type { CatalogPersona } from "./catalog/catalog-persona.ts";
import { PERSONA_TEMPLATES } from "./catalog/persona-templates.ts";
import { PRESET_PERSONAS } from "./catalog/preset-personas.ts";

/**
 * The personas Dramatis ships with.
 *
 * - `PRESET_PERSONAS` are read-only and shared by every tenant: anyone can chat with them, nobody can edit them.
 * - `PERSONA_TEMPLATES` are starting points: creating a persona with `template_id` copies the definition and
 *   lets the request body override any field.
 *
 * Every definition is complete (`DEFAULT_PERSONA_DEFINITION` with the entry's fields merged in) and deeply
 * frozen, because the same objects are shared by all tenants and requests.
 */
export { PERSONA_TEMPLATES, PRESET_PERSONAS, type CatalogPersona };
export { PRESET_ID_PREFIX, TEMPLATE_ID_PREFIX } from "./catalog/catalog-persona.ts";

const CATALOG_BY_ID: ReadonlyMap<string, CatalogPersona> = new Map(
  [...PRESET_PERSONAS, ...PERSONA_TEMPLATES].map((persona) => [persona.id, persona]),
);

/**
 * A preset or template by id, or undefined.
 *
 * @example findCatalogPersona("template_academic_tutor")?.category // "education"
 */
export function findCatalogPersona(id: string): CatalogPersona | undefined {
  return CATALOG_BY_ID.get(id);
}
