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

/**
 * For each pattern of the book, how recent the newest message holding it is: 1 for the last message, 2 for
 * the one before, ...; 0 when none of the last `maxDepth` messages holds it. One pass over those messages
 * serves every entry whatever its own scan depth: an entry scanning N messages matches a key when the key's
 * depth is between 1 and N.
 */
export function findPatternDepths(
  compiled: CompiledLorebook,
  messageCount: number,
  messageAt: (index: number) => ScanText,
  maxDepth: number,
): Int32Array {
  const depths = new Int32Array(compiled.patterns.length);
  if (compiled.patterns.length === 0) return depths;
  const oldest = Math.max(0, messageCount - maxDepth);
  for (let index = messageCount - 1; index >= oldest; index--) {
    const depth = messageCount - index;
    scanForPatterns(
      compiled,
      messageAt(index),
      (patternId) => depths[patternId] !== 0,
      (patternId) => {
        depths[patternId] = depth;
      },
    );
  }
  return depths;
}
