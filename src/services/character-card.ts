import { isDeepStrictEqual } from "node:util";
import { crc32 } from "node:zlib";
import { excerpt } from "../lib/redact.ts";
import { z } from "zod";
import { parseCharacterBook } from "../domain/lorebook/index.ts";
import { JsonInputError, parseBoundedJson } from "../lib/bounded-json.ts";
import { deepMerge, isPlainObject, type JsonObject } from "../lib/deep-merge.ts";
import { readZipFiles, ZipArchiveError, type ZipLimits } from "../lib/bounded-unzip.ts";
import { listZipEntryNames, sniffFileType } from "../lib/file-signatures.ts";
import {
  embeddedPath,
  listCardAssetEntries,
  readCardAssets,
  type CardAssetLimits,
  type ImportedCardAsset,
} from "./card-assets.ts";
import {
  createPlaceholderPng,
  isPng,
  PngFormatError,
  readPngTextChunks,
  removePngTextChunks,
  writePngTextChunks,
} from "../lib/png-text-chunks.ts";
import {
  BadRequestError,
  fieldErrorsFromIssues,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
  type FieldError,
} from "../errors/app-error.ts";
import {
  activeHoursSchema,
  appearanceSchema,
  chatConfigurationSchema,
  DEFAULT_PERSONA_DEFINITION,
  featuresSchema,
  mediaSettingsSchema,
  identitySchema,
  memorySettingsSchema,
  modifiersSchema,
  personaDefinitionSchema,
  samplingSchema,
  type PersonaDefinition,
} from "../domain/persona-definition.ts";

/**
 * Character Card V2 (github.com/malfoyslastname/character-card-spec-v2) and V3
 * (github.com/kwaroran/character-card-spec-v3) import and export, as pure functions.
 *
 * Card fields with a Dramatis equivalent map onto the persona; the other `data` fields live in the persona's
 * `card` object and card `data.extensions` in its `extensions`, so both survive a round trip. Dramatis-only
 * settings travel in `data.extensions.dramatis`, which other card readers ignore; the identity among them
 * (age, sex, location, occupation, appearance) is also written as readable lines at the end of
 * `description`, which every front end shows its model, and taken off again on import.
 */

export type CardFormat = "card_v2" | "card_v3";

export interface CharacterCardData {
  name: string;
  description: string;
  personality: string;
  scenario: string;
  first_mes: string;
  mes_example: string;
  creator_notes: unknown;
  system_prompt: string;
  post_history_instructions: unknown;
  alternate_greetings: string[];
  tags: string[];
  creator: unknown;
  character_version: unknown;
  extensions: JsonObject;
  /** character_book, V3 fields (nickname, assets, group_only_greetings, ...) and unknown fields, as imported. */
  [field: string]: unknown;
}

/** The V1 fields, repeated beside `data` in every export for readers that predate V2. */
export type CharacterCardV1Fields = Pick<
  CharacterCardData,
  "name" | "description" | "personality" | "scenario" | "first_mes" | "mes_example"
>;

export interface CharacterCardV2 extends CharacterCardV1Fields {
  spec: "chara_card_v2";
  spec_version: "2.0";
  data: CharacterCardData;
}

export interface CharacterCardV3 extends CharacterCardV1Fields {
  spec: "chara_card_v3";
  spec_version: "3.0";
  data: CharacterCardData & { group_only_greetings: unknown };
}

export type CharacterCard = CharacterCardV2 | CharacterCardV3;

export interface ImportedCard {
  definition: PersonaDefinition;
  format: CardFormat;
  warnings: string[];
  /** A PNG card's picture, without its text chunks; for the caller to check and keep as the avatar. */
  image?: Uint8Array;
  /** The card's assets (CHARX files, data: URIs, remote URLs), in card order; the icon among them too. */
  assets: ImportedCardAsset[];
}

export const MAX_CARD_BYTES = 10 * 1024 * 1024;
/**
 * A card's shape limits, checked on the text before anything is parsed or validated: real cards have a
 * handful of extension keys and at most a few thousand lorebook entries, while a 200,000-key card took
 * seconds of CPU (and stalled every other request) in validation and storage.
 */
