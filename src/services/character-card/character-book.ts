import { z } from "zod";
import { parseCharacterBook } from "../../domain/lorebook/index.ts";
import { isPlainObject, type JsonObject } from "../../lib/deep-merge.ts";
import type { CardFormat } from "./character-card.ts";

/**
 * A card's lorebook (`data.character_book`) is kept in the persona's `card` as imported; these are the
 * checks on the way in and the repairs on the way out.
 */

/**
 * The card's lorebook as imported, with the fields its spec requires filled where the source left them out
 * (readers such as @risuai/ccardlib and character-card-utils reject a book missing them): everything the
 * author wrote is kept as written.
 */
export function exportedCharacterBook(book: unknown, format: CardFormat): { character_book?: unknown } {
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

/** A warning when the card has a lorebook chat cannot use (it is still kept for export), else nothing. */
export function describeUnreadableBook(book: unknown): string | undefined {
  if (book === undefined || book === null) return undefined;
  try {
    parseCharacterBook(book);
  } catch (error) {
    const where =
      error instanceof z.ZodError && error.issues[0]
        ? ` (character_book.${error.issues[0].path.join(".")}: ${error.issues[0].message})`
        : "";
    return `character_book could not be read${where}: it is kept for export but not used in chat`;
  }
  return undefined;
}
