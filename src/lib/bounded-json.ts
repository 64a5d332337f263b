/**
 * JSON with limits for untrusted input: one policy (nesting depth, members per object, items per array,
 * size) applied to request bodies as text before JSON.parse runs, and to values before they are stored.
 * A deeply nested document parses fine but later overflows the stack of every recursive consumer
 * (validation, merging, diffing, stringifying), far from where the input came in; a document with
 * hundreds of thousands of keys parses fast but makes every later walk slow. Both are refused up front.
 */

export type JsonInputProblem =
  "too_large" | "too_deep" | "too_many_keys" | "too_many_items" | "string_too_long" | "syntax";

export class JsonInputError extends Error {
  constructor(
    readonly problem: JsonInputProblem,
    message: string,
    /** Dotted path of the offending value, when the check ran on a parsed value. */
    readonly path?: string,
  ) {
    super(message);
    this.name = "JsonInputError";
  }

  /** Over a policy limit (valid JSON, refused by rule: 422) rather than unreadable (400). */
  get isPolicyLimit(): boolean {
    return this.problem !== "syntax" && this.problem !== "too_large";
  }
}

export interface BoundedJsonOptions {
  /** Deepest nesting of objects and arrays allowed; the top-level object or array is depth 1. */
  maxDepth?: number;
  /** Largest input accepted, in UTF-8 bytes. */
  maxBytes?: number;
  /** Most members one object may have. */
  maxKeys?: number;
  /** Most items one array may have. */
  maxItems?: number;
  /** Longest string (key or value) allowed, in UTF-16 code units; unbounded unless set. */
  maxStringLength?: number;
}

export const DEFAULT_MAX_JSON_DEPTH = 64;
export const DEFAULT_MAX_JSON_BYTES = 10 * 1024 * 1024;
/** Real objects (a card's extensions, a memory's metadata, a JSON schema) have tens of keys, not thousands. */
export const DEFAULT_MAX_JSON_KEYS = 1_000;
/** Generous for a conversation's messages or a lorebook; far below what makes a walk slow. */
export const DEFAULT_MAX_JSON_ITEMS = 10_000;

type Limits = Required<Omit<BoundedJsonOptions, "maxBytes">>;

function resolveLimits(options: BoundedJsonOptions): Limits {
  return {
    maxDepth: options.maxDepth ?? DEFAULT_MAX_JSON_DEPTH,
    maxKeys: options.maxKeys ?? DEFAULT_MAX_JSON_KEYS,
    maxItems: options.maxItems ?? DEFAULT_MAX_JSON_ITEMS,
    maxStringLength: options.maxStringLength ?? Number.POSITIVE_INFINITY,
  };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const COMMA = 0x2c;

function tooDeep(limit: number, where: string, path?: string): JsonInputError {
  return new JsonInputError("too_deep", `JSON input is nested deeper than ${limit} levels (${where})`, path);
}

function tooMany(isObject: boolean, limits: Limits, where: string, path?: string): JsonInputError {
  return isObject
    ? new JsonInputError(
        "too_many_keys",
        `a JSON object has more than ${limits.maxKeys} keys (${where})`,
        path,
      )
    : new JsonInputError(
        "too_many_items",
        `a JSON array has more than ${limits.maxItems} items (${where})`,
        path,
      );
}

function tooLong(limit: number, where: string, path?: string): JsonInputError {
  return new JsonInputError(
    "string_too_long",
    `a JSON string is longer than ${limit} characters (${where})`,
    path,
  );
}

/**
 * One linear pass over the text that throws at the first limit crossed. Brackets and commas inside strings
 * do not count. Members are counted by commas at their container's level (n commas = n + 1 members), so
 * malformed text can miscount; JSON.parse reports the syntax error afterwards.
 */
function scanLimits(text: string, limits: Limits): void {
  const isObjectAt: boolean[] = [];
  const commasAt: number[] = [];
  let depth = 0;
  let stringStart = -1;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (stringStart >= 0) {
      if (code === BACKSLASH) index++;
      else if (code === QUOTE) {
        if (index - stringStart - 1 > limits.maxStringLength)
          throw tooLong(limits.maxStringLength, `at offset ${stringStart}`);
        stringStart = -1;
      }
    } else if (code === QUOTE) {
      stringStart = index;
    } else if (code === OPEN_OBJECT || code === OPEN_ARRAY) {
      depth++;
      if (depth > limits.maxDepth) throw tooDeep(limits.maxDepth, `at offset ${index}`);
      isObjectAt[depth] = code === OPEN_OBJECT;
      commasAt[depth] = 0;
    } else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) {
      depth--;
    } else if (code === COMMA && depth > 0) {
      const members = (commasAt[depth] = (commasAt[depth] ?? 0) + 1) + 1;
      const isObject = isObjectAt[depth] === true;
      if (members > (isObject ? limits.maxKeys : limits.maxItems))
        throw tooMany(isObject, limits, `at offset ${index}`);
    }
  }
  if (stringStart >= 0 && text.length - stringStart - 1 > limits.maxStringLength)
    throw tooLong(limits.maxStringLength, `at offset ${stringStart}`);
}

