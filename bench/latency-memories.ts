/**
 * Memories and queries for the search-latency benchmark: varied, realistic texts of 15 to 40 words, built
 * deterministically from memory-vocabulary.ts, about a persona's own life (timeline) and about one user
 * (relationship), with varied strengths, event times, creation and reinforcement times.
 */
import type { MemoryDraft, MemoryType } from "../src/memory/memory.ts";
import type { BenchMemory } from "./memory-rows.ts";
import {
  ACTIVITIES,
  FEELINGS,
  FOODS,
  OBJECTS,
  PEOPLE,
  PLACES,
  RELATIONS,
  TIMES,
  TOPICS,
  UNSEEN_WORDS,
} from "./memory-vocabulary.ts";
import { pickOne, pickSkewed, randomInteger, type Random } from "./random-choice.ts";

const MINIMUM_WORDS = 15;
const MAXIMUM_WORDS = 40;
/** Share of memories about the user; the rest are the persona's own timeline. */
const RELATIONSHIP_SHARE = 0.7;
/** How far back memories reach: three years of conversations. */
const HISTORY_DAYS = 3 * 365;
const MILLISECONDS_PER_DAY = 86_400_000;
const UNUSUAL_TYPES: readonly MemoryType[] = ["pride", "shame", "exaggerated", "repressed"];

type Subject = "user" | "persona";

/** Opening clauses: who did what, where, with whom. */
const OPENINGS: readonly ((subject: Subject, random: Random) => string)[] = [
  (subject, random) =>
    `${subjectPhrase(subject)} ${subject === "user" ? "was" : "were"} ${pickSkewed(ACTIVITIES, random)} at ` +
    `${pickSkewed(PLACES, random)} ${pickSkewed(TIMES, random)} with ${possessive(subject)} ` +
    `${pickSkewed(RELATIONS, random)} ${pickSkewed(PEOPLE, random)}`,
  (subject, random) =>
    `${pickSkewed(PEOPLE, random)}, ${possessive(subject)} ${pickSkewed(RELATIONS, random)}, gave ` +
    `${objectPronoun(subject)} an old ${pickSkewed(OBJECTS, random)} ${pickSkewed(TIMES, random)}`,
  (subject, random) =>
    `${subjectPhrase(subject)} had ${pickSkewed(FOODS, random)} at ${pickSkewed(PLACES, random)} ` +
    `${pickSkewed(TIMES, random)} and talked about ${pickSkewed(TOPICS, random)}`,
  (subject, random) =>
    `${subjectPhrase(subject)} ${subject === "user" ? "is" : "are"} worried about ${pickSkewed(TOPICS, random)} ` +
    `since ${pickSkewed(PEOPLE, random)} mentioned it ${pickSkewed(TIMES, random)}`,
  (subject, random) =>
    `${subjectPhrase(subject)} ${subject === "user" ? "wants" : "want"} to try ${pickSkewed(ACTIVITIES, random)} ` +
    `near ${pickSkewed(PLACES, random)} with ${pickSkewed(PEOPLE, random)}`,
  (subject, random) =>
    `${subjectPhrase(subject)} lost ${possessive(subject)} ${pickSkewed(OBJECTS, random)} on the way to ` +
    `${pickSkewed(PLACES, random)} ${pickSkewed(TIMES, random)}`,
];

/** Details appended until the memory is long enough. */
const DETAILS: readonly ((random: Random) => string)[] = [
  (random) => `${pickSkewed(PEOPLE, random)} laughed about the ${pickSkewed(OBJECTS, random)}`,
  () => "it rained the whole time",
  (random) => `it reminded them of ${pickSkewed(PLACES, random)}`,
  (random) => `they talked about ${pickSkewed(TOPICS, random)} for an hour`,
  (random) => `the ${pickSkewed(OBJECTS, random)} turned out to be broken`,
  (random) => `they want to go back to ${pickSkewed(PLACES, random)} ${pickSkewed(TIMES, random)}`,
  (random) => `afterwards there was ${pickSkewed(FOODS, random)} and a long walk home`,
  (random) => `${pickSkewed(PEOPLE, random)} promised to bring the ${pickSkewed(OBJECTS, random)} next time`,
  (random) => `everyone felt ${pickSkewed(FEELINGS, random)} by the end of it`,
  (random) => `the plan is to try ${pickSkewed(ACTIVITIES, random)} again soon`,
];

// The persona's own memories speak to it in the second person, as the app's seeded timelines do
// ("At 6, you learned to ride a bike..."); memories about the user speak of "the user".
function subjectPhrase(subject: Subject): string {
  return subject === "user" ? "The user" : "You";
}

function possessive(subject: Subject): string {
  return subject === "user" ? "their" : "your";
}

function objectPronoun(subject: Subject): string {
  return subject === "user" ? "them" : "you";
}

