export type JsonObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Merges `patch` into `base` without touching either: nested objects merge field by field, while arrays,
 * scalars and null replace. `undefined` in the patch leaves the base value alone.
 */
export function deepMerge<T extends JsonObject>(base: T, patch: JsonObject): T {
  const result: JsonObject = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const current = result[key];
    result[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return result as T;
}
