import {
  ENTRY_POSITIONS,
  type EntryPosition,
  type EntryRole,
  type Lorebook,
  type LorebookEntry,
} from "./lorebook-model.ts";

/*
 * What an activation answers, and the last two steps that shape it: the token budgets and the prompt order.
 */

/** Why an entry is in the prompt: what the prompt inspector shows next to it. */
export type ActivationTrigger =
  | { kind: "constant" }
  | { kind: "decorator" }
  | {
      kind: "key";
      key: string;
      /** The secondary key that satisfied AND ANY / AND ALL, when the entry is selective. */
      secondaryKey: string | null;
      /** Found in the chat, or in the content of entries activated before (recursive scanning). */
      source: "chat" | "recursion";
    };

export interface ActivatedLorebookEntry {
  /** Index in `books`. */
  bookIndex: number;
  bookName: string;
  entry: LorebookEntry;
  /** Index in the book's `entries`. */
  entryIndex: number;
  /** The content to insert, decorators removed. */
  content: string;
  position: EntryPosition;
  /** For `at_depth`: messages from the end of the history. */
  depth: number;
  role: EntryRole;
  outletName: string;
  insertionOrder: number;
  priority: number;
  tokens: number;
  trigger: ActivationTrigger;
  /** 0: activated by the chat or constant; N: by entries activated in step N - 1. */
  recursionStep: number;
}

export interface LorebookActivation {
  /** Kept entries, by insertion order (lower first). */
  entries: ActivatedLorebookEntry[];
  /** The same entries per position, each list by insertion order. */
  byPosition: Record<EntryPosition, ActivatedLorebookEntry[]>;
  /** `at_depth` entries grouped by depth and role, shallowest first: one injected message per group. */
  atDepth: { depth: number; role: EntryRole; entries: ActivatedLorebookEntry[] }[];
  /** Entries that matched but did not fit the token budget (the lowest priorities). */
  trimmed: ActivatedLorebookEntry[];
  totalTokens: number;
  /** Recursion rounds that activated something. */
  recursionSteps: number;
}

/**
 * Keeps the highest-priority entries that fit: each book's own budget first, then the overall one. Ties go to
 * entries found in the chat over recursion, then to the higher insertion order (SillyTavern admits its
 * highest `order` first), then to the earlier book and entry. Once an entry does not fit, it and every lower
 * one are dropped, so a lower priority never outlives a higher one. `ignore_budget` entries are always kept
 * and not counted.
 */
export function applyBudgets(
  activated: readonly ActivatedLorebookEntry[],
  books: readonly Lorebook[],
  tokenBudget: number | null,
): { kept: ActivatedLorebookEntry[]; trimmed: ActivatedLorebookEntry[] } {
  const trimmed: ActivatedLorebookEntry[] = [];
  const withinBooks: ActivatedLorebookEntry[] = [];
  books.forEach((book, bookIndex) => {
    const ofBook = activated.filter((item) => item.bookIndex === bookIndex);
    const { kept, dropped } = keepWithin(ofBook, book.tokenBudget);
    withinBooks.push(...kept);
    trimmed.push(...dropped);
  });
  const { kept, dropped } = keepWithin(withinBooks, tokenBudget);
  trimmed.push(...dropped);
  return { kept, trimmed };
}

function keepWithin(
  items: readonly ActivatedLorebookEntry[],
  budget: number | null,
): { kept: ActivatedLorebookEntry[]; dropped: ActivatedLorebookEntry[] } {
  if (budget === null) return { kept: [...items], dropped: [] };
  const ranked = [...items].sort(
    (a, b) =>
      b.priority - a.priority ||
      a.recursionStep - b.recursionStep ||
      b.insertionOrder - a.insertionOrder ||
      a.bookIndex - b.bookIndex ||
      a.entryIndex - b.entryIndex,
  );
  const kept: ActivatedLorebookEntry[] = [];
  const dropped: ActivatedLorebookEntry[] = [];
  let used = 0;
  let overflowed = false;
  for (const item of ranked) {
    if (item.entry.ignoreBudget) {
      kept.push(item);
    } else if (!overflowed && used + item.tokens <= budget) {
      used += item.tokens;
      kept.push(item);
    } else {
      overflowed = true;
      dropped.push(item);
    }
  }
  return { kept, dropped };
}

function byInsertionOrder(a: ActivatedLorebookEntry, b: ActivatedLorebookEntry): number {
  return a.insertionOrder - b.insertionOrder || a.bookIndex - b.bookIndex || a.entryIndex - b.entryIndex;
}

/** The kept entries in prompt order, per position and per depth group, with what the budget dropped. */
export function arrange(
  budgeted: { kept: ActivatedLorebookEntry[]; trimmed: ActivatedLorebookEntry[] },
  recursionSteps: number,
): LorebookActivation {
  const entries = [...budgeted.kept].sort(byInsertionOrder);
  const byPosition = Object.fromEntries(
    ENTRY_POSITIONS.map((position) => [position, []]),
  ) as unknown as Record<EntryPosition, ActivatedLorebookEntry[]>;
  for (const item of entries) byPosition[item.position].push(item);
  const groups = new Map<string, { depth: number; role: EntryRole; entries: ActivatedLorebookEntry[] }>();
  for (const item of byPosition.at_depth) {
    const groupKey = `${item.depth}|${item.role}`;
    let group = groups.get(groupKey);
    if (!group) {
      group = { depth: item.depth, role: item.role, entries: [] };
      groups.set(groupKey, group);
    }
    group.entries.push(item);
  }
  const roleOrder: Record<EntryRole, number> = { system: 0, user: 1, assistant: 2 };
  const atDepth = [...groups.values()].sort(
    (a, b) => a.depth - b.depth || roleOrder[a.role] - roleOrder[b.role],
  );
  return {
    entries,
    byPosition,
    atDepth,
    trimmed: [...budgeted.trimmed].sort(byInsertionOrder),
    totalTokens: entries.reduce((sum, item) => sum + item.tokens, 0),
    recursionSteps,
  };
}
