import { describe, expect, it } from "vitest";
import {
  assignEntryIds,
  lorebookContentSchema,
  lorebookFromContent,
  lorebookToContent,
} from "./lorebook-document.ts";
import { createLorebook, createLorebookEntry } from "./lorebook-model.ts";

describe("the stored lorebook document", () => {
  it("turns the engine's model into content and back without losing a field", () => {
    const entry = createLorebookEntry({
      id: "7",
      name: "Dragons",
      keys: ["dragon"],
      secondaryKeys: ["ancient"],
      selectiveLogic: "not_any",
      position: "at_depth",
      depth: 2,
      role: "assistant",
      caseSensitive: true,
      matchWholeWords: false,
      scanDepth: 3,
      probability: 40,
      priority: 5,
      delay: 2,
      extensions: { group: "beasts" },
    });
    const book = createLorebook({ name: "Eldoria", scanDepth: 4, tokenBudget: 200, entries: [entry] });
    const content = lorebookContentSchema.parse(lorebookToContent(book));
    const back = lorebookFromContent("Eldoria", {
      ...content,
      entries: content.entries.map((e) => ({ ...e, id: e.id! })),
    });
    expect(back).toEqual(book);
  });

  it("rounds counts other tools wrote into range instead of refusing them", () => {
    const book = createLorebook({
      scanDepth: 2.6,
      entries: [createLorebookEntry({ id: "0", depth: -1, insertionOrder: 10.4, delayUntilRecursion: 1 })],
    });
    const content = lorebookToContent(book);
    expect(content.scan_depth).toBe(3);
    expect(content.entries[0]).toMatchObject({ depth: 0, insertion_order: 10 });
    expect(lorebookContentSchema.safeParse(content).success).toBe(true);
  });

  it("gives missing ids the next free number and reports a repeated one", () => {
    const parse = (ids: (string | undefined)[]) =>
      assignEntryIds(lorebookContentSchema.parse({ entries: ids.map((id) => (id ? { id } : {})) }).entries);
    expect(parse([undefined, "0", undefined])).toMatchObject({
      entries: [{ id: "1" }, { id: "0" }, { id: "2" }],
    });
    expect(parse(["a", "a"])).toEqual({ duplicateIndex: 1 });
  });
});
