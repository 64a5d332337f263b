/**
 * How one lorebook key is matched: a literal (found by the book's Aho-Corasick automaton) or a regular
 * expression (tested on its own).
 */
export type KeyPattern =
  | { kind: "literal"; text: string; caseSensitive: boolean; wholeWords: boolean }
  | { kind: "regex"; regex: RegExp };

export interface KeyMatchSettings {
  useRegex: boolean;
  caseSensitive: boolean;
  wholeWords: boolean;
}

const SLASH_REGEX = /^\/([\s\S]+?)\/([dgimsuyv]*)$/;
const REGEX_SYNTAX = /[\\^$.*+?()[\]{}|]/;

/**
 * A key written as `/pattern/flags` (SillyTavern's convention, which cards made there carry), as a RegExp;
 * null when the key is not in that form or does not compile. Like SillyTavern, a `/` inside the pattern must be
 * escaped. The `g` flag is dropped: it only makes `test` stateful.
 *
 * @example parseSlashRegex("/dragons?/i") // /dragons?/i
 */
export function parseSlashRegex(key: string): RegExp | null {
  const match = SLASH_REGEX.exec(key);
  if (!match) return null;
  const [, pattern = "", flags = ""] = match;
  if (/(^|[^\\])\//.test(pattern)) return null;
  try {
    return new RegExp(pattern, flags.replace("g", ""));
  } catch {
    return null;
  }
}

/**
 * The pattern for one key, or null for an empty key (which never matches). A `/pattern/flags` key that does
 * not compile is matched as literal text, as SillyTavern does.
 *
 * With `useRegex` (V3 `use_regex`), a key without regex syntax stays a literal (the same matches, found
 * faster), and a key whose regex does not compile also stays a literal: SillyTavern writes `use_regex: true`
 * on every entry it exports, plain keys like `C++` included, and those must keep working.
 */
export function compileKeyPattern(key: string, settings: KeyMatchSettings): KeyPattern | null {
  const trimmed = key.trim();
  if (trimmed === "") return null;
  const slashRegex = parseSlashRegex(trimmed);
  if (slashRegex) return { kind: "regex", regex: slashRegex };
  if (settings.useRegex && REGEX_SYNTAX.test(trimmed)) {
    try {
      return { kind: "regex", regex: new RegExp(trimmed, settings.caseSensitive ? "" : "i") };
    } catch {
      // Not a regex after all: matched literally below.
    }
  }
  return {
    kind: "literal",
    text: settings.caseSensitive ? trimmed : foldCase(trimmed),
    caseSensitive: settings.caseSensitive,
    wholeWords: settings.wholeWords,
  };
}

/** The case folding used on both keys and scanned text. */
export function foldCase(text: string): string {
  return text.toLowerCase();
}

const WORD_CHARACTER = /[\p{L}\p{N}\p{M}_]/u;

function isWordCharacter(text: string, index: number): boolean {
  if (index < 0 || index >= text.length) return false;
  const code = text.charCodeAt(index);
  // Fast path for ASCII; surrogate halves and other non-ASCII go through the Unicode class.
  if (code < 128) {
    return (
      (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95
    );
  }
  return WORD_CHARACTER.test(text[index] as string);
}

/**
 * Whether the match ending at `end` stands as whole words: no letter, digit or underscore right before or
 * right after it. Unlike SillyTavern's ASCII `\W`, accented and non-Latin letters count as letters, so
 * "café" does not match inside "cafés"; phrases of several words get the same boundaries.
 */
export function isWholeWordMatch(text: string, end: number, length: number): boolean {
  return !isWordCharacter(text, end - length - 1) && !isWordCharacter(text, end);
}
