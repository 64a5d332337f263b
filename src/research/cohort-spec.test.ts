import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TRAITS } from "../memory/seed-tables.ts";
import {
  allocateBySize,
  cohortFilterSchema,
  cohortGeneratorSchema,
  drawCohortSeeds,
  matchesCohortFilter,
  sampleWithoutReplacement,
  type CohortFilter,
  type CohortFilterPersona,
  type CohortGenerator,
} from "./cohort-spec.ts";

const youngUrban: CohortGenerator = {
  age: { type: "uniform", min: 18, max: 34 },
  sex: { female: 1, male: 1 },
  location: { "Lisbon, Portugal": 2, "Porto, Portugal": 1 },
  occupation: ["nurse", "software engineer", "teacher", "barista"],
  traits: { values: ["curious", "cautious", "ambitious", "warm"], per_persona: 2 },
};

function issuesOf(schema: typeof cohortGeneratorSchema | typeof cohortFilterSchema, input: unknown) {
  const result = schema.safeParse(input);
  return result.success
    ? []
    : result.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
}

describe("cohortGeneratorSchema", () => {
  it("accepts the documented generator and a normal age", () => {
    expect(cohortGeneratorSchema.parse(youngUrban)).toEqual(youngUrban);
    const normal = {
      age: { type: "normal", mean: 45, sd: 12, min: 18, max: 90 },
      location: ["Oslo"],
      occupation: ["chef"],
    };
    expect(cohortGeneratorSchema.parse(normal)).toEqual(normal);
  });

  it("names the field at fault", () => {
    const base = { age: { type: "uniform", min: 18, max: 34 }, location: ["Oslo"], occupation: ["chef"] };
    expect(issuesOf(cohortGeneratorSchema, { ...base, age: { type: "uniform", min: 40, max: 30 } })).toEqual([
      { path: "age.max", message: "must be at least min" },
    ]);
    expect(issuesOf(cohortGeneratorSchema, { ...base, age: { type: "uniform", min: 2, max: 30.5 } })).toEqual(
      [
        { path: "age.min", message: "must be between 5 and 120" },
        { path: "age.max", message: "must be a whole number of years" },
      ],
    );
    expect(
      issuesOf(cohortGeneratorSchema, {
        ...base,
        age: { type: "normal", mean: 30, sd: 0, min: 18, max: 60 },
      }),
    ).toEqual([{ path: "age.sd", message: "must be greater than 0" }]);
    expect(issuesOf(cohortGeneratorSchema, { ...base, age: { type: "gamma" } })).toEqual([
      { path: "age.type", message: "must be uniform or normal" },
    ]);
    expect(issuesOf(cohortGeneratorSchema, { ...base, location: { Oslo: 0 } })).toEqual([
      { path: "location.Oslo", message: "must be a positive number" },
    ]);
    expect(issuesOf(cohortGeneratorSchema, { ...base, location: "Oslo" })).toEqual([
      { path: "location", message: "must be a list of values or an object of value: positive weight" },
    ]);
    expect(issuesOf(cohortGeneratorSchema, { ...base, occupation: ["chef", "chef"] })).toEqual([
      { path: "occupation.1", message: 'repeats "chef"' },
    ]);
    expect(issuesOf(cohortGeneratorSchema, { ...base, occupation: [] })).toEqual([
      { path: "occupation", message: "must list at least one value" },
    ]);
    expect(issuesOf(cohortGeneratorSchema, { ...base, occupation: {} })).toEqual([
      { path: "occupation", message: "must have at least one value" },
    ]);
    expect(issuesOf(cohortGeneratorSchema, { ...base, sex: { female: 1, robot: 1 } })).toEqual([
      { path: "sex.robot", message: "must be one of male, female, other" },
    ]);
    expect(issuesOf(cohortGeneratorSchema, { ...base, sex: ["female", "robot"] })).toEqual([
      { path: "sex.1", message: "must be one of male, female, other" },
    ]);
    expect(
      issuesOf(cohortGeneratorSchema, { ...base, traits: { values: ["warm"], per_persona: 2 } }),
    ).toEqual([{ path: "traits.per_persona", message: "must be at most the number of trait values" }]);
    expect(issuesOf(cohortGeneratorSchema, { age: base.age, occupation: ["chef"] })[0]?.path).toBe(
      "location",
    );
  });
});

