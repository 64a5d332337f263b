import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRandom } from "../../memory/seeded-random.ts";
import { activateLorebook, type ActivateLorebookOptions, type LorebookMessage } from "./activate-lorebook.ts";
import { createLorebook, createLorebookEntry, type Lorebook, type LorebookEntry } from "./lorebook-model.ts";

const countWords = (text: string): number => text.split(/\s+/).filter(Boolean).length;
const neverRandom = (): number => {
  throw new Error("no entry here should roll for probability");
};

let nextId = 0;
function entry(fields: Partial<LorebookEntry>): LorebookEntry {
  return createLorebookEntry({ id: String(nextId++), content: "lore", ...fields });
}

function book(entries: LorebookEntry[], fields: Partial<Lorebook> = {}): Lorebook {
  return createLorebook({ name: "Test book", entries, ...fields });
}

function chat(...contents: string[]): LorebookMessage[] {
  return contents.map((content, index) => ({ role: index % 2 === 0 ? "user" : "assistant", content }));
}

function activate(options: Partial<ActivateLorebookOptions> & Pick<ActivateLorebookOptions, "books">) {
  return activateLorebook({ messages: [], countTokens: countWords, random: neverRandom, ...options });
}

function activatedContents(options: Parameters<typeof activate>[0]): string[] {
  return activate(options).entries.map((item) => item.content);
}

describe("activateLorebook: keys and scan depth", () => {
  it("activates an entry whose key is in the last messages and reports the key that did it", () => {
    const dragon = entry({ keys: ["wyrm", "dragon"], content: "Dragons hoard gold." });
    const result = activate({ books: [book([dragon])], messages: chat("Tell me about the dragon.") });
    expect(result.entries).toHaveLength(1);
    expect(result.entries[0]).toMatchObject({
      content: "Dragons hoard gold.",
      trigger: { kind: "key", key: "dragon", secondaryKey: null, source: "chat" },
      tokens: 3,
      bookName: "Test book",
    });
  });

  it("scans only the last scan-depth messages (default 2)", () => {
    const lore = book([entry({ keys: ["dragon"] })]);
    const messages = chat("a dragon!", "hm", "ok");
    expect(activate({ books: [lore], messages }).entries).toHaveLength(0);
    expect(activate({ books: [lore], messages, scanDepth: 3 }).entries).toHaveLength(1);
  });

  it("lets the entry's scan depth, then the book's, override the default", () => {
    const messages = chat("a dragon!", "hm", "ok", "fine");
    const byEntry = book([entry({ keys: ["dragon"], scanDepth: 4 })]);
    const byBook = book([entry({ keys: ["dragon"] })], { scanDepth: 4 });
    const bookButEntrySmaller = book([entry({ keys: ["dragon"], scanDepth: 1 })], { scanDepth: 10 });
    expect(activate({ books: [byEntry], messages }).entries).toHaveLength(1);
    expect(activate({ books: [byBook], messages }).entries).toHaveLength(1);
    expect(activate({ books: [bookButEntrySmaller], messages }).entries).toHaveLength(0);
  });

  it("never matches a key across two messages", () => {
    const lore = book([entry({ keys: ["red dragon"] })]);
    expect(activate({ books: [lore], messages: chat("the red", "dragon") }).entries).toHaveLength(0);
  });

  it("scans speaker names unless told not to", () => {
    const lore = book([entry({ keys: ["Seraphina"] })]);
    const messages: LorebookMessage[] = [{ role: "assistant", name: "Seraphina", content: "Welcome." }];
    expect(activate({ books: [lore], messages }).entries).toHaveLength(1);
    expect(activate({ books: [lore], messages, includeNames: false }).entries).toHaveLength(0);
  });

  it("replaces {{char}} and {{user}} in keys with the values given, case-insensitively", () => {
    const lore = book([
      entry({ keys: ["{{char}}'s sword"], content: "sword" }),
      entry({ keys: ["/{{User}} smiles/"], content: "smile" }),
      entry({ keys: ["{{unknown}}"], content: "unknown macro" }),
    ]);
    const messages = chat("Ana smiles at Seraphina's sword. {{unknown}}");
    expect(
      activatedContents({ books: [lore], messages, keyMacros: { char: "Seraphina", user: "Ana" } }),
    ).toEqual(["sword", "smile", "unknown macro"]);
    expect(activatedContents({ books: [lore], messages, keyMacros: { char: "Mira", user: "Bo" } })).toEqual([
      "unknown macro",
    ]);
  });

  it("ignores empty keys and entries without keys", () => {
    const lore = book([entry({ keys: ["", "  "] }), entry({ keys: [] })]);
    expect(activate({ books: [lore], messages: chat("anything at all") }).entries).toHaveLength(0);
  });
});