export const CARD_JSON_LIMITS = { maxDepth: 64, maxKeys: 1_000, maxItems: 5_000 } as const;
const PLACEHOLDER_SIDE = 256;

/**
 * Fields the specs require but Dramatis has no use for. Export fills them when `card` lacks them; import
 * drops these empty values again, so a persona's `card` holds only fields that carry information.
 */
const V2_REQUIRED_FILLERS = {
  creator_notes: "",
  post_history_instructions: "",
  creator: "",
  character_version: "",
};
const V3_REQUIRED_FILLERS = { ...V2_REQUIRED_FILLERS, group_only_greetings: [] as unknown[] };

/**
 * Card fields that change a character's behaviour elsewhere but are only stored here: worth a warning.
 * (None at the moment: group_only_greetings are offered when a conversation starts.)
 */
const STORED_ONLY_FIELDS: string[] = [];

const DRAMATIS_EXTENSION = "dramatis";

const personaShape = personaDefinitionSchema.shape;

/** `data.extensions.dramatis`: the persona settings no card field holds. Partial: defaults fill the rest. */
const dramatisExtensionSchema = z
  .strictObject({
    identity: identitySchema.omit({ summary: true }).partial(),
    appearance: appearanceSchema.partial(),
    voice_configurations: personaShape.voice_configurations,
    chat_configuration: chatConfigurationSchema.partial(),
    model: personaShape.model,
    sampling: samplingSchema.partial(),
    verbosity: personaShape.verbosity,
    initiative: personaShape.initiative,
    active_hours: activeHoursSchema.partial(),
    modifiers: modifiersSchema.partial(),
    features: featuresSchema.partial(),
    media: mediaSettingsSchema.partial(),
    memory: memorySettingsSchema.partial(),
    start_prompt: personaShape.start_prompt,
  })
  .partial();

type DramatisExtension = z.infer<typeof dramatisExtensionSchema>;

/**
 * The card fields Dramatis maps onto persona fields, checked against the persona's own limits so errors name
 * the card field (`data.description`, `data.mes_example.2`). V1 cards hold the same names at the top level.
 * Real cards often carry null for empty text, so null reads as empty.
 */
const cardDataSchema = z.looseObject({
  name: z
    .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") })
    .pipe(personaShape.name),
  description: identitySchema.shape.summary.nullish(),
  personality: personaShape.personality.nullish(),
  scenario: personaShape.scenario.nullish(),
  first_mes: personaShape.first_message.nullish(),
  mes_example: z
    .string()
    .nullish()
    .transform((text) => splitExamples(text ?? ""))
    .pipe(personaShape.communication_examples),
  system_prompt: personaShape.system_message.nullish(),
  alternate_greetings: personaShape.alternate_greetings.nullish(),
  tags: personaShape.tags.nullish(),
  extensions: z.record(z.string(), z.unknown(), "must be an object").nullish(),
});

type CardDataInput = z.infer<typeof cardDataSchema>;

/** Card `data` fields that map onto persona fields; every other `data` field is kept in `card`. */
const MAPPED_CARD_FIELDS = new Set(Object.keys(cardDataSchema.shape));

// ---------------------------------------------------------------------------------------------- export

function joinExamples(blocks: readonly string[]): string {
  return blocks.map((block) => `<START>\n${block}`).join("\n");
}

/**
 * `mes_example` as written: the imported text byte for byte (kept in `card.mes_example`) while the examples
 * still say the same, else the examples joined the way SillyTavern writes them.
 */
function writeExamples(definition: PersonaDefinition): string {
  const imported = definition.card.mes_example;
  const unchanged =
    typeof imported === "string" &&
    isDeepStrictEqual(splitExamples(imported), definition.communication_examples);
  return unchanged ? imported : joinExamples(definition.communication_examples);
}

const hasText = (value: string | null): value is string => value !== null && value.trim() !== "";

/**
 * The Dramatis-only identity as labelled lines ("Age: 36", ...), or "" when there is none. A pure function
 * of the definition, so import can recognise exactly what export appended and take it off.
 */
