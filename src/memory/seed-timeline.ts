import type { MemoryDraft } from "./memory.ts";
import { lifeEventsFor, type LifeEventTemplate, type LifeEventText, type LifeStage } from "./life-events.ts";
import type { RandomSource } from "./seeded-random.ts";
import type { OccupationProfile } from "./seed-tables.ts";

/**
 * The life-story half of persona generation: a timeline of typed memories spread over the stages of
 * a life, with strictly increasing event times and a gap-free sequence, so that it passes the
 * consistency checks by construction.
 */

/**
 * A timeline memory before it has an id. `key` is unique within the timeline ("m1", "m2"…), and a
 * revised memory's `revises` holds the **key** of the memory it corrects until `linkTimelineDrafts`
 * swaps keys for the ids the store assigned.
 */
export interface GeneratedMemoryDraft extends MemoryDraft {
  key: string;
  owner: "timeline";
  revises: string | null;
  metadata: { generated: true; stage: LifeStage; event: string };
}

const DAYS_PER_YEAR = 365.25;
const MILLISECONDS_PER_DAY = 86_400_000;
const MINIMUM_MEMORIES = 8;
const MAXIMUM_MEMORIES = 15;
const DEFAULT_CAREER_START_AGE = 24;
const REVISION_CHANCE = 0.6;

/** The per-persona values the event texts' placeholders take. */
export type Placeholders = Record<string, string>;

/**
 * Fills `{name}` placeholders; unknown ones stay as they are, so a missing value shows up in review.
 *
 * @example fillPlaceholders("you left {hometown}", { hometown: "Porto" }) // "you left Porto"
 */
export function fillPlaceholders(text: string, placeholders: Placeholders): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => placeholders[name] ?? whole);
}

/** One stage of life with the ages (in years, fractional) it spans. */
interface StageWindow {
  stage: LifeStage;
  from: number;
  to: number;
}

/** The stages a life of this age has lived, in order, without overlaps. */
function planStages(age: number, profile: OccupationProfile): StageWindow[] {
  const careerStart = profile.careerStartAge ?? DEFAULT_CAREER_START_AGE;
  const recentStart = age - (age >= careerStart + 3 ? 2 : 1);
  const bounds: [LifeStage, number, number][] = [
    ["childhood", Math.min(4, age / 2), 12],
    ["adolescence", 12, 18],
    ["early_adulthood", 18, careerStart],
    ["career", careerStart, recentStart],
  ];
  const windows: StageWindow[] = [];
  let previousEnd = 0;
  for (const [stage, from, to] of bounds) {
    const window = { stage, from: Math.max(from, previousEnd), to: Math.min(to, recentStart) };
    if (window.to - window.from >= 0.5) windows.push(window);
    previousEnd = Math.max(previousEnd, window.to);
  }
  windows.push({ stage: "recent", from: Math.max(recentStart, previousEnd), to: age });
  return windows;
}

/** A stage's shuffled events and how many of them the timeline uses. */
interface StagePool extends StageWindow {
  events: LifeEventTemplate[];
  count: number;
}

/** Spreads n memories over the stages: one each first, then by how long each stage lasted. */
function allocateMemories(
  random: RandomSource,
  windows: StageWindow[],
  profile: OccupationProfile,
): StagePool[] {
  const pools = windows.map((window) => ({
    ...window,
    events: random.shuffle(lifeEventsFor(window.stage, profile)),
    count: 1,
  }));
  let remaining = random.integer(MINIMUM_MEMORIES, MAXIMUM_MEMORIES) - pools.length;
  while (remaining > 0) {
    const open = pools.filter((pool) => pool.count < pool.events.length);
    if (open.length === 0) break;
    const total = open.reduce((sum, pool) => sum + (pool.to - pool.from), 0);
    let target = random.next() * total;
    const chosen = open.find((pool) => (target -= pool.to - pool.from) < 0) ?? (open.at(-1) as StagePool);
    chosen.count += 1;
    remaining -= 1;
  }
  return pools;
}

/** Makes sure the timeline holds a memory of this type, swapping one normal event in a stage for it. */
function ensureType(random: RandomSource, pools: StagePool[], type: LifeEventTemplate["type"]): void {
  if (pools.some((pool) => pool.events.slice(0, pool.count).some((event) => event.type === type))) return;
  const swappable = pools.filter(
    (pool) =>
      pool.events.slice(0, pool.count).some((event) => event.type === "normal") &&
      pool.events.slice(pool.count).some((event) => event.type === type),
  );
  if (swappable.length === 0) return;
  const pool = random.pick(swappable);
  const out = pool.events.findIndex((event, index) => index < pool.count && event.type === "normal");
  const into = pool.events.findIndex((event, index) => index >= pool.count && event.type === type);
  [pool.events[out], pool.events[into]] = [
    pool.events[into] as LifeEventTemplate,
    pool.events[out] as LifeEventTemplate,
  ];
}

/** `count` distinct days (counted from birth) within a window, in order. */
function sampleDays(random: RandomSource, window: StageWindow, count: number, lastDay: number): number[] {
  const first = Math.ceil(window.from * DAYS_PER_YEAR);
  const last = Math.min(Math.floor(window.to * DAYS_PER_YEAR) - 1, lastDay);
  const days = new Set<number>();
  while (days.size < Math.min(count, last - first + 1)) days.add(random.integer(first, last));
  return [...days].sort((left, right) => left - right);
}

