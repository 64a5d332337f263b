import { parseDecorators, resolveDirectives } from "./entry-decorators.ts";
import type { Lorebook, LorebookEntry } from "./lorebook-model.ts";
import { CARRIED_SILLYTAVERN_FIELDS, positionToNumber, roleToNumber } from "./sillytavern-fields.ts";
import { SELECTIVE_LOGICS } from "./lorebook-model.ts";

/*
 * Writers for the three lorebook formats. Every format keeps SillyTavern's extra entry fields (position at
 * depth, role, probability, recursion flags, groups, ...) the way SillyTavern itself writes them, so a book
 * exported here and opened there behaves the same.
 */

export interface CharacterBookEntryV2 {
  keys: string[];
  content: string;
  extensions: Record<string, unknown>;
  enabled: boolean;
  insertion_order: number;
  case_sensitive?: boolean;
  name?: string;
  priority?: number;
  id?: number;
  comment?: string;
  selective?: boolean;
  secondary_keys?: string[];
  constant?: boolean;
  position?: "before_char" | "after_char";
}

export interface CharacterBookV2 {
  name?: string;
  description?: string;
  scan_depth?: number;
  token_budget?: number;
  recursive_scanning?: boolean;
  extensions: Record<string, unknown>;
  entries: CharacterBookEntryV2[];
}

export interface CharacterBookEntryV3 extends Omit<CharacterBookEntryV2, "id"> {
  use_regex: boolean;
  id?: number | string;
}

export interface CharacterBookV3 extends Omit<CharacterBookV2, "entries"> {
  entries: CharacterBookEntryV3[];
}

/** SillyTavern's World Info entry, as its editor saves it. */
export type WorldInfoEntry = Record<string, unknown> & { uid: number; key: string[]; content: string };

export interface WorldInfoFile {
  name?: string;
  entries: Record<string, WorldInfoEntry>;
  extensions?: Record<string, unknown>;
}

function numericId(id: string): number | null {
  return /^\d+$/.test(id) && Number.isSafeInteger(Number(id)) ? Number(id) : null;
}

/** SillyTavern's entry extensions (snake_case), from the typed fields and the carried ones. */
function entryExtensions(
  entry: LorebookEntry,
  overrides: Partial<LorebookEntry> = {},
): Record<string, unknown> {
  const effective = { ...entry, ...overrides };
  return {
    ...entry.extensions,
    position: positionToNumber(effective.position),
    depth: effective.depth,
    role: roleToNumber(effective.role),
    selectiveLogic: SELECTIVE_LOGICS.indexOf(effective.selectiveLogic),
    outlet_name: effective.outletName,
    exclude_recursion: effective.excludeRecursion,
    prevent_recursion: effective.preventRecursion,
    delay_until_recursion:
      effective.delayUntilRecursion === 1 ? true : effective.delayUntilRecursion || false,
    probability: effective.probability,
    useProbability: effective.useProbability,
    scan_depth: effective.scanDepth,
    case_sensitive: effective.caseSensitive,
    match_whole_words: effective.matchWholeWords,
    ignore_budget: effective.ignoreBudget,
    delay: effective.delay,
  };
}

function bookFields(book: Lorebook): Omit<CharacterBookV2, "entries"> {
  return {
    ...book.otherFields,
    ...(book.name !== "" ? { name: book.name } : {}),
    ...(book.description !== "" ? { description: book.description } : {}),
    ...(book.scanDepth !== null ? { scan_depth: book.scanDepth } : {}),
    ...(book.tokenBudget !== null ? { token_budget: book.tokenBudget } : {}),
    ...(book.recursiveScanning !== null ? { recursive_scanning: book.recursiveScanning } : {}),
    extensions: { ...book.extensions },
  };
}

function commonEntryFields(entry: LorebookEntry, content: string, position: LorebookEntry["position"]) {
  return {
    ...entry.otherFields,
    keys: [...entry.keys],
    content,
    enabled: entry.enabled,
    insertion_order: entry.insertionOrder,
    ...(entry.caseSensitive !== null ? { case_sensitive: entry.caseSensitive } : {}),
    ...(entry.name !== "" ? { name: entry.name } : {}),
    ...(entry.priority !== null ? { priority: entry.priority } : {}),
    comment: entry.comment,
    selective: entry.selective,
    secondary_keys: [...entry.secondaryKeys],
    constant: entry.constant,
    position: position === "before_char" ? ("before_char" as const) : ("after_char" as const),
  };
}

