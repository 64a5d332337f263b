import { describe, expect, it } from "vitest";
import { parseDecorators, resolveDirectives } from "./entry-decorators.ts";

describe("parseDecorators", () => {
  it("splits decorator lines, their values and fallbacks from the content", () => {
    const parsed = parseDecorators(
      "@@depth 4\n@@@instruct_depth 5\n@@exclude_keys a, b ,c\n@@activate\n\nLore text.\n",
    );
    expect(parsed.content).toBe("Lore text.");
    expect(parsed.decorators).toEqual([
      { name: "depth", values: ["4"], fallbacks: [{ name: "instruct_depth", values: ["5"], fallbacks: [] }] },
      { name: "exclude_keys", values: ["a", "b", "c"], fallbacks: [] },
      { name: "activate", values: [], fallbacks: [] },
    ]);
  });

  it("leaves content without decorators untouched, line endings and all", () => {
    const content = "  Indented\r\nsecond line\n\n";
    expect(parseDecorators(content)).toEqual({ decorators: [], content });
  });

  it("keeps lines that only contain @@ somewhere else", () => {
    expect(parseDecorators("mail me at a@@b\n@@role user\nText").content).toBe("mail me at a@@b\nText");
  });
});

describe("resolveDirectives", () => {
  const resolve = (content: string) => resolveDirectives(parseDecorators(content).decorators);

  it("reads every supported decorator", () => {
    expect(
      resolve(
        [
          "@@activate_only_after 3",
          "@@activate_only_every 2",
          "@@scan_depth 6",
          "@@depth 1",
          "@@role user",
          "@@additional_keys x,y",
          "@@exclude_keys z",
          "@@is_greeting 2",
          "@@dont_activate",
          "@@keep_activate_after_match",
          "@@dont_activate_after_match",
          "Text",
        ].join("\n"),
      ),
    ).toEqual({
      activate: false,
      dontActivate: true,
      activateOnlyAfter: 3,
      activateOnlyEvery: 2,
      scanDepth: 6,
      position: "at_depth",
      depth: 1,
      role: "user",
      additionalKeys: ["x", "y"],
      excludeKeys: ["z"],
      isGreeting: 2,
      keepActivateAfterMatch: true,
      dontActivateAfterMatch: true,
    });
  });

  it("keeps the first decorator of a name and ignores invalid values", () => {
    const directives = resolve("@@depth 2\n@@depth 9\n@@role narrator\n@@activate_only_every 0\nText");
    expect(directives).toMatchObject({ depth: 2, role: null, activateOnlyEvery: null });
  });

  it("falls back when the decorator is unknown or its value invalid, trying fallbacks top to bottom", () => {
    expect(resolve("@@unknown 1\n@@@also_unknown 2\n@@@depth 3\nText").depth).toBe(3);
    expect(resolve("@@role narrator\n@@@role assistant\nText").role).toBe("assistant");
  });

  it("maps @@position values, lets it win over @@depth, and ignores positions it cannot place", () => {
    expect(resolve("@@position before_desc\nText").position).toBe("before_char");
    expect(resolve("@@position after_desc\n@@depth 3\nText")).toMatchObject({
      position: "after_char",
      depth: null,
    });
    expect(resolve("@@position personality\n@@depth 3\nText")).toMatchObject({
      position: "at_depth",
      depth: 3,
    });
    expect(resolve("@@depth -2\nText").depth).toBe(0);
  });
});
