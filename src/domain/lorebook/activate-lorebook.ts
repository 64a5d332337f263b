import {
  compileLorebook,
  entryTokenCounts,
  type CompiledEntry,
  type CompiledKey,
  type CompiledLorebook,
} from "./compile-lorebook.ts";
import { keepGroupWinners } from "./inclusion-groups.ts";
import { createScanWindow, findPatternDepths, scanForPatterns, ScanText } from "./key-scanner.ts";
import {
  applyBudgets,
  arrange,
  type ActivatedLorebookEntry,
  type ActivationTrigger,
  type LorebookActivation,
} from "./activation-result.ts";
import type { Lorebook, LorebookEntry } from "./lorebook-model.ts";

export type { ActivatedLorebookEntry, ActivationTrigger, LorebookActivation } from "./activation-result.ts";

export interface LorebookMessage {
  role: "system" | "user" | "assistant";
  content: string;
  /** The speaker's name; scanned as `name: content` when `includeNames` is on. */
  name?: string;
}

export interface ActivateLorebookOptions {
  /** Every lorebook in play (the character's, the user persona's, the conversation's, ...), in that priority. */
  books: readonly Lorebook[];
  /** The conversation, oldest first, newest last. Only the last scan-depth messages are read. */
  messages: readonly LorebookMessage[];
  /** Messages scanned for entries and books that do not set their own. Default 2 (SillyTavern's). */
  scanDepth?: number;
  /** Tokens all activated entries may take together; entries with the lowest priority go first. */
  tokenBudget?: number;
  countTokens: (text: string) => number;
  /** A float in [0, 1), for entries with a probability below 100. */
  random: () => number;
  /** Assistant messages so far, for `@@activate_only_after` / `@@activate_only_every`. Default: counted. */
  turn?: number;
  /** The greeting the conversation started from (0 = first_mes), for `@@is_greeting`; unknown: ignored. */
  greetingIndex?: number;
  /**
   * Whether an entry was activated on an earlier turn of this conversation, for
   * `@@keep_activate_after_match` and `@@dont_activate_after_match`; absent: those decorators are ignored.
   */
  wasActivatedBefore?: (entry: LorebookEntry, bookIndex: number) => boolean;
  /** For books that leave `recursive_scanning` unset. Default true. */
  recursiveScanning?: boolean;
  /** Rounds of entries activating entries after the first scan. Default 3. */
  maxRecursionSteps?: number;
  /** For entries that leave these unset. Defaults: case-insensitive, substrings (SillyTavern's). */
  caseSensitive?: boolean;
  matchWholeWords?: boolean;
  /** Scan messages as `name: content`, so names activate entries. Default true. */
  includeNames?: boolean;
  /**
   * Values for `{{char}}`, `{{user}}`, ... in keys. Keep the object's values stable across turns: books are
   * compiled once per distinct set of values.
   */
  keyMacros?: Readonly<Record<string, string>>;
}

interface Candidate {
  bookIndex: number;
  compiled: CompiledLorebook;
  entry: CompiledEntry;
}

interface BookState {
  compiled: CompiledLorebook;
  /** Per pattern, the newest message holding it (see findPatternDepths). */
  chatDepths: Int32Array;
  /** Per pattern, 1 once an activated entry's content held it. */
  inRecursion: Uint8Array;
  recursive: boolean;
}

const DEFAULT_SCAN_DEPTH = 2;
const DEFAULT_MAX_RECURSION_STEPS = 3;

/**
 * Which lorebook entries the conversation activates, where each goes and why.
 *
 * An entry activates when one of its keys is in the last scan-depth messages (secondary keys, `@@additional_keys`
 * and `@@exclude_keys` then apply), when it is constant, or by `@@activate`; decorators and `delay` can hold it
 * back; of the entries of one SillyTavern inclusion group matched in a round, one is kept; its probability is
 * rolled once. With recursive scanning, activated content is scanned in turn, up to
 * `maxRecursionSteps` rounds. The token budgets (each book's `token_budget`, then `tokenBudget` over all)
 * drop the lowest-priority entries first.
 *
 * @example
 * const { byPosition, atDepth } = activateLorebook({
 *   books: [characterBook], messages, tokenBudget: 800, countTokens, random: Math.random,
 * });
 */
