import { crc32 } from "node:zlib";
import { excerpt } from "../lib/redact.ts";
import { z } from "zod";
import { JsonInputError, parseBoundedJson } from "../lib/bounded-json.ts";
import { deepMerge, isPlainObject, type JsonObject } from "../lib/deep-merge.ts";
import {
  createPlaceholderPng,
  isPng,
  PngFormatError,
  readPngTextChunks,
  writePngTextChunks,
} from "../lib/png-text-chunks.ts";
import {
  BadRequestError,
  fieldErrorsFromIssues,
  PayloadTooLargeError,
  ValidationError,
  type FieldError,
} from "../errors/app-error.ts";
import {
  activeHoursSchema,
  appearanceSchema,
  chatConfigurationSchema,
  DEFAULT_PERSONA_DEFINITION,
  featuresSchema,
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
 * settings travel in `data.extensions.dramatis`, which other card readers ignore.
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

export interface CharacterCardV2 {
  spec: "chara_card_v2";
  spec_version: "2.0";
  data: CharacterCardData;
}

export interface CharacterCardV3 {
  spec: "chara_card_v3";
  spec_version: "3.0";
  data: CharacterCardData & { group_only_greetings: unknown };
}

export type CharacterCard = CharacterCardV2 | CharacterCardV3;

export interface ImportedCard {
  definition: PersonaDefinition;
  format: CardFormat;
  warnings: string[];
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

/** Card fields that change a character's behaviour elsewhere but are only stored here: worth a warning. */
const STORED_ONLY_FIELDS = ["character_book", "post_history_instructions", "group_only_greetings"];

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

function pickDramatisExtension(definition: PersonaDefinition): DramatisExtension {
  const { summary: _summary, ...identity } = definition.identity;
  const { appearance, voice_configurations, chat_configuration, model, sampling, verbosity } = definition;
  const { initiative, active_hours, modifiers, features, memory, start_prompt } = definition;
  return {
    ...{ identity, appearance, voice_configurations, chat_configuration, model, sampling, verbosity },
    ...{ initiative, active_hours, modifiers, features, memory, start_prompt },
  };
}

function buildCardData(definition: PersonaDefinition, format: CardFormat): CharacterCardData {
  const kept = Object.entries(definition.card).filter(([field]) => !MAPPED_CARD_FIELDS.has(field));
  return {
    name: definition.name,
    description: definition.identity.summary,
    personality: definition.personality,
    scenario: definition.scenario,
    first_mes: definition.first_message,
    mes_example: joinExamples(definition.communication_examples),
    ...(format === "card_v3" ? V3_REQUIRED_FILLERS : V2_REQUIRED_FILLERS),
    ...Object.fromEntries(kept),
    system_prompt: definition.system_message,
    alternate_greetings: [...definition.alternate_greetings],
    tags: [...definition.tags],
    extensions: { ...definition.extensions, [DRAMATIS_EXTENSION]: pickDramatisExtension(definition) },
  };
}

/**
 * Turns a persona definition into a Character Card object, ready for JSON.stringify.
 * @example exportCard(definition, "card_v3").data.first_mes
 */
export function exportCard(definition: PersonaDefinition, format: CardFormat): CharacterCard {
  const data = buildCardData(definition, format);
  if (format === "card_v3") {
    return { spec: "chara_card_v3", spec_version: "3.0", data: data as CharacterCardV3["data"] };
  }
  return { spec: "chara_card_v2", spec_version: "2.0", data };
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
 * Writes the card into a PNG (the persona's avatar, or a solid placeholder): V2 as a base64 `chara` text
 * chunk; V3 as `ccv3` plus a V2 `chara` copy for readers that only know V2.
 * @example writeFile("ada.png", exportCardPng(definition, "card_v3"))
 */
export function exportCardPng(definition: PersonaDefinition, format: CardFormat, image?: Uint8Array): Buffer {
  const png =
    image ??
    createPlaceholderPng({
      width: PLACEHOLDER_SIDE,
      height: PLACEHOLDER_SIDE,
      rgb: colorFromName(definition.name),
    });
  const entries: Record<string, string> = { chara: encodeCardText(exportCard(definition, "card_v2")) };
  if (format === "card_v3") entries.ccv3 = encodeCardText(exportCard(definition, "card_v3"));
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

/** The card JSON text of a PNG card: `ccv3` when present (newer), else `chara`. */
function readPngCardText(bytes: Uint8Array): string {
  let chunks: Map<string, string>;
  try {
    chunks = readPngTextChunks(bytes, { maxBytes: MAX_CARD_BYTES, keywords: CARD_KEYWORDS });
  } catch (error) {
    if (error instanceof PngFormatError) throw new BadRequestError(`invalid PNG card: ${error.message}`);
    throw error;
  }
  const keyword = chunks.has("ccv3") ? "ccv3" : "chara";
  const encoded = chunks.get(keyword);
  if (encoded === undefined)
    throw new BadRequestError("the PNG holds no character card (no ccv3 or chara chunk)");
  const what = `the PNG ${keyword} chunk`;
  return decodeUtf8(decodeStrictBase64(encoded, what), what);
}

function readCardJson({ bytes, contentType }: { bytes: Uint8Array; contentType?: string }): unknown {
  if (bytes.length > MAX_CARD_BYTES) throw new PayloadTooLargeError(MAX_CARD_BYTES);
  const mediaType = contentType?.split(";")[0]?.trim().toLowerCase();
  if (isPng(bytes) || mediaType === "image/png") return parseCardJson(readPngCardText(bytes), "PNG card");
  if (mediaType?.startsWith("image/")) {
    throw new BadRequestError(`${mediaType} cards are not supported; use a PNG or JSON card`);
  }
  return parseCardJson(decodeUtf8(bytes, "the card"), "the card");
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

function buildDefinition(source: CardSource): PersonaDefinition {
  const parsed = cardDataSchema.safeParse(source.fields);
  const rawExtensions = isPlainObject(source.fields.extensions) ? source.fields.extensions : {};
  const dramatis = readDramatisExtension(rawExtensions, source.prefix);
  const errors = [
    ...(parsed.success ? [] : fieldErrorsFromIssues(parsed.error.issues, source.prefix)),
    ...dramatis.errors,
  ];
  if (!parsed.success || errors.length > 0) throw new ValidationError(errors);
  // Built from the raw card, not zod's output: zod drops keys such as "__proto__", and extensions must survive.
  const card = source.prefix === "" ? {} : keepUnmappedFields(source.fields);
  const { [DRAMATIS_EXTENSION]: _dramatis, ...extensions } = rawExtensions;
  const merged = deepMerge(deepMerge(DEFAULT_PERSONA_DEFINITION, dramatis.value), mapCardFields(parsed.data));
  const result = personaDefinitionSchema.safeParse({ ...merged, card, extensions });
  // The card fields were checked above, so this only catches rules spanning several fields.
  if (!result.success) throw new ValidationError(fieldErrorsFromIssues(result.error.issues, source.prefix));
  return { ...result.data, card, extensions };
}

function describeStoredOnlyFields(card: JsonObject): string[] {
  return STORED_ONLY_FIELDS.filter((field) => Object.hasOwn(card, field)).map(
    (field) => `${field} is kept for export but not used by Dramatis`,
  );
}

/**
 * Reads a Character Card (PNG with a `ccv3` or `chara` chunk, or JSON; V1, V2 or V3) into a persona
 * definition. Throws BadRequestError for unreadable input and ValidationError naming card fields
 * (`data.name`, `data.extensions.dramatis.verbosity`, ...) when the card does not make a valid persona.
 * @example importCard({ bytes: await readFile("card.png") }).definition.name
 */
export function importCard(input: { bytes: Uint8Array; contentType?: string }): ImportedCard {
  const source = identifyCard(readCardJson(input));
  const definition = buildDefinition(source);
  return {
    definition,
    format: source.format,
    warnings: [...source.warnings, ...describeStoredOnlyFields(definition.card)],
  };
}
