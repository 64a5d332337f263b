import type { CompiledEntry } from "./compile-lorebook.ts";

/** An entry whose keys matched in this round, before inclusion groups and probability. */
export interface GroupCandidate {
  entry: CompiledEntry;
}

/**
 * SillyTavern's inclusion groups: of the entries of a group that match in one round, one is kept. A group
 * that already has an active entry from an earlier round keeps none of the new ones. Otherwise an entry
 * marked `group_override` wins (the highest insertion order among them), else one is drawn with chances
 * proportional to `group_weight`. An entry in several groups must win each of them.
 *
 * @example keepGroupWinners(matched, new Set(["weather"]), random) // drops every new "weather" entry
 */
export function keepGroupWinners<T extends GroupCandidate>(
  candidates: readonly T[],
  activeGroups: ReadonlySet<string>,
  random: () => number,
): T[] {
  const members = new Map<string, T[]>();
  for (const candidate of candidates) {
    for (const group of candidate.entry.groups) {
      let list = members.get(group);
      if (!list) {
        list = [];
        members.set(group, list);
      }
      list.push(candidate);
    }
  }
  if (members.size === 0) return [...candidates];
  const losers = new Set<T>();
  for (const [group, list] of members) {
    if (activeGroups.has(group)) {
      for (const candidate of list) losers.add(candidate);
      continue;
    }
    const contenders = list.filter((candidate) => !losers.has(candidate));
    if (contenders.length <= 1) continue;
    const winner = pickWinner(contenders, random);
    for (const candidate of contenders) if (candidate !== winner) losers.add(candidate);
  }
  return candidates.filter((candidate) => !losers.has(candidate));
}

function pickWinner<T extends GroupCandidate>(contenders: readonly T[], random: () => number): T {
  const overrides = contenders.filter((candidate) => candidate.entry.groupOverride);
  if (overrides.length > 0) {
    return overrides.reduce((best, candidate) =>
      candidate.entry.entry.insertionOrder > best.entry.entry.insertionOrder ? candidate : best,
    );
  }
  const total = contenders.reduce((sum, candidate) => sum + candidate.entry.groupWeight, 0);
  if (total <= 0) return contenders[0] as T;
  let roll = random() * total;
  for (const candidate of contenders) {
    roll -= candidate.entry.groupWeight;
    if (roll < 0) return candidate;
  }
  return contenders.at(-1) as T;
}