describe("activateLorebook: case and whole words", () => {
  it("is case-insensitive unless the entry or the activation says otherwise", () => {
    const messages = chat("the DRAGON wakes");
    expect(activate({ books: [book([entry({ keys: ["dragon"] })])], messages }).entries).toHaveLength(1);
    expect(
      activate({ books: [book([entry({ keys: ["dragon"], caseSensitive: true })])], messages }).entries,
    ).toHaveLength(0);
    expect(
      activate({ books: [book([entry({ keys: ["DRAGON"], caseSensitive: true })])], messages }).entries,
    ).toHaveLength(1);
    expect(
      activate({ books: [book([entry({ keys: ["dragon"] })])], messages, caseSensitive: true }).entries,
    ).toHaveLength(0);
  });

  it("matches substrings by default and whole words when asked", () => {
    const messages = chat("we concatenate strings");
    const substring = book([entry({ keys: ["cat"] })]);
    const wholeWord = book([entry({ keys: ["cat"], matchWholeWords: true })]);
    expect(activate({ books: [substring], messages }).entries).toHaveLength(1);
    expect(activate({ books: [wholeWord], messages }).entries).toHaveLength(0);
    expect(activate({ books: [substring], messages, matchWholeWords: true }).entries).toHaveLength(0);
    expect(activate({ books: [wholeWord], messages: chat("the cat, asleep") }).entries).toHaveLength(1);
    expect(activate({ books: [wholeWord], messages: chat("cat") }).entries).toHaveLength(1);
  });

  it("keeps the whole-word test when an earlier occurrence is inside a word", () => {
    const wholeWord = book([entry({ keys: ["cat"], matchWholeWords: true })]);
    expect(activate({ books: [wholeWord], messages: chat("concatenate the cat") }).entries).toHaveLength(1);
  });

  it("treats accented and non-Latin letters as letters for whole words, and phrases too", () => {
    const cafe = book([entry({ keys: ["café"], matchWholeWords: true })]);
    expect(activate({ books: [cafe], messages: chat("two cafés") }).entries).toHaveLength(0);
    expect(activate({ books: [cafe], messages: chat("the café.") }).entries).toHaveLength(1);
    const phrase = book([entry({ keys: ["old king"], matchWholeWords: true })]);
    expect(activate({ books: [phrase], messages: chat("the old kingdom") }).entries).toHaveLength(0);
    expect(activate({ books: [phrase], messages: chat("the old king!") }).entries).toHaveLength(1);
  });
});

