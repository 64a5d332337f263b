import { describe, expect, it } from "vitest";
import { joinContinuation } from "./join-continuation.ts";

describe("joinContinuation", () => {
  it("puts a space between a message and its continuation unless one side has it", () => {
    expect(joinContinuation("She opened the map.", "Then she smiled.")).toBe(
      "She opened the map. Then she smiled.",
    );
    expect(joinContinuation("She opened the map. ", "Then she smiled.")).toBe(
      "She opened the map. Then she smiled.",
    );
    expect(joinContinuation("She opened the map", "\nThen she smiled.")).toBe(
      "She opened the map\nThen she smiled.",
    );
  });

  it("lets punctuation follow without a space, and keeps the message when nothing came", () => {
    expect(joinContinuation("She opened the map", ", slowly.")).toBe("She opened the map, slowly.");
    expect(joinContinuation("She opened the map", "")).toBe("She opened the map");
    expect(joinContinuation("", "Hello.")).toBe("Hello.");
  });
});
