import { isDeepStrictEqual } from "node:util";
import { deepMerge, type JsonObject } from "../lib/deep-merge.ts";
import type { StoredPersona } from "../store/persona-repository.ts";
import type { PersonaVisibility } from "../store/schema.ts";
import { ValidationError, fieldErrorsFromIssues } from "../errors/app-error.ts";
import {
  DEFAULT_PERSONA_DEFINITION,
  READ_ONLY_PERSONA_FIELDS,
  personaDefinitionSchema,
  type PersonaDefinition,
} from "../domain/persona-definition.ts";
import { TEMPLATE_ID_PREFIX, findCatalogPersona } from "./persona-catalog.ts";

/** Validates a complete definition, naming every bad field. */
export function validateDefinition(candidate: unknown, fieldPrefix = ""): PersonaDefinition {
  const result = personaDefinitionSchema.safeParse(candidate);
  if (!result.success) throw new ValidationError(fieldErrorsFromIssues(result.error.issues, fieldPrefix));
  return result.data;
}

function withoutReadOnlyFields(body: JsonObject): JsonObject {
  const copy = { ...body };
  for (const field of [...READ_ONLY_PERSONA_FIELDS, "template_id", "visibility"]) delete copy[field];
  return copy;
}

/** The body's `visibility` when it names one (the route's schema has checked its value). */
export function visibilityOf(body: JsonObject): PersonaVisibility | undefined {
  return body.visibility === "private" || body.visibility === "tenant" ? body.visibility : undefined;
}

/**
 * The definition a create body asks for: its fields over its `template_id`'s definition (or the defaults),
 * validated.
 */
export function definitionFromBody(body: JsonObject): PersonaDefinition {
  const templateId = typeof body.template_id === "string" ? body.template_id : undefined;
  let base: PersonaDefinition = DEFAULT_PERSONA_DEFINITION;
  if (templateId !== undefined) {
    const template = templateId.startsWith(TEMPLATE_ID_PREFIX) ? findCatalogPersona(templateId) : undefined;
    if (!template)
      throw new ValidationError([{ field: "template_id", message: `no template has id ${templateId}` }]);
    base = template.definition;
  }
  return validateDefinition(deepMerge(base, withoutReadOnlyFields(body)));
}

/**
 * A PATCH applied to a persona's draft: objects merge, arrays and scalars replace; the result must be
 * valid, keep NSFW on once set, and be private only when a user created it.
 */
export function applyDraftPatch(
  row: StoredPersona,
  patch: JsonObject,
): Pick<StoredPersona, "draft" | "visibility" | "has_unpublished_changes"> {
  const current = row.draft;
  const next = validateDefinition(deepMerge(current, withoutReadOnlyFields(patch)));
  if (current.modifiers.nsfw && !next.modifiers.nsfw) {
    throw new ValidationError([
      { field: "modifiers.nsfw", message: "NSFW is permanent once set and cannot be turned off" },
    ]);
  }
  const visibility = visibilityOf(patch) ?? row.visibility;
  if (visibility === "private" && row.created_by_user_id === null) {
    throw new ValidationError([
      { field: "visibility", message: "only a persona created by a user can be private (to that user)" },
    ]);
  }
  return {
    draft: next,
    visibility,
    // Changing only who sees it is not an unpublished change to the definition.
    has_unpublished_changes: isDeepStrictEqual(next, current) ? row.has_unpublished_changes : 1,
  };
}
