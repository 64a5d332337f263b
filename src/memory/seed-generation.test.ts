import { describe, expect, it } from "vitest";
import { personaDefinitionSchema, DEFAULT_PERSONA_DEFINITION } from "../domain/persona-definition.ts";
import { deepMerge } from "../lib/deep-merge.ts";
import { checkTimelineConsistency } from "./consistency-checks.ts";
import { buildMemory } from "./memory-factory.ts";
import { generatePersonaFromSeed, linkTimelineDrafts, type PersonaSeed } from "./seed-generation.ts";
import { createRandom, hashSeed } from "./seeded-random.ts";
import { findOccupationProfile } from "./seed-tables.ts";

const referenceDate = new Date("2025-01-01T00:00:00.000Z");
const ana: PersonaSeed = {
  name: "Ana",
  age: 34,
  location: "Porto",
  occupation: "nurse",
  seed: 1,
  referenceDate,
};
const seeds = Array.from({ length: 40 }, (_, index) => index);

/** The timeline as stored memories, with ids = keys, as the store would after linking. */
function storeTimeline(seed: PersonaSeed) {
  const { timeline } = generatePersonaFromSeed(seed);
  return linkTimelineDrafts({ timeline, idForKey: (key) => key }).map((draft, index) =>
    buildMemory({ ...draft, id: timeline[index]?.key as string, source: { kind: "generation" } }),
  );
}

describe("seeded random", () => {
  it("repeats for the same seed and differs across seeds", () => {
    const first = createRandom(hashSeed("a"));
    const again = createRandom(hashSeed("a"));
    const other = createRandom(hashSeed("b"));
    const draw = (random: typeof first) => Array.from({ length: 5 }, () => random.integer(0, 1000));
    expect(draw(first)).toEqual(draw(again));
    expect(draw(createRandom(hashSeed("a")))).not.toEqual(draw(other));
  });
});

describe("generatePersonaFromSeed", () => {
  it("is deterministic for the same input and seed", () => {
    expect(generatePersonaFromSeed(ana)).toEqual(generatePersonaFromSeed({ ...ana }));
  });

  it("varies across seeds", () => {
    const timelines = new Set(
      seeds.map((seed) => JSON.stringify(generatePersonaFromSeed({ ...ana, seed }).timeline)),
    );
    const summaries = new Set(
      seeds.map((seed) => generatePersonaFromSeed({ ...ana, seed }).definition.identity.summary),
    );
    expect(timelines.size).toBe(seeds.length);
    expect(summaries.size).toBeGreaterThan(10);
  });

  it("returns a definition that completes into a valid persona definition", () => {
    const { definition } = generatePersonaFromSeed({ ...ana, sex: "female" });
    const complete = deepMerge(DEFAULT_PERSONA_DEFINITION, definition);
    expect(personaDefinitionSchema.safeParse(complete).success).toBe(true);
    expect(definition.name).toBe("Ana");
    expect(definition.identity).toMatchObject({
      age: 34,
      sex: "female",
      location: "Porto",
      occupation: "nurse",
    });
    expect(definition.identity.summary).toMatch(
      /^Ana is a 34-year-old nurse (living in|born and raised in) Porto/,
    );
    expect(definition.system_message).toContain("Domain knowledge: as a nurse you know triage");
    expect(definition.communication_examples).toHaveLength(2);
    expect(definition.communication_examples[0]).toMatch(/^User: .+\nAna: .+/);
    expect(definition.appearance.description).toMatch(/^A 34-year-old woman with .+ hair/);
    expect(definition.tags).toContain("nurse");
    expect(definition.personality.length).toBeGreaterThan(10);
  });

  it("uses given traits as they are", () => {
    const { definition } = generatePersonaFromSeed({ ...ana, traits: ["shy", "kind"] });
    expect(definition.personality).toMatch(/^Shy and kind;/);
    expect(definition.tags).toEqual(["generated", "nurse", "shy", "kind"]);
  });

  it("draws domain knowledge from the occupation, with a generic fallback", () => {
    const engineer = generatePersonaFromSeed({ ...ana, occupation: "Software Engineer" }).definition;
    expect(engineer.system_message).toContain("as a Software Engineer you know writing and reviewing code");
    const beekeeper = generatePersonaFromSeed({ ...ana, occupation: "beekeeper" }).definition;
    expect(beekeeper.system_message).toContain("the day-to-day craft of being a beekeeper");
    for (const occupation of ["teacher", "engineer", "chef", "farmer", "musician", "lawyer", "student"]) {
      expect(findOccupationProfile(occupation).keywords.length).toBeGreaterThan(0);
    }
    expect(generatePersonaFromSeed({ ...ana, occupation: "engineer" }).definition.identity.summary).toContain(
      "an engineering degree",
    );
  });

  it("rejects an age with no life to draw on", () => {
    expect(() => generatePersonaFromSeed({ ...ana, age: 2 })).toThrow(RangeError);
    expect(() => generatePersonaFromSeed({ ...ana, age: 30.5 })).toThrow(RangeError);
  });
});

