import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkJsonBounds,
  clampJsonDepth,
  JsonInputError,
  parseBoundedJson,
  parseStoredJson,
} from "./bounded-json.ts";

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
    expect(error.message).toBe("JSON input is nested deeper than 3 levels (at offset 15)");
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

function boundsError(value: unknown, options = {}): JsonInputError {
  try {
    checkJsonBounds(value, options);
  } catch (error) {
    expect(error).toBeInstanceOf(JsonInputError);
    return error as JsonInputError;
  }
  throw new Error("expected the value to be rejected");
}

const objectWithKeys = (count: number) =>
  Object.fromEntries(Array.from({ length: count }, (_, index) => [`k${index}`, index]));

describe("parseBoundedJson counts", () => {
  it("bounds keys per object and items per array, at any level", () => {
    expect(parseBoundedJson(JSON.stringify(objectWithKeys(3)), { maxKeys: 3 })).toEqual(objectWithKeys(3));
    expect(parseError(JSON.stringify(objectWithKeys(4)), { maxKeys: 3 }).problem).toBe("too_many_keys");
    expect(parseError(JSON.stringify({ a: { b: [1, 2, 3] } }), { maxItems: 2 }).problem).toBe(
      "too_many_items",
    );
    // Commas inside strings and in sibling containers do not add up.
    const siblings = JSON.stringify({ a: [1, 2], b: [3, 4], text: ",,,,,," });
    expect(parseBoundedJson(siblings, { maxItems: 2, maxKeys: 3 })).toEqual(JSON.parse(siblings));
  });

  it("refuses 200,000 keys by default", () => {
    expect(parseError(JSON.stringify(objectWithKeys(200_000))).message).toMatch(/more than 1000 keys/);
  });

  it("bounds string length when asked", () => {
    expect(parseError(JSON.stringify({ a: "x".repeat(11) }), { maxStringLength: 10 }).problem).toBe(
      "string_too_long",
    );
    expect(parseBoundedJson(JSON.stringify({ a: "x".repeat(10) }), { maxStringLength: 10 })).toEqual({
      a: "x".repeat(10),
    });
  });

  it("agrees with checkJsonBounds on every generated value (property)", () => {
    // Strings are left out: the text scan counts escapes as written, the value walk as decoded.
    const limits = { maxDepth: 4, maxKeys: 3, maxItems: 3 };
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const text = JSON.stringify(value);
        const fromText = (() => {
          try {
            parseBoundedJson(text, limits);
            return "ok";
          } catch (error) {
            return (error as JsonInputError).problem;
          }
        })();
        const fromValue = (() => {
          try {
            checkJsonBounds(JSON.parse(text), limits);
            return "ok";
          } catch (error) {
            return (error as JsonInputError).problem;
          }
        })();
        // Both accept or both refuse; which limit is hit first may differ with the walk order.
        expect(fromText === "ok").toBe(fromValue === "ok");
      }),
    );
  });
});

describe("checkJsonBounds", () => {
  it("accepts depth 64 and refuses 65 and 100,000 without a stack overflow, naming the path", () => {
    const nested = (depth: number) => JSON.parse(nestedObjects(depth)) as unknown;
    expect(() => checkJsonBounds(nested(64))).not.toThrow();
    expect(boundsError(nested(65)).message).toBe(
      `JSON input is nested deeper than 64 levels (at ${Array(64).fill("a").join(".")})`,
    );
    expect(boundsError(JSON.parse(nestedArrays(100_000))).problem).toBe("too_deep");
  });

  it("bounds keys, items and strings", () => {
    expect(boundsError({ a: objectWithKeys(4) }, { maxKeys: 3 }).message).toMatch(/at a\)$/);
    expect(boundsError([[1, 2, 3]], { maxItems: 2 }).problem).toBe("too_many_items");
    expect(boundsError({ ["k".repeat(6)]: 1 }, { maxStringLength: 5 }).problem).toBe("string_too_long");
  });
});

describe("stored JSON", () => {
  it("clamps what is nested beyond the limit to null, leaving the rest", () => {
    expect(clampJsonDepth({ a: { b: { c: 1 } }, d: [1] }, 2)).toEqual({ a: { b: null }, d: [1] });
    const clamped = clampJsonDepth(JSON.parse(nestedArrays(50_000)), 64);
    expect(() => checkJsonBounds(clamped)).not.toThrow();
  });

  it("reads compliant values unchanged and clamps over-deep ones (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
        const text = JSON.stringify(value);
        expect(parseStoredJson(text)).toEqual(JSON.parse(text));
      }),
    );
    const stored = parseStoredJson(`{"x":${nestedArrays(4000)}}`);
    expect(() => checkJsonBounds(stored)).not.toThrow();
  });
});
