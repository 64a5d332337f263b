import { z } from "zod";
import { createRandom, hashSeed, type RandomSource } from "../memory/seeded-random.ts";
import { TRAITS } from "../memory/seed-tables.ts";
import { SEXES } from "../domain/persona-definition.ts";

/**
 * Cohorts: a filter over existing personas, or a generator that draws seeds for new ones. Also the
 * deterministic sampling a population needs (drawing without replacement, splitting a size by weights).
 * Pure: randomness comes from seeds, so the same population settings give the same people.
 */

export type Sex = (typeof SEXES)[number];

const MIN_AGE = 5;
const MAX_AGE = 120;
const MAX_VALUES = 200;

const valueText = (maxLength: number) =>
  z.string().trim().min(1, "must not be empty").max(maxLength, `must be at most ${maxLength} characters`);

const weight = z.number({ error: "must be a number" }).positive("must be a positive number");

function findRepeat(values: readonly string[]): number {
  const seen = new Set<string>();
  return values.findIndex((value) => (seen.has(value) ? true : (seen.add(value), false)));
}

/**
 * A categorical field: a list of values (equal weights) or an object of value → positive weight.
 * `allowed` restricts the values (sex).
 */
function categorical(maxLength: number, allowed?: readonly [string, ...string[]]) {
  const allowedMessage = allowed && `must be one of ${allowed.join(", ")}`;
  // A refinement rather than z.enum: inside the union, an enum failure would hide behind the union's
  // message, while a refinement's issue keeps its own path (`sex.1`).
  const item = allowed
    ? z.string().refine((value) => allowed.includes(value), allowedMessage)
    : valueText(maxLength);
  const list = z
    .array(item)
    .min(1, "must list at least one value")
    .max(MAX_VALUES, `must list at most ${MAX_VALUES} values`)
    .superRefine((values, context) => {
      const repeat = findRepeat(values);
      if (repeat >= 0) {
        context.addIssue({ code: "custom", path: [repeat], message: `repeats "${values[repeat]}"` });
      }
    });
  const weights = z.record(z.string(), weight).superRefine((record, context) => {
    const keys = Object.keys(record);
    if (keys.length === 0) context.addIssue({ code: "custom", message: "must have at least one value" });
    if (keys.length > MAX_VALUES) {
      context.addIssue({ code: "custom", message: `must have at most ${MAX_VALUES} values` });
    }
    for (const key of keys) {
      const problem =
        allowed && !allowed.includes(key)
          ? allowedMessage
          : key.trim() === ""
            ? "must not be an empty value"
            : key.length > maxLength
              ? `must be at most ${maxLength} characters`
              : undefined;
      if (problem) context.addIssue({ code: "custom", path: [key], message: problem });
    }
  });
  return z.union([list, weights], {
    error: "must be a list of values or an object of value: positive weight",
  });
}

export type Categorical = string[] | Record<string, number>;

const years = z
  .number({ error: "must be a number" })
  .int("must be a whole number of years")
  .min(MIN_AGE, `must be between ${MIN_AGE} and ${MAX_AGE}`)
  .max(MAX_AGE, `must be between ${MIN_AGE} and ${MAX_AGE}`);

const minNotAboveMax = (range: { min?: number; max?: number }) =>
  range.min === undefined || range.max === undefined || range.min <= range.max;

export const uniformAgeSchema = z
  .strictObject({ type: z.literal("uniform"), min: years, max: years })
  .refine(minNotAboveMax, { path: ["max"], message: "must be at least min" });

export const normalAgeSchema = z
  .strictObject({
    type: z.literal("normal"),
    mean: z
      .number({ error: "must be a number" })
      .min(MIN_AGE, `must be between ${MIN_AGE} and ${MAX_AGE}`)
      .max(MAX_AGE, `must be between ${MIN_AGE} and ${MAX_AGE}`),
    sd: z
      .number({ error: "must be a number" })
      .positive("must be greater than 0")
      .max(100, "must be at most 100"),
    min: years,
    max: years,
  })
  .refine(minNotAboveMax, { path: ["max"], message: "must be at least min" });

