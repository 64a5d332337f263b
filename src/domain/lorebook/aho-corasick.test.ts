import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AhoCorasick } from "./aho-corasick.ts";

function occurrences(automaton: AhoCorasick, text: string): [number, number][] {
  const found: [number, number][] = [];
  automaton.scan(text, (id, end) => {
    found.push([id, end]);
  });
  return found.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
}

function naiveOccurrences(patterns: string[], text: string): [number, number][] {
  const found: [number, number][] = [];
  patterns.forEach((pattern, id) => {
    if (pattern === "") return;
    for (let start = text.indexOf(pattern); start !== -1; start = text.indexOf(pattern, start + 1)) {
      found.push([id, start + pattern.length]);
    }
  });
  return found.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
}

describe("AhoCorasick", () => {
  it("finds overlapping and nested patterns with their end positions", () => {
    const automaton = new AhoCorasick();
    const patterns = ["he", "she", "his", "hers"];
    for (const pattern of patterns) automaton.add(pattern);
    expect(occurrences(automaton, "ushers")).toEqual([
      [0, 4],
      [1, 4],
      [3, 6],
    ]);
  });

  it("never matches an empty pattern and stops when asked", () => {
    const automaton = new AhoCorasick();
    automaton.add("");
    const a = automaton.add("a");
    let calls = 0;
    automaton.scan("aaaa", (id) => {
      calls++;
      expect(id).toBe(a);
      return true;
    });
    expect(calls).toBe(1);
  });

  it("refuses new patterns after the first scan", () => {
    const automaton = new AhoCorasick();
    automaton.add("x");
    automaton.scan("x", () => {});
    expect(() => automaton.add("y")).toThrow(/before the first scan/);
  });

  it("finds exactly what indexOf finds, for any patterns and text", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: fc.constantFrom("a", "b", "c", "é"), maxLength: 4 }), { maxLength: 8 }),
        fc.string({ unit: fc.constantFrom("a", "b", "c", "é", " "), maxLength: 40 }),
        (patterns, text) => {
          const automaton = new AhoCorasick();
          for (const pattern of patterns) automaton.add(pattern);
          expect(occurrences(automaton, text)).toEqual(naiveOccurrences(patterns, text));
        },
      ),
    );
  });
});
