import type { Memory, MemoryDraft } from "./memory.ts";
import { eventDay, jaccardSimilarity, normalizeText, splitWords } from "./memory-text.ts";

/**
 * Decides what newly extracted memories do to the ones already stored: a duplicate reinforces, a
 * contradiction becomes a revision linked to what it contradicts, anything else is created. Nothing is
 * ever deleted: the contradicted memory stays, and the revision replaces it in recall.
 */

/** Word-set similarity from which two facts count as the same memory. */
export const DUPLICATE_SIMILARITY = 0.8;
/** How much a repeated memory is strengthened each time it is told again. */
export const REINFORCEMENT = 10;
const MAXIMUM_STRENGTH = 100;

export interface ReconcileMemoriesOptions {
  /** The stored memories of the same persona and owner (the same user for relationship memories). */
  existing: readonly Memory[];
  candidates: readonly MemoryDraft[];
}

export interface Reconciliation {
  create: MemoryDraft[];
  /** New strengths for memories told again. */
  reinforce: { id: string; strength: number }[];
  /** Revisions to create: `type: "revised"`, `revises: original.id`. */
  revise: { original: Memory; revision: MemoryDraft }[];
}

/** What a fact says about one slot of knowledge, so contradictions can be told from duplicates. */
type FactSlot = { key: string; value: string };

const PREFERENCE_VERBS: Record<string, "like" | "dislike"> = {
  loves: "like",
  adores: "like",
  likes: "like",
  enjoys: "like",
  hates: "dislike",
  dislikes: "dislike",
  detests: "dislike",
  loathes: "dislike",
  "can't stand": "dislike",
  "cannot stand": "dislike",
  "doesn't like": "dislike",
  "does not like": "dislike",
};
const PREFERENCE_FACT = new RegExp(`^the user (${Object.keys(PREFERENCE_VERBS).join("|")}) (.+?)\\.?$`, "i");

/**
 * The slot a fact fills, when it is one the rules understand: the user's name, what they like to be
 * called, or whether they like a given thing.
 *
 * @example parseFactSlot("The user hates sailing.") // { key: "preference:sailing", value: "dislike" }
 */
export function parseFactSlot(facts: string): FactSlot | null {
  const trimmed = facts.trim().replace(/’/g, "'");
  const name = /^the user's name is (.+?)\.?$/i.exec(trimmed);
  if (name) return { key: "name", value: normalizeText(name[1] as string) };
  const called = /^the user (?:likes|prefers|wants) to be called (.+?)\.?$/i.exec(trimmed);
  if (called) return { key: "called", value: normalizeText(called[1] as string) };
  const preference = PREFERENCE_FACT.exec(trimmed);
  if (!preference) return null;
  const polarity = PREFERENCE_VERBS[(preference[1] as string).toLowerCase()] as string;
  return { key: `preference:${normalizeText(preference[2] as string)}`, value: polarity };
}

/** How alike two memories are, 0..1; 1 for the same slot and value or the same normalised facts. */
function similarity(left: MemoryDraft, right: MemoryDraft): number {
  const leftDay = eventDay(left.event_time);
  const rightDay = eventDay(right.event_time);
  // The same sentence about two different days is two events, however alike the words.
  if (leftDay !== null && rightDay !== null && leftDay !== rightDay) return 0;
  if (normalizeText(left.facts) === normalizeText(right.facts)) return 1;
  const leftSlot = parseFactSlot(left.facts);
  const rightSlot = parseFactSlot(right.facts);
  if (leftSlot && rightSlot && leftSlot.key === rightSlot.key)
    return leftSlot.value === rightSlot.value ? 1 : 0;
  return jaccardSimilarity(new Set(splitWords(left.facts)), new Set(splitWords(right.facts)));
}

function contradicts(left: MemoryDraft, right: MemoryDraft): boolean {
  const leftSlot = parseFactSlot(left.facts);
  const rightSlot = parseFactSlot(right.facts);
  return (
    leftSlot !== null &&
    rightSlot !== null &&
    leftSlot.key === rightSlot.key &&
    leftSlot.value !== rightSlot.value
  );
}

/** Most recently reinforced first, then the latest created, then the smallest id: a stable choice. */
function compareRecent(left: Memory, right: Memory): number {
  return (
    right.updated_at.localeCompare(left.updated_at) ||
    right.created_at.localeCompare(left.created_at) ||
    left.id.localeCompare(right.id)
  );
}

/** The memories still in recall: those no stored revision replaces. */
function currentMemories(existing: readonly Memory[]): Memory[] {
  const superseded = new Set(
    existing.flatMap((memory) =>
      memory.type === "revised" && memory.revises !== null ? [memory.revises] : [],
    ),
  );
  return existing.filter((memory) => !superseded.has(memory.id)).sort(compareRecent);
}

/** The closest duplicate among `memories`, if any reaches the threshold. */
function findDuplicate<T extends MemoryDraft>(candidate: MemoryDraft, memories: readonly T[]): T | undefined {
  let best: T | undefined;
  let bestSimilarity = DUPLICATE_SIMILARITY;
  for (const memory of memories) {
    const value = similarity(candidate, memory);
    if (value > bestSimilarity || (value === bestSimilarity && best === undefined)) {
      best = memory;
      bestSimilarity = value;
    }
  }
  return best;
}

/**
 * Reconciles extracted candidates with stored memories:
 * - a duplicate (same normalised facts, the same slot and value, or word-set Jaccard ≥ 0.8 on the
 *   same event day) reinforces the stored memory: strength + 10, at most 100;
 * - a contradiction (a different name, or like versus dislike of the same thing) becomes a `revised`
 *   memory with `revises` set to the contradicted one (the most recently reinforced if several);
 * - anything else is created, once even if the batch repeats it.
 * Memories already replaced by a stored revision are ignored: a new fact is compared with what is
 * currently believed, so revisions chain.
 *
 * @example
 * reconcileMemories({ existing: [ana], candidates: [{ ...draft, facts: "The user's name is Bea." }] })
 * // { create: [], reinforce: [], revise: [{ original: ana, revision: { type: "revised", revises: ana.id, … } }] }
 */
export function reconcileMemories(options: ReconcileMemoriesOptions): Reconciliation {
  const current = currentMemories(options.existing);
  const strengths = new Map<string, number>();
  const result: Reconciliation = { create: [], reinforce: [], revise: [] };
  for (const candidate of options.candidates) {
    const duplicate = findDuplicate(candidate, current);
    if (duplicate) {
      const strength = Math.min(
        MAXIMUM_STRENGTH,
        (strengths.get(duplicate.id) ?? duplicate.strength) + REINFORCEMENT,
      );
      strengths.set(duplicate.id, strength);
      continue;
    }
    const contradicted = current.find((memory) => contradicts(candidate, memory));
    if (contradicted) {
      const revision: MemoryDraft = {
        ...candidate,
        type: "revised",
        revises: contradicted.id,
        metadata: { ...candidate.metadata, revision_reason: "contradiction" },
      };
      if (!result.revise.some((entry) => findDuplicate(revision, [entry.revision]))) {
        result.revise.push({ original: contradicted, revision });
      }
      continue;
    }
    const repeated = findDuplicate(candidate, result.create);
    if (repeated) repeated.strength = Math.max(repeated.strength, candidate.strength);
    else result.create.push({ ...candidate });
  }
  result.reinforce = [...strengths].map(([id, strength]) => ({ id, strength }));
  return result;
}