export const cohortGeneratorSchema = z.strictObject({
  age: z.discriminatedUnion("type", [uniformAgeSchema, normalAgeSchema], {
    error: "must be uniform or normal",
  }),
  sex: categorical(10, SEXES).optional(),
  location: categorical(200),
  occupation: categorical(200),
  traits: z
    .strictObject({
      values: categorical(50),
      per_persona: z
        .number({ error: "must be a number" })
        .int("must be a whole number")
        .min(1, "must be between 1 and 10")
        .max(10, "must be between 1 and 10"),
    })
    .refine((traits) => traits.per_persona <= categoricalEntries(traits.values).length, {
      path: ["per_persona"],
      message: "must be at most the number of trait values",
    })
    .optional(),
});

export type CohortGenerator = z.infer<typeof cohortGeneratorSchema>;

const filterAge = z
  .number({ error: "must be a number" })
  .int("must be a whole number of years")
  .min(0, "must be between 0 and 200")
  .max(200, "must be between 0 and 200");

const filterList = (maxLength: number) =>
  z
    .array(valueText(maxLength))
    .min(1, "must list at least one value")
    .max(MAX_VALUES, `must list at most ${MAX_VALUES} values`);

export const cohortFilterSchema = z.strictObject({
  age: z
    .strictObject({ min: filterAge.optional(), max: filterAge.optional() })
    .refine(minNotAboveMax, { path: ["max"], message: "must be at least min" })
    .optional(),
  sexes: z
    .array(z.enum(SEXES, { error: `must be one of ${SEXES.join(", ")}` }))
    .min(1, "must list at least one value")
    .optional(),
  locations: filterList(200).optional(),
  occupations: filterList(200).optional(),
  traits: filterList(100).optional(),
  tags: filterList(100).optional(),
});

export type CohortFilter = z.infer<typeof cohortFilterSchema>;

export interface CohortFilterPersona {
  age: number | null;
  sex: string | null;
  location: string | null;
  occupation: string | null;
  tags: readonly string[];
}

function foldCase(text: string): string {
  return text.normalize("NFC").toLowerCase();
}

/**
 * Whether a persona matches a filter: inclusive age bounds (a persona without an age never matches a
 * bound), location/occupation containing any listed value, any listed sex, all listed traits among its
 * tags, any listed tag. Text comparisons ignore case; an absent or empty list does not restrict.
 *
 * @example matchesCohortFilter({ occupations: ["nurse"] }, { age: 41, sex: "female", location: "Porto", occupation: "Senior Nurse", tags: [] }) // true
 */
