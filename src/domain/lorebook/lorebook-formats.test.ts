import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { activateLorebook } from "./activate-lorebook.ts";
import {
  toCharacterBookV2,
  toCharacterBookV3,
  toLorebookV3File,
  toSillyTavernWorldInfo,
} from "./lorebook-export.ts";
import {
  detectLorebookFormat,
  lorebookDocumentSchema,
  parseCharacterBook,
  parseLorebook,
  parseWorldInfo,
} from "./lorebook-import.ts";
import { createLorebook, createLorebookEntry } from "./lorebook-model.ts";

/** An entry the way SillyTavern's editor saves it (every field of its template). */
function sillyTavernEntry(uid: number, fields: Record<string, unknown> = {}) {
  return {
    uid,
    key: ["Eldoria", "the kingdom"],
    keysecondary: ["king"],
    comment: `Entry ${uid}`,
    content: "Eldoria is a kingdom of rivers.",
    constant: false,
    vectorized: false,
    selective: true,
    selectiveLogic: 3,
    addMemo: true,
    order: 150,
    position: 4,
    disable: false,
    ignoreBudget: false,
    excludeRecursion: true,
    preventRecursion: false,
    matchPersonaDescription: false,
    matchCharacterDescription: false,
    matchCharacterPersonality: false,
    matchCharacterDepthPrompt: false,
    matchScenario: false,
    matchCreatorNotes: false,
    delayUntilRecursion: false,
    probability: 75,
    useProbability: true,
    depth: 2,
    outletName: "",
    group: "places",
    groupOverride: false,
    groupWeight: 100,
    scanDepth: 6,
    caseSensitive: true,
    matchWholeWords: true,
    useGroupScoring: null,
    automationId: "",
    role: 1,
    sticky: 2,
    cooldown: null,
    delay: null,
    triggers: ["normal"],
    displayIndex: uid,
    characterFilter: { isExclude: false, names: [], tags: [] },
    ...fields,
  };
}

const worldInfoFile = {
  name: "Eldoria",
  entries: {
    "0": sillyTavernEntry(0),
    "7": sillyTavernEntry(7, {
      key: ["/dragons?/i"],
      keysecondary: [],
      content: "Dragons nest in the north.",
      position: 1,
      selectiveLogic: 0,
      disable: true,
      delayUntilRecursion: 2,
      role: 0,
      outletName: "",
    }),
  },
};

describe("SillyTavern World Info", () => {
  it("reads every field into the model", () => {
    const book = parseWorldInfo(worldInfoFile);
    expect(book.name).toBe("Eldoria");
    expect(book.entries[0]).toEqual({
      id: "0",
      name: "",
      comment: "Entry 0",
      keys: ["Eldoria", "the kingdom"],
      secondaryKeys: ["king"],
      selective: true,
      selectiveLogic: "and_all",
      content: "Eldoria is a kingdom of rivers.",
      constant: false,
      enabled: true,
      insertionOrder: 150,
      priority: null,
      position: "at_depth",
      depth: 2,
      role: "user",
      outletName: "",
      useRegex: false,
      caseSensitive: true,
      matchWholeWords: true,
      scanDepth: 6,
      probability: 75,
      useProbability: true,
      excludeRecursion: true,
      preventRecursion: false,
      delayUntilRecursion: 0,
      ignoreBudget: false,
      delay: null,
      extensions: {
        vectorized: false,
        group: "places",
        group_override: false,
        group_weight: 100,
        use_group_scoring: null,
        automation_id: "",
        sticky: 2,
        cooldown: null,
        triggers: ["normal"],
        display_index: 0,
        character_filter: { isExclude: false, names: [], tags: [] },
        match_persona_description: false,
        match_character_description: false,
        match_character_personality: false,
        match_character_depth_prompt: false,
        match_scenario: false,
        match_creator_notes: false,
      },
      otherFields: {},
    });
    expect(book.entries[1]).toMatchObject({
      id: "7",
      enabled: false,
      position: "after_char",
      role: "system",
      delayUntilRecursion: 2,
    });
  });

  it("writes back what it read", () => {
    expect(toSillyTavernWorldInfo(parseWorldInfo(worldInfoFile))).toEqual(worldInfoFile);
  });

  it("fills what a minimal file leaves out with SillyTavern's defaults", () => {
    const book = parseWorldInfo({ entries: { "3": { key: "fox, hound", content: "Animals." } } });
    expect(book.entries).toEqual([
      createLorebookEntry({ id: "3", keys: ["fox", "hound"], content: "Animals." }),
    ]);
  });

  it("carries fields newer than this reader", () => {
    const book = parseWorldInfo({
      entries: { "0": { key: ["a"], content: "x", futureField: { on: true } } },
    });
    expect(book.entries[0]?.extensions).toEqual({ futureField: { on: true } });
    expect(toSillyTavernWorldInfo(book).entries["0"]?.extensions).toEqual({ futureField: { on: true } });
  });

  it("orders entries by display index and keeps uids unique", () => {
    const book = parseWorldInfo({
      entries: {
        "5": { uid: 5, key: ["b"], content: "second", displayIndex: 2 },
        "9": { uid: 9, key: ["a"], content: "first", displayIndex: 1 },
        "10": { uid: 9, key: ["c"], content: "duplicate uid", displayIndex: 3 },
        "11": { uid: 2, key: ["d"], content: "holds index 2", displayIndex: 4 },
      },
    });
    expect(book.entries.map((entry) => [entry.id, entry.content])).toEqual([
      ["9", "first"],
      ["5", "second"],
      ["0", "duplicate uid"],
      ["2", "holds index 2"],
    ]);
  });

  it("activates an imported entry the way SillyTavern would", () => {
    const book = parseWorldInfo(worldInfoFile);
    const result = activateLorebook({
      books: [book],
      messages: [{ role: "user", content: "Tell me of Eldoria and its king." }],
      countTokens: (text) => text.length,
      random: () => 0.5,
    });
    expect(result.atDepth).toMatchObject([{ depth: 2, role: "user", entries: [{ entryIndex: 0 }] }]);
  });
});