describe("activateLorebook: regex keys", () => {
  it("matches /pattern/flags keys as regular expressions", () => {
    const lore = book([entry({ keys: ["/drag(on|ons)\\b/i"], content: "regex lore" })]);
    const result = activate({ books: [lore], messages: chat("Two DRAGONS") });
    expect(result.entries[0]?.trigger).toMatchObject({ key: "/drag(on|ons)\\b/i" });
    expect(activate({ books: [lore], messages: chat("dragonfly") }).entries).toHaveLength(0);
  });

  it("honours the regex's own case instead of the entry's", () => {
    const lore = book([entry({ keys: ["/Dragon/"] })]);
    expect(activate({ books: [lore], messages: chat("dragon") }).entries).toHaveLength(0);
    expect(activate({ books: [lore], messages: chat("Dragon") }).entries).toHaveLength(1);
  });

  it("matches a slash key that does not compile as literal text", () => {
    const lore = book([entry({ keys: ["/dev/null"] })]);
    expect(activate({ books: [lore], messages: chat("pipe it to /dev/null") }).entries).toHaveLength(1);
  });

  it("with use_regex, reads keys as patterns, and a key that is no valid pattern as text", () => {
    const lore = book([
      entry({ keys: ["colou?r"], useRegex: true, content: "regex" }),
      entry({ keys: ["C++"], useRegex: true, content: "literal" }),
    ]);
    expect(activatedContents({ books: [lore], messages: chat("What color? I code C++.") })).toEqual([
      "regex",
      "literal",
    ]);
  });

  it("runs a g or y flagged regex the same on every activation", () => {
    const lore = book([entry({ keys: ["/dragon/g"] })]);
    const messages = chat("dragon");
    for (let round = 0; round < 3; round++) {
      expect(activate({ books: [lore], messages }).entries).toHaveLength(1);
    }
  });
});

describe("activateLorebook: secondary keys and selective logic", () => {
  const secondary = ["sword", "shield"];
  const cases = [
    { logic: "and_any", none: false, one: true, all: true },
    { logic: "and_all", none: false, one: false, all: true },
    { logic: "not_any", none: true, one: false, all: false },
    { logic: "not_all", none: true, one: true, all: false },
  ] as const;
  const messagesFor = {
    none: "the knight",
    one: "the knight and his sword",
    all: "the knight with sword and shield",
  } as const;

  for (const { logic, ...expected } of cases) {
    for (const present of ["none", "one", "all"] as const) {
      it(`${logic} with ${present} of the secondary keys present: ${expected[present] ? "active" : "inactive"}`, () => {
        const lore = book([
          entry({ keys: ["knight"], secondaryKeys: secondary, selective: true, selectiveLogic: logic }),
        ]);
        const result = activate({ books: [lore], messages: chat(messagesFor[present]) });
        expect(result.entries.length === 1).toBe(expected[present]);
      });
    }
  }

  it("needs the primary key whatever the secondary logic", () => {
    const lore = book([entry({ keys: ["knight"], secondaryKeys: ["sword"], selectiveLogic: "not_any" })]);
    expect(activate({ books: [lore], messages: chat("a peasant") }).entries).toHaveLength(0);
  });

  it("reports the secondary key that satisfied AND ANY", () => {
    const lore = book([
      entry({ keys: ["knight"], secondaryKeys: ["sword", "shield"], selectiveLogic: "and_any" }),
    ]);
    const [activated] = activate({ books: [lore], messages: chat("knight with a shield") }).entries;
    expect(activated?.trigger).toMatchObject({ key: "knight", secondaryKey: "shield" });
  });

  it("ignores secondary keys on an entry that is not selective", () => {
    const lore = book([
      entry({ keys: ["knight"], secondaryKeys: ["sword"], selective: false, selectiveLogic: "and_all" }),
    ]);
    expect(activate({ books: [lore], messages: chat("the knight") }).entries).toHaveLength(1);
  });
});