export function matchesCohortFilter(filter: CohortFilter, persona: CohortFilterPersona): boolean {
  if (filter.age && (filter.age.min !== undefined || filter.age.max !== undefined)) {
    if (persona.age === null) return false;
    if (filter.age.min !== undefined && persona.age < filter.age.min) return false;
    if (filter.age.max !== undefined && persona.age > filter.age.max) return false;
  }
  const containsAny = (field: string | null, values: readonly string[] | undefined) =>
    !values?.length ||
    (field !== null && values.some((value) => foldCase(field).includes(foldCase(value.trim()))));
  if (!containsAny(persona.location, filter.locations)) return false;
  if (!containsAny(persona.occupation, filter.occupations)) return false;
  if (filter.sexes?.length) {
    const sex = persona.sex;
    if (sex === null || !filter.sexes.some((wanted) => wanted === foldCase(sex))) return false;
  }
  const tags = new Set(persona.tags.map((tag) => foldCase(tag.trim())));
  if (filter.traits?.length && !filter.traits.every((trait) => tags.has(foldCase(trait.trim()))))
    return false;
  if (filter.tags?.length && !filter.tags.some((tag) => tags.has(foldCase(tag.trim())))) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Generating seeds

export interface CohortMemberSeed {
  name: string;
  age: number;
  sex: Sex | null;
  location: string;
  occupation: string;
  traits: string[];
  /** Pass to persona generation as its seed. */
  seed: string;
}

/** First names by sex; persona names are a first name and a surname from these short, varied lists. */
// prettier-ignore
const FEMALE_FIRST_NAMES = [
  "Ana", "Maria", "Sofia", "Inês", "Beatriz", "Emma", "Olivia", "Charlotte", "Amelia", "Léa", "Chloé",
  "Hannah", "Lena", "Giulia", "Chiara", "Lucía", "Carmen", "Aisha", "Fatima", "Amara", "Zainab", "Priya",
  "Ananya", "Mei", "Yuki", "Hana", "Seo-yeon", "Olga", "Katarzyna", "Ingrid", "Freya", "Niamh", "Sarah",
  "Grace", "Isabel", "Rosa", "Camila", "Valentina", "Leila", "Nadia",
];
// prettier-ignore
const MALE_FIRST_NAMES = [
  "João", "Pedro", "Tomás", "Miguel", "Rui", "James", "Oliver", "George", "Noah", "Lucas", "Louis",
  "Hugo", "Jonas", "Felix", "Matteo", "Luca", "Mateo", "Diego", "Javier", "Omar", "Yusuf", "Kofi",
  "Kwame", "Arjun", "Rohan", "Wei", "Hiroshi", "Kenji", "Min-jun", "Ivan", "Piotr", "Lars", "Erik",
  "Liam", "Daniel", "Samuel", "Rafael", "Gabriel", "Karim", "Tariq",
];
// prettier-ignore
const NEUTRAL_FIRST_NAMES = [
  "Alex", "Sam", "Robin", "Charlie", "Jordan", "Kim", "Noa", "Sasha", "Ariel", "Quinn", "Eden", "River",
];
// prettier-ignore
const SURNAMES = [
  "Silva", "Santos", "Ferreira", "Costa", "Oliveira", "Pereira", "Almeida", "Sousa", "Smith", "Jones",
  "Taylor", "Brown", "Wilson", "Evans", "Murphy", "Kelly", "Martin", "Bernard", "Dubois", "Moreau",
  "Müller", "Schmidt", "Schneider", "Fischer", "Rossi", "Russo", "Bianchi", "García", "Fernández",
  "López", "Martínez", "Nowak", "Kowalski", "Novak", "Ivanova", "Jensen", "Hansen", "Larsen", "Nielsen",
  "Andersson", "de Vries", "Janssen", "Khan", "Ahmed", "Hassan", "Okafor", "Mensah", "Diallo", "Patel",
  "Sharma", "Singh", "Chen", "Wang", "Li", "Nguyen", "Tanaka", "Suzuki", "Kim", "Park", "Cohen",
];

function firstNamesFor(sex: Sex | null): readonly string[] {
  if (sex === "female") return FEMALE_FIRST_NAMES;
  if (sex === "male") return MALE_FIRST_NAMES;
  if (sex === "other") return NEUTRAL_FIRST_NAMES;
  return [...FEMALE_FIRST_NAMES, ...MALE_FIRST_NAMES, ...NEUTRAL_FIRST_NAMES];
}

/** [value, weight] pairs of a categorical field; a list means equal weights. */
export function categoricalEntries(field: Categorical): [string, number][] {
  return Array.isArray(field) ? field.map((value) => [value, 1]) : Object.entries(field);
}

function pickWeighted(random: RandomSource, entries: readonly [string, number][]): string {
  const total = entries.reduce((sum, [, entryWeight]) => sum + entryWeight, 0);
  let remaining = random.next() * total;
  for (const [value, entryWeight] of entries) {
    remaining -= entryWeight;
    if (remaining < 0) return value;
  }
  // Only reached through rounding at the very top of the range.
  return (entries.at(-1) as [string, number])[0];
}

/** `count` distinct values, each draw weighted among those not yet drawn. */
function pickWeightedDistinct(
  random: RandomSource,
  entries: readonly [string, number][],
  count: number,
): string[] {
  const remaining = [...entries];
  const picked: string[] = [];
  while (picked.length < count && remaining.length > 0) {
    const value = pickWeighted(random, remaining);
    picked.push(value);
    remaining.splice(
      remaining.findIndex(([candidate]) => candidate === value),
      1,
    );
  }
  return picked;
}

function drawAge(random: RandomSource, age: CohortGenerator["age"]): number {
  if (age.type === "uniform") return random.integer(age.min, age.max);
  // Box–Muller; 1 − next() lies in (0, 1], so the logarithm is finite.
  const radius = Math.sqrt(-2 * Math.log(1 - random.next()));
  const normal = radius * Math.cos(2 * Math.PI * random.next());
  return Math.min(age.max, Math.max(age.min, Math.round(age.mean + age.sd * normal)));
}

/**
 * Draws seeds for cohort members `offset` … `offset + count − 1`. Member i depends only on the
 * generator, the seed and i, so a resumed generation draws member 700 without drawing 0–699. Give each
 * generator cohort its own seed (e.g. `${populationSeed}:${cohortId}`), or two cohorts with the same recipe
 * would draw the same people.
 *
 * @example drawCohortSeeds(generator, { count: 5, seed: "42:coh_1" })[0]
 * // { name: "Inês Costa", age: 27, sex: "female", location: "Lisbon, Portugal", occupation: "nurse", traits: [...], seed: "42:coh_1:0" }
 */
export function drawCohortSeeds(
  generator: CohortGenerator,
  options: { count: number; seed: string | number; offset?: number },
): CohortMemberSeed[] {
  const { count, seed, offset = 0 } = options;
  if (!Number.isSafeInteger(count) || count < 0)
    throw new RangeError(`count must be a whole number ≥ 0, got ${count}`);
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new RangeError(`offset must be a whole number ≥ 0, got ${offset}`);
  }
  const sexes = generator.sex && (categoricalEntries(generator.sex) as [Sex, number][]);
  const locations = categoricalEntries(generator.location);
  const occupations = categoricalEntries(generator.occupation);
  const traitValues = generator.traits && categoricalEntries(generator.traits.values);
  return Array.from({ length: count }, (_, position) => {
    const index = offset + position;
    const random = createRandom(hashSeed(JSON.stringify(["cohort-member", String(seed), index])));
    const sex = sexes ? (pickWeighted(random, sexes) as Sex) : null;
    const age = drawAge(random, generator.age);
    const location = pickWeighted(random, locations);
    const occupation = pickWeighted(random, occupations);
    const traits =
      traitValues && generator.traits
        ? pickWeightedDistinct(random, traitValues, generator.traits.per_persona)
        : random.shuffle(TRAITS).slice(0, random.integer(3, 4));
    const name = `${random.pick(firstNamesFor(sex))} ${random.pick(SURNAMES)}`;
    return { name, age, sex, location, occupation, traits, seed: `${seed}:${index}` };
  });
}

