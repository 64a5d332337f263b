import { describe, expect, it } from "vitest";
import { diffJson } from "./json-diff.ts";

describe("diffJson", () => {
  it("reports nested scalar changes by dotted path", () => {
    expect(diffJson({ a: 1, b: { c: 2, d: 3 } }, { a: 1, b: { c: 5, d: 3 } })).toEqual([
      { path: "b.c", from: 2, to: 5 },
    ]);
  });

  it("treats arrays as whole values and reports added and removed fields", () => {
    expect(diffJson({ tags: ["x"], gone: true }, { tags: ["x", "y"], added: 1 })).toEqual([
      { path: "added", from: undefined, to: 1 },
      { path: "gone", from: true, to: undefined },
      { path: "tags", from: ["x"], to: ["x", "y"] },
    ]);
  });

  it("finds nothing between equal documents", () => {
    expect(diffJson({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual([]);
  });
});