function describeIdentity({
  identity,
  appearance,
}: Pick<PersonaDefinition, "identity" | "appearance">): string {
  const lines = [
    identity.age === null ? undefined : `Age: ${identity.age}`,
    identity.sex === null ? undefined : `Sex: ${identity.sex}`,
    hasText(identity.location) ? `Location: ${identity.location}` : undefined,
    hasText(identity.occupation) ? `Occupation: ${identity.occupation}` : undefined,
    hasText(appearance.description) ? `Appearance: ${appearance.description}` : undefined,
  ];
  return lines.filter((line) => line !== undefined).join("\n");
}

const IDENTITY_SEPARATOR = "\n\n";

function writeDescription(definition: PersonaDefinition): string {
  const summary = definition.identity.summary;
  const identity = describeIdentity(definition);
  if (identity === "") return summary;
  return summary === "" ? identity : `${summary}${IDENTITY_SEPARATOR}${identity}`;
}

function pickDramatisExtension(definition: PersonaDefinition): DramatisExtension {
  const { summary: _summary, ...identity } = definition.identity;
  const { appearance, voice_configurations, chat_configuration, model, sampling, verbosity } = definition;
  const { initiative, active_hours, modifiers, features, media, memory, start_prompt } = definition;
  return {
    ...{ identity, appearance, voice_configurations, chat_configuration, model, sampling, verbosity },
    ...{ initiative, active_hours, modifiers, features, media, memory, start_prompt },
  };
}

function buildCardData(definition: PersonaDefinition, format: CardFormat): CharacterCardData {
  // `assets` is V3's and names files stored beside the persona: a V3 export writes it from them, a V2 one
  // has no place for it (its imported `embeded://` uris would point into an archive that is not there).
  const kept = Object.entries(definition.card).filter(
    ([field]) => !MAPPED_CARD_FIELDS.has(field) && !(field === "assets" && format !== "card_v3"),
  );
  return {
    name: definition.name,
    description: writeDescription(definition),
    personality: definition.personality,
    scenario: definition.scenario,
    first_mes: definition.first_message,
    mes_example: writeExamples(definition),
    ...(format === "card_v3" ? V3_REQUIRED_FILLERS : V2_REQUIRED_FILLERS),
    ...Object.fromEntries(kept),
    system_prompt: definition.system_message,
    alternate_greetings: [...definition.alternate_greetings],
    tags: [...definition.tags],
    extensions: { ...definition.extensions, [DRAMATIS_EXTENSION]: pickDramatisExtension(definition) },
    ...exportedCharacterBook(definition.card.character_book, format),
  };
}

/**
 * The card's lorebook as imported, with the fields its spec requires filled where the source left them out
 * (readers such as @risuai/ccardlib and character-card-utils reject a book missing them): everything the
 * author wrote is kept as written.
 */
function exportedCharacterBook(book: unknown, format: CardFormat): { character_book?: unknown } {
  if (book === undefined || book === null) return {};
  if (!isPlainObject(book)) return { character_book: book };
  const entries = Array.isArray(book.entries) ? book.entries : [];
  return {
    character_book: {
      ...book,
      extensions: isPlainObject(book.extensions) ? book.extensions : {},
      entries: entries.map((entry) =>
        isPlainObject(entry) ? withRequiredEntryFields(entry, format) : entry,
      ),
    },
  };
}

const BOOK_POSITIONS = new Set(["before_char", "after_char"]);

function withRequiredEntryFields(entry: JsonObject, format: CardFormat): JsonObject {
  const filled: JsonObject = {
    ...entry,
    keys: Array.isArray(entry.keys) ? entry.keys.filter((key) => typeof key === "string") : [],
    content: typeof entry.content === "string" ? entry.content : "",
    extensions: isPlainObject(entry.extensions) ? entry.extensions : {},
    enabled: typeof entry.enabled === "boolean" ? entry.enabled : true,
    insertion_order: typeof entry.insertion_order === "number" ? entry.insertion_order : 100,
  };
  if (format === "card_v3") filled.use_regex = typeof entry.use_regex === "boolean" ? entry.use_regex : false;
  // The specs type these: a number id and one of two positions (SillyTavern keeps its own in extensions).
  if (entry.id !== undefined && typeof entry.id !== "number") {
    const id = Number(entry.id);
    if (typeof entry.id === "string" && Number.isFinite(id)) filled.id = id;
    else delete filled.id;
  }
  if (entry.position !== undefined && !BOOK_POSITIONS.has(String(entry.position))) delete filled.position;
  return filled;
}

