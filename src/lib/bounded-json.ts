/**
 * JSON.parse with limits for untrusted input. The nesting depth is checked by a linear scan BEFORE
 * parsing, because a deeply nested document parses fine but later overflows the stack of every recursive
 * consumer (validation, merging, cloning), far from where the input came in.
 */

export type JsonInputProblem = "too_large" | "too_deep" | "syntax";

export class JsonInputError extends Error {
  constructor(
    readonly problem: JsonInputProblem,
    message: string,
  ) {
    super(message);
    this.name = "JsonInputError";
  }
}

export interface BoundedJsonOptions {
  /** Deepest nesting of objects and arrays allowed; the top-level object or array is depth 1. */
  maxDepth?: number;
  /** Largest input accepted, in UTF-8 bytes. */
  maxBytes?: number;
}

export const DEFAULT_MAX_JSON_DEPTH = 64;
export const DEFAULT_MAX_JSON_BYTES = 10 * 1024 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPENERS = new Set([0x7b, 0x5b]); // { [
const CLOSERS = new Set([0x7d, 0x5d]); // } ]

/**
 * Returns the deepest nesting in `text`, stopping as soon as it exceeds `limit`. Brackets inside strings
 * do not count. Unbalanced brackets are left for JSON.parse to report.
 */
function measureDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === BACKSLASH) index++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if (OPENERS.has(code)) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (CLOSERS.has(code)) {
      depth--;
    }
  }
  return deepest;
}

/**
 * Parses untrusted JSON, rejecting input larger than `maxBytes` or nested deeper than `maxDepth` before
 * JSON.parse runs, and reporting syntax errors as a `JsonInputError`.
 * @example parseBoundedJson('{"a":[1]}', { maxDepth: 64 }) // { a: [1] }
 */
export function parseBoundedJson(text: string, options: BoundedJsonOptions = {}): unknown {
  const { maxDepth = DEFAULT_MAX_JSON_DEPTH, maxBytes = DEFAULT_MAX_JSON_BYTES } = options;
  // UTF-8 takes between 1 and 3 bytes per UTF-16 unit, so the exact count is only needed near the limit.
  if (text.length > maxBytes || (text.length * 3 > maxBytes && Buffer.byteLength(text, "utf8") > maxBytes)) {
    throw new JsonInputError("too_large", `JSON input is larger than ${maxBytes} bytes`);
  }
  if (measureDepth(text, maxDepth) > maxDepth) {
    throw new JsonInputError("too_deep", `JSON input is nested deeper than ${maxDepth} levels`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new JsonInputError("syntax", `invalid JSON: ${reason}`);
  }
}
