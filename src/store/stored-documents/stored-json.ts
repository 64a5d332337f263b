import type { z } from "zod";
import { checkJsonBounds, JsonInputError, parseStoredJson } from "../../lib/bounded-json.ts";
import { ValidationError } from "../../errors/app-error.ts";
import { StoredDocumentError } from "./stored-document-error.ts";

/**
 * The storage side of the JSON policy. Free-form JSON columns (a persona's definition with its
 * `extensions` and `card`, a memory's `metadata`, a skill's answer schema and context, a study's context)
 * are written only through `serializeStoredJson`, so nothing nested deeper than 64 levels or wider than
 * the key and item limits is ever stored, whatever path the value took to get here (a request body, a
 * card, a model's output, a merge). Reads go through `readStoredJson` or `readStoredDocument`, which clamp
 * values stored before the policy existed instead of letting them break every later reader.
 *
 * Only repositories call these: services receive typed, validated values and never parse a column.
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
 * repaired by a PATCH. Text that is not JSON at all is a StoredDocumentError naming the column.
 * @example readStoredJson(row.metadata, "memories.metadata")
 */
export function readStoredJson(text: string, column: string): unknown {
  try {
    return parseStoredJson(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new StoredDocumentError(column, [{ field: "(document)", message: "is not valid JSON" }]);
  }
}

/** What a column holds when its stored value does not match its schema. */
export type StoredFallback<T> =
  | { fallback: "error" }
  /** a meaningful default (an empty list, no headers): the row stays readable */
  | { fallback: "default"; value: () => T };

/**
 * Parses and validates a JSON column against its schema. A stored value that does not match either
 * reads as the column's default (when one is meaningful) or throws a StoredDocumentError naming the
 * column and the fields, so an unreadable row is never mistaken for a bug in the caller.
 * @example readStoredDocument(row.models, z.array(z.string()), { column: "tenant_providers.models", fallback: "default", value: () => [] })
 */
export function readStoredDocument<Schema extends z.ZodType>(
  text: string,
  schema: Schema,
  options: { column: string } & StoredFallback<z.output<Schema>>,
): z.output<Schema> {
  let value: unknown;
  try {
    value = readStoredJson(text, options.column);
  } catch (error) {
    if (options.fallback === "default" && error instanceof StoredDocumentError) return options.value();
    throw error;
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  if (options.fallback === "default") return options.value();
  throw StoredDocumentError.fromIssues(options.column, result.error.issues);
}

/** `readStoredDocument` for a nullable column: SQL NULL stays null. */
export function readNullableStoredDocument<Schema extends z.ZodType>(
  text: string | null,
  schema: Schema,
  options: { column: string } & StoredFallback<z.output<Schema>>,
): z.output<Schema> | null {
  return text === null ? null : readStoredDocument(text, schema, options);
}
