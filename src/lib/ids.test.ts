import { describe, expect, it } from "vitest";
import { newId } from "./ids.ts";

describe("newId", () => {
  it("sorts ids in the order they were made, even within one millisecond", () => {
    const ids = Array.from({ length: 2_000 }, () => newId("msg"));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("keeps the given time for ids made for another moment", () => {
    const at = Date.parse("2026-01-01T00:00:00Z");
    expect(newId("msg", at).slice(4, 14)).toBe(newId("msg", at).slice(4, 14));
    expect(newId("msg", at) < newId("msg", at + 1)).toBe(true);
  });
});