const characterBookV2 = {
  name: "Seraphina's world",
  description: "Places",
  scan_depth: 4,
  token_budget: 500,
  recursive_scanning: true,
  extensions: { source: "test" },
  entries: [
    {
      id: 1,
      keys: ["glade"],
      secondary_keys: [],
      comment: "The glade",
      content: "The glade is a safe place.",
      constant: false,
      selective: false,
      insertion_order: 100,
      enabled: true,
      position: "before_char",
      case_sensitive: false,
      priority: 10,
      name: "Glade",
      extensions: {
        position: 0,
        exclude_recursion: false,
        display_index: 0,
        probability: 100,
        useProbability: true,
        depth: 4,
        selectiveLogic: 0,
        outlet_name: "",
        group: "",
        group_override: false,
        group_weight: 100,
        prevent_recursion: false,
        delay_until_recursion: false,
        scan_depth: null,
        match_whole_words: null,
        use_group_scoring: false,
        case_sensitive: false,
        automation_id: "",
        role: 0,
        vectorized: false,
        sticky: null,
        cooldown: null,
        delay: null,
        match_persona_description: false,
        match_character_description: false,
        match_character_personality: false,
        match_character_depth_prompt: false,
        match_scenario: false,
        match_creator_notes: false,
        triggers: [],
        ignore_budget: false,
      },
    },
  ],
};