/**
 * Parses untrusted JSON, rejecting input larger than `maxBytes` or beyond the depth, key, item and string
 * limits before JSON.parse runs, and reporting syntax errors as a `JsonInputError`.
 * @example parseBoundedJson('{"a":[1]}', { maxDepth: 64 }) // { a: [1] }
 */
export function parseBoundedJson(text: string, options: BoundedJsonOptions = {}): unknown {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_JSON_BYTES;
  // UTF-8 takes between 1 and 3 bytes per UTF-16 unit, so the exact count is only needed near the limit.
  if (text.length > maxBytes || (text.length * 3 > maxBytes && Buffer.byteLength(text, "utf8") > maxBytes)) {
    throw new JsonInputError("too_large", `JSON input is larger than ${maxBytes} bytes`);
  }
  scanLimits(text, resolveLimits(options));
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new JsonInputError("syntax", `invalid JSON: ${reason}`);
  }
}

function childPath(path: string, key: string | number): string {
  return path === "" ? String(key) : `${path}.${key}`;
}

/**
 * Checks an already-parsed value against the same policy, without recursion (so a value nested thousands
 * of levels deep is refused, not a stack overflow). Throws a `JsonInputError` naming the dotted path.
 * @example checkJsonBounds(definition.extensions) // throws when nested deeper than 64 levels
 */
export function checkJsonBounds(value: unknown, options: BoundedJsonOptions = {}): void {
  const limits = resolveLimits(options);
  const pending: { value: unknown; depth: number; path: string }[] = [{ value, depth: 0, path: "" }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const where = next.path === "" ? "at the top" : `at ${next.path}`;
    if (typeof next.value === "string") {
      if (next.value.length > limits.maxStringLength) throw tooLong(limits.maxStringLength, where, next.path);
      continue;
    }
    if (typeof next.value !== "object" || next.value === null) continue;
    const depth = next.depth + 1;
    if (depth > limits.maxDepth) throw tooDeep(limits.maxDepth, where, next.path);
    const entries: [string | number, unknown][] = Array.isArray(next.value)
      ? next.value.map((item, index) => [index, item])
      : Object.entries(next.value);
    const isObject = !Array.isArray(next.value);
    if (entries.length > (isObject ? limits.maxKeys : limits.maxItems))
      throw tooMany(isObject, limits, where, next.path);
    for (const [key, child] of entries) {
      if (isObject && (key as string).length > limits.maxStringLength)
        throw tooLong(limits.maxStringLength, where, next.path);
      pending.push({ value: child, depth, path: childPath(next.path, key) });
    }
  }
}

/** What replaces a part of a stored value nested beyond the depth limit when it is read back. */
export const CLAMPED_JSON_VALUE = null;

/**
 * A copy of `value` with everything nested deeper than `maxDepth` replaced by null, built without
 * recursion. For values stored before the depth limit existed: reading them must not overflow the stack.
 */
export function clampJsonDepth(value: unknown, maxDepth = DEFAULT_MAX_JSON_DEPTH): unknown {
  const root: { value: unknown } = { value };
  const pending: { holder: Record<string | number, unknown>; key: string | number; depth: number }[] = [
    { holder: root as Record<string, unknown>, key: "value", depth: 0 },
  ];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const current = next.holder[next.key];
    if (typeof current !== "object" || current === null) continue;
    if (next.depth + 1 > maxDepth) {
      next.holder[next.key] = CLAMPED_JSON_VALUE;
      continue;
    }
    const copy = (Array.isArray(current) ? [...current] : { ...current }) as Record<string | number, unknown>;
    next.holder[next.key] = copy;
    for (const key of Object.keys(copy)) pending.push({ holder: copy, key, depth: next.depth + 1 });
  }
  return root.value;
}

/**
 * Parses JSON read back from the database. Values written through the storage guard are within the
 * policy; a value stored before it existed is clamped to the depth limit instead of breaking every reader.
 * @example parseStoredJson(row.draft) as PersonaDefinition
 */
export function parseStoredJson(text: string, maxDepth = DEFAULT_MAX_JSON_DEPTH): unknown {
  const value = JSON.parse(text) as unknown;
  try {
    scanLimits(text, {
      maxDepth,
      maxKeys: Number.POSITIVE_INFINITY,
      maxItems: Number.POSITIVE_INFINITY,
      maxStringLength: Number.POSITIVE_INFINITY,
    });
    return value;
  } catch {
    return clampJsonDepth(value, maxDepth);
  }
}
