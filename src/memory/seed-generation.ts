import type { PersonaDefinition } from "../domain/persona-definition.ts";
import { createRandom, hashSeed, type RandomSource } from "./seeded-random.ts";
import {
  fillPlaceholders,
  generateTimeline,
  type GeneratedMemoryDraft,
  type Placeholders,
} from "./seed-timeline.ts";
import {
  BUILDS,
  COMMUNICATION_STYLES,
  EYES,
  FRIEND_NAMES,
  HAIR,
  HOBBIES,
  HOMETOWNS,
  SIBLINGS,
  TRAITS,
  findOccupationProfile,
  withArticle,
  type CommunicationStyle,
  type OccupationProfile,
} from "./seed-tables.ts";

export { linkTimelineDrafts, type GeneratedMemoryDraft } from "./seed-timeline.ts";

/**
 * Generates a persona from a seed (name, age, location, occupation), as person.run does: a definition
 * (identity and summary, personality, communication style and examples, domain knowledge in the
 * system message, tags, appearance) and an initial timeline of typed memories. Pure and deterministic:
 * the same input and seed give the same persona; another seed gives another life.
 */

export interface PersonaSeed {
  name: string;
  /** Whole years, 5-120: a timeline needs some life to draw from. */
  age: number;
  location: string;
  occupation: string;
  /** Varies the persona; the same seed with the same fields gives the same persona. */
  seed?: string | number;
  sex?: PersonaDefinition["identity"]["sex"];
  /** Used as given instead of drawn at random. */
  traits?: string[];
  /** "Now" for the generated life: the age and every event time count back from it. */
  referenceDate: Date;
}

export type GeneratedDefinition = Pick<
  PersonaDefinition,
  "name" | "identity" | "personality" | "system_message" | "communication_examples" | "tags" | "appearance"
>;

export interface GeneratedPersona {
  definition: GeneratedDefinition;
  timeline: GeneratedMemoryDraft[];
}

