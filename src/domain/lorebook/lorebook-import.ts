import { z } from "zod";
import {
  createLorebook,
  createLorebookEntry,
  DEFAULT_ENTRY_DEPTH,
  DEFAULT_INSERTION_ORDER,
  type Lorebook,
  type LorebookEntry,
} from "./lorebook-model.ts";
import {
  CARRIED_SILLYTAVERN_FIELDS,
  positionFromNumber,
  roleFromValue,
  selectiveLogicFromNumber,
  TYPED_EXTENSION_NAMES,
} from "./sillytavern-fields.ts";

/*
 * Readers for the three lorebook formats in circulation. They are lenient where real files are (null for
 * "unset", numbers written as text, keys as one comma-separated string) and strict where a wrong type would
 * change behaviour. Missing fields get the specs' defaults (SillyTavern's where the specs leave it open).
 */

const numberLike = z.preprocess(
  (value) =>
    typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value)) ? Number(value) : value,
  z.number("must be a number").finite("must be a finite number"),
);
const optionalNumber = numberLike.nullish();
const optionalBoolean = z.boolean("must be true or false").nullish();
const keyList = z
  .union([z.array(z.string("each key must be text")), z.string()], "must be a list of keys")
  .nullish()
  .transform((keys) =>
    typeof keys === "string"
      ? keys
          .split(",")
          .map((key) => key.trim())
          .filter((key) => key !== "")
      : (keys ?? []),
  );
const jsonObject = z.record(z.string(), z.unknown());
const identifier = z.union([z.number(), z.string()]).nullish();

/** One entry of a V2/V3 `character_book`. */
const characterBookEntrySchema = z.looseObject({
  keys: keyList,
  content: z.string("must be text").nullish(),
  extensions: jsonObject.nullish(),
  enabled: optionalBoolean,
  insertion_order: optionalNumber,
  case_sensitive: optionalBoolean,
  use_regex: optionalBoolean,
  constant: optionalBoolean,
  name: z.string().nullish(),
  priority: optionalNumber,
  id: identifier,
  comment: z.string().nullish(),
  selective: optionalBoolean,
  secondary_keys: keyList,
  position: z.string().nullish(),
});

/** A V2/V3 `character_book` (also the `data` of a V3 `lorebook_v3` file). */
export const characterBookSchema = z.looseObject({
  name: z.string().nullish(),
  description: z.string().nullish(),
  scan_depth: optionalNumber,
  token_budget: optionalNumber,
  recursive_scanning: optionalBoolean,
  extensions: jsonObject.nullish(),
  entries: z.array(characterBookEntrySchema, "entries must be a list"),
});

/** One entry of a SillyTavern World Info file. */
const worldInfoEntrySchema = z.looseObject({
  uid: identifier,
  key: keyList,
  keysecondary: keyList,
  comment: z.string().nullish(),
  content: z.string("must be text").nullish(),
  constant: optionalBoolean,
  selective: optionalBoolean,
  selectiveLogic: optionalNumber,
  order: optionalNumber,
  position: optionalNumber,
  disable: optionalBoolean,
  excludeRecursion: optionalBoolean,
  preventRecursion: optionalBoolean,
  delayUntilRecursion: z.union([z.boolean(), numberLike]).nullish(),
  probability: optionalNumber,
  useProbability: optionalBoolean,
  depth: optionalNumber,
  outletName: z.string().nullish(),
  scanDepth: optionalNumber,
  caseSensitive: optionalBoolean,
  matchWholeWords: optionalBoolean,
  role: z.union([z.number(), z.string()]).nullish(),
  ignoreBudget: optionalBoolean,
  delay: optionalNumber,
  extensions: jsonObject.nullish(),
});

/** A SillyTavern World Info file: entries keyed by uid. */
export const worldInfoSchema = z.looseObject({
  name: z.string().nullish(),
  description: z.string().nullish(),
  entries: z.record(z.string(), worldInfoEntrySchema, "entries must be an object keyed by uid"),
  extensions: jsonObject.nullish(),
});

type CharacterBookInput = z.infer<typeof characterBookSchema>;
type WorldInfoInput = z.infer<typeof worldInfoSchema>;

function clampProbability(value: number): number {
  return Math.min(100, Math.max(0, value));
}