export function activateLorebook(options: ActivateLorebookOptions): LorebookActivation {
  const defaultScanDepth = options.scanDepth ?? DEFAULT_SCAN_DEPTH;
  const maxRecursionSteps = options.maxRecursionSteps ?? DEFAULT_MAX_RECURSION_STEPS;
  const turn = options.turn ?? countAssistantMessages(options.messages);
  const defaults = {
    caseSensitive: options.caseSensitive ?? false,
    matchWholeWords: options.matchWholeWords ?? false,
    keyMacros: options.keyMacros,
  };
  const includeNames = options.includeNames ?? true;
  const enabledDepths = options.books.map((book) => {
    const compiled = compileLorebook(book, defaults);
    return Math.max(compiled.deepestOwnScanDepth, compiled.usesDefaultScanDepth ? defaultScanDepth : 0);
  });
  // Only the messages some book scans are read, however long the conversation.
  const deepest = Math.max(0, ...enabledDepths);
  const scanned = deepest === 0 ? [] : options.messages.slice(-deepest);
  const window = createScanWindow(
    scanned
      .reverse()
      .map(
        (message) =>
          new ScanText(
            includeNames && message.name ? `${message.name}: ${message.content}` : message.content,
          ),
      ),
  );

  const books: BookState[] = options.books.map((book, bookIndex) => {
    const compiled = compileLorebook(book, defaults);
    return {
      compiled,
      chatDepths: findPatternDepths(compiled, window, enabledDepths[bookIndex] as number),
      inRecursion: new Uint8Array(compiled.patterns.length),
      recursive: book.recursiveScanning ?? options.recursiveScanning ?? true,
    };
  });

  const context: EntryContext = {
    turn,
    messageCount: options.messages.length,
    greetingIndex: options.greetingIndex,
    wasActivatedBefore: options.wasActivatedBefore,
  };
  const activated: ActivatedLorebookEntry[] = [];
  const settled = books.map((book) => new Uint8Array(book.compiled.entries.length));
  // Round 0 looks at the entries a found key or no key at all can activate; later rounds at the entries
  // using a key found in the last round's content, and those waiting for recursion. The rest cannot change.
  let candidates = books.map((book) => initialCandidates(book));
  let recursionSteps = 0;
  const activeGroups = new Set<string>();
  for (let step = 0; step <= maxRecursionSteps; step++) {
    const matched: (Candidate & { trigger: ActivationTrigger })[] = [];
    books.forEach((book, bookIndex) => {
      if (step > 0 && !book.recursive) return;
      const done = settled[bookIndex] as Uint8Array;
      for (const index of candidates[bookIndex] as number[]) {
        if (done[index]) continue;
        const entry = book.compiled.entries[index] as CompiledEntry;
        const trigger = evaluateEntry(
          entry,
          book,
          bookIndex,
          step,
          entry.scanDepth ?? defaultScanDepth,
          context,
        );
        if (trigger === null) continue;
        // Settled either way: a group's loser or a failed probability roll stays out for this activation.
        done[index] = 1;
        matched.push({ bookIndex, compiled: book.compiled, entry, trigger });
      }
    });
    const activatedNow: ActivatedLorebookEntry[] = [];
    for (const candidate of keepGroupWinners(matched, activeGroups, options.random)) {
      const { probability, useProbability } = candidate.entry.entry;
      if (useProbability && probability < 100 && !(options.random() * 100 < probability)) continue;
      for (const group of candidate.entry.groups) activeGroups.add(group);
      activatedNow.push(toActivated(candidate, candidate.trigger, step, options.countTokens));
    }
    activated.push(...activatedNow);
    if (step > 0 && activatedNow.length > 0) recursionSteps = step;
    if (step === maxRecursionSteps || !books.some((book) => book.recursive)) break;
    const recursionText = activatedNow
      .filter((item) => !item.entry.preventRecursion && item.content !== "")
      .map((item) => item.content)
      .join("\n\u0001");
    const text = recursionText === "" ? null : new ScanText(recursionText);
    candidates = books.map((book, bookIndex) =>
      book.recursive ? recursionCandidates(book, text, settled[bookIndex] as Uint8Array) : [],
    );
    if (candidates.every((list) => list.length === 0)) break;
  }

  return arrange(applyBudgets(activated, options.books, options.tokenBudget ?? null), recursionSteps);
}

function countAssistantMessages(messages: readonly LorebookMessage[]): number {
  let count = 0;
  for (const message of messages) if (message.role === "assistant") count++;
  return count;
}

function initialCandidates(book: BookState): number[] {
  const { compiled, chatDepths } = book;
  const marked = new Uint8Array(compiled.entries.length);
  for (const index of compiled.keylessEntries) marked[index] = 1;
  for (let pattern = 0; pattern < chatDepths.length; pattern++) {
    if (chatDepths[pattern] === 0) continue;
    for (const index of compiled.entriesByPattern[pattern] as number[]) marked[index] = 1;
  }
  return markedIndexes(marked);
}

/** Scans the last round's content for the book's keys; answers the entries that may now activate. */
function recursionCandidates(book: BookState, text: ScanText | null, settled: Uint8Array): number[] {
  const { compiled } = book;
  const marked = new Uint8Array(compiled.entries.length);
  let any = false;
  for (const index of compiled.delayedEntries) {
    if (!settled[index]) marked[index] = 1;
    any ||= !settled[index];
  }
  if (text) {
    scanForPatterns(
      compiled,
      text,
      (patternId) => book.inRecursion[patternId] === 1,
      (patternId) => {
        book.inRecursion[patternId] = 1;
        for (const index of compiled.entriesByPattern[patternId] as number[]) {
          if (!settled[index]) {
            marked[index] = 1;
            any = true;
          }
        }
      },
    );
  }
  return any ? markedIndexes(marked) : [];
}