function capitalize(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

function joinList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/** "a 34-year-old", "an 18-year-old", "an 8-year-old": the article follows how the number is said. */
function describeAge(age: number): string {
  const spokenWithVowel = age === 11 || age === 18 || String(age).startsWith("8");
  return `${spokenWithVowel ? "an" : "a"} ${age}-year-old`;
}

function validateSeed(seed: PersonaSeed): void {
  if (!Number.isInteger(seed.age) || seed.age < 5 || seed.age > 120) {
    throw new RangeError("age must be a whole number of years between 5 and 120");
  }
  if (seed.name.trim() === "") throw new RangeError("name must not be empty");
  if (Number.isNaN(seed.referenceDate.getTime())) throw new RangeError("referenceDate must be a valid date");
}

interface DefinitionInput {
  seed: PersonaSeed;
  random: RandomSource;
  profile: OccupationProfile;
  traits: string[];
  style: CommunicationStyle;
  hometown: string;
}

/** "living in Porto, who grew up in a fishing village" or, when they are the same, "born and raised in Porto". */
function describeHome(location: string, hometown: string): string {
  return location === hometown
    ? `born and raised in ${location}`
    : `living in ${location}, who grew up in ${hometown}`;
}

function describeAppearance(input: DefinitionInput): string {
  const { seed, random, profile } = input;
  const adult = seed.age >= 18;
  const nouns: Record<string, string> = { female: adult ? "woman" : "girl", male: adult ? "man" : "boy" };
  const noun = nouns[seed.sex ?? "other"] ?? "person";
  const hair = random.pick(HAIR);
  const shade = seed.age >= 70 ? "white" : seed.age >= 55 && random.chance(0.7) ? `greying ${hair}` : hair;
  return (
    `${capitalize(describeAge(seed.age))} ${noun} with ${shade} hair, ${random.pick(EYES)} eyes and ` +
    `${random.pick(BUILDS)}, usually dressed in ${profile.attire}.`
  );
}

function buildDefinition(input: DefinitionInput): GeneratedDefinition {
  const { seed, random, profile, traits, style, hometown } = input;
  const name = seed.name.trim();
  const occupation = seed.occupation.trim();
  const knowledge = joinList(profile.knowledge);
  const replies: Placeholders = {
    occupation,
    a_occupation: withArticle(occupation),
    knowledge: random.pick(profile.knowledge),
  };
  return {
    name,
    identity: {
      age: seed.age,
      sex: seed.sex ?? null,
      location: seed.location,
      occupation,
      summary:
        `${name} is ${describeAge(seed.age)} ${occupation} ${describeHome(seed.location, hometown)}. ` +
        `${name} is ${joinList(traits)}, and talks with ${style.manner}. ` +
        `Knows ${knowledge} from ${profile.training} and experience.`,
    },
    personality: `${capitalize(joinList(traits))}; talks with ${style.manner}.`,
    system_message:
      `You are ${name}, ${describeAge(seed.age)} ${occupation} ${describeHome(seed.location, hometown)}. ` +
      `You are ${joinList(traits)}, and you talk with ${style.manner}.\n` +
      `Domain knowledge: as ${withArticle(occupation)} you know ${knowledge}, from ${profile.training} and ` +
      `experience. Speak about these with concrete, practical detail, and be honest about what lies outside them.\n` +
      `Stay in character: answer from your own life and memories, in your own voice.`,
    communication_examples: [
      `User: How was your day?\n${name}: ${style.dayReply}`,
      `User: What do you do?\n${name}: ${capitalize(fillPlaceholders(style.workReply, replies))}`,
    ],
    tags: [
      ...new Set(["generated", occupation.toLowerCase(), ...traits.map((trait) => trait.toLowerCase())]),
    ].map((tag) => tag.slice(0, 100)),
    appearance: { description: describeAppearance(input), art_style: "realistic", avatar_url: null },
  };
}

/**
 * Generates a persona definition and an initial timeline from a seed. The timeline has 8-15 memories
 * (fewer only for the youngest) from childhood to shortly before `referenceDate`, with strictly
 * increasing event times, sequence 1..n, at least one pride and one shame memory, sometimes repressed
 * and exaggerated ones, and sometimes a `revised` memory whose `revises` is the key of an earlier one.
 * Older memories are generally fainter. It passes `checkTimelineConsistency` once linked.
 *
 * @example
 * const { definition, timeline } = generatePersonaFromSeed({
 *   name: "Ana", age: 34, location: "Porto", occupation: "nurse", seed: 7,
 *   referenceDate: new Date("2025-01-01T00:00:00Z"),
 * });
 * // timeline[0].facts: "At 6, you learned to ride a bike on the street outside …"
 */
export function generatePersonaFromSeed(seed: PersonaSeed): GeneratedPersona {
  validateSeed(seed);
  const fingerprint = [
    seed.name,
    seed.age,
    seed.location,
    seed.occupation,
    seed.sex ?? null,
    seed.traits ?? null,
    seed.seed ?? null,
  ];
  const random = createRandom(hashSeed(JSON.stringify(fingerprint)));
  const profile = findOccupationProfile(seed.occupation);
  const traits = seed.traits?.length
    ? [...seed.traits]
    : random.shuffle(TRAITS).slice(0, random.integer(3, 4));
  const style = random.pick(COMMUNICATION_STYLES);
  const hometown = random.chance(0.4)
    ? seed.location
    : fillPlaceholders(random.pick(HOMETOWNS), { location: seed.location });
  const placeholders: Placeholders = {
    hometown,
    location: seed.location,
    friend: random.pick(FRIEND_NAMES),
    sibling: random.pick(SIBLINGS),
    hobby: random.pick(HOBBIES),
    training: profile.training,
  };
  const timeline = generateTimeline({
    random,
    age: seed.age,
    referenceDate: seed.referenceDate,
    profile,
    placeholders,
  });
  const definition = buildDefinition({ seed, random, profile, traits, style, hometown });
  return { definition, timeline };
}