describe("generated timeline", () => {
  const cases = seeds.flatMap((seed) => [
    { ...ana, seed },
    { ...ana, seed, age: 19, occupation: "student" },
    { ...ana, seed, age: 78, occupation: "farmer" },
    { ...ana, seed, age: 9, occupation: "pupil" },
  ]);

  it("has 8-15 memories in order, sequence 1..n, before the reference date", () => {
    for (const seed of cases) {
      const { timeline } = generatePersonaFromSeed(seed);
      expect(timeline.length).toBeGreaterThanOrEqual(8);
      expect(timeline.length).toBeLessThanOrEqual(15);
      expect(timeline.map((memory) => memory.sequence)).toEqual(timeline.map((_, index) => index + 1));
      const times = timeline.map((memory) => Date.parse(memory.event_time as string));
      for (let index = 1; index < times.length; index++) {
        expect(times[index]).toBeGreaterThan(times[index - 1] as number);
      }
      expect(times.at(-1)).toBeLessThan(referenceDate.getTime());
      const birthYear = referenceDate.getUTCFullYear() - seed.age - 1;
      expect(new Date(times[0] as number).getUTCFullYear()).toBeGreaterThanOrEqual(birthYear);
    }
  });

  it("mixes memory types: always pride and shame, across seeds repressed, exaggerated and revised", () => {
    const types = new Set<string>();
    for (const seed of cases) {
      const { timeline } = generatePersonaFromSeed(seed);
      expect(timeline.some((memory) => memory.type === "pride")).toBe(true);
      expect(timeline.some((memory) => memory.type === "shame")).toBe(true);
      for (const memory of timeline) types.add(memory.type);
      for (const memory of timeline.filter((draft) => draft.type === "revised")) {
        const original = timeline.find((draft) => draft.key === memory.revises);
        expect(original).toBeDefined();
        expect(original?.sequence).toBeLessThan(memory.sequence as number);
      }
      expect(timeline.every((memory) => memory.type === "revised" || memory.revises === null)).toBe(true);
    }
    expect(types).toEqual(new Set(["normal", "pride", "shame", "repressed", "exaggerated", "revised"]));
  });

  it("makes older memories generally fainter", () => {
    let olderTotal = 0;
    let newerTotal = 0;
    for (const seed of cases) {
      const { timeline } = generatePersonaFromSeed(seed);
      const third = Math.floor(timeline.length / 3);
      olderTotal += timeline.slice(0, third).reduce((sum, memory) => sum + memory.strength, 0) / third;
      newerTotal += timeline.slice(-third).reduce((sum, memory) => sum + memory.strength, 0) / third;
      for (const memory of timeline) {
        expect(memory.strength).toBeGreaterThanOrEqual(0);
        expect(memory.strength).toBeLessThanOrEqual(100);
      }
    }
    expect(olderTotal).toBeLessThan(newerTotal - 20 * cases.length);
  });

  it("fills every placeholder and states the age at each event", () => {
    for (const seed of cases.slice(0, 40)) {
      for (const memory of generatePersonaFromSeed(seed).timeline) {
        expect(memory.facts).toMatch(/^At \d+, .+\.$/);
        expect(`${memory.facts}${memory.feelings}${memory.interpretation}`).not.toMatch(/[{}]/);
      }
    }
  });

  it("passes the consistency checks once ids are assigned", () => {
    for (const seed of cases) expect(checkTimelineConsistency(storeTimeline(seed))).toEqual([]);
  });
});

describe("linkTimelineDrafts", () => {
  it("maps revises keys to ids and drops keys", () => {
    const timeline = [
      { ...generatePersonaFromSeed(ana).timeline[0]!, key: "m1", type: "normal" as const, revises: null },
      { ...generatePersonaFromSeed(ana).timeline[1]!, key: "m2", type: "revised" as const, revises: "m1" },
    ];
    const linked = linkTimelineDrafts({ timeline, idForKey: (key) => `id-${key}` });
    expect(linked.map((draft) => draft.revises)).toEqual([null, "id-m1"]);
    expect(linked[0]).not.toHaveProperty("key");
    expect(() =>
      linkTimelineDrafts({ timeline: [{ ...timeline[1]!, revises: "m9" }], idForKey: String }),
    ).toThrow(RangeError);
  });
});