describe("Character Card character_book", () => {
  it("reads a V2 book and writes it back as it was", () => {
    const book = parseCharacterBook(characterBookV2);
    expect(book).toMatchObject({
      name: "Seraphina's world",
      scanDepth: 4,
      tokenBudget: 500,
      recursiveScanning: true,
    });
    expect(book.entries[0]).toMatchObject({ id: "1", name: "Glade", priority: 10, caseSensitive: false });
    expect(toCharacterBookV2(book)).toEqual(characterBookV2);
  });

  it("fills a minimal entry with the specs' defaults (position after_char, not selective)", () => {
    const book = parseCharacterBook({ entries: [{ keys: ["a"], content: "x" }] });
    expect(book.entries[0]).toEqual(
      createLorebookEntry({ id: "0", keys: ["a"], content: "x", selective: false, position: "after_char" }),
    );
    expect(book).toMatchObject({
      scanDepth: null,
      tokenBudget: null,
      recursiveScanning: null,
      extensions: {},
    });
  });

  it("keeps a V3 book through model and back, decorators, use_regex and string ids included", () => {
    const model = createLorebook({
      name: "V3",
      entries: [
        createLorebookEntry({
          id: "tower",
          keys: ["tower"],
          content: "@@depth 1\n@@role assistant\nThe tower hums.",
          useRegex: true,
          priority: 3,
          name: "Tower",
          extensions: { group: "places" },
        }),
        createLorebookEntry({ id: "4", keys: ["moat"], position: "outlet", outletName: "moats" }),
      ],
    });
    const v3 = toCharacterBookV3(model);
    expect(v3.entries[0]).toMatchObject({ id: "tower", use_regex: true, content: model.entries[0]?.content });
    expect(v3.entries[1]).toMatchObject({ id: 4, position: "after_char", extensions: { position: 7 } });
    expect(parseCharacterBook(v3)).toEqual(model);
    expect(parseLorebook(toLorebookV3File(model))).toEqual(model);
    expect(parseWorldInfo(toSillyTavernWorldInfo(model)).entries[1]).toEqual({
      ...model.entries[1],
      extensions: { display_index: 1 },
    });
  });

  it("keeps fields no spec version defines, on the book and its entries", () => {
    const source = {
      x_book_note: "kept",
      entries: [
        { keys: ["a"], content: "x", enabled: true, insertion_order: 1, extensions: {}, x_tool: { v: 1 } },
      ],
    };
    const book = parseCharacterBook(source);
    expect(book.otherFields).toEqual({ x_book_note: "kept" });
    expect(book.entries[0]?.otherFields).toEqual({ x_tool: { v: 1 } });
    expect(toCharacterBookV3(book)).toMatchObject({ x_book_note: "kept", entries: [{ x_tool: { v: 1 } }] });
    expect(toCharacterBookV2(book)).toMatchObject({ x_book_note: "kept", entries: [{ x_tool: { v: 1 } }] });
  });

  it("writes decorators as SillyTavern fields in a V2 book, since V2 has none", () => {
    const model = createLorebook({
      entries: [
        createLorebookEntry({
          id: "0",
          keys: ["a"],
          content: "@@depth 2\n@@role user\n@@scan_depth 9\nText",
        }),
      ],
    });
    const [entry] = toCharacterBookV2(model).entries;
    expect(entry?.content).toBe("Text");
    expect(entry?.extensions).toMatchObject({ position: 4, depth: 2, role: 1, scan_depth: 9 });
    expect(parseCharacterBook(toCharacterBookV2(model)).entries[0]).toMatchObject({
      position: "at_depth",
      depth: 2,
      role: "user",
      scanDepth: 9,
      content: "Text",
    });
  });
});

describe("lorebookDocumentSchema", () => {
  it("tells the formats apart by shape", () => {
    expect(detectLorebookFormat({ entries: [] })).toBe("character_book");
    expect(detectLorebookFormat({ entries: {} })).toBe("sillytavern_world_info");
    expect(detectLorebookFormat({ spec: "lorebook_v3", data: { entries: [] } })).toBe("lorebook_v3");
    expect(detectLorebookFormat({ spec: "chara_card_v3", data: { character_book: { entries: [] } } })).toBe(
      "character_card",
    );
    expect(detectLorebookFormat([1, 2])).toBeNull();
  });

  it("reads the book of a whole card", () => {
    const card = { spec: "chara_card_v2", data: { name: "S", character_book: characterBookV2 } };
    expect(parseLorebook(card).entries[0]?.keys).toEqual(["glade"]);
  });

  it("names the offending field", () => {
    const result = lorebookDocumentSchema.safeParse({
      spec: "lorebook_v3",
      data: { entries: [{ keys: ["a"], content: 5 }] },
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({
      path: ["data", "entries", 0, "content"],
      message: "must be text",
    });
    const worldInfo = lorebookDocumentSchema.safeParse({ entries: { "0": { key: ["a"], order: "soon" } } });
    expect(worldInfo.error?.issues[0]?.path).toEqual(["entries", "0", "order"]);
  });

  it("refuses what is no lorebook with a message saying what is expected", () => {
    expect(() => parseLorebook({ name: "not a book" })).toThrow(ZodError);
    expect(lorebookDocumentSchema.safeParse("text").error?.issues[0]?.message).toMatch(/is not a lorebook/);
  });

  it("accepts numbers written as text and null for unset", () => {
    const book = parseLorebook({
      entries: { "0": { key: ["a"], order: "20", probability: null, scanDepth: null } },
    });
    expect(book.entries[0]).toMatchObject({ insertionOrder: 20, probability: 100, scanDepth: null });
  });
});