/**
 * Turns a persona definition into a Character Card object, ready for JSON.stringify.
 * @example exportCard(definition, "card_v3").data.first_mes
 */
export function exportCard(definition: PersonaDefinition, format: CardFormat): CharacterCard {
  const data = buildCardData(definition, format);
  const { name, description, personality, scenario, first_mes, mes_example } = data;
  const v1 = { name, description, personality, scenario, first_mes, mes_example };
  if (format === "card_v3") {
    return { spec: "chara_card_v3", spec_version: "3.0", ...v1, data: data as CharacterCardV3["data"] };
  }
  return { spec: "chara_card_v2", spec_version: "2.0", ...v1, data };
}

function encodeCardText(card: CharacterCard): string {
  return Buffer.from(JSON.stringify(card), "utf8").toString("base64");
}

function convertHslToRgb(hue: number, saturation: number, lightness: number): [number, number, number] {
  const amplitude = saturation * Math.min(lightness, 1 - lightness);
  const channel = (offset: number) => {
    const position = (offset + hue / 30) % 12;
    return Math.round(255 * (lightness - amplitude * Math.max(-1, Math.min(position - 3, 9 - position, 1))));
  };
  return [channel(0), channel(8), channel(4)];
}

/** A stable, readable colour per name, so placeholder cards of different personas look different. */
function colorFromName(name: string): [number, number, number] {
  return convertHslToRgb(crc32(name) % 360, 0.45, 0.55);
}

/**
 * Writes the card into a PNG (the persona's avatar, or a solid placeholder without one): V2 as a base64
 * `chara` text chunk; V3 as `ccv3` plus a V2 `chara` copy for readers that only know V2, as the V3 spec
 * recommends.
 * @example writeFile("ada.png", exportCardPng(definition, "card_v3"))
 */
export function exportCardPng(
  definition: PersonaDefinition,
  format: CardFormat,
  image?: Uint8Array,
  /** the V3 card's `data.assets` in place of the imported ones (the picture is the PNG: `ccdefault:`) */
  v3Assets?: CharacterCardV3["data"]["assets"],
): Buffer {
  const png =
    image ??
    createPlaceholderPng({
      width: PLACEHOLDER_SIDE,
      height: PLACEHOLDER_SIDE,
      rgb: colorFromName(definition.name),
    });
  const entries: Record<string, string> = { chara: encodeCardText(exportCard(definition, "card_v2")) };
  if (format === "card_v3") {
    const card = exportCard(definition, "card_v3") as CharacterCardV3;
    if (v3Assets) card.data.assets = v3Assets;
    entries.ccv3 = encodeCardText(card);
  }
  try {
    return writePngTextChunks(png, entries);
  } catch (error) {
    if (error instanceof PngFormatError)
      throw new BadRequestError(`the card image is not a valid PNG: ${error.message}`);
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------- import

function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new BadRequestError(`${what} is not valid UTF-8 text`);
  }
}

/** Buffer.from(text, "base64") skips bad characters silently; a card with them is corrupt, so say so. */
function decodeStrictBase64(text: string, what: string): Uint8Array {
  const badCharacter = text.search(/[^A-Za-z0-9+/=]/);
  if (badCharacter >= 0) {
    throw new BadRequestError(
      `${what} is not valid base64: unexpected character at position ${badCharacter}`,
    );
  }
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new BadRequestError(`${what} is not valid base64: bad padding`);
  }
  return Buffer.from(text, "base64");
}

function parseCardJson(text: string, what: string): unknown {
  try {
    return parseBoundedJson(text, { ...CARD_JSON_LIMITS, maxBytes: MAX_CARD_BYTES });
  } catch (error) {
    if (error instanceof JsonInputError && error.isPolicyLimit) {
      throw new ValidationError([{ field: "(card)", message: error.message }], `${what}: ${error.message}`);
    }
    if (error instanceof JsonInputError) throw new BadRequestError(`${what}: ${error.message}`);
    throw error;
  }
}