function delayLevel(value: unknown): number {
  if (value === true) return 1;
  if (typeof value === "number" && Number.isFinite(value) && value > 0) return Math.floor(value);
  return 0;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function booleanOrNull(value: unknown): boolean | null {
  return typeof value === "boolean" ? value : null;
}

/**
 * Ids unique within a book: each distinct id is kept by its first entry; a missing or repeated one becomes the
 * entry's index, or the next free number when another entry holds that.
 */
function uniqueIds(ids: readonly (string | number | null | undefined)[]): string[] {
  const wanted = ids.map((id) =>
    id === null || id === undefined || String(id).trim() === "" ? null : String(id),
  );
  const taken = new Set<string>();
  const result = wanted.map((id) => {
    if (id === null || taken.has(id)) return null;
    taken.add(id);
    return id;
  });
  let next = 0;
  return result.map((id, index) => {
    if (id !== null) return id;
    let chosen = String(index);
    while (taken.has(chosen)) chosen = String(next++);
    taken.add(chosen);
    return chosen;
  });
}

function withoutTypedNames(extensions: Record<string, unknown>): Record<string, unknown> {
  const rest = { ...extensions };
  for (const name of TYPED_EXTENSION_NAMES) delete rest[name];
  return rest;
}

/** The fields of `record` that `schema` does not name. */
function otherFieldsOf(record: Record<string, unknown>, known: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([field]) => !(field in known)));
}

function characterBookEntryToModel(entry: CharacterBookInput["entries"][number], id: string): LorebookEntry {
  const extensions = entry.extensions ?? {};
  const position =
    positionFromNumber(numberOrNull(extensions.position)) ??
    (entry.position === "before_char" ? "before_char" : "after_char");
  return createLorebookEntry({
    id,
    name: entry.name ?? "",
    comment: entry.comment ?? "",
    keys: entry.keys,
    secondaryKeys: entry.secondary_keys,
    selective: entry.selective ?? false,
    selectiveLogic: selectiveLogicFromNumber(numberOrNull(extensions.selectiveLogic)) ?? "and_any",
    content: entry.content ?? "",
    constant: entry.constant ?? false,
    enabled: entry.enabled ?? true,
    insertionOrder: entry.insertion_order ?? DEFAULT_INSERTION_ORDER,
    priority: entry.priority ?? null,
    position,
    depth: numberOrNull(extensions.depth) ?? DEFAULT_ENTRY_DEPTH,
    role: roleFromValue(extensions.role) ?? "system",
    outletName: typeof extensions.outlet_name === "string" ? extensions.outlet_name : "",
    useRegex: entry.use_regex ?? false,
    caseSensitive: entry.case_sensitive ?? booleanOrNull(extensions.case_sensitive),
    matchWholeWords: booleanOrNull(extensions.match_whole_words),
    scanDepth: numberOrNull(extensions.scan_depth),
    probability: clampProbability(numberOrNull(extensions.probability) ?? 100),
    useProbability: booleanOrNull(extensions.useProbability) ?? true,
    excludeRecursion: extensions.exclude_recursion === true,
    preventRecursion: extensions.prevent_recursion === true,
    delayUntilRecursion: delayLevel(extensions.delay_until_recursion),
    ignoreBudget: extensions.ignore_budget === true,
    delay: numberOrNull(extensions.delay),
    extensions: withoutTypedNames(extensions),
    otherFields: otherFieldsOf(entry, characterBookEntrySchema.shape),
  });
}

function characterBookToModel(book: CharacterBookInput): Lorebook {
  const ids = uniqueIds(book.entries.map((entry) => entry.id));
  return createLorebook({
    name: book.name ?? "",
    description: book.description ?? "",
    scanDepth: book.scan_depth ?? null,
    tokenBudget: book.token_budget ?? null,
    recursiveScanning: book.recursive_scanning ?? null,
    extensions: book.extensions ?? {},
    entries: book.entries.map((entry, index) => characterBookEntryToModel(entry, ids[index] as string)),
    otherFields: otherFieldsOf(book, characterBookSchema.shape),
  });
}

const WORLD_INFO_TYPED_FIELDS = new Set([
  ...Object.keys(worldInfoEntrySchema.shape),
  "addMemo",
  ...CARRIED_SILLYTAVERN_FIELDS.map(([worldInfoName]) => worldInfoName),
]);

function worldInfoEntryToModel(entry: WorldInfoInput["entries"][string], id: string): LorebookEntry {
  const extensions: Record<string, unknown> = withoutTypedNames(entry.extensions ?? {});
  const raw = entry as Record<string, unknown>;
  for (const [worldInfoName, extensionName] of CARRIED_SILLYTAVERN_FIELDS) {
    if (raw[worldInfoName] !== undefined) extensions[extensionName] = raw[worldInfoName];
  }
  // Fields newer than this reader ride along in `extensions` under their own name.
  for (const [field, value] of Object.entries(raw)) {
    if (!WORLD_INFO_TYPED_FIELDS.has(field)) extensions[field] = value;
  }
  return createLorebookEntry({
    id,
    comment: entry.comment ?? "",
    keys: entry.key,
    secondaryKeys: entry.keysecondary,
    selective: entry.selective ?? true,
    selectiveLogic: selectiveLogicFromNumber(entry.selectiveLogic) ?? "and_any",
    content: entry.content ?? "",
    constant: entry.constant ?? false,
    enabled: !(entry.disable ?? false),
    insertionOrder: entry.order ?? DEFAULT_INSERTION_ORDER,
    position: positionFromNumber(entry.position) ?? "before_char",
    depth: entry.depth ?? DEFAULT_ENTRY_DEPTH,
    role: roleFromValue(entry.role) ?? "system",
    outletName: entry.outletName ?? "",
    caseSensitive: entry.caseSensitive ?? null,
    matchWholeWords: entry.matchWholeWords ?? null,
    scanDepth: entry.scanDepth ?? null,
    probability: clampProbability(entry.probability ?? 100),
    useProbability: entry.useProbability ?? true,
    excludeRecursion: entry.excludeRecursion ?? false,
    preventRecursion: entry.preventRecursion ?? false,
    delayUntilRecursion: delayLevel(entry.delayUntilRecursion),
    ignoreBudget: entry.ignoreBudget ?? false,
    delay: entry.delay ?? null,
    extensions,
  });
}

