import { checkJsonBounds, JsonInputError, parseStoredJson } from "../lib/bounded-json.ts";
import { ValidationError } from "../errors/app-error.ts";

/**
 * The storage side of the JSON policy. Free-form JSON columns (a persona's definition with its
 * `extensions` and `card`, a memory's `metadata`, a skill's answer schema and context, a study's context)
 * are written only through `serializeStoredJson`, so nothing nested deeper than 64 levels or wider than
 * the key and item limits is ever stored, whatever path the value took to get here (a request body, a
 * card, a model's output, a merge). Reads go through `readStoredJson`, which clamps values stored before
 * the policy existed instead of letting them break every later reader.
 */

/**
 * JSON.stringify for a JSON column, after checking the value against the JSON policy without recursion.
 * Throws a ValidationError (422) naming the offending field, under `field` when given.
 * @example serializeStoredJson(input.metadata, "metadata")
 */
export function serializeStoredJson(value: unknown, field = ""): string {
  try {
    checkJsonBounds(value);
  } catch (error) {
    if (!(error instanceof JsonInputError)) throw error;
    const path = [field, error.path].filter(Boolean).join(".") || "(body)";
    throw new ValidationError([{ field: path, message: error.message }]);
  }
  return JSON.stringify(value);
}

/**
 * JSON.parse for a JSON column: a value within the policy comes back unchanged; anything a row stored
 * before the policy holds deeper than 64 levels reads as null, so the row can still be shown, diffed and
 * repaired by a PATCH.
 * @example readStoredJson<PersonaDefinition>(row.draft)
 */
export function readStoredJson<T>(text: string): T {
  return parseStoredJson(text) as T;
}