const CARD_KEYWORDS: ReadonlySet<string> = new Set(["ccv3", "chara"]);

/** The card JSON text of a PNG card (`ccv3` when present, being newer, else `chara`) and its picture. */
function readPngCard(bytes: Uint8Array): { text: string; image: Uint8Array } {
  let chunks: Map<string, string>;
  let image: Uint8Array;
  try {
    chunks = readPngTextChunks(bytes, { maxBytes: MAX_CARD_BYTES, keywords: CARD_KEYWORDS });
    image = removePngTextChunks(bytes, { maxBytes: MAX_CARD_BYTES });
  } catch (error) {
    if (error instanceof PngFormatError) throw new BadRequestError(`invalid PNG card: ${error.message}`);
    throw error;
  }
  const keyword = chunks.has("ccv3") ? "ccv3" : "chara";
  const encoded = chunks.get(keyword);
  if (encoded === undefined)
    throw new BadRequestError("the PNG holds no character card (no ccv3 or chara chunk)");
  const what = `the PNG ${keyword} chunk`;
  return { text: decodeUtf8(decodeStrictBase64(encoded, what), what), image };
}

const SUPPORTED = "Dramatis imports Character Cards as PNG (V1/V2/V3), JSON or CHARX";

/** What a ZIP upload most likely is, from its name and its entries (nothing is decompressed). */
function describeZip(bytes: Uint8Array, fileName: string | undefined): string {
  const extension = fileName?.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1];
  const entries = listZipEntryNames(bytes);
  if (extension === "charx") {
    return `this looks like a CHARX card, but the archive holds no card.json at its root; ${SUPPORTED}`;
  }
  const isByaf =
    extension === "byaf" ||
    (entries.includes("manifest.json") && entries.some((entry) => entry.endsWith("character.json")));
  if (isByaf) {
    return (
      "this looks like a BYAF archive (Backyard AI), not a Character Card: export the character from " +
      `Backyard AI as a PNG card, or convert the archive with a tool that reads BYAF; ${SUPPORTED}`
    );
  }
  return `this looks like a ZIP archive (BYAF or CHARX?) with neither card.json nor manifest.json; ${SUPPORTED}`;
}

const OTHER_FORMATS: Record<string, string> = {
  gzip: "a gzip archive",
  "7z": "a 7-Zip archive",
  rar: "a RAR archive",
  pdf: "a PDF document",
  jpeg: "a JPEG image",
  gif: "a GIF image",
  webp: "a WebP image",
  tiff: "a TIFF image",
};

/**
 * A 415 naming what the upload looks like when it is a known format that holds no card, so people learn
 * they sent a BYAF, a CHARX or a JPEG instead of reading "not valid UTF-8".
 */
function refuseOtherFormat(bytes: Uint8Array, fileName: string | undefined): void {
  const type = sniffFileType(bytes);
  if (type === undefined) return;
  if (type === "zip") throw new UnsupportedMediaTypeError(describeZip(bytes, fileName));
  const what = OTHER_FORMATS[type] ?? type;
  const imageHint = what.endsWith("image") ? " (only PNG images carry a card)" : "";
  throw new UnsupportedMediaTypeError(
    `this looks like ${what}, not a Character Card${imageHint}; ${SUPPORTED}`,
  );
}

/** Text starting like JSON is a broken card; anything else is some binary file that is no card at all. */
function decodeCardText(bytes: Uint8Array): string {
  const first = bytes.find((byte) => ![0x20, 0x09, 0x0a, 0x0d, 0xef, 0xbb, 0xbf].includes(byte));
  const looksLikeJson = first === 0x7b || first === 0x5b;
  if (looksLikeJson) return decodeUtf8(bytes, "the card");
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const start = Buffer.from(bytes.subarray(0, 8))
      .toString("hex")
      .replace(/(..)(?!$)/g, "$1 ");
    throw new UnsupportedMediaTypeError(
      `this is binary data of an unknown format (it starts with bytes ${start}), not a Character Card; ${SUPPORTED}`,
    );
  }
}

/**
 * What a CHARX card may unpack to: its card.json and its main picture are read, nothing else, and the
 * archive is refused (413) before inflating anything bigger.
 */
