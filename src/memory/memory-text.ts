/**
 * Small text helpers shared by memory retrieval, rendering, extraction and consistency checks.
 * Deliberately simple and language-agnostic enough for English memories: they must be deterministic
 * and cheap, because they run on every exchange.
 */

/**
 * Words that carry no topic of their own. Matching on them would make every memory look related to
 * every message, so overlap and similarity ignore them.
 */
const STOP_WORDS = new Set(
  (
    "a an and are as at be been being but by can could did do does doing for from had has have having he " +
    "her hers him his how i if in into is it its just me mine my no not of on or our ours out over she so " +
    "some than that the their theirs them then there these they this those to too up very was we were what " +
    "when where which while who whom why will with would you your yours yourself about again all also am " +
    "any because before after both each few more most other own same such only once here tell remember " +
    "user users really thing things something anything know think"
  ).split(" "),
);

/**
 * Lower-cases, drops apostrophes (so "user's" and "users" compare equal) and turns every other
 * non-alphanumeric run into one space.
 *
 * @example normalizeText("The user's name is Ana!") // "the users name is ana"
 */
export function normalizeText(text: string): string {
  return text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/['’]/g, "")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** The words of a text after normalisation, in order. */
export function splitWords(text: string): string[] {
  const normalized = normalizeText(text);
  return normalized === "" ? [] : normalized.split(" ");
}

/**
 * A crude stem so that "fires" matches "fire" and "sailing" matches "sail": good enough to decide
 * whether a message touches a memory, never shown to anyone.
 */
export function stemWord(word: string): string {
  if (word.length > 5 && word.endsWith("ing")) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  if (word.length > 4 && word.endsWith("ed")) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith("s") && !word.endsWith("ss")) return word.slice(0, -1);
  return word;
}

/**
 * The stems of the words that say what a text is about (no stop words, no one- or two-letter words).
 *
 * @example significantWords("Tell me about the fires") // Set { "fire" }
 */
export function significantWords(text: string): Set<string> {
  const words = splitWords(text).filter((word) => word.length > 2 && !STOP_WORDS.has(word));
  return new Set(words.map(stemWord));
}

/** The words two sets share. */
export function sharedWords(left: ReadonlySet<string>, right: ReadonlySet<string>): string[] {
  return [...left].filter((word) => right.has(word));
}

/**
 * |A ∩ B| / |A ∪ B|; two empty sets are identical (1).
 *
 * @example jaccardSimilarity(new Set(["a", "b"]), new Set(["a", "c"])) // 1 / 3
 */
export function jaccardSimilarity(left: ReadonlySet<string>, right: ReadonlySet<string>): number {
  if (left.size === 0 && right.size === 0) return 1;
  const intersection = sharedWords(left, right).length;
  return intersection / (left.size + right.size - intersection);
}

/** Ends a fragment with a full stop unless it already ends a sentence. */
export function asSentence(text: string): string {
  const trimmed = text.trim();
  if (trimmed === "") return "";
  return /[.!?…]["')\]]?$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** The calendar day (UTC) of an ISO time, or null when there is none or it does not parse. */
export function eventDay(eventTime: string | null): string | null {
  if (eventTime === null) return null;
  const milliseconds = Date.parse(eventTime);
  return Number.isNaN(milliseconds) ? null : new Date(milliseconds).toISOString().slice(0, 10);
}