describe("activateLorebook: constant, enabled, order and positions", () => {
  it("activates constant entries without keys, and never a disabled one", () => {
    const lore = book([
      entry({ constant: true, content: "always" }),
      entry({ constant: true, enabled: false, content: "disabled constant" }),
      entry({ keys: ["dragon"], enabled: false, content: "disabled keyed" }),
      entry({ enabled: false, content: "@@activate\ndisabled forced" }),
    ]);
    const result = activate({ books: [lore], messages: chat("dragon") });
    expect(result.entries.map((item) => [item.content, item.trigger.kind])).toEqual([["always", "constant"]]);
  });

  it("orders entries by insertion order, lower first, and groups them by position", () => {
    const lore = book([
      entry({ constant: true, insertionOrder: 300, content: "third", position: "after_char" }),
      entry({ constant: true, insertionOrder: 100, content: "first", position: "before_char" }),
      entry({ constant: true, insertionOrder: 200, content: "second", position: "after_char" }),
      entry({
        constant: true,
        insertionOrder: 50,
        content: "deep",
        position: "at_depth",
        depth: 2,
        role: "user",
      }),
      entry({ constant: true, insertionOrder: 10, content: "shallow", position: "at_depth", depth: 0 }),
      entry({ constant: true, insertionOrder: 20, content: "deep system", position: "at_depth", depth: 2 }),
    ]);
    const result = activate({ books: [lore] });
    expect(result.entries.map((item) => item.content)).toEqual([
      "shallow",
      "deep system",
      "deep",
      "first",
      "second",
      "third",
    ]);
    expect(result.byPosition.before_char.map((item) => item.content)).toEqual(["first"]);
    expect(result.byPosition.after_char.map((item) => item.content)).toEqual(["second", "third"]);
    expect(result.byPosition.outlet).toEqual([]);
    expect(
      result.atDepth.map((group) => [group.depth, group.role, group.entries.map((item) => item.content)]),
    ).toEqual([
      [0, "system", ["shallow"]],
      [2, "system", ["deep system"]],
      [2, "user", ["deep"]],
    ]);
  });

  it("keeps the books' order between equal insertion orders", () => {
    const first = book([entry({ constant: true, content: "from the first book" })]);
    const second = book([entry({ constant: true, content: "from the second book" })], { name: "Second" });
    const result = activate({ books: [second, first] });
    expect(result.entries.map((item) => [item.bookIndex, item.content])).toEqual([
      [0, "from the second book"],
      [1, "from the first book"],
    ]);
  });

  it("waits for the chat to hold `delay` messages", () => {
    const lore = book([entry({ keys: ["dragon"], delay: 3 })]);
    expect(activate({ books: [lore], messages: chat("dragon", "dragon") }).entries).toHaveLength(0);
    expect(activate({ books: [lore], messages: chat("dragon", "dragon", "dragon") }).entries).toHaveLength(1);
  });
});

describe("activateLorebook: recursive scanning", () => {
  const chain = () =>
    book([
      entry({ keys: ["castle"], content: "The castle belongs to the duke." }),
      entry({ keys: ["duke"], content: "The duke fears the witch." }),
      entry({ keys: ["witch"], content: "The witch lives in the marsh." }),
      entry({ keys: ["marsh"], content: "The marsh is cold." }),
    ]);

  it("lets activated content activate further entries, each round reported", () => {
    const result = activate({ books: [chain()], messages: chat("We reach the castle.") });
    expect(result.entries.map((item) => [item.trigger, item.recursionStep])).toEqual([
      [{ kind: "key", key: "castle", secondaryKey: null, source: "chat" }, 0],
      [{ kind: "key", key: "duke", secondaryKey: null, source: "recursion" }, 1],
      [{ kind: "key", key: "witch", secondaryKey: null, source: "recursion" }, 2],
      [{ kind: "key", key: "marsh", secondaryKey: null, source: "recursion" }, 3],
    ]);
    expect(result.recursionSteps).toBe(3);
  });

  it("stops after maxRecursionSteps rounds", () => {
    const result = activate({ books: [chain()], messages: chat("castle"), maxRecursionSteps: 1 });
    expect(result.entries.map((item) => item.content)).toEqual([
      "The castle belongs to the duke.",
      "The duke fears the witch.",
    ]);
    expect(result.recursionSteps).toBe(1);
  });

  it("does not recurse when the book or the activation turns it off", () => {
    const off = { ...chain(), recursiveScanning: false };
    expect(activate({ books: [off], messages: chat("castle") }).entries).toHaveLength(1);
    expect(
      activate({ books: [chain()], messages: chat("castle"), recursiveScanning: false }).entries,
    ).toHaveLength(1);
  });

  it("honours exclude_recursion and prevent_recursion", () => {
    const excluded = book([
      entry({ keys: ["castle"], content: "The duke rules." }),
      entry({ keys: ["duke"], excludeRecursion: true, content: "Duke lore." }),
    ]);
    expect(activatedContents({ books: [excluded], messages: chat("castle") })).toEqual(["The duke rules."]);
    expect(activatedContents({ books: [excluded], messages: chat("castle and duke") })).toHaveLength(2);
    const prevented = book([
      entry({ keys: ["castle"], preventRecursion: true, content: "The duke rules." }),
      entry({ keys: ["duke"], content: "Duke lore." }),
    ]);
    expect(activatedContents({ books: [prevented], messages: chat("castle") })).toEqual(["The duke rules."]);
  });

  it("activates delay-until-recursion entries only in a recursion round", () => {
    const lore = book([
      entry({ keys: ["castle"], content: "A castle." }),
      entry({ keys: ["castle"], delayUntilRecursion: 1, content: "Later." }),
    ]);
    const result = activate({ books: [lore], messages: chat("castle") });
    expect(result.entries.map((item) => [item.content, item.recursionStep])).toEqual([
      ["A castle.", 0],
      ["Later.", 1],
    ]);
  });

  it("recurses across books", () => {
    const first = book([entry({ keys: ["castle"], content: "The duke rules." })]);
    const second = book([entry({ keys: ["duke"], content: "Duke lore." })]);
    expect(activatedContents({ books: [first, second], messages: chat("castle") })).toEqual([
      "The duke rules.",
      "Duke lore.",
    ]);
  });

  it("combines a primary key from the chat with a secondary key from other entries", () => {
    const lore = book([
      entry({ keys: ["castle"], content: "Guarded by a knight." }),
      entry({ keys: ["duke"], secondaryKeys: ["knight"], selectiveLogic: "and_all", content: "Duke lore." }),
    ]);
    const result = activate({ books: [lore], messages: chat("the castle of the duke") });
    expect(result.entries.map((item) => item.content)).toEqual(["Guarded by a knight.", "Duke lore."]);
  });
});