export const CHARX_LIMITS: ZipLimits = {
  maxEntries: 1_000,
  maxEntryBytes: MAX_CARD_BYTES,
  maxTotalBytes: 200 * 1024 * 1024,
  maxRatio: 200,
};

/** What a card's assets may hold once unpacked or decoded: the CHARX limits, for data: URIs too. */
const CARD_ASSET_LIMITS: CardAssetLimits = {
  maxCount: CHARX_LIMITS.maxEntries,
  maxBytes: CHARX_LIMITS.maxEntryBytes,
  maxTotalBytes: CHARX_LIMITS.maxTotalBytes,
};

/**
 * A CHARX card (RisuAI's ZIP: `card.json`, a V3 card, with its assets in the archive): the card, its main
 * icon (which becomes the persona's picture like a PNG card's art) and every file its assets name, each
 * read within CHARX_LIMITS.
 */
function readCharx(bytes: Uint8Array): { json: unknown; image?: Uint8Array; files: Map<string, Uint8Array> } {
  const readBounded = (wanted: (name: string) => boolean) => {
    try {
      return readZipFiles(bytes, CHARX_LIMITS, wanted);
    } catch (error) {
      if (!(error instanceof ZipArchiveError)) throw error;
      if (error.reason === "too_large") {
        throw new PayloadTooLargeError(CHARX_LIMITS.maxTotalBytes, `CHARX card refused: ${error.message}`);
      }
      throw new ValidationError([
        { field: "file", message: `not a readable CHARX archive: ${error.message}` },
      ]);
    }
  };
  const cardBytes = readBounded((name) => name === "card.json").get("card.json");
  if (!cardBytes) throw new BadRequestError("the CHARX archive holds no card.json");
  const json = parseCardJson(decodeUtf8(cardBytes, "card.json"), "card.json");
  const entries = listCardAssetEntries(json);
  const paths = new Set(entries.map((asset) => embeddedPath(asset.uri)).filter((path) => path !== undefined));
  const files = paths.size === 0 ? new Map<string, Uint8Array>() : readBounded((name) => paths.has(name));
  const icons = entries.filter((asset) => asset.type === "icon");
  const main = icons.find((asset) => asset.name === "main") ?? icons[0];
  const iconPath = main ? embeddedPath(main.uri) : undefined;
  const image = iconPath === undefined ? undefined : files.get(iconPath);
  return image ? { json, image, files } : { json, files };
}

interface CardUpload {
  bytes: Uint8Array;
  contentType?: string | undefined;
  /** The uploaded file's name, when it came in a form: a hint for archives (`.charx`, `.byaf`). */
  fileName?: string | undefined;
}

function readCardJson({ bytes, contentType, fileName }: CardUpload): {
  json: unknown;
  image?: Uint8Array;
  files?: Map<string, Uint8Array>;
} {
  if (bytes.length > MAX_CARD_BYTES) throw new PayloadTooLargeError(MAX_CARD_BYTES);
  const mediaType = contentType?.split(";")[0]?.trim().toLowerCase();
  if (isPng(bytes)) {
    const { text, image } = readPngCard(bytes);
    return { json: parseCardJson(text, "PNG card"), image };
  }
  if (sniffFileType(bytes) === "zip" && listZipEntryNames(bytes).includes("card.json"))
    return readCharx(bytes);
  refuseOtherFormat(bytes, fileName);
  if (mediaType === "image/png")
    throw new BadRequestError("invalid PNG card: not a PNG file (bad signature)");
  if (mediaType?.startsWith("image/")) {
    throw new UnsupportedMediaTypeError(`${mediaType} cards are not supported; use a PNG or JSON card`);
  }
  return { json: parseCardJson(decodeCardText(bytes), "the card") };
}

interface CardSource {
  format: CardFormat;
  /** The object holding the card fields: `data` for V2/V3, the card itself for V1. */
  fields: JsonObject;
  /** Where `fields` sits, to name fields in errors: "data" or "" for V1. */
  prefix: string;
  warnings: string[];
}