/** Indexes of the marked entries, ascending: entries are evaluated (and roll probability) in book order. */
function markedIndexes(marked: Uint8Array): number[] {
  const indexes: number[] = [];
  for (let index = 0; index < marked.length; index++) if (marked[index]) indexes.push(index);
  return indexes;
}

interface EntryContext {
  turn: number;
  messageCount: number;
  greetingIndex: number | undefined;
  wasActivatedBefore: ((entry: LorebookEntry, bookIndex: number) => boolean) | undefined;
}

/** Where a key was found for an entry scanning `scanDepth` messages, or null. */
function whereFound(
  book: BookState,
  key: CompiledKey,
  scanDepth: number,
  useRecursion: boolean,
): "chat" | "recursion" | null {
  const depth = book.chatDepths[key.pattern] as number;
  if (depth !== 0 && depth <= scanDepth) return "chat";
  if (useRecursion && book.inRecursion[key.pattern] === 1) return "recursion";
  return null;
}

/** The trigger when the entry activates in this round, else null. Probability and budget come later. */
function evaluateEntry(
  compiled: CompiledEntry,
  book: BookState,
  bookIndex: number,
  step: number,
  scanDepth: number,
  context: EntryContext,
): ActivationTrigger | null {
  const { entry, directives } = compiled;
  if (!entry.enabled) return null;
  if (directives.activate) return { kind: "decorator" };
  if (
    (directives.keepActivateAfterMatch || directives.dontActivateAfterMatch) &&
    context.wasActivatedBefore
  ) {
    const before = context.wasActivatedBefore(entry, bookIndex);
    // V3 says "IN ANY CASE" for both; with both present, keeping it active is the softer reading.
    if (before && directives.keepActivateAfterMatch) return { kind: "decorator" };
    if (before && directives.dontActivateAfterMatch) return null;
  }
  if (directives.dontActivate) return null;
  if (directives.isGreeting !== null && context.greetingIndex !== undefined) {
    if (directives.isGreeting !== context.greetingIndex) return null;
  }
  if (directives.activateOnlyAfter !== null && context.turn < directives.activateOnlyAfter) return null;
  if (directives.activateOnlyEvery !== null && context.turn % directives.activateOnlyEvery !== 0) return null;
  if (entry.delay !== null && context.messageCount < entry.delay) return null;
  if (step < entry.delayUntilRecursion) return null;
  if (step > 0 && entry.excludeRecursion) return null;
  if (entry.constant) return { kind: "constant" };

  const useRecursion = step > 0;
  const found = (key: CompiledKey) => whereFound(book, key, scanDepth, useRecursion);

  let primary: CompiledKey | undefined;
  let source: "chat" | "recursion" = "chat";
  for (const key of compiled.primary) {
    const where = found(key);
    if (where === null) continue;
    // Prefer a key found in the chat: it explains the activation better than one found in other entries.
    if (!primary || (source === "recursion" && where === "chat")) {
      primary = key;
      source = where;
    }
    if (where === "chat") break;
  }
  if (!primary) return null;
  if (compiled.additional.length > 0 && !compiled.additional.some((key) => found(key) !== null)) return null;
  if (compiled.exclude.some((key) => found(key) !== null)) return null;

  let secondaryKey: string | null = null;
  if (compiled.secondary.length > 0) {
    const present = compiled.secondary.filter((key) => found(key) !== null);
    const all = present.length === compiled.secondary.length;
    switch (entry.selectiveLogic) {
      case "and_any":
        if (present.length === 0) return null;
        break;
      case "and_all":
        if (!all) return null;
        break;
      case "not_any":
        if (present.length > 0) return null;
        break;
      case "not_all":
        if (all) return null;
        break;
    }
    if (entry.selectiveLogic === "and_any" || entry.selectiveLogic === "and_all") {
      secondaryKey = present[0]?.key ?? null;
    }
  }
  return { kind: "key", key: primary.key, secondaryKey, source };
}

function toActivated(
  candidate: Candidate,
  trigger: ActivationTrigger,
  step: number,
  countTokens: (text: string) => number,
): ActivatedLorebookEntry {
  const { compiled, entry } = candidate;
  return {
    bookIndex: candidate.bookIndex,
    bookName: compiled.book.name,
    entry: entry.entry,
    entryIndex: entry.index,
    content: entry.content,
    position: entry.position,
    depth: entry.depth,
    role: entry.role,
    outletName: entry.entry.outletName,
    insertionOrder: entry.entry.insertionOrder,
    priority: entry.priority,
    tokens: entryTokenCounts(compiled, countTokens)[entry.index] as number,
    trigger,
    recursionStep: step,
  };
}