describe("activateLorebook: token budget", () => {
  const words = (count: number) => Array.from({ length: count }, () => "word").join(" ");

  it("drops the lowest priorities first and reports them as trimmed", () => {
    const lore = book([
      entry({ constant: true, priority: 1, content: words(5), name: "low" }),
      entry({ constant: true, priority: 10, content: words(5), name: "high" }),
      entry({ constant: true, priority: 5, content: words(5), name: "middle" }),
    ]);
    const result = activate({ books: [lore], tokenBudget: 12 });
    expect(result.entries.map((item) => item.entry.name)).toEqual(["high", "middle"]);
    expect(result.trimmed.map((item) => item.entry.name)).toEqual(["low"]);
    expect(result.totalTokens).toBe(10);
  });

  it("never keeps a lower priority over a higher one that did not fit", () => {
    const lore = book([
      entry({ constant: true, priority: 10, content: words(20), name: "big" }),
      entry({ constant: true, priority: 1, content: words(2), name: "small" }),
    ]);
    const result = activate({ books: [lore], tokenBudget: 10 });
    expect(result.entries).toHaveLength(0);
    expect(result.trimmed.map((item) => item.entry.name)).toEqual(["big", "small"]);
  });

  it("uses the insertion order as priority when there is none (higher order kept first)", () => {
    const lore = book([
      entry({ constant: true, insertionOrder: 1, content: words(5), name: "early" }),
      entry({ constant: true, insertionOrder: 2, content: words(5), name: "late" }),
    ]);
    expect(activate({ books: [lore], tokenBudget: 5 }).entries.map((item) => item.entry.name)).toEqual([
      "late",
    ]);
  });

  it("applies each book's token_budget, then the overall one", () => {
    const capped = book([
      entry({ constant: true, priority: 2, content: words(4), name: "a" }),
      entry({ constant: true, priority: 1, content: words(4), name: "b" }),
    ]);
    capped.tokenBudget = 5;
    const other = book([entry({ constant: true, priority: 0, content: words(4), name: "c" })]);
    expect(activate({ books: [capped, other] }).entries.map((item) => item.entry.name)).toEqual(["a", "c"]);
    expect(
      activate({ books: [capped, other], tokenBudget: 4 }).entries.map((item) => item.entry.name),
    ).toEqual(["a"]);
  });

  it("always keeps ignore_budget entries, without counting them", () => {
    const lore = book([
      entry({ constant: true, priority: 1, ignoreBudget: true, content: words(50), name: "exempt" }),
      entry({ constant: true, priority: 5, content: words(5), name: "counted" }),
    ]);
    const result = activate({ books: [lore], tokenBudget: 5 });
    expect(result.entries.map((item) => item.entry.name).sort()).toEqual(["counted", "exempt"]);
  });

  it("counts each entry's tokens once per book and counting function", () => {
    const lore = book([entry({ constant: true, content: "one two three" })]);
    let calls = 0;
    const counting = (text: string) => {
      calls++;
      return countWords(text);
    };
    activate({ books: [lore], countTokens: counting });
    activate({ books: [lore], countTokens: counting });
    expect(calls).toBe(1);
  });
});

