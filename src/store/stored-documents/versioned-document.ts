import type { z } from "zod";
import { isPlainObject, type JsonObject } from "../../lib/deep-merge.ts";
import { StoredDocumentError } from "./stored-document-error.ts";
import { readStoredJson, serializeStoredJson } from "./stored-json.ts";

/** The key a versioned document carries its schema version under, inside the stored JSON. */
export const SCHEMA_VERSION_KEY = "schema_version";

/** Moves a stored document from one schema version to the next; index 0 upgrades version 1 to 2. */
export type DocumentUpgrader = (document: JsonObject) => JsonObject;

/**
 * A kind of JSON document that upgrades itself on read. Version 1 is every document stored before
 * versions existed (they carry no `schema_version`); `upgraders[n]` turns version n+1 into n+2, so the
 * current version is `upgraders.length + 1`.
 */
export interface VersionedDocumentKind<T> {
  /** what the document is, for errors (a read may name its table, column and row instead) */
  column: string;
  schema: z.ZodType<T>;
  upgraders: readonly DocumentUpgrader[];
  /** a complete valid document: what a field the schema rejects falls back to */
  defaults: () => JsonObject;
}

export function currentVersionOf(kind: VersionedDocumentKind<unknown>): number {
  return kind.upgraders.length + 1;
}

/**
 * Reads a stored document: upgrades it step by step to the current version, then validates it. A field
 * that is still missing or that the current schema rejects (a hand edit, a value from before a limit)
 * reads as its default, and an unknown field is dropped, so one damaged field never makes a whole row, or
 * a listing of rows, unreadable; the next write stores the repaired document. What no default can repair
 * (not an object, a newer version than this release knows) is a StoredDocumentError.
 * @example readVersionedDocument(PERSONA_DEFINITION_DOCUMENT, row.draft)
 */
export function readVersionedDocument<T>(
  kind: VersionedDocumentKind<T>,
  text: string,
  column = kind.column,
): T {
  const stored = readStoredJson(text, column);
  if (!isPlainObject(stored)) {
    throw new StoredDocumentError(column, [{ field: "(document)", message: "is not a JSON object" }]);
  }
  const { [SCHEMA_VERSION_KEY]: storedVersion, ...fields } = stored;
  const version = typeof storedVersion === "number" && Number.isInteger(storedVersion) ? storedVersion : 1;
  const current = currentVersionOf(kind);
  if (version > current) {
    throw new StoredDocumentError(column, [
      {
        field: SCHEMA_VERSION_KEY,
        message: `is ${version}, written by a newer release; this one reads up to version ${current}`,
      },
    ]);
  }
  let document = fields;
  for (let step = Math.max(version, 1); step < current; step++)
    document = kind.upgraders[step - 1]!(document);
  return validateRepairing(kind, document, column);
}

/** Serializes a valid document at the current version (checked against the stored-JSON bounds). */
export function serializeVersionedDocument<T>(kind: VersionedDocumentKind<T>, document: T): string {
  return serializeStoredJson({ [SCHEMA_VERSION_KEY]: currentVersionOf(kind), ...(document as JsonObject) });
}

/** Each pass repairs the fields one validation names; a repair can reveal an issue below it. */
const MAX_REPAIR_PASSES = 4;

function validateRepairing<T>(kind: VersionedDocumentKind<T>, document: JsonObject, column: string): T {
  let candidate = document;
  let issues: z.core.$ZodIssue[] = [];
  for (let pass = 0; pass < MAX_REPAIR_PASSES; pass++) {
    const result = kind.schema.safeParse(candidate);
    if (result.success) return result.data;
    issues = result.error.issues;
    candidate = structuredClone(candidate);
    const defaults = kind.defaults();
    for (const issue of issues) repairIssue(candidate, issue, defaults);
  }
  throw StoredDocumentError.fromIssues(column, issues);
}

function repairIssue(document: JsonObject, issue: z.core.$ZodIssue, defaults: JsonObject): void {
  if (issue.code === "unrecognized_keys") {
    const holder = valueAt(document, issue.path);
    if (isPlainObject(holder)) for (const key of issue.keys) delete holder[key];
    return;
  }
  // The deepest default on the issue's path: a bad `appearance.art_style` falls back alone, a bad item of
  // `voice_configurations` (whose items have no default) takes the list's default.
  for (let length = issue.path.length; length > 0; length--) {
    const path = issue.path.slice(0, length);
    const fallback = valueAt(defaults, path);
    if (fallback !== undefined && setValueAt(document, path, structuredClone(fallback))) return;
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** Sets a value where every parent on the path is already an object; false when one is not. */
function setValueAt(root: JsonObject, path: readonly PropertyKey[], value: unknown): boolean {
  const parent = valueAt(root, path.slice(0, -1));
  if (typeof parent !== "object" || parent === null) return false;
  (parent as Record<PropertyKey, unknown>)[path[path.length - 1]!] = value;
  return true;
}