/** One place in the timeline: when, and what happened (or which earlier slot it revises). */
interface Slot {
  stage: LifeStage;
  day: number;
  event: LifeEventTemplate;
  revisesIndex: number | null;
}

/** Sometimes turns a later ordinary event into a revision of an earlier one that can be revised. */
function addRevision(random: RandomSource, slots: Slot[]): void {
  if (!random.chance(REVISION_CHANCE)) return;
  const originals = slots.flatMap((slot, index) =>
    slot.event.revision &&
    slots.some((later, laterIndex) => laterIndex > index && later.event.type === "normal")
      ? [index]
      : [],
  );
  if (originals.length === 0) return;
  const originalIndex = random.pick(originals);
  const original = slots[originalIndex] as Slot;
  const targets = slots.flatMap((slot, index) =>
    index > originalIndex && slot.event.type === "normal" ? [index] : [],
  );
  const target = slots[random.pick(targets)] as Slot;
  const revision = original.event.revision as LifeEventText;
  target.event = { ...revision, name: `${original.event.name}-revised`, type: "revised" };
  target.revisesIndex = originalIndex;
}

/** Older memories are fainter; pride is kept bright, repressed memories are dim by nature. */
function chooseStrength(random: RandomSource, type: LifeEventTemplate["type"], position: number): number {
  if (type === "repressed") return random.integer(15, 35);
  const base = 30 + 50 * position + random.integer(-8, 8);
  const bonus = { pride: 10, shame: 5, exaggerated: 5, revised: 0, normal: 0 }[type];
  const strength = type === "revised" ? Math.max(base, 65) : base + bonus;
  return Math.max(5, Math.min(100, Math.round(strength)));
}

export interface TimelineInput {
  random: RandomSource;
  age: number;
  referenceDate: Date;
  profile: OccupationProfile;
  placeholders: Placeholders;
}

/**
 * Generates the timeline for `generatePersonaFromSeed`: 8-15 memories over the stages of the life,
 * from `random` alone (so a seeded source makes it reproducible). Keys are "m1".."mN" in order.
 *
 * @example generateTimeline({ random, age: 34, referenceDate, profile, placeholders })
 */
export function generateTimeline(input: TimelineInput): GeneratedMemoryDraft[] {
  const { random, age, referenceDate, profile, placeholders } = input;
  const birthday = Date.UTC(
    referenceDate.getUTCFullYear() - age,
    referenceDate.getUTCMonth(),
    referenceDate.getUTCDate(),
  );
  const birth = birthday - random.integer(1, 364) * MILLISECONDS_PER_DAY;
  const lastDay = Math.floor((referenceDate.getTime() - birth) / MILLISECONDS_PER_DAY) - 1;
  const pools = allocateMemories(random, planStages(age, profile), profile);
  ensureType(random, pools, "pride");
  ensureType(random, pools, "shame");
  const slots: Slot[] = pools.flatMap((pool) =>
    sampleDays(random, pool, pool.count, lastDay).map((day, index) => ({
      stage: pool.stage,
      day,
      event: pool.events[index] as LifeEventTemplate,
      revisesIndex: null,
    })),
  );
  addRevision(random, slots);
  return slots.map((slot, index): GeneratedMemoryDraft => {
    const ageThen = Math.floor(slot.day / DAYS_PER_YEAR);
    return {
      key: `m${index + 1}`,
      owner: "timeline",
      facts: `At ${ageThen}, ${fillPlaceholders(slot.event.facts, placeholders)}.`,
      feelings: fillPlaceholders(slot.event.feelings, placeholders),
      emotion_tags: [...slot.event.emotion_tags],
      interpretation: fillPlaceholders(slot.event.interpretation, placeholders),
      type: slot.event.type,
      strength: chooseStrength(random, slot.event.type, slots.length === 1 ? 1 : index / (slots.length - 1)),
      event_time: new Date(birth + slot.day * MILLISECONDS_PER_DAY).toISOString(),
      sequence: index + 1,
      revises: slot.revisesIndex === null ? null : `m${slot.revisesIndex + 1}`,
      metadata: { generated: true, stage: slot.stage, event: slot.event.name },
    };
  });
}

/**
 * Swaps the timeline's temporary keys for the ids the store assigned: `revises` becomes an id, `key`
 * goes away. Throws when a `revises` key names no memory of the timeline.
 *
 * @example linkTimelineDrafts({ timeline, idForKey: (key) => idsByKey.get(key)! })
 */
export function linkTimelineDrafts(options: {
  timeline: readonly GeneratedMemoryDraft[];
  idForKey: (key: string) => string;
}): (MemoryDraft & { owner: "timeline" })[] {
  const keys = new Set(options.timeline.map((draft) => draft.key));
  return options.timeline.map(({ key: _key, ...draft }) => {
    if (draft.revises !== null && !keys.has(draft.revises)) {
      throw new RangeError(`revises names ${draft.revises}, which is not a key of this timeline`);
    }
    return { ...draft, revises: draft.revises === null ? null : options.idForKey(draft.revises) };
  });
}