describe("activateLorebook: probability", () => {
  it("keeps an entry when the roll is under its probability and drops it otherwise", () => {
    const lore = book([entry({ keys: ["dragon"], probability: 50 })]);
    const messages = chat("dragon");
    expect(activate({ books: [lore], messages, random: () => 0.49 }).entries).toHaveLength(1);
    expect(activate({ books: [lore], messages, random: () => 0.5 }).entries).toHaveLength(0);
  });

  it("does not roll at 100 % or when the probability is off, and never keeps 0 %", () => {
    const messages = chat("dragon");
    expect(activate({ books: [book([entry({ keys: ["dragon"] })])], messages }).entries).toHaveLength(1);
    const off = book([entry({ keys: ["dragon"], probability: 10, useProbability: false })]);
    expect(activate({ books: [off], messages }).entries).toHaveLength(1);
    const zero = book([entry({ keys: ["dragon"], probability: 0 })]);
    expect(activate({ books: [zero], messages, random: () => 0 }).entries).toHaveLength(0);
  });

  it("is reproducible with a seeded source and close to the probability over many turns", () => {
    const lore = book([entry({ constant: true, probability: 30 })]);
    const runs = (seed: number) => {
      const random = createRandom(seed);
      return Array.from(
        { length: 2000 },
        () => activate({ books: [lore], random: random.next }).entries.length,
      );
    };
    const first = runs(7);
    expect(runs(7)).toEqual(first);
    const share = first.reduce((sum, count) => sum + count, 0) / first.length;
    expect(share).toBeGreaterThan(0.25);
    expect(share).toBeLessThan(0.35);
  });

  it("does not re-roll a failed entry in a recursion round", () => {
    const lore = book([
      entry({ keys: ["castle"], content: "The duke rules." }),
      entry({ keys: ["castle", "duke"], probability: 50, content: "Rolled once." }),
    ]);
    let rolls = 0;
    const result = activate({
      books: [lore],
      messages: chat("castle"),
      random: () => {
        rolls++;
        return 0.9;
      },
    });
    expect(result.entries.map((item) => item.content)).toEqual(["The duke rules."]);
    expect(rolls).toBe(1);
  });
});

