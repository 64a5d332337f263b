import { AhoCorasick } from "./aho-corasick.ts";
import { parseDecorators, resolveDirectives, type EntryDirectives } from "./entry-decorators.ts";
import { compileKeyPattern, type KeyMatchSettings } from "./key-pattern.ts";
import type { EntryPosition, EntryRole, Lorebook, LorebookEntry } from "./lorebook-model.ts";

/** One key of an entry, pointing into its book's pattern table. */
export interface CompiledKey {
  key: string;
  pattern: number;
}

/** An entry with its decorators applied and its keys compiled: everything activation needs, computed once. */
export interface CompiledEntry {
  /** Index in the book's `entries`. */
  index: number;
  entry: LorebookEntry;
  /** The content without decorator lines: what goes into the prompt. */
  content: string;
  directives: EntryDirectives;
  position: EntryPosition;
  depth: number;
  role: EntryRole;
  /** Decorator, then entry, then book scan depth; null: the activation's default. */
  scanDepth: number | null;
  /** What the token budget keeps first: `priority`, else the insertion order. */
  priority: number;
  /** SillyTavern inclusion groups (`extensions.group`, comma-separated): one member activates per group. */
  groups: string[];
  groupOverride: boolean;
  groupWeight: number;
  primary: CompiledKey[];
  secondary: CompiledKey[];
  additional: CompiledKey[];
  exclude: CompiledKey[];
}

/** A distinct key pattern of a book: literal keys live in one of the two automatons, regex keys stand alone. */
export type PatternSlot =
  | { kind: "literal"; caseSensitive: boolean; wholeWords: boolean; length: number }
  | { kind: "regex"; regex: RegExp };

/** Literal keys of one case mode: their automaton, and per automaton pattern its text and pattern id. */
export interface LiteralGroup {
  automaton: AhoCorasick;
  texts: string[];
  patternIds: number[];
}

export interface CompiledLorebook {
  book: Lorebook;
  entries: CompiledEntry[];
  patterns: PatternSlot[];
  /** Literal keys matched as written, and the pattern id of each automaton pattern. */
  caseSensitive: LiteralGroup | null;
  /** Literal keys matched on case-folded text. */
  caseInsensitive: LiteralGroup | null;
  regexPatternIds: number[];
  /** Per pattern, the entries that use it (primary, secondary or additional key), ascending. */
  entriesByPattern: number[][];
  /** Entries that can activate with no key found: constant, `@@activate`, `@@keep_activate_after_match`. */
  keylessEntries: number[];
  /** The deepest scan depth an enabled entry sets itself (0: none), and whether one uses the default. */
  deepestOwnScanDepth: number;
  usesDefaultScanDepth: boolean;
  /** Entries held back until a recursion round (`delay_until_recursion`). */
  delayedEntries: number[];
  /** Token counts of each entry's content, per counting function (counted once, on first use). */
  tokenCounts: WeakMap<(text: string) => number, number[]>;
}

/** Matching defaults for entries that leave case and whole words unset (SillyTavern: both off). */
export interface MatchDefaults {
  caseSensitive: boolean;
  matchWholeWords: boolean;
  /**
   * Values for `{{name}}` macros in keys (`{ char: "Seraphina", user: "Ana" }`), replaced before keys are
   * compiled, as SillyTavern does; names are case-insensitive, unknown macros stay as written.
   */
  keyMacros?: Readonly<Record<string, string>>;
}

/** Compiled variants kept per book: one per matching defaults and macro values in use. */
const VARIANTS_PER_BOOK = 8;

const compiledBooks = new WeakMap<Lorebook, Map<string, CompiledLorebook>>();

/**
 * The book compiled for activation, cached per book object and defaults: activating the same book on every
 * turn compiles it once. Books are treated as values: an edited book must be a new object.
 *
 * @example compileLorebook(book, { caseSensitive: false, matchWholeWords: true }).entries.length
 */
