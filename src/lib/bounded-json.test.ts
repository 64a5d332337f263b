import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { JsonInputError, parseBoundedJson } from "./bounded-json.ts";

function parseError(text: string, options = {}): JsonInputError {
  try {
    parseBoundedJson(text, options);
  } catch (error) {
    expect(error).toBeInstanceOf(JsonInputError);
    return error as JsonInputError;
  }
  throw new Error("expected the JSON to be rejected");
}

const nestedArrays = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
const nestedObjects = (depth: number) => '{"a":'.repeat(depth) + "1" + "}".repeat(depth);

describe("parseBoundedJson", () => {
  it("parses like JSON.parse within the limits (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 10 }), (value) => {
        const text = JSON.stringify(value);
        expect(parseBoundedJson(text)).toEqual(JSON.parse(text));
      }),
    );
  });

  it("accepts nesting up to maxDepth and rejects one level more, before parsing", () => {
    expect(parseBoundedJson(nestedArrays(64))).toBeInstanceOf(Array);
    expect(parseBoundedJson(nestedObjects(3), { maxDepth: 3 })).toEqual({ a: { a: { a: 1 } } });
    const error = parseError(nestedObjects(4), { maxDepth: 3 });
    expect(error.problem).toBe("too_deep");
    expect(error.message).toBe("JSON input is nested deeper than 3 levels");
  });

  it("fails fast and clearly on 10,000 and 1,000,000 levels, with no stack overflow", () => {
    expect(parseError(nestedArrays(10_000)).message).toMatch(/nested deeper than 64 levels/);
    expect(parseError(nestedObjects(10_000)).problem).toBe("too_deep");
    // Unclosed: the scan stops at the limit, so the rest of the text is never looked at.
    expect(parseError("[".repeat(1_000_000)).problem).toBe("too_deep");
  });

  it("ignores brackets inside strings, including after escaped quotes", () => {
    const text = JSON.stringify({ text: "[".repeat(500), quoted: '\\"{{{{' + "{".repeat(500) });
    expect(parseBoundedJson(text, { maxDepth: 1 })).toEqual(JSON.parse(text));
  });

  it("rejects input larger than maxBytes, counting UTF-8 bytes", () => {
    expect(parseError('"' + "a".repeat(20) + '"', { maxBytes: 10 }).problem).toBe("too_large");
    const accents = JSON.stringify("é".repeat(6)); // 8 UTF-16 units, 14 UTF-8 bytes
    expect(parseError(accents, { maxBytes: 12 }).message).toBe("JSON input is larger than 12 bytes");
    expect(parseBoundedJson(accents, { maxBytes: 14 })).toBe("é".repeat(6));
  });

  it("turns syntax errors into a JsonInputError", () => {
    const error = parseError('{"name": "Ada",}');
    expect(error.problem).toBe("syntax");
    expect(error.message).toMatch(/^invalid JSON: /);
    expect(parseError("]]]]").problem).toBe("syntax");
    expect(parseError("").problem).toBe("syntax");
  });
});