function worldInfoToModel(worldInfo: WorldInfoInput): Lorebook {
  const records = Object.entries(worldInfo.entries);
  // SillyTavern lists entries by display index when it has one, else by uid.
  const ordered = records
    .map(([key, entry], index) => ({ key, entry, index }))
    .sort((a, b) => {
      const displayA = numberOrNull(a.entry.displayIndex);
      const displayB = numberOrNull(b.entry.displayIndex);
      if (displayA !== null && displayB !== null && displayA !== displayB) return displayA - displayB;
      return a.index - b.index;
    });
  const ids = uniqueIds(ordered.map(({ key, entry }) => entry.uid ?? key));
  return createLorebook({
    name: worldInfo.name ?? "",
    description: worldInfo.description ?? "",
    extensions: worldInfo.extensions ?? {},
    entries: ordered.map(({ entry }, index) => worldInfoEntryToModel(entry, ids[index] as string)),
  });
}

export type LorebookFormat = "character_book" | "lorebook_v3" | "sillytavern_world_info" | "character_card";

/** Which format a parsed JSON document is, judged by its shape; null when it is none of them. */
export function detectLorebookFormat(document: unknown): LorebookFormat | null {
  if (typeof document !== "object" || document === null || Array.isArray(document)) return null;
  const record = document as Record<string, unknown>;
  if (record.spec === "lorebook_v3") return "lorebook_v3";
  const data = record.data as Record<string, unknown> | undefined;
  if (
    typeof record.spec === "string" &&
    typeof data === "object" &&
    data !== null &&
    "character_book" in data
  ) {
    return "character_card";
  }
  if (Array.isArray(record.entries)) return "character_book";
  if (typeof record.entries === "object" && record.entries !== null) return "sillytavern_world_info";
  return null;
}

/**
 * Reads any lorebook document into the internal model: a card's `character_book` (V2 or V3), a V3
 * `{ spec: "lorebook_v3", data }` file, a SillyTavern World Info file, or a whole V2/V3 card (its
 * `data.character_book`). Issues carry the path of the offending field, for a 4xx naming it.
 *
 * @example lorebookDocumentSchema.parse(JSON.parse(worldInfoText)).entries.length
 */
export const lorebookDocumentSchema = z.unknown().transform((document, context): Lorebook => {
  const format = detectLorebookFormat(document);
  const record = document as Record<string, unknown>;
  const forward = (result: z.ZodSafeParseResult<unknown>, path: PropertyKey[]) => {
    for (const issue of result.error?.issues ?? []) {
      context.addIssue({ code: "custom", message: issue.message, path: [...path, ...issue.path] });
    }
    return z.NEVER;
  };
  switch (format) {
    case "character_book":
    case "lorebook_v3":
    case "character_card": {
      const path =
        format === "character_book" ? [] : format === "lorebook_v3" ? ["data"] : ["data", "character_book"];
      const source =
        format === "character_book"
          ? document
          : format === "lorebook_v3"
            ? record.data
            : (record.data as Record<string, unknown>).character_book;
      const result = characterBookSchema.safeParse(source);
      return result.success ? characterBookToModel(result.data) : forward(result, path);
    }
    case "sillytavern_world_info": {
      const result = worldInfoSchema.safeParse(document);
      return result.success ? worldInfoToModel(result.data) : forward(result, []);
    }
    case null:
      context.addIssue({
        code: "custom",
        message:
          "is not a lorebook: expected a character_book ({ entries: [...] }), a lorebook_v3 file, a SillyTavern World Info file ({ entries: { ... } }) or a card holding a character_book",
        path: [],
      });
      return z.NEVER;
  }
});

/** A card's `character_book` (V2 or V3) as the internal model. */
export function parseCharacterBook(characterBook: unknown): Lorebook {
  return characterBookToModel(characterBookSchema.parse(characterBook));
}

/** A SillyTavern World Info file as the internal model. */
export function parseWorldInfo(worldInfo: unknown): Lorebook {
  return worldInfoToModel(worldInfoSchema.parse(worldInfo));
}

/** Any lorebook document (see lorebookDocumentSchema); throws a ZodError naming the bad field. */
export function parseLorebook(document: unknown): Lorebook {
  return lorebookDocumentSchema.parse(document);
}
