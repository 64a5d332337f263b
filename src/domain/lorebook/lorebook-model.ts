/**
 * The one internal shape of a lorebook (world info), whatever it was imported from: a Character Card V2 or V3
 * `character_book`, a V3 `lorebook_v3` file or a SillyTavern World Info file. The activation engine reads only
 * this shape; the importers fill every field with the specs' defaults and the exporters write it back.
 *
 * `content` is kept as authored, V3 decorators (`@@depth 4`, ...) included, so an export is the import: the
 * engine parses decorators when it compiles a book.
 */

/** How secondary keys combine with a primary match (SillyTavern's `selectiveLogic` 0..3, in that order). */
export const SELECTIVE_LOGICS = ["and_any", "not_all", "not_any", "and_all"] as const;
export type SelectiveLogic = (typeof SELECTIVE_LOGICS)[number];

export const ENTRY_ROLES = ["system", "user", "assistant"] as const;
export type EntryRole = (typeof ENTRY_ROLES)[number];

/**
 * Where an activated entry goes, as SillyTavern numbers them (index = its `position` value 0..7): around the
 * character definition, around the example messages, around the author's note, inside the chat history at
 * `depth` messages from the end with `role`, or into a named outlet.
 */
export const ENTRY_POSITIONS = [
  "before_char",
  "after_char",
  "author_note_top",
  "author_note_bottom",
  "at_depth",
  "before_examples",
  "after_examples",
  "outlet",
] as const;
export type EntryPosition = (typeof ENTRY_POSITIONS)[number];

export interface LorebookEntry {
  /** Unique within its book; numeric ids from cards and SillyTavern's `uid` are kept as their decimal text. */
  id: string;
  /** A title for people (V3 `name`, SillyTavern `comment`); never sent to the model. */
  name: string;
  comment: string;
  keys: string[];
  secondaryKeys: string[];
  /** Secondary keys apply only when true (V2/V3 `selective`). */
  selective: boolean;
  selectiveLogic: SelectiveLogic;
  content: string;
  /** Active whatever the chat says (still subject to decorators, probability and the budget). */
  constant: boolean;
  enabled: boolean;
  /** Lower goes earlier in the prompt. */
  insertionOrder: number;
  /** Higher survives the token budget; absent: the insertion order stands in, as V3 allows. */
  priority: number | null;
  position: EntryPosition;
  /** Messages from the end of the history, for `at_depth`. */
  depth: number;
  role: EntryRole;
  outletName: string;
  /** V3 `use_regex`: keys are regular expressions even when not written as `/pattern/flags`. */
  useRegex: boolean;
  /** null: the activation's default. */
  caseSensitive: boolean | null;
  matchWholeWords: boolean | null;
  /** Messages scanned for this entry's keys; null: the book's, else the activation's default. */
  scanDepth: number | null;
  /** Chance in percent (0..100) that an activation sticks, when `useProbability`. */
  probability: number;
  useProbability: boolean;
  /** Other entries' content cannot activate this one. */
  excludeRecursion: boolean;
  /** This entry's content does not activate others. */
  preventRecursion: boolean;
  /** 0: may activate from the chat; N: only from recursion step N on. */
  delayUntilRecursion: number;
  /** Always kept whatever the token budget. */
  ignoreBudget: boolean;
  /** Not active until the chat holds this many messages (SillyTavern `delay`); null: no delay. */
  delay: number | null;
  /**
   * Everything else the source carried (SillyTavern's group, sticky, cooldown, triggers, ...), in the card
   * `extensions` naming (snake_case), so an export writes it back.
   */
  extensions: Record<string, unknown>;
  /**
   * Top-level fields of a V2/V3 entry that no spec version known here defines, kept so an export writes
   * them back (V3: "the application MAY save the fields that are not present in the specification").
   */
  otherFields: Record<string, unknown>;
}

export interface Lorebook {
  name: string;
  description: string;
  /** Messages scanned by default for this book's entries; null: the activation's default. */
  scanDepth: number | null;
  /** Tokens this book's entries may take; null: the activation's budget alone. */
  tokenBudget: number | null;
  /** Whether entries of this book may be activated by other entries' content; null: the activation's default. */
  recursiveScanning: boolean | null;
  extensions: Record<string, unknown>;
  entries: LorebookEntry[];
  /** Top-level fields of a V2/V3 book that no spec version known here defines (see LorebookEntry). */
  otherFields: Record<string, unknown>;
}

/** The defaults SillyTavern gives a new entry, used wherever a source leaves a field out. */
export const DEFAULT_INSERTION_ORDER = 100;
export const DEFAULT_ENTRY_DEPTH = 4;

export function createLorebookEntry(fields: Partial<LorebookEntry> & { id: string }): LorebookEntry {
  return {
    name: "",
    comment: "",
    keys: [],
    secondaryKeys: [],
    selective: true,
    selectiveLogic: "and_any",
    content: "",
    constant: false,
    enabled: true,
    insertionOrder: DEFAULT_INSERTION_ORDER,
    priority: null,
    position: "before_char",
    depth: DEFAULT_ENTRY_DEPTH,
    role: "system",
    outletName: "",
    useRegex: false,
    caseSensitive: null,
    matchWholeWords: null,
    scanDepth: null,
    probability: 100,
    useProbability: true,
    excludeRecursion: false,
    preventRecursion: false,
    delayUntilRecursion: 0,
    ignoreBudget: false,
    delay: null,
    extensions: {},
    otherFields: {},
    ...fields,
  };
}

export function createLorebook(fields: Partial<Lorebook> = {}): Lorebook {
  return {
    name: "",
    description: "",
    scanDepth: null,
    tokenBudget: null,
    recursiveScanning: null,
    extensions: {},
    entries: [],
    otherFields: {},
    ...fields,
  };
}