export function compileLorebook(book: Lorebook, defaults: MatchDefaults): CompiledLorebook {
  const macros = Object.entries(defaults.keyMacros ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const cacheKey = JSON.stringify([defaults.caseSensitive, defaults.matchWholeWords, macros]);
  let byDefaults = compiledBooks.get(book);
  if (!byDefaults) {
    byDefaults = new Map();
    compiledBooks.set(book, byDefaults);
  }
  let compiled = byDefaults.get(cacheKey);
  if (!compiled) {
    compiled = buildCompiledLorebook(book, defaults);
    // Bounded: a caller cycling through many user names must not grow one book's cache forever.
    if (byDefaults.size >= VARIANTS_PER_BOOK) byDefaults.clear();
    byDefaults.set(cacheKey, compiled);
  }
  return compiled;
}

function buildCompiledLorebook(book: Lorebook, defaults: MatchDefaults): CompiledLorebook {
  const patterns: PatternSlot[] = [];
  const patternIdsByIdentity = new Map<string, number>();
  const sensitive: LiteralGroup = { automaton: new AhoCorasick(), texts: [], patternIds: [] };
  const insensitive: LiteralGroup = { automaton: new AhoCorasick(), texts: [], patternIds: [] };
  const regexPatternIds: number[] = [];

  const internKey = (key: string, settings: KeyMatchSettings): CompiledKey | null => {
    const pattern = compileKeyPattern(key, settings);
    if (!pattern) return null;
    const identity =
      pattern.kind === "regex"
        ? `r|${pattern.regex.source}|${pattern.regex.flags}`
        : `l|${pattern.caseSensitive}|${pattern.wholeWords}|${pattern.text}`;
    let id = patternIdsByIdentity.get(identity);
    if (id === undefined) {
      id = patterns.length;
      patternIdsByIdentity.set(identity, id);
      if (pattern.kind === "regex") {
        patterns.push({ kind: "regex", regex: pattern.regex });
        regexPatternIds.push(id);
      } else {
        patterns.push({
          kind: "literal",
          caseSensitive: pattern.caseSensitive,
          wholeWords: pattern.wholeWords,
          length: pattern.text.length,
        });
        const target = pattern.caseSensitive ? sensitive : insensitive;
        target.automaton.add(pattern.text);
        target.texts.push(pattern.text);
        target.patternIds.push(id);
      }
    }
    return { key: key.trim(), pattern: id };
  };

  const entries = book.entries.map((entry, index): CompiledEntry => {
    const { decorators, content } = parseDecorators(entry.content);
    const directives = resolveDirectives(decorators);
    const settings: KeyMatchSettings = {
      useRegex: entry.useRegex,
      caseSensitive: entry.caseSensitive ?? defaults.caseSensitive,
      wholeWords: entry.matchWholeWords ?? defaults.matchWholeWords,
    };
    const compileKeys = (keys: readonly string[]): CompiledKey[] =>
      keys
        .map((key) => internKey(expandMacros(key, defaults.keyMacros), settings))
        .filter((key): key is CompiledKey => key !== null);
    return {
      index,
      entry,
      content,
      directives,
      position: directives.position ?? entry.position,
      depth: directives.depth ?? entry.depth,
      role: directives.role ?? entry.role,
      scanDepth: directives.scanDepth ?? entry.scanDepth ?? book.scanDepth,
      priority: entry.priority ?? entry.insertionOrder,
      ...inclusionGroup(entry.extensions),
      primary: compileKeys(entry.keys),
      secondary: entry.selective ? compileKeys(entry.secondaryKeys) : [],
      additional: compileKeys(directives.additionalKeys),
      exclude: compileKeys(directives.excludeKeys),
    };
  });

  const entriesByPattern: number[][] = patterns.map(() => []);
  for (const entry of entries) {
    for (const key of [...entry.primary, ...entry.secondary, ...entry.additional]) {
      const users = entriesByPattern[key.pattern] as number[];
      if (users.at(-1) !== entry.index) users.push(entry.index);
    }
  }

  const enabled = entries.filter((entry) => entry.entry.enabled);
  return {
    book,
    entries,
    patterns,
    entriesByPattern,
    deepestOwnScanDepth: enabled.reduce((deepest, entry) => Math.max(deepest, entry.scanDepth ?? 0), 0),
    usesDefaultScanDepth: enabled.some((entry) => entry.scanDepth === null),
    keylessEntries: entries
      .filter(
        (entry) =>
          entry.entry.constant || entry.directives.activate || entry.directives.keepActivateAfterMatch,
      )
      .map((entry) => entry.index),
    delayedEntries: entries
      .filter((entry) => entry.entry.delayUntilRecursion > 0)
      .map((entry) => entry.index),
    caseSensitive: sensitive.patternIds.length > 0 ? sensitive : null,
    caseInsensitive: insensitive.patternIds.length > 0 ? insensitive : null,
    regexPatternIds,
    tokenCounts: new WeakMap(),
  };
}

function expandMacros(key: string, macros: Readonly<Record<string, string>> | undefined): string {
  if (!macros || !key.includes("{{")) return key;
  return key.replace(/\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/gi, (macro, name: string) => {
    const value = Object.entries(macros).find(
      ([macroName]) => macroName.toLowerCase() === name.toLowerCase(),
    );
    return value ? value[1] : macro;
  });
}

const DEFAULT_GROUP_WEIGHT = 100;

function inclusionGroup(extensions: Record<string, unknown>) {
  const group = typeof extensions.group === "string" ? extensions.group : "";
  const weight = extensions.group_weight;
  return {
    groups: group
      .split(",")
      .map((name) => name.trim())
      .filter((name) => name !== ""),
    groupOverride: extensions.group_override === true,
    groupWeight:
      typeof weight === "number" && Number.isFinite(weight) && weight >= 0 ? weight : DEFAULT_GROUP_WEIGHT,
  };
}

/** Each entry's content tokens, counted once per book and counting function. */
export function entryTokenCounts(
  compiled: CompiledLorebook,
  countTokens: (text: string) => number,
): number[] {
  let counts = compiled.tokenCounts.get(countTokens);
  if (!counts) {
    counts = compiled.entries.map((entry) => (entry.content === "" ? 0 : countTokens(entry.content)));
    compiled.tokenCounts.set(countTokens, counts);
  }
  return counts;
}
