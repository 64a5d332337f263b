import { isPlainObject } from "./deep-merge.ts";

/** One difference between two JSON values, at a dotted path (`sampling.temperature`, `tags`). */
export interface JsonChange {
  path: string;
  from: unknown;
  to: unknown;
}

function isEqualJson(left: unknown, right: unknown): boolean {
  return JSON.stringify(left) === JSON.stringify(right);
}

/**
 * Lists the differences between two JSON documents. Objects are compared field by field; arrays and
 * scalars are compared whole and reported as one change (a persona's lists are short and read as units).
 * A field missing on one side appears with `undefined` there.
 */
export function diffJson(from: unknown, to: unknown, path = ""): JsonChange[] {
  if (isPlainObject(from) && isPlainObject(to)) {
    const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
    return keys.flatMap((key) => diffJson(from[key], to[key], path ? `${path}.${key}` : key));
  }
  return isEqualJson(from, to) ? [] : [{ path: path || "(root)", from, to }];
}