function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** Facts of 15 to 40 words: an opening clause, then details until a target length drawn per memory. */
function writeFacts(subject: Subject, random: Random): string {
  const target = randomInteger(MINIMUM_WORDS, MAXIMUM_WORDS, random);
  let facts = pickOne(OPENINGS, random)(subject, random);
  while (countWords(facts) < target) {
    const longer = `${facts}${pickOne([", and ", "; ", " because "], random)}${pickOne(DETAILS, random)(random)}`;
    // A detail that would overshoot is dropped once the memory is long enough.
    if (countWords(longer) > MAXIMUM_WORDS && countWords(facts) >= MINIMUM_WORDS) break;
    facts = longer;
  }
  return `${facts}.`;
}

function writeDraft(subject: Subject, createdAt: Date, random: Random): MemoryDraft {
  const feeling = pickSkewed(FEELINGS, random);
  const hasFeelings = random() < 0.5;
  const hasInterpretation = random() < 0.3;
  const dated = random() < 0.6;
  return {
    facts: writeFacts(subject, random),
    feelings: hasFeelings ? `Felt ${feeling} and a little ${pickSkewed(FEELINGS, random)}.` : "",
    emotion_tags: hasFeelings ? [feeling] : [],
    interpretation: hasInterpretation
      ? `${pickSkewed(PEOPLE, random)} matters more than ${subject === "user" ? "they let on" : "you admit"}.`
      : "",
    type: random() < 0.05 ? pickOne(UNUSUAL_TYPES, random) : "normal",
    strength: randomInteger(10, 95, random),
    event_time: dated
      ? new Date(createdAt.getTime() - random() * 30 * MILLISECONDS_PER_DAY).toISOString()
      : null,
    sequence: null,
    revises: null,
  };
}

/**
 * An endless, seeded stream of memories; the first n are the same on every run, so a persona grown from
 * 1,000 to 10,000 to 100,000 memories always holds the same ones. The recall dataset uses it, with no
 * relationship share, for the persona's own timeline.
 *
 * @example const next = createLatencyMemoryStream({ random, userId, now }); const memories = next(1000);
 */
export function createLatencyMemoryStream(options: {
  random: Random;
  userId: string | null;
  now: Date;
  /** Share of memories about the user (the rest are the persona's own timeline); 0.7 by default. */
  relationshipShare?: number;
}): (count: number) => BenchMemory[] {
  const { random, userId, now } = options;
  const relationshipShare = options.relationshipShare ?? RELATIONSHIP_SHARE;
  return (count) =>
    Array.from({ length: count }, () => {
      const createdAt = new Date(now.getTime() - random() * HISTORY_DAYS * MILLISECONDS_PER_DAY);
      // One in five was met again later, which restarts its recency.
      const updatedAt =
        random() < 0.2
          ? new Date(createdAt.getTime() + random() * (now.getTime() - createdAt.getTime()))
          : createdAt;
      const isRelationship = random() < relationshipShare;
      return {
        draft: writeDraft(isRelationship ? "user" : "persona", createdAt, random),
        owner: isRelationship ? "relationship" : "timeline",
        userId: isRelationship ? userId : null,
        createdAt,
        updatedAt,
      };
    });
}

/** Query shapes: everyday small talk (common words), and questions naming people, places and things. */
const QUERIES: readonly ((random: Random) => string)[] = [
  () => "how was your weekend",
  () => "what did we talk about yesterday",
  () => "tell me about your day",
  () => "do you remember what I said last week",
  (random) => `what did ${pickSkewed(PEOPLE, random)} say about the ${pickSkewed(OBJECTS, random)}`,
  (random) => `how is my ${pickSkewed(RELATIONS, random)} ${pickSkewed(PEOPLE, random)} doing`,
  (random) => `have we ever been to ${pickSkewed(PLACES, random)}`,
  (random) => `when did I last go ${pickSkewed(ACTIVITIES, random)}`,
  (random) => `do I like ${pickSkewed(FOODS, random)}`,
  (random) => `that time we had ${pickSkewed(FOODS, random)} at ${pickSkewed(PLACES, random)}`,
  (random) => `I feel ${pickSkewed(FEELINGS, random)} about ${pickSkewed(TOPICS, random)}`,
  (random) => `${pickSkewed(PEOPLE, random)} and the ${pickSkewed(OBJECTS, random)}`,
  // Rare words only: a name and an object from the tails of their lists.
  (random) => `${pickOne(PEOPLE.slice(-30), random)} ${pickOne(OBJECTS.slice(-15), random)} story`,
  (random) => `remember the ${pickOne(UNSEEN_WORDS, random)} and the ${pickOne(UNSEEN_WORDS, random)}`,
];

/**
 * Search queries of 3 to 8 words, varied: small talk whose words match a large share of memories, and
 * questions whose names or objects match a few (or none).
 */
export function createSearchQueries(options: { count: number; random: Random }): string[] {
  return Array.from({ length: options.count }, () => {
    for (;;) {
      const query = pickOne(QUERIES, options.random)(options.random);
      const words = countWords(query);
      if (words >= 3 && words <= 8) return query;
    }
  });
}
