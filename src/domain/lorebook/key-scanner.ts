import type { CompiledLorebook } from "./compile-lorebook.ts";
import { foldCase, isWholeWordMatch } from "./key-pattern.ts";

/** A text to scan, with its case-folded form computed at most once and shared by every book. */
export class ScanText {
  private folded: string | undefined;
  constructor(readonly text: string) {}

  get foldedText(): string {
    return (this.folded ??= foldCase(this.text));
  }
}

/**
 * Marks every pattern of `compiled` that occurs in `text`: `onFound(patternId)` is called once per pattern
 * not already marked (`isMarked`), after the whole-word check when the key asks for it.
 */
export function scanForPatterns(
  compiled: CompiledLorebook,
  text: ScanText,
  isMarked: (patternId: number) => boolean,
  onFound: (patternId: number) => void,
): void {
  const { patterns } = compiled;
  for (const [group, haystack] of [
    [compiled.caseSensitive, text.text],
    [compiled.caseInsensitive, compiled.caseInsensitive ? text.foldedText : ""],
  ] as const) {
    if (!group || haystack === "") continue;
    const { automaton, patternIds } = group;
    automaton.scan(haystack, (automatonId, end) => {
      const patternId = patternIds[automatonId] as number;
      if (isMarked(patternId)) return;
      const slot = patterns[patternId];
      if (slot?.kind === "literal" && slot.wholeWords && !isWholeWordMatch(haystack, end, slot.length))
        return;
      onFound(patternId);
    });
  }
  for (const patternId of compiled.regexPatternIds) {
    if (isMarked(patternId)) continue;
    const slot = patterns[patternId];
    if (slot?.kind !== "regex") continue;
    slot.regex.lastIndex = 0;
    if (slot.regex.test(text.text)) onFound(patternId);
  }
}

/** Between messages in a scan window: no key holds it, and it is no letter, so matches cannot straddle. */
const MESSAGE_SEPARATOR = "\n\u0001\n";

/** A text joined from messages newest first, with where each message starts. */
interface JoinedText {
  text: string;
  /** starts[d - 1]: where the message at depth d begins; starts[messages]: the text's length. */
  starts: Int32Array;
}

function joinNewestFirst(parts: readonly string[]): JoinedText {
  const starts = new Int32Array(parts.length + 1);
  let offset = 0;
  parts.forEach((part, index) => {
    starts[index] = offset;
    offset += part.length + (index < parts.length - 1 ? MESSAGE_SEPARATOR.length : 0);
  });
  starts[parts.length] = offset;
  return { text: parts.join(MESSAGE_SEPARATOR), starts };
}

/**
 * The last messages of a conversation as one text, newest first: the first occurrence of a key in it is its
 * newest one, and one search (one automaton pass, one `indexOf` run, one regex `exec`) over the text answers
 * for every message. Built for the deepest scan any book needs; shallower books read a prefix.
 */
export class ScanWindow {
  private raw: JoinedText | undefined;
  private folded: JoinedText | undefined;

  constructor(
    private readonly messages: readonly ScanText[],
    readonly depth: number,
  ) {}

  /** The messages newest first, case-folded or not. */
  joined(folded: boolean): JoinedText {
    if (folded) return (this.folded ??= joinNewestFirst(this.messages.map((message) => message.foldedText)));
    return (this.raw ??= joinNewestFirst(this.messages.map((message) => message.text)));
  }
}

/** `messages` newest first; `depth` of them at most. */
export function createScanWindow(messages: readonly ScanText[]): ScanWindow {
  return new ScanWindow(messages, messages.length);
}

/** The depth (1 = newest) of the message holding `position`. */
function depthAt(starts: Int32Array, messageCount: number, position: number): number {
  let low = 0;
  let high = messageCount - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((starts[middle] as number) <= position) low = middle;
    else high = middle - 1;
  }
  return low + 1;
}

/** Below this many literal keys, `indexOf` per key beats one automaton pass (V8 searches strings fast). */
const AUTOMATON_THRESHOLD = 48;

/**
 * For each pattern of the book, how recent the newest message holding it is: 1 for the last message, 2 for
 * the one before, ...; 0 when none of the last `maxDepth` messages holds it. One search serves every entry
 * whatever its own scan depth: an entry scanning N messages matches a key when the key's depth is 1 to N.
 */
export function findPatternDepths(
  compiled: CompiledLorebook,
  window: ScanWindow,
  maxDepth: number,
): Int32Array {
  const depths = new Int32Array(compiled.patterns.length);
  const messageCount = Math.min(maxDepth, window.depth);
  if (compiled.patterns.length === 0 || messageCount === 0) return depths;
  const { patterns } = compiled;
  for (const [group, folded] of [
    [compiled.caseSensitive, false],
    [compiled.caseInsensitive, true],
  ] as const) {
    if (!group) continue;
    const { text, starts } = window.joined(folded);
    const limit = starts[messageCount] as number;
    const accept = (patternId: number, end: number): void => {
      const slot = patterns[patternId];
      if (slot?.kind === "literal" && slot.wholeWords && !isWholeWordMatch(text, end, slot.length)) return;
      depths[patternId] = depthAt(starts, messageCount, end - 1);
    };
    if (group.texts.length < AUTOMATON_THRESHOLD) {
      group.texts.forEach((needle, automatonId) => {
        const patternId = group.patternIds[automatonId] as number;
        for (
          let at = text.indexOf(needle);
          at !== -1 && at + needle.length <= limit;
          at = text.indexOf(needle, at + 1)
        ) {
          accept(patternId, at + needle.length);
          if (depths[patternId] !== 0) break;
        }
      });
    } else {
      group.automaton.scan(
        text,
        (automatonId, end) => {
          const patternId = group.patternIds[automatonId] as number;
          if (depths[patternId] === 0) accept(patternId, end);
        },
        limit,
      );
    }
  }
  if (compiled.regexPatternIds.length > 0) {
    const { text, starts } = window.joined(false);
    const limit = starts[messageCount] as number;
    const scanned = limit === text.length ? text : text.slice(0, limit);
    for (const patternId of compiled.regexPatternIds) {
      const slot = patterns[patternId];
      if (slot?.kind !== "regex") continue;
      slot.regex.lastIndex = 0;
      const match = slot.regex.exec(scanned);
      if (match) depths[patternId] = depthAt(starts, messageCount, match.index);
    }
  }
  return depths;
}