function requireDataObject(card: JsonObject, format: CardFormat, warnings: string[]): CardSource {
  if (!isPlainObject(card.data)) {
    throw new ValidationError([
      { field: "data", message: card.data === undefined ? "is required" : "must be an object" },
    ]);
  }
  return { format, fields: card.data, prefix: "data", warnings };
}

const SPECS: Record<string, { format: CardFormat; version: string }> = {
  chara_card_v2: { format: "card_v2", version: "2.0" },
  chara_card_v3: { format: "card_v3", version: "3.0" },
};
const V1_FIELDS = ["name", "description", "personality", "scenario", "first_mes", "mes_example"];

function identifyCard(json: unknown): CardSource {
  if (!isPlainObject(json)) throw new BadRequestError("the card must be a JSON object");
  const { spec, spec_version: version } = json;
  const known = typeof spec === "string" && Object.hasOwn(SPECS, spec) ? SPECS[spec] : undefined;
  if (known) {
    // The specs let minor versions add fields, which the looser reading here keeps anyway.
    const sameMajor = typeof version === "string" && version.split(".")[0] === known.version.split(".")[0];
    const warning = `unexpected spec_version ${excerpt(JSON.stringify(version) ?? "", 40)}; read as ${known.version}`;
    return requireDataObject(json, known.format, sameMajor ? [] : [warning]);
  }
  if (spec !== undefined) {
    throw new BadRequestError(`unsupported card spec ${excerpt(JSON.stringify(spec) ?? "", 80)}`, [
      { field: "spec", message: "must be chara_card_v2 or chara_card_v3" },
    ]);
  }
  if (isPlainObject(json.data))
    return requireDataObject(json, "card_v2", ["the card has no spec; read as V2"]);
  const fields = Object.fromEntries(
    V1_FIELDS.filter((field) => field in json).map((field) => [field, json[field]]),
  );
  return { format: "card_v2", fields, prefix: "", warnings: ["Character Card V1 (no spec): imported as V2"] };
}

/** Example dialogues: SillyTavern splits on every `<START>`, case-insensitively; so do we. */
function splitExamples(text: string): string[] {
  return text
    .split(/<START>/gi)
    .map((block) => block.trim())
    .filter((block) => block.length > 0);
}

function isFiller(field: string, value: unknown): boolean {
  if (!Object.hasOwn(V3_REQUIRED_FILLERS, field)) return false;
  const filler = V3_REQUIRED_FILLERS[field as keyof typeof V3_REQUIRED_FILLERS];
  return filler === "" ? value === "" : Array.isArray(value) && value.length === 0;
}

function keepUnmappedFields(fields: JsonObject): JsonObject {
  return Object.fromEntries(
    Object.entries(fields).filter(
      ([field, value]) => !MAPPED_CARD_FIELDS.has(field) && !isFiller(field, value),
    ),
  );
}

function mapCardFields(data: CardDataInput): JsonObject {
  return {
    name: data.name,
    identity: { summary: data.description ?? "" },
    personality: data.personality ?? "",
    scenario: data.scenario ?? "",
    first_message: data.first_mes ?? "",
    alternate_greetings: data.alternate_greetings ?? [],
    communication_examples: data.mes_example,
    system_message: data.system_prompt ?? "",
    tags: data.tags ?? [],
  };
}

function readDramatisExtension(
  extensions: JsonObject,
  prefix: string,
): { value: DramatisExtension; errors: FieldError[] } {
  if (!(DRAMATIS_EXTENSION in extensions)) return { value: {}, errors: [] };
  const parsed = dramatisExtensionSchema.safeParse(extensions[DRAMATIS_EXTENSION]);
  if (parsed.success) return { value: parsed.data, errors: [] };
  const where = [prefix, "extensions", DRAMATIS_EXTENSION].filter(Boolean).join(".");
  return { value: {}, errors: fieldErrorsFromIssues(parsed.error.issues, where) };
}

/**
 * The card fields with the identity lines a Dramatis export appended to `description` taken off again, so a
 * round trip does not repeat them. Only an exact match of what this card's own Dramatis settings would
 * write is removed: a description written or edited by a person stays as it is.
 */
