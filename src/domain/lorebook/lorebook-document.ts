import { z } from "zod";
import {
  createLorebook,
  createLorebookEntry,
  DEFAULT_ENTRY_DEPTH,
  DEFAULT_INSERTION_ORDER,
  ENTRY_POSITIONS,
  ENTRY_ROLES,
  SELECTIVE_LOGICS,
  type Lorebook,
  type LorebookEntry,
} from "./lorebook-model.ts";

/*
 * The lorebook as the API and the database hold it: the engine's model (lorebook-model.ts) field for field,
 * in the API's snake_case, with the limits a stored book keeps. Every field of an entry is here, so the
 * web editor can change each one and an imported book keeps what the engine reads.
 */

/** As many entries as a card's lorebook may carry (CARD_JSON_LIMITS.maxItems). */
export const MAX_LOREBOOK_ENTRIES = 5_000;
const MAX_KEYS = 200;
const MAX_KEY_LENGTH = 1_000;
const MAX_CONTENT_LENGTH = 100_000;

const keyList = z
  .array(
    z
      .string("each key must be text")
      .max(MAX_KEY_LENGTH, `a key must be at most ${MAX_KEY_LENGTH} characters`),
    "must be a list of keys",
  )
  .max(MAX_KEYS, `must hold at most ${MAX_KEYS} keys`);
const wholeNumber = z.number("must be a number").int("must be a whole number");
const jsonObject = z.record(z.string(), z.unknown(), "must be an object");

/** One entry; every field but `keys` and `content` has SillyTavern's default for a new entry. */
export const lorebookEntrySchema = z.strictObject({
  /** Unique within the book; given one when left out. */
  id: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters").optional(),
  name: z.string().max(200, "must be at most 200 characters").default(""),
  comment: z.string().max(2_000, "must be at most 2000 characters").default(""),
  keys: keyList.default([]),
  secondary_keys: keyList.default([]),
  /** Secondary keys apply only when true. */
  selective: z.boolean("must be true or false").default(true),
  selective_logic: z
    .enum(SELECTIVE_LOGICS, `must be one of ${SELECTIVE_LOGICS.join(", ")}`)
    .default("and_any"),
  content: z
    .string("must be text")
    .max(MAX_CONTENT_LENGTH, `must be at most ${MAX_CONTENT_LENGTH} characters`)
    .default(""),
  constant: z.boolean("must be true or false").default(false),
  enabled: z.boolean("must be true or false").default(true),
  insertion_order: wholeNumber.default(DEFAULT_INSERTION_ORDER),
  priority: z.number("must be a number").finite().nullable().default(null),
  position: z.enum(ENTRY_POSITIONS, `must be one of ${ENTRY_POSITIONS.join(", ")}`).default("before_char"),
  depth: wholeNumber.min(0, "must be at least 0").max(10_000).default(DEFAULT_ENTRY_DEPTH),
  role: z.enum(ENTRY_ROLES, `must be one of ${ENTRY_ROLES.join(", ")}`).default("system"),
  outlet_name: z.string().max(200).default(""),
  use_regex: z.boolean("must be true or false").default(false),
  case_sensitive: z.boolean("must be true, false or null").nullable().default(null),
  match_whole_words: z.boolean("must be true, false or null").nullable().default(null),
  scan_depth: wholeNumber.min(0, "must be at least 0").max(10_000).nullable().default(null),
  probability: z.number("must be a number").min(0, "must be 0..100").max(100, "must be 0..100").default(100),
  use_probability: z.boolean("must be true or false").default(true),
  exclude_recursion: z.boolean("must be true or false").default(false),
  prevent_recursion: z.boolean("must be true or false").default(false),
  delay_until_recursion: wholeNumber.min(0, "must be at least 0").default(0),
  ignore_budget: z.boolean("must be true or false").default(false),
  delay: wholeNumber.min(0, "must be at least 0").nullable().default(null),
  extensions: jsonObject.default({}),
});

export type LorebookEntryInput = z.input<typeof lorebookEntrySchema>;
export type LorebookDocumentEntry = z.output<typeof lorebookEntrySchema> & { id: string };

/** The book's settings and entries (its name and visibility live beside it). */
export const lorebookContentSchema = z.strictObject({
  description: z.string().max(10_000, "must be at most 10000 characters").default(""),
  /** Messages scanned for keys; null: the conversation's default. */
  scan_depth: wholeNumber.min(0, "must be at least 0").max(10_000).nullable().default(null),
  /** Tokens this book's entries may take; null: only the reply's shared world-info budget. */
  token_budget: wholeNumber.min(0, "must be at least 0").nullable().default(null),
  /** Whether activated entries' content may activate further entries; null: the default (on). */
  recursive_scanning: z.boolean("must be true, false or null").nullable().default(null),
  extensions: jsonObject.default({}),
  entries: z
    .array(lorebookEntrySchema, "must be a list of entries")
    .max(MAX_LOREBOOK_ENTRIES, `must hold at most ${MAX_LOREBOOK_ENTRIES} entries`)
    .default([]),
});

