import { describe, expect, it } from "vitest";
import { snippetAround } from "./conversation-search.ts";

describe("snippetAround", () => {
  it("keeps a short message whole and places the match", () => {
    expect(snippetAround("Tell me about the Sea", "the sea")).toEqual({
      snippet: "Tell me about the Sea",
      match: { start: 14, length: 7 },
    });
  });

  it("cuts a long message around the match, marking the cuts", () => {
    const content = `${"a".repeat(100)}NEEDLE${"b".repeat(100)}`;
    const { snippet, match } = snippetAround(content, "needle");
    expect(snippet).toBe(`…${"a".repeat(60)}NEEDLE${"b".repeat(60)}…`);
    expect(snippet.slice(match.start, match.start + match.length)).toBe("NEEDLE");
  });

  it("falls back to the start when JavaScript cannot place the match", () => {
    expect(snippetAround("Straße", "STRASSE").match).toEqual({ start: 0, length: 0 });
  });
});