describe("cohortFilterSchema", () => {
  it("accepts the documented filter and an empty one", () => {
    const filter = {
      age: { min: 40 },
      occupations: ["nurse"],
      locations: ["Portugal"],
      sexes: ["female"],
      traits: ["warm"],
      tags: ["healthcare"],
    };
    expect(cohortFilterSchema.parse(filter)).toEqual(filter);
    expect(cohortFilterSchema.parse({})).toEqual({});
  });

  it("names the field at fault", () => {
    expect(issuesOf(cohortFilterSchema, { age: { min: 50, max: 40 } })).toEqual([
      { path: "age.max", message: "must be at least min" },
    ]);
    expect(issuesOf(cohortFilterSchema, { sexes: ["robot"] })).toEqual([
      { path: "sexes.0", message: "must be one of male, female, other" },
    ]);
    expect(issuesOf(cohortFilterSchema, { locations: [] })).toEqual([
      { path: "locations", message: "must list at least one value" },
    ]);
    expect(issuesOf(cohortFilterSchema, { occupation: ["nurse"] })[0]?.message).toMatch(/occupation/);
  });
});

describe("matchesCohortFilter", () => {
  const ana: CohortFilterPersona = {
    age: 44,
    sex: "female",
    location: "Porto, Portugal",
    occupation: "Senior Nurse",
    tags: ["generated", "Warm", "healthcare", "curious"],
  };
  const matches = (filter: CohortFilter, persona: CohortFilterPersona = ana) =>
    matchesCohortFilter(filter, persona);

  it("matches the documented filter", () => {
    expect(
      matches({
        age: { min: 40 },
        occupations: ["nurse"],
        locations: ["Portugal"],
        sexes: ["female"],
        traits: ["warm"],
        tags: ["healthcare"],
      }),
    ).toBe(true);
    expect(matches({})).toBe(true);
  });

  it("treats age bounds as inclusive and never matches a persona without an age", () => {
    expect(matches({ age: { min: 44, max: 44 } })).toBe(true);
    expect(matches({ age: { min: 45 } })).toBe(false);
    expect(matches({ age: { max: 43 } })).toBe(false);
    expect(matches({ age: { min: 0 } }, { ...ana, age: null })).toBe(false);
    expect(matches({ occupations: ["nurse"] }, { ...ana, age: null })).toBe(true);
  });

  it("matches locations and occupations containing any value, ignoring case", () => {
    expect(matches({ locations: ["lisbon", "PORTO"] })).toBe(true);
    expect(matches({ locations: ["Lisbon"] })).toBe(false);
    expect(matches({ occupations: ["teacher", "nurse"] })).toBe(true);
    expect(matches({ occupations: ["nurse"] }, { ...ana, occupation: null })).toBe(false);
  });

  it("matches any sex, all traits and any tag", () => {
    expect(matches({ sexes: ["male", "female"] })).toBe(true);
    expect(matches({ sexes: ["male"] })).toBe(false);
    expect(matches({ sexes: ["female"] }, { ...ana, sex: null })).toBe(false);
    expect(matches({ traits: ["WARM", "curious"] })).toBe(true);
    expect(matches({ traits: ["warm", "stubborn"] })).toBe(false);
    expect(matches({ tags: ["finance", "Healthcare"] })).toBe(true);
    expect(matches({ tags: ["finance"] })).toBe(false);
  });
});

