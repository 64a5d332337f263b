import type { Memory } from "./memory.ts";
import { eventDay, normalizeText } from "./memory-text.ts";

/**
 * Deterministic checks of a persona's memories: the things that can be proven wrong without a model.
 * Every finding cites the ids of the memories involved, so a person (or a fix-up job) can act on it.
 */

export type ConsistencyFindingKind = "sequence_gap" | "time_order" | "broken_revision" | "duplicate_event";

export interface ConsistencyFinding {
  kind: ConsistencyFindingKind;
  message: string;
  memory_ids: string[];
}

/** Groups memories by a key, keeping each group in input order. */
function groupBy(memories: readonly Memory[], keyOf: (memory: Memory) => string): Memory[][] {
  const groups = new Map<string, Memory[]>();
  for (const memory of memories) {
    const key = keyOf(memory);
    groups.set(key, [...(groups.get(key) ?? []), memory]);
  }
  return [...groups.values()];
}

/** The timeline memories with a place in the stated order, per persona, in that order. */
function sequencedTimelines(memories: readonly Memory[]): Memory[][] {
  const sequenced = memories.filter((memory) => memory.owner === "timeline" && memory.sequence !== null);
  return groupBy(sequenced, (memory) => memory.persona_id).map((timeline) =>
    [...timeline].sort((left, right) => (left.sequence as number) - (right.sequence as number)),
  );
}

function describeMissing(from: number, to: number): string {
  return from === to ? `${from} is missing` : `${from}-${to} are missing`;
}

/** Missing numbers in 1..max, citing the memories on either side of each gap. */
function findSequenceGaps(timeline: Memory[]): ConsistencyFinding[] {
  const findings: ConsistencyFinding[] = [];
  let previous: Memory | undefined;
  for (const memory of timeline) {
    const expected =
      previous === undefined ? Math.min(1, memory.sequence as number) : (previous.sequence as number) + 1;
    if ((memory.sequence as number) > expected) {
      const around = previous === undefined ? [memory.id] : [previous.id, memory.id];
      findings.push({
        kind: "sequence_gap",
        message: `Timeline sequence ${describeMissing(expected, (memory.sequence as number) - 1)}`,
        memory_ids: around,
      });
    }
    previous = memory;
  }
  return findings;
}

/** Event times that go backwards against the stated order: each adjacent dated pair, both cited. */
function findTimeOrderViolations(timeline: Memory[]): ConsistencyFinding[] {
  const dated = timeline.filter(
    (memory) => memory.event_time !== null && !Number.isNaN(Date.parse(memory.event_time)),
  );
  const findings: ConsistencyFinding[] = [];
  for (let index = 1; index < dated.length; index++) {
    const earlier = dated[index - 1] as Memory;
    const later = dated[index] as Memory;
    if (Date.parse(later.event_time as string) < Date.parse(earlier.event_time as string)) {
      findings.push({
        kind: "time_order",
        message:
          `Memory ${later.sequence} happens at ${later.event_time}, before memory ${earlier.sequence} ` +
          `at ${earlier.event_time}, although it comes after it in the timeline`,
        memory_ids: [earlier.id, later.id],
      });
    }
  }
  return findings;
}

function sameOwner(left: Memory, right: Memory): boolean {
  return (
    left.persona_id === right.persona_id &&
    left.owner === right.owner &&
    left.user_id === right.user_id &&
    left.scope === right.scope
  );
}

/** A revision link that cannot be followed: wrong type, missing target, or another owner's memory. */
function checkRevisionLink(memory: Memory, byId: ReadonlyMap<string, Memory>): ConsistencyFinding | null {
  const broken = (message: string, memoryIds: string[]): ConsistencyFinding => ({
    kind: "broken_revision",
    message,
    memory_ids: memoryIds,
  });
  if (memory.revises === null) {
    return memory.type === "revised"
      ? broken(`Revised memory ${memory.id} does not say what it revises`, [memory.id])
      : null;
  }
  if (memory.type !== "revised") {
    return broken(
      `Memory ${memory.id} revises ${memory.revises} but its type is ${memory.type}, not revised`,
      [memory.id],
    );
  }
  const target = byId.get(memory.revises);
  if (target === undefined)
    return broken(`Memory ${memory.id} revises ${memory.revises}, which does not exist`, [memory.id]);
  if (!sameOwner(memory, target)) {
    return broken(`Memory ${memory.id} revises ${target.id}, which belongs to another persona or owner`, [
      memory.id,
      target.id,
    ]);
  }
  return null;
}

/** Revision chains that loop back on themselves, each cycle reported once (ids in chain order). */
function findRevisionCycles(
  memories: readonly Memory[],
  byId: ReadonlyMap<string, Memory>,
): ConsistencyFinding[] {
  const findings: ConsistencyFinding[] = [];
  const settled = new Set<string>();
  for (const start of memories) {
    const path: string[] = [];
    let current: Memory | undefined = start;
    while (current !== undefined && !settled.has(current.id) && !path.includes(current.id)) {
      path.push(current.id);
      current = current.revises === null ? undefined : byId.get(current.revises);
    }
    if (current !== undefined && path.includes(current.id)) {
      const cycle = path.slice(path.indexOf(current.id));
      findings.push({
        kind: "broken_revision",
        message: `Revision chain loops back on itself: ${[...cycle, current.id].join(" -> ")}`,
        memory_ids: cycle,
      });
    }
    for (const id of path) settled.add(id);
  }
  return findings;
}

/** The same event told twice: same owner, same normalised facts, same event day. */
function findDuplicateEvents(memories: readonly Memory[]): ConsistencyFinding[] {
  const dated = memories.filter((memory) => eventDay(memory.event_time) !== null);
  const groups = groupBy(dated, (memory) =>
    JSON.stringify([
      memory.persona_id,
      memory.owner,
      memory.user_id,
      memory.scope,
      eventDay(memory.event_time),
      normalizeText(memory.facts),
    ]),
  );
  return groups
    .filter((group) => group.length > 1)
    .map((group) => ({
      kind: "duplicate_event" as const,
      message: `The same event on ${eventDay((group[0] as Memory).event_time)} is recorded ${group.length} times`,
      memory_ids: group.map((memory) => memory.id),
    }));
}

/**
 * Checks a persona's memories (pass them all: revision targets are looked up among them) for
 * - `sequence_gap`: numbers missing from 1..max among timeline memories with a sequence;
 * - `time_order`: an event time earlier than the one before it in sequence order (both cited);
 * - `broken_revision`: `revises` pointing to a missing id or another persona's or owner's memory, a
 *   cycle, a `revised` memory without `revises`, or `revises` on a memory of another type;
 * - `duplicate_event`: the same normalised facts on the same event day for the same owner.
 * Findings come in that order, each group in timeline or input order, so output is deterministic.
 *
 * @example
 * checkTimelineConsistency([first, third])
 * // [{ kind: "sequence_gap", message: "Timeline sequence 2 is missing", memory_ids: [first.id, third.id] }]
 */
export function checkTimelineConsistency(memories: readonly Memory[]): ConsistencyFinding[] {
  const byId = new Map(memories.map((memory) => [memory.id, memory]));
  const timelines = sequencedTimelines(memories);
  return [
    ...timelines.flatMap(findSequenceGaps),
    ...timelines.flatMap(findTimeOrderViolations),
    ...memories.flatMap((memory) => checkRevisionLink(memory, byId) ?? []),
    ...findRevisionCycles(memories, byId),
    ...findDuplicateEvents(memories),
  ];
}
