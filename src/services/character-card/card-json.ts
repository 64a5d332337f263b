import { JsonInputError, parseBoundedJson } from "../../lib/bounded-json.ts";
import { BadRequestError, ValidationError } from "../../errors/app-error.ts";

export const MAX_CARD_BYTES = 10 * 1024 * 1024;
/**
 * A card's shape limits, checked on the text before anything is parsed or validated: real cards have a
 * handful of extension keys and at most a few thousand lorebook entries, while a 200,000-key card took
 * seconds of CPU (and stalled every other request) in validation and storage.
 */
export const CARD_JSON_LIMITS = { maxDepth: 64, maxKeys: 1_000, maxItems: 5_000 } as const;

export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new BadRequestError(`${what} is not valid UTF-8 text`);
  }
}

/** A card's JSON text parsed within MAX_CARD_BYTES and CARD_JSON_LIMITS; `what` names it in errors. */
export function parseCardJson(text: string, what: string): unknown {
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