function withoutIdentityLines(fields: JsonObject, base: PersonaDefinition): JsonObject {
  const identity = describeIdentity(base);
  const description = fields.description;
  if (identity === "" || typeof description !== "string") return fields;
  if (description === identity) return { ...fields, description: "" };
  const appended = `${IDENTITY_SEPARATOR}${identity}`;
  if (!description.endsWith(appended)) return fields;
  return { ...fields, description: description.slice(0, -appended.length) };
}

function buildDefinition(source: CardSource): PersonaDefinition {
  const rawExtensions = isPlainObject(source.fields.extensions) ? source.fields.extensions : {};
  const dramatis = readDramatisExtension(rawExtensions, source.prefix);
  const base = deepMerge(DEFAULT_PERSONA_DEFINITION, dramatis.value);
  const parsed = cardDataSchema.safeParse(withoutIdentityLines(source.fields, base));
  const errors = [
    ...(parsed.success ? [] : fieldErrorsFromIssues(parsed.error.issues, source.prefix)),
    ...dramatis.errors,
  ];
  if (!parsed.success || errors.length > 0) throw new ValidationError(errors);
  // Built from the raw card, not zod's output: zod drops keys such as "__proto__", and extensions must survive.
  const card = source.prefix === "" ? {} : keepUnmappedFields(source.fields);
  // Kept only when splitting and joining would change it: the export gives these bytes back.
  const examples = source.fields.mes_example;
  if (typeof examples === "string" && examples !== joinExamples(parsed.data.mes_example)) {
    card.mes_example = examples;
  }
  const { [DRAMATIS_EXTENSION]: _dramatis, ...extensions } = rawExtensions;
  const merged = deepMerge(base, mapCardFields(parsed.data));
  const result = personaDefinitionSchema.safeParse({ ...merged, card, extensions });
  // The card fields were checked above, so this only catches rules spanning several fields.
  if (!result.success) throw new ValidationError(fieldErrorsFromIssues(result.error.issues, source.prefix));
  return { ...result.data, card, extensions };
}

function describeStoredOnlyFields(card: JsonObject): string[] {
  const warnings = STORED_ONLY_FIELDS.filter((field) => Object.hasOwn(card, field)).map(
    (field) => `${field} is kept for export but not used by Dramatis`,
  );
  const book = card.character_book;
  if (book !== undefined && book !== null) {
    try {
      parseCharacterBook(book);
    } catch (error) {
      const where =
        error instanceof z.ZodError && error.issues[0]
          ? ` (character_book.${error.issues[0].path.join(".")}: ${error.issues[0].message})`
          : "";
      warnings.push(`character_book could not be read${where}: it is kept for export but not used in chat`);
    }
  }
  return warnings;
}

/**
 * Reads a Character Card (PNG with a `ccv3` or `chara` chunk, or JSON; V1, V2 or V3) into a persona
 * definition, with a PNG card's picture. Throws BadRequestError for unreadable input,
 * UnsupportedMediaTypeError naming the format of other files (ZIP, BYAF, CHARX, JPEG, ...), and
 * ValidationError naming card fields (`data.name`, `data.extensions.dramatis.verbosity`, ...) when the
 * card does not make a valid persona.
 * @example importCard({ bytes: await readFile("card.png") }).definition.name
 */
export function importCard(input: CardUpload): ImportedCard {
  const { json, image, files } = readCardJson(input);
  const source = identifyCard(json);
  const definition = buildDefinition(source);
  const assets = readCardAssets(json, CARD_ASSET_LIMITS, (path) => files?.get(path));
  // A JSON card carries its picture, if at all, as its main icon's data: URI (as Dramatis exports it).
  const picture = image ?? mainIconBytes(assets.assets);
  return {
    definition,
    format: source.format,
    warnings: [...source.warnings, ...describeStoredOnlyFields(definition.card), ...assets.warnings],
    assets: assets.assets,
    ...(picture === undefined ? {} : { image: picture }),
  };
}

/** The bytes of the card's main icon (or its first icon), when the card holds them. */
function mainIconBytes(assets: readonly ImportedCardAsset[]): Uint8Array | undefined {
  const icons = assets.filter((asset) => asset.type === "icon");
  const main = icons.find((asset) => asset.name === "main") ?? icons[0];
  return main && "bytes" in main ? main.bytes : undefined;
}