describe("activateLorebook: inclusion groups", () => {
  const grouped = (name: string, group: string, extra: Record<string, unknown> = {}, fields = {}) =>
    entry({ keys: ["weather"], name, content: name, extensions: { group, ...extra }, ...fields });

  it("keeps one entry per group, drawn by weight", () => {
    const lore = book([grouped("sun", "weather"), grouped("rain", "weather", { group_weight: 300 })]);
    const messages = chat("the weather");
    expect(activatedContents({ books: [lore], messages, random: () => 0.2 })).toEqual(["sun"]);
    expect(activatedContents({ books: [lore], messages, random: () => 0.3 })).toEqual(["rain"]);
  });

  it("lets group_override win, the highest insertion order first", () => {
    const lore = book([
      grouped("sun", "weather", { group_override: true }, { insertionOrder: 10 }),
      grouped("rain", "weather", { group_override: true }, { insertionOrder: 20 }),
      grouped("snow", "weather", { group_weight: 1000 }),
    ]);
    expect(activatedContents({ books: [lore], messages: chat("weather"), random: () => 0 })).toEqual([
      "rain",
    ]);
  });

  it("keeps no new member of a group already active from an earlier round", () => {
    const lore = book([
      entry({ keys: ["castle"], content: "It rains on the castle.", extensions: { group: "weather" } }),
      entry({ keys: ["rains"], content: "Rain lore.", extensions: { group: "weather" } }),
      entry({ keys: ["rains"], content: "Ungrouped rain lore." }),
    ]);
    expect(activatedContents({ books: [lore], messages: chat("castle"), random: () => 0 })).toEqual([
      "It rains on the castle.",
      "Ungrouped rain lore.",
    ]);
  });

  it("makes an entry in several groups win each of them, and leaves ungrouped entries alone", () => {
    const lore = book([
      grouped("both", "weather, mood", { group_weight: 1 }),
      grouped("weather only", "weather", { group_weight: 1000 }),
      grouped("mood only", "mood", { group_weight: 1 }),
      entry({ keys: ["weather"], content: "free" }),
    ]);
    expect(activatedContents({ books: [lore], messages: chat("weather"), random: () => 0.5 })).toEqual([
      "weather only",
      "mood only",
      "free",
    ]);
  });
});

describe("activateLorebook: V3 decorators", () => {
  it("places @@depth entries in the history with their @@role, decorators removed from the content", () => {
    const lore = book([
      entry({ constant: true, content: "@@depth 2\n@@role assistant\n\nThe moon is red." }),
    ]);
    const [activated] = activate({ books: [lore] }).entries;
    expect(activated).toMatchObject({
      position: "at_depth",
      depth: 2,
      role: "assistant",
      content: "The moon is red.",
    });
  });

  it("@@position wins over @@depth", () => {
    const lore = book([entry({ constant: true, content: "@@depth 3\n@@position after_desc\nLore." })]);
    expect(activate({ books: [lore] }).entries[0]?.position).toBe("after_char");
  });

  it("@@activate_only_after waits for that many assistant messages", () => {
    const lore = book([entry({ constant: true, content: "@@activate_only_after 2\nLate lore." })]);
    expect(activate({ books: [lore], messages: chat("hi", "hello", "how") }).entries).toHaveLength(0);
    expect(activate({ books: [lore], messages: chat("hi", "hello", "how", "fine") }).entries).toHaveLength(1);
    expect(activate({ books: [lore], turn: 5 }).entries).toHaveLength(1);
  });

  it("@@activate_only_every activates on multiples of the assistant message count", () => {
    const lore = book([entry({ constant: true, content: "@@activate_only_every 3\nRhythm." })]);
    const activeTurns = [0, 1, 2, 3, 4, 5, 6].filter(
      (turn) => activate({ books: [lore], turn }).entries.length === 1,
    );
    expect(activeTurns).toEqual([0, 3, 6]);
  });

  it("@@scan_depth overrides the entry's scan depth", () => {
    const lore = book([entry({ keys: ["dragon"], scanDepth: 1, content: "@@scan_depth 3\nLore." })]);
    expect(activate({ books: [lore], messages: chat("dragon", "a", "b") }).entries).toHaveLength(1);
  });

  it("@@dont_activate holds an entry back, @@activate forces one in", () => {
    const lore = book([
      entry({ keys: ["dragon"], content: "@@dont_activate\nHeld back." }),
      entry({ keys: ["nothing"], content: "@@activate\nForced." }),
      entry({ keys: ["dragon"], content: "@@dont_activate\n@@activate\nBoth: activate wins." }),
    ]);
    const result = activate({ books: [lore], messages: chat("dragon") });
    expect(result.entries.map((item) => [item.content, item.trigger.kind])).toEqual([
      ["Forced.", "decorator"],
      ["Both: activate wins.", "decorator"],
    ]);
  });

  it("@@additional_keys needs one more key, @@exclude_keys forbids some", () => {
    const lore = book([
      entry({ keys: ["dragon"], content: "@@additional_keys fire, ice\nElemental dragon." }),
      entry({ keys: ["dragon"], content: "@@exclude_keys baby\nGrown dragon." }),
    ]);
    expect(activatedContents({ books: [lore], messages: chat("a dragon") })).toEqual(["Grown dragon."]);
    expect(activatedContents({ books: [lore], messages: chat("a baby ice dragon") })).toEqual([
      "Elemental dragon.",
    ]);
  });

  it("@@is_greeting applies only when the greeting is known", () => {
    const lore = book([entry({ constant: true, content: "@@is_greeting 1\nAlternate start." })]);
    expect(activate({ books: [lore], greetingIndex: 0 }).entries).toHaveLength(0);
    expect(activate({ books: [lore], greetingIndex: 1 }).entries).toHaveLength(1);
    expect(activate({ books: [lore] }).entries).toHaveLength(1);
  });

  it("@@keep_activate_after_match and @@dont_activate_after_match follow earlier turns when they are known", () => {
    const kept = entry({ keys: ["dragon"], content: "@@keep_activate_after_match\nStays." });
    const once = entry({ keys: ["dragon"], content: "@@dont_activate_after_match\nOnce." });
    const lore = book([kept, once]);
    const before = new Set<LorebookEntry>([kept, once]);
    const wasActivatedBefore = (item: LorebookEntry) => before.has(item);
    expect(activatedContents({ books: [lore], messages: chat("no keys here"), wasActivatedBefore })).toEqual([
      "Stays.",
    ]);
    expect(activatedContents({ books: [lore], messages: chat("dragon"), wasActivatedBefore })).toEqual([
      "Stays.",
    ]);
    expect(activatedContents({ books: [lore], messages: chat("dragon") })).toEqual(["Stays.", "Once."]);
    expect(activatedContents({ books: [lore], messages: chat("no keys here") })).toEqual([]);
  });

  it("uses a fallback decorator when the first one is unknown here", () => {
    const lore = book([
      entry({ constant: true, content: "@@risu_only_thing 4\n@@@depth 1\nWith fallback." }),
      entry({ constant: true, content: "@@depth 2\n@@@depth 7\nFallback not needed." }),
    ]);
    expect(activate({ books: [lore] }).entries.map((item) => item.depth)).toEqual([1, 2]);
  });
});