export type LorebookContent = Omit<z.output<typeof lorebookContentSchema>, "entries"> & {
  entries: LorebookDocumentEntry[];
};

/**
 * Gives every entry an id unique within the book: a given id stays; a missing one becomes the next number
 * not taken. Returns the index of a repeated id instead, for a 422 naming it.
 */
export function assignEntryIds(
  entries: readonly z.output<typeof lorebookEntrySchema>[],
): { entries: LorebookDocumentEntry[] } | { duplicateIndex: number } {
  const taken = new Set<string>();
  for (const [index, entry] of entries.entries()) {
    if (entry.id === undefined) continue;
    if (taken.has(entry.id)) return { duplicateIndex: index };
    taken.add(entry.id);
  }
  let next = 0;
  return {
    entries: entries.map((entry) => {
      if (entry.id !== undefined) return { ...entry, id: entry.id };
      while (taken.has(String(next))) next++;
      const id = String(next);
      taken.add(id);
      return { ...entry, id };
    }),
  };
}

function entryToModel(entry: LorebookDocumentEntry): LorebookEntry {
  return createLorebookEntry({
    id: entry.id,
    name: entry.name,
    comment: entry.comment,
    keys: entry.keys,
    secondaryKeys: entry.secondary_keys,
    selective: entry.selective,
    selectiveLogic: entry.selective_logic,
    content: entry.content,
    constant: entry.constant,
    enabled: entry.enabled,
    insertionOrder: entry.insertion_order,
    priority: entry.priority,
    position: entry.position,
    depth: entry.depth,
    role: entry.role,
    outletName: entry.outlet_name,
    useRegex: entry.use_regex,
    caseSensitive: entry.case_sensitive,
    matchWholeWords: entry.match_whole_words,
    scanDepth: entry.scan_depth,
    probability: entry.probability,
    useProbability: entry.use_probability,
    excludeRecursion: entry.exclude_recursion,
    preventRecursion: entry.prevent_recursion,
    delayUntilRecursion: entry.delay_until_recursion,
    ignoreBudget: entry.ignore_budget,
    delay: entry.delay,
    extensions: entry.extensions,
  });
}

/** A whole number at least 0 (files written by other tools may hold 2.5 or -1 where a count belongs). */
function count(value: number): number {
  return Math.max(0, Math.round(value));
}

function countOrNull(value: number | null): number | null {
  return value === null ? null : count(value);
}

function entryFromModel(entry: LorebookEntry): LorebookDocumentEntry {
  return {
    id: entry.id,
    name: entry.name,
    comment: entry.comment,
    keys: entry.keys,
    secondary_keys: entry.secondaryKeys,
    selective: entry.selective,
    selective_logic: entry.selectiveLogic,
    content: entry.content,
    constant: entry.constant,
    enabled: entry.enabled,
    insertion_order: Math.round(entry.insertionOrder),
    priority: entry.priority,
    position: entry.position,
    depth: count(entry.depth),
    role: entry.role,
    outlet_name: entry.outletName,
    use_regex: entry.useRegex,
    case_sensitive: entry.caseSensitive,
    match_whole_words: entry.matchWholeWords,
    scan_depth: countOrNull(entry.scanDepth),
    probability: entry.probability,
    use_probability: entry.useProbability,
    exclude_recursion: entry.excludeRecursion,
    prevent_recursion: entry.preventRecursion,
    delay_until_recursion: count(entry.delayUntilRecursion),
    ignore_budget: entry.ignoreBudget,
    delay: countOrNull(entry.delay),
    // Unknown top-level fields of a V2/V3 entry ride along in extensions, so nothing imported is lost.
    extensions: { ...entry.otherFields, ...entry.extensions },
  };
}

/** The engine's model of a stored book, for activation and export. */
export function lorebookFromContent(name: string, content: LorebookContent): Lorebook {
  return createLorebook({
    name,
    description: content.description,
    scanDepth: content.scan_depth,
    tokenBudget: content.token_budget,
    recursiveScanning: content.recursive_scanning,
    extensions: content.extensions,
    entries: content.entries.map(entryToModel),
  });
}

/**
 * A book the importers read, as stored content (the name is the book's own, kept beside it). Counts are
 * rounded into range rather than refused: they are what other tools wrote, and mean the same rounded.
 */
export function lorebookToContent(book: Lorebook): LorebookContent {
  return {
    description: book.description,
    scan_depth: countOrNull(book.scanDepth),
    token_budget: countOrNull(book.tokenBudget),
    recursive_scanning: book.recursiveScanning,
    extensions: { ...book.otherFields, ...book.extensions },
    entries: book.entries.map(entryFromModel),
  };
}
