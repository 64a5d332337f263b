/**
 * The evidence of the recall dataset: how each fact about a simulated user is stated as a memory (several
 * phrasings, one picked per user), and how the user later asks about it (several phrasings, worded apart
 * from the memory: synonyms, paraphrase, first person against the memory's third person).
 */
import { withArticle } from "./memory-vocabulary.ts";
import { MONTHS, ordinal, writeEventMemory, writeEventQuestion } from "./recall-events.ts";
import type { UserProfile } from "./recall-profiles.ts";
import { pickOne, type Random } from "./random-choice.ts";

export type QuestionCategory =
  "personal fact" | "preference" | "dated event" | "two memories" | "updated fact";

export const QUESTION_CATEGORIES: readonly QuestionCategory[] = [
  "personal fact",
  "preference",
  "dated event",
  "two memories",
  "updated fact",
];

/** When in the conversation history a memory was told. */
export type Told = "any time" | "early" | "late" | { after: Date };

/** A memory of the evidence, before it gets a strength and times. */
export interface FactMemory {
  /** Names the memory within its user: questions point at their evidence by slot. */
  slot: string;
  facts: string;
  feelings: string;
  emotionTags: string[];
  eventTime: Date | null;
  told: Told;
  /** The fact was true once and is no longer: the memory a later one replaced. */
  stale: boolean;
}

export interface FactQuestion {
  category: QuestionCategory;
  question: string;
  evidenceSlots: string[];
}

type Phrasing = (profile: UserProfile) => string;

/** Ways each single fact is stated in a memory. */
const STATEMENTS: Record<string, readonly Phrasing[]> = {
  name: [
    (user) => `The user's name is ${user.name}.`,
    (user) => `The user introduced themself as ${user.name}.`,
    (user) => `The user asked to be called ${user.name}.`,
  ],
  pet: [
    (user) => `The user has ${withArticle(user.pet.kind)} named ${user.pet.name}.`,
    (user) => `${user.pet.name} is the user's ${user.pet.kind}, adopted from a rescue centre.`,
    (user) => `The user's ${user.pet.kind} ${user.pet.name} knocked a vase off the shelf again.`,
  ],
  partner: [
    (user) => `The user's ${user.partner.relation} is called ${user.partner.name}.`,
    (user) => `The user lives with ${user.partner.name}, their ${user.partner.relation}.`,
    (user) => `The user and ${user.partner.name} have been together for ${user.partner.years} years.`,
  ],
  hometown: [
    (user) => `The user grew up in ${user.hometown}.`,
    (user) => `The user was born and raised in ${user.hometown}.`,
    (user) => `The user spent their childhood in ${user.hometown}, by the sea.`,
  ],
  birthday: [
    (user) => `The user's birthday is on ${user.birthday.day} ${MONTHS[user.birthday.month]}.`,
    (user) => `The user was born on ${MONTHS[user.birthday.month]} ${user.birthday.day}.`,
    (user) =>
      `The user celebrates every year on the ${ordinal(user.birthday.day)} of ${MONTHS[user.birthday.month]}.`,
  ],
  allergy: [
    (user) => `The user is allergic to ${user.allergen}.`,
    (user) => `The user has a serious ${user.allergen} allergy.`,
    (user) => `The user must avoid ${user.allergen}; even a trace makes them ill.`,
  ],
  car: [
    (user) => `The user drives ${withArticle(user.car)}.`,
    (user) => `The user bought ${withArticle(user.car)} last year.`,
    (user) => `The user's car is ${withArticle(user.car)}.`,
  ],
  dish: [
    (user) => `The user loves ${user.dish}.`,
    (user) => `The user's favourite meal is ${user.dish}.`,
    (user) => `The user says nothing beats ${user.dish} on a Friday night.`,
    (user) => `The user could eat ${user.dish} every single day.`,
  ],
  dislike: [
    (user) => `The user can't stand ${user.dislike}.`,
    (user) => `The user hates ${user.dislike}.`,
    (user) => `The user finds ${user.dislike} unbearable.`,
  ],
  hobby: [
    (user) => `The user ${user.hobby.statements[0]}.`,
    (user) => `The user ${user.hobby.statements[1] ?? user.hobby.statements[0]}.`,
  ],
  music: [
    (user) => `The user's favourite ${user.music.kind} is ${user.music.name}.`,
    (user) => `The user listens to ${user.music.name} on repeat.`,
    (user) => `The user has seen ${user.music.name} live three times.`,
  ],
  sibling: [
    (user) => `The user has ${withArticle(user.sibling.relation)} called ${user.sibling.name}.`,
    (user) => `The user's younger ${user.sibling.relation} is ${user.sibling.name}.`,
    (user) => `${user.sibling.name} is the user's ${user.sibling.relation}; they talk every Sunday.`,
  ],
  // The second memory of a two-memory question names the sibling, never the relation.
  "sibling city": [
    (user) => `${user.sibling.name} lives in ${user.sibling.city} now.`,
    (user) => `${user.sibling.name} moved to ${user.sibling.city} last year for work.`,
    (user) => `${user.sibling.name} has a flat in ${user.sibling.city} near the old harbour.`,
  ],
  "sibling job": [
    (user) => `${user.sibling.name} works as ${withArticle(user.sibling.job)}.`,
    (user) => `${user.sibling.name} just qualified as ${withArticle(user.sibling.job)}.`,
    (user) => `${user.sibling.name} has been ${withArticle(user.sibling.job)} for ten years.`,
  ],
  "old job": [
    (user) => `The user works as ${withArticle(user.oldJob.title)} at ${user.oldJob.place}.`,
    (user) =>
      `The user is ${withArticle(user.oldJob.title)}; they have been at ${user.oldJob.place} for years.`,
  ],
  job: [
    (user) =>
      `The user left ${user.oldJob.place} and now works as ${withArticle(user.job.title)} at ${user.job.place}.`,
    (user) => `The user started a new job as ${withArticle(user.job.title)} at ${user.job.place}.`,
    (user) => `The user changed careers and is now ${withArticle(user.job.title)}.`,
  ],
  "old home": [
    (user) => `The user lives in ${user.oldHome}.`,
    (user) => `The user rents a small flat in ${user.oldHome}.`,
  ],
  home: [
    (user) => `The user moved from ${user.oldHome} to ${user.home}.`,
    (user) => `The user now lives in ${user.home} after the move.`,
    (user) => `The user has settled into a new flat in ${user.home}.`,
  ],
};