describe("drawCohortSeeds", () => {
  it("draws members from the recipe", () => {
    const members = drawCohortSeeds(youngUrban, { count: 50, seed: 42 });
    expect(members).toHaveLength(50);
    members.forEach((member, index) => {
      expect(member.age).toBeGreaterThanOrEqual(18);
      expect(member.age).toBeLessThanOrEqual(34);
      expect(Number.isInteger(member.age)).toBe(true);
      expect(["female", "male"]).toContain(member.sex);
      expect(["Lisbon, Portugal", "Porto, Portugal"]).toContain(member.location);
      expect(["nurse", "software engineer", "teacher", "barista"]).toContain(member.occupation);
      expect(member.traits).toHaveLength(2);
      expect(new Set(member.traits).size).toBe(2);
      expect(member.name).toMatch(/^\S+ \S+/);
      expect(member.seed).toBe(`42:${index}`);
    });
  });

  it("is deterministic, and member i depends only on the generator, seed and i", () => {
    const all = drawCohortSeeds(youngUrban, { count: 30, seed: "pop" });
    expect(drawCohortSeeds(youngUrban, { count: 30, seed: "pop" })).toEqual(all);
    expect(drawCohortSeeds(youngUrban, { count: 10, seed: "pop", offset: 20 })).toEqual(all.slice(20));
    expect(drawCohortSeeds(youngUrban, { count: 30, seed: "other" })).not.toEqual(all);
  });

  it("resumes at any offset (property)", () => {
    fc.assert(
      fc.property(
        fc.nat(500),
        fc.integer({ min: 1, max: 5 }),
        fc.string({ maxLength: 10 }),
        (offset, count, seed) => {
          const tail = drawCohortSeeds(youngUrban, { count, seed, offset });
          const whole = drawCohortSeeds(youngUrban, { count: offset + count, seed });
          expect(tail).toEqual(whole.slice(offset));
        },
      ),
      { numRuns: 30 },
    );
  });

  it("follows the weights", () => {
    const members = drawCohortSeeds(youngUrban, { count: 3000, seed: 7 });
    const lisbon = members.filter((member) => member.location === "Lisbon, Portugal").length / members.length;
    const female = members.filter((member) => member.sex === "female").length / members.length;
    expect(lisbon).toBeGreaterThan(0.62);
    expect(lisbon).toBeLessThan(0.71);
    expect(female).toBeGreaterThan(0.46);
    expect(female).toBeLessThan(0.54);
  });

  it("draws normal ages around the mean, clamped to the bounds", () => {
    const generator: CohortGenerator = {
      age: { type: "normal", mean: 40, sd: 10, min: 30, max: 70 },
      location: ["Oslo"],
      occupation: ["chef"],
    };
    const ages = drawCohortSeeds(generator, { count: 3000, seed: 1 }).map((member) => member.age);
    expect(Math.min(...ages)).toBe(30);
    expect(Math.max(...ages)).toBeLessThanOrEqual(70);
    // About 16% of a normal(40, 10) lies below 30 and is clamped there.
    const atMinimum = ages.filter((age) => age === 30).length / ages.length;
    expect(atMinimum).toBeGreaterThan(0.15);
    expect(atMinimum).toBeLessThan(0.22);
    const inside = ages.filter((age) => age > 30 && age < 50);
    expect(inside.length / ages.length).toBeGreaterThan(0.6);
  });

  it("leaves sex null without a sex field, picks names by sex, and draws default traits", () => {
    const plain: CohortGenerator = {
      age: { type: "uniform", min: 30, max: 30 },
      location: ["Oslo"],
      occupation: ["chef"],
    };
    const [member] = drawCohortSeeds(plain, { count: 1, seed: 3 });
    expect(member?.sex).toBeNull();
    expect(member?.age).toBe(30);
    expect(member?.traits.length).toBeGreaterThanOrEqual(3);
    expect(member?.traits.length).toBeLessThanOrEqual(4);
    for (const trait of member?.traits ?? []) expect(TRAITS).toContain(trait);
    const women = drawCohortSeeds({ ...plain, sex: ["female"] }, { count: 40, seed: 3 });
    const men = drawCohortSeeds({ ...plain, sex: ["male"] }, { count: 40, seed: 3 });
    const firstNames = (members: typeof women) => new Set(members.map((one) => one.name.split(" ")[0]));
    const shared = [...firstNames(women)].filter((name) => firstNames(men).has(name));
    expect(shared).toEqual([]);
  });

  it("rejects a negative count or offset", () => {
    expect(() => drawCohortSeeds(youngUrban, { count: -1, seed: 1 })).toThrow(RangeError);
    expect(() => drawCohortSeeds(youngUrban, { count: 1, seed: 1, offset: 1.5 })).toThrow(/offset/);
  });
});