describe("activateLorebook: both key search strategies agree", () => {
  // Books under 48 literal keys are searched with indexOf per key, larger ones with one automaton pass:
  // padding a book with keys that never match must not change what activates.
  const words = ["cat", "Cat", "concat", "old king", "café", "cafés", "dog", "kingdom", "the", "CAT!"];
  const entryArbitrary = fc.record({
    keys: fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 2 }),
    caseSensitive: fc.constantFrom(null, true, false),
    matchWholeWords: fc.constantFrom(null, true, false),
    scanDepth: fc.constantFrom(null, 1, 2, 4),
  });
  const messagesArbitrary = fc.array(
    fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 5 }).map((parts) => parts.join(" ")),
    { minLength: 1, maxLength: 6 },
  );

  it("finds the same entries with and without 60 padding keys", () => {
    fc.assert(
      fc.property(
        fc.array(entryArbitrary, { minLength: 1, maxLength: 6 }),
        messagesArbitrary,
        (fields, texts) => {
          const entries = fields.map((entryFields, index) =>
            createLorebookEntry({ id: `e${index}`, ...entryFields }),
          );
          const padding = Array.from({ length: 60 }, (_, index) =>
            createLorebookEntry({ id: `pad${index}`, keys: [`zzpadding${index}`] }),
          );
          const messages = chat(...texts);
          const ids = (lorebook: Lorebook) =>
            activate({ books: [lorebook], messages, recursiveScanning: false }).entries.map(
              (item) => item.entry.id,
            );
          expect(ids(book([...entries, ...padding]))).toEqual(ids(book(entries)));
        },
      ),
      { numRuns: 300 },
    );
  });
});
