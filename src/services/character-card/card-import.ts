import { excerpt } from "../../lib/redact.ts";
import { deepMerge, isPlainObject, type JsonObject } from "../../lib/deep-merge.ts";
import { BadRequestError, fieldErrorsFromIssues, ValidationError } from "../../errors/app-error.ts";
import {
  DEFAULT_PERSONA_DEFINITION,
  personaDefinitionSchema,
  type PersonaDefinition,
} from "../../domain/persona-definition.ts";
import { readCardAssets, type CardAssetLimits, type ImportedCardAsset } from "./card-assets.ts";
import {
  cardDataSchema,
  isFiller,
  joinExamples,
  MAPPED_CARD_FIELDS,
  type CardDataInput,
} from "./card-fields.ts";
import { readCardJson, type CardUpload } from "./card-upload.ts";
import { describeUnreadableBook } from "./character-book.ts";
import type { CardFormat } from "./character-card.ts";
import { CHARX_LIMITS } from "./charx-card.ts";
import { DRAMATIS_EXTENSION, readDramatisExtension, withoutIdentityLines } from "./dramatis-extension.ts";

export interface ImportedCard {
  definition: PersonaDefinition;
  format: CardFormat;
  warnings: string[];
  /** A PNG card's picture, without its text chunks; for the caller to check and keep as the avatar. */
  image?: Uint8Array;
  /** The card's assets (CHARX files, data: URIs, remote URLs), in card order; the icon among them too. */
  assets: ImportedCardAsset[];
}

/** What a card's assets may hold once unpacked or decoded: the CHARX limits, for data: URIs too. */
const CARD_ASSET_LIMITS: CardAssetLimits = {
  maxCount: CHARX_LIMITS.maxEntries,
  maxBytes: CHARX_LIMITS.maxEntryBytes,
  maxTotalBytes: CHARX_LIMITS.maxTotalBytes,
};

/**
 * Card fields that change a character's behaviour elsewhere but are only stored here: worth a warning.
 * (None at the moment: group_only_greetings are offered when a conversation starts.)
 */
const STORED_ONLY_FIELDS: string[] = [];

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
  const bookWarning = describeUnreadableBook(card.character_book);
  return bookWarning === undefined ? warnings : [...warnings, bookWarning];
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