/** Ways the user asks about each fact. */
const QUESTIONS: Record<string, readonly Phrasing[]> = {
  name: [() => "What is my name?", () => "What am I called?", () => "How should you address me?"],
  pet: [
    (user) => `What is my ${user.pet.species} called?`,
    () => "What's my pet's name?",
    () => "What animal do I have at home?",
    (user) => `Do you remember the name of my ${user.pet.species}?`,
  ],
  partner: [
    (user) => `Who is my ${partnerSynonym(user.partner.relation)}?`,
    (user) => `What's my ${partnerSynonym(user.partner.relation)}'s name?`,
    () => "Who am I in a relationship with?",
    () => "Who do I share my home with?",
  ],
  hometown: [
    () => "Where am I from originally?",
    () => "Where did I grow up?",
    () => "What's my hometown?",
    () => "Where was I a kid?",
  ],
  birthday: [
    () => "When is my birthday?",
    () => "What day was I born?",
    () => "When do I turn a year older?",
  ],
  allergy: [
    () => "What am I allergic to?",
    () => "Is there any food I can't eat?",
    () => "What should a restaurant know about my diet?",
  ],
  car: [
    () => "What car do I drive?",
    () => "What kind of vehicle do I own?",
    () => "What do I get around in?",
  ],
  dish: [
    () => "What's my favourite food?",
    () => "What dish do I like best?",
    () => "What should you cook for me as a treat?",
    () => "Which meal makes me happiest?",
  ],
  dislike: [
    () => "What do I hate?",
    () => "Is there something I really dislike?",
    () => "What should you never suggest to me?",
    () => "What gets on my nerves?",
  ],
  hobby: [
    () => "What do I do in my free time?",
    () => "What's my hobby?",
    () => "How do I spend my weekends?",
    () => "What am I passionate about outside work?",
  ],
  music: [
    () => "What music am I into?",
    (user) => `Which ${user.music.kind} do I like most?`,
    () => "Who do I listen to the most?",
  ],
  "sibling city": [
    (user) => `Where does my ${user.sibling.relation} live?`,
    (user) => `Which city is my ${user.sibling.relation} based in?`,
    (user) => `Where could I go to visit my ${user.sibling.relation}?`,
  ],
  "sibling job": [
    (user) => `What does my ${user.sibling.relation} do for a living?`,
    (user) => `What is my ${user.sibling.relation}'s job?`,
    (user) => `What's my ${user.sibling.relation}'s line of work?`,
  ],
  job: [
    () => "Where do I work now?",
    () => "What's my current job?",
    () => "What do I do for a living these days?",
    () => "Who employs me at the moment?",
  ],
  home: [
    () => "Where do I live now?",
    () => "Which city is home for me these days?",
    () => "Where did I move to?",
    () => "What city am I based in at the moment?",
  ],
};

function partnerSynonym(relation: string): string {
  const synonyms: Record<string, string> = {
    wife: "spouse",
    husband: "spouse",
    partner: "other half",
    girlfriend: "other half",
    boyfriend: "other half",
    fiancee: "future spouse",
  };
  return synonyms[relation] ?? "other half";
}

function toldFor(slot: string): Told {
  if (slot === "old job" || slot === "old home") return "early";
  if (slot === "job" || slot === "home") return "late";
  return "any time";
}

/** Every evidence memory of a user: single facts, the sibling's three, old and new job and home, events. */
export function writeEvidenceMemories(user: UserProfile, random: Random): FactMemory[] {
  const facts = Object.entries(STATEMENTS).map(([slot, phrasings]) => ({
    slot,
    facts: pickOne(phrasings, random)(user),
    feelings: "",
    emotionTags: [],
    eventTime: null,
    told: toldFor(slot),
    stale: slot === "old job" || slot === "old home",
  }));
  const events = user.events.map((event, index) => writeEventMemory(event, index, random));
  return [...facts, ...events];
}

const CATEGORY_SLOTS: Record<Exclude<QuestionCategory, "dated event">, readonly string[]> = {
  "personal fact": ["name", "pet", "partner", "hometown", "birthday", "allergy", "car"],
  preference: ["dish", "dislike", "hobby", "music"],
  "two memories": ["sibling city", "sibling job"],
  "updated fact": ["job", "home"],
};

/** One question of a category about a user, with the slots of the memories that answer it. */
export function writeQuestion(user: UserProfile, category: QuestionCategory, random: Random): FactQuestion {
  if (category === "dated event") return writeEventQuestion(user, random);
  const slot = pickOne(CATEGORY_SLOTS[category], random);
  const question = pickOne(QUESTIONS[slot] as readonly Phrasing[], random)(user);
  const evidenceSlots = category === "two memories" ? ["sibling", slot] : [slot];
  return { category, question, evidenceSlots };
}
