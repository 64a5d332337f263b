/**
 * How much a question and its evidence share words, so the recall figures can say how lexical the
 * dataset is. Words are split as the search splits them (`searchWords`), function words are dropped,
 * and a crude suffix stripper joins forms such as "name"/"named" and "lives"/"live" (not "ran"/"run").
 */
import { searchWords } from "../src/store/memory-repository.ts";

/** Function words and the pronouns that differ between a first-person question and a third-person memory. */
const STOP_WORDS = new Set(
  (
    "a an the and or but of to in on at for from with by about as is are was were be been being am do does " +
    "did have has had what which who whom whose when where why how that this these those it its i me my " +
    "mine you your we our they them their he she his her there here any some no not can could should would " +
    "will shall may might must so than too very just also now ever s t re ve ll d don user users"
  ).split(" "),
);

/** Whether a (lower-case) word is a function word or pronoun, which says nothing about what is asked. */
export function isStopWord(word: string): boolean {
  return STOP_WORDS.has(word);
}

/** A word without its most common English inflections, so "walks" meets "walk". */
function stemWord(word: string): string {
  for (const suffix of ["ing", "ed", "es", "s"]) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 3) return word.slice(0, -suffix.length);
  }
  return word;
}

/** The content words of a text, stemmed. */
export function contentStems(text: string): Set<string> {
  return new Set(
    searchWords(text)
      .filter((word) => !STOP_WORDS.has(word))
      .map(stemWord),
  );
}

/** Whether the question shares at least one content word with any of its evidence texts. */
export function sharesContentWord(question: string, evidenceTexts: readonly string[]): boolean {
  const questionStems = contentStems(question);
  return evidenceTexts.some((text) => [...contentStems(text)].some((stem) => questionStems.has(stem)));
}