// ---------------------------------------------------------------------------------------------------
// Sampling and allocation

/**
 * `count` items drawn without replacement, in draw order: a seeded partial Fisher–Yates shuffle of a
 * copy. The same items (in the same order), count and seed give the same sample.
 *
 * @example sampleWithoutReplacement(["a", "b", "c", "d"], 2, 42) // two of them, the same two every time
 */
export function sampleWithoutReplacement<T>(items: readonly T[], count: number, seed: string | number): T[] {
  if (!Number.isSafeInteger(count) || count < 0)
    throw new RangeError(`count must be a whole number ≥ 0, got ${count}`);
  if (count > items.length) {
    throw new RangeError(`cannot draw ${count} items without replacement from ${items.length}`);
  }
  const random = createRandom(hashSeed(JSON.stringify(["sample", String(seed)])));
  const copy = [...items];
  for (let index = 0; index < count; index++) {
    const other = random.integer(index, copy.length - 1);
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy.slice(0, count);
}

/**
 * Splits `size` over `weights` (normalised) by the largest-remainder method: everyone gets the whole
 * part of their quota, then the leftover units go to the largest fractional parts, earlier index first
 * on a tie. The result sums to `size`.
 *
 * @example allocateBySize([1, 1, 1], 10) // [4, 3, 3]
 */
export function allocateBySize(weights: readonly number[], size: number): number[] {
  if (!Number.isSafeInteger(size) || size < 0)
    throw new RangeError(`size must be a whole number ≥ 0, got ${size}`);
  weights.forEach((value, index) => {
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`weights[${index}] must be a finite number ≥ 0, got ${value}`);
    }
  });
  const total = weights.reduce((sum, value) => sum + value, 0);
  if (!(total > 0)) throw new RangeError("weights must have a positive sum");
  const quotas = weights.map((value) => {
    const quota = (value * size) / total;
    // Snap rounding noise (6.999999999 for 7) so exact quotas are not split by float error.
    return Math.abs(quota - Math.round(quota)) < 1e-9 ? Math.round(quota) : quota;
  });
  const allocation = quotas.map((quota) => Math.floor(quota));
  const leftover = size - allocation.reduce((sum, value) => sum + value, 0);
  const order = quotas
    // Remainders rounded to 1e-9 so quotas that are equal on paper tie exactly and go by index.
    .map((quota, index) => ({ index, remainder: Math.round((quota - Math.floor(quota)) * 1e9) / 1e9 }))
    .sort((left, right) => right.remainder - left.remainder || left.index - right.index);
  for (let rank = 0; rank < leftover; rank++) {
    const target = order[rank % order.length] as { index: number };
    allocation[target.index] = (allocation[target.index] as number) + 1;
  }
  return allocation;
}