describe("sampleWithoutReplacement", () => {
  const ids = Array.from({ length: 40 }, (_, index) => `per_${index}`);

  it("draws distinct items deterministically", () => {
    const sample = sampleWithoutReplacement(ids, 10, 42);
    expect(sample).toHaveLength(10);
    expect(new Set(sample).size).toBe(10);
    for (const id of sample) expect(ids).toContain(id);
    expect(sampleWithoutReplacement(ids, 10, 42)).toEqual(sample);
    expect(sampleWithoutReplacement(ids, 10, 43)).not.toEqual(sample);
    expect(ids[0]).toBe("per_0");
  });

  it("can take everything or nothing, and refuses more than there is", () => {
    expect([...sampleWithoutReplacement(ids, 40, "s")].sort()).toEqual([...ids].sort());
    expect(sampleWithoutReplacement(ids, 0, "s")).toEqual([]);
    expect(() => sampleWithoutReplacement(ids, 41, "s")).toThrow(RangeError);
  });

  it("returns a distinct subset of the asked size (property)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer(), { maxLength: 60 }),
        fc.nat(),
        fc.string(),
        (items, wanted, seed) => {
          const count = items.length === 0 ? 0 : wanted % (items.length + 1);
          const sample = sampleWithoutReplacement(items, count, seed);
          expect(sample).toHaveLength(count);
          expect(new Set(sample).size).toBe(count);
          for (const item of sample) expect(items).toContain(item);
          expect(sampleWithoutReplacement(items, count, seed)).toEqual(sample);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("allocateBySize", () => {
  it("splits by largest remainder, earlier index first on a tie", () => {
    expect(allocateBySize([1, 1, 1], 10)).toEqual([4, 3, 3]);
    expect(allocateBySize([0.5, 0.5], 1000)).toEqual([500, 500]);
    expect(allocateBySize([2, 1], 10)).toEqual([7, 3]);
    expect(allocateBySize([0.1, 0.2, 0.7], 10)).toEqual([1, 2, 7]);
    expect(allocateBySize([1, 0, 1], 3)).toEqual([2, 0, 1]);
    expect(allocateBySize([3, 3, 4], 0)).toEqual([0, 0, 0]);
  });

  it("rejects weights without a positive sum and bad sizes", () => {
    expect(() => allocateBySize([0, 0], 5)).toThrow(/positive sum/);
    expect(() => allocateBySize([1, -1], 5)).toThrow(/weights\[1\]/);
    expect(() => allocateBySize([1], 2.5)).toThrow(/size/);
  });

  it("sums to the size and stays within one of each exact quota (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 1, maxLength: 12 }),
        fc.nat(100_000),
        (weights, size) => {
          const total = weights.reduce((sum, weight) => sum + weight, 0);
          fc.pre(total > 1e-6);
          const allocation = allocateBySize(weights, size);
          expect(allocation.reduce((sum, count) => sum + count, 0)).toBe(size);
          allocation.forEach((count, index) => {
            const quota = ((weights[index] as number) * size) / total;
            expect(Number.isInteger(count)).toBe(true);
            expect(count).toBeGreaterThanOrEqual(Math.floor(quota - 1e-6));
            expect(count).toBeLessThanOrEqual(Math.ceil(quota + 1e-6));
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
