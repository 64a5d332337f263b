import { crc32 } from "node:zlib";
import type { PersonaDefinition } from "../../domain/persona-definition.ts";
import { BadRequestError } from "../../errors/app-error.ts";
import {
  createPlaceholderPng,
  PngFormatError,
  readPngTextChunks,
  removePngTextChunks,
  writePngTextChunks,
} from "../../lib/png-text-chunks.ts";
import { exportCard } from "./card-export.ts";
import { decodeUtf8, MAX_CARD_BYTES } from "./card-json.ts";
import type { CardFormat, CharacterCard, CharacterCardV3 } from "./character-card.ts";

/** A card in a PNG: base64 card JSON in a `chara` (V2) or `ccv3` (V3) tEXt chunk, the picture around it. */

const PLACEHOLDER_SIDE = 256;

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

const CARD_KEYWORDS: ReadonlySet<string> = new Set(["ccv3", "chara"]);

/** The card JSON text of a PNG card (`ccv3` when present, being newer, else `chara`) and its picture. */
export function readPngCard(bytes: Uint8Array): { text: string; image: Uint8Array } {
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