/**
 * A V2 `character_book`. V2 has no decorators: as the V3 spec asks for a V2 backfill, they are removed from
 * the content, and those with a SillyTavern equivalent (`@@depth`, `@@role`, `@@position`, `@@scan_depth`)
 * are written as its extension fields instead.
 */
export function toCharacterBookV2(book: Lorebook): CharacterBookV2 {
  return {
    ...bookFields(book),
    entries: book.entries.map((entry) => {
      const { decorators, content } = parseDecorators(entry.content);
      const directives = resolveDirectives(decorators);
      const position = directives.position ?? entry.position;
      const id = numericId(entry.id);
      return {
        ...commonEntryFields(entry, content, position),
        ...(id !== null ? { id } : {}),
        extensions: entryExtensions(entry, {
          position,
          depth: directives.depth ?? entry.depth,
          role: directives.role ?? entry.role,
          scanDepth: directives.scanDepth ?? entry.scanDepth,
        }),
      };
    }),
  };
}

/** A V3 `character_book`: decorators stay in the content. */
export function toCharacterBookV3(book: Lorebook): CharacterBookV3 {
  return {
    ...bookFields(book),
    entries: book.entries.map((entry) => ({
      ...commonEntryFields(entry, entry.content, entry.position),
      id: numericId(entry.id) ?? entry.id,
      use_regex: entry.useRegex,
      extensions: entryExtensions(entry),
    })),
  };
}

/** A standalone V3 lorebook file. */
export function toLorebookV3File(book: Lorebook): { spec: "lorebook_v3"; data: CharacterBookV3 } {
  return { spec: "lorebook_v3", data: toCharacterBookV3(book) };
}

/**
 * A SillyTavern World Info file. Entries are keyed by a numeric uid (the entry's id when it is a number not yet
 * taken, else the next free one); the book's order is kept in `displayIndex`.
 */
export function toSillyTavernWorldInfo(book: Lorebook): WorldInfoFile {
  const taken = new Set<number>();
  const wanted = book.entries.map((entry) => numericId(entry.id));
  for (const id of wanted) if (id !== null) taken.add(id);
  const claimed = new Set<number>();
  let next = 0;
  const entries: Record<string, WorldInfoEntry> = {};
  book.entries.forEach((entry, index) => {
    let uid = wanted[index] ?? null;
    if (uid === null || claimed.has(uid)) {
      while (taken.has(next) || claimed.has(next)) next++;
      uid = next;
    }
    claimed.add(uid);
    const extensions: Record<string, unknown> = { ...entry.extensions };
    const carried: Record<string, unknown> = {};
    for (const [worldInfoName, extensionName] of CARRIED_SILLYTAVERN_FIELDS) {
      if (extensionName in extensions) {
        carried[worldInfoName] = extensions[extensionName];
        delete extensions[extensionName];
      }
    }
    entries[String(uid)] = {
      uid,
      key: [...entry.keys],
      keysecondary: [...entry.secondaryKeys],
      comment: entry.comment !== "" ? entry.comment : entry.name,
      content: entry.content,
      constant: entry.constant,
      selective: entry.selective,
      selectiveLogic: SELECTIVE_LOGICS.indexOf(entry.selectiveLogic),
      addMemo: (entry.comment !== "" ? entry.comment : entry.name) !== "",
      order: entry.insertionOrder,
      position: positionToNumber(entry.position),
      disable: !entry.enabled,
      excludeRecursion: entry.excludeRecursion,
      preventRecursion: entry.preventRecursion,
      delayUntilRecursion: entry.delayUntilRecursion === 1 ? true : entry.delayUntilRecursion || false,
      probability: entry.probability,
      useProbability: entry.useProbability,
      depth: entry.depth,
      outletName: entry.outletName,
      scanDepth: entry.scanDepth,
      caseSensitive: entry.caseSensitive,
      matchWholeWords: entry.matchWholeWords,
      role: roleToNumber(entry.role),
      ignoreBudget: entry.ignoreBudget,
      delay: entry.delay,
      displayIndex: index,
      ...carried,
      ...(Object.keys(extensions).length > 0 ? { extensions } : {}),
    };
  });
  return {
    ...(book.name !== "" ? { name: book.name } : {}),
    entries,
    ...(Object.keys(book.extensions).length > 0 ? { extensions: { ...book.extensions } } : {}),
  };
}
