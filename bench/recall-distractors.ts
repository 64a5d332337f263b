/**
 * The rest of a simulated user's memory: small talk from a long conversation (weather, meals, moods,
 * errands), and near misses: the same kinds of facts as the evidence, but about other people or in
 * passing (a colleague's dog, a friend's city, a dish tried once), which share words with the questions
 * without answering them.
 */
import { FEELINGS, FOODS, OBJECTS, PEOPLE, PLACES, TIMES, TOPICS, withArticle } from "./memory-vocabulary.ts";
import { MONTHS } from "./recall-events.ts";
import { PROFILE_VALUES } from "./recall-profiles.ts";
import { pickOne, pickSkewed, randomInteger, type Random } from "./random-choice.ts";

export interface DistractorMemory {
  facts: string;
  feelings: string;
  emotionTags: string[];
  nearMiss: boolean;
}

type Template = (random: Random) => string;

const WEATHER = ["grey and drizzly", "unexpectedly sunny", "freezing", "windy", "muggy", "foggy"];
const SHOWS = [
  "a detective series",
  "a baking competition",
  "a nature documentary",
  "an old western",
  "a sitcom",
];
const OPINIONS = ["silly", "rushed", "perfect", "confusing", "sad", "predictable"];
const ROOMS = ["kitchen", "hallway", "bedroom", "bathroom", "living room"];
const ERRANDS = ["the post office", "the dry cleaner", "the bank", "the hardware shop", "the supermarket"];
const INSTRUMENTS = ["cello", "piano", "drums", "violin", "saxophone", "ukulele"];

const SMALL_TALK: readonly Template[] = [
  (random) =>
    `The user said the weather was ${pickOne(WEATHER, random)} ${pickSkewed(TIMES, random)} and they stayed in.`,
  (random) =>
    `The user had ${pickSkewed(FOODS, random)} for lunch ${pickSkewed(TIMES, random)}; it was fine but nothing special.`,
  () => "The user is tired after a long week and wants an early night.",
  (random) =>
    `The user watched ${pickOne(SHOWS, random)} and thought the ending was ${pickOne(OPINIONS, random)}.`,
  (random) => `The user's commute took ${randomInteger(20, 90, random)} minutes because of roadworks.`,
  (random) => `The user is thinking about repainting the ${pickOne(ROOMS, random)} a lighter colour.`,
  (random) => `The user laughed at a story about ${pickSkewed(TOPICS, random)}.`,
  (random) =>
    `The user bumped into ${pickSkewed(PEOPLE, random)} at ${pickSkewed(PLACES, random)} ${pickSkewed(TIMES, random)}.`,
  (random) => `The user forgot their ${pickSkewed(OBJECTS, random)} at ${pickSkewed(PLACES, random)}.`,
  (random) => `The user felt ${pickSkewed(FEELINGS, random)} about ${pickSkewed(TOPICS, random)}.`,
  (random) => `The user spent the afternoon running errands at ${pickOne(ERRANDS, random)}.`,
  () => "The user could not sleep and was up reading until three in the morning.",
  (random) => `The user is saving up for a new ${pickSkewed(OBJECTS, random)}.`,
  () => "The user had a headache most of the day and skipped the gym.",
  (random) => `The user asked what I thought about ${pickSkewed(TOPICS, random)}.`,
  () => "The user's internet was down all evening, which made them grumpy.",
  (random) =>
    `The user tidied the ${pickOne(ROOMS, random)} and found an old ${pickSkewed(OBJECTS, random)}.`,
  () => "The user wished me good morning and said they overslept.",
];

const NEAR_MISSES: readonly Template[] = [
  (random) => {
    const pet = pickOne(PROFILE_VALUES.petKinds, random);
    return `The user's colleague ${pickSkewed(PEOPLE, random)} just adopted ${withArticle(pet.kind)} called ${pickOne(PROFILE_VALUES.petNames, random)}.`;
  },
  (random) =>
    `The user's friend ${pickSkewed(PEOPLE, random)} lives in ${pickOne(PROFILE_VALUES.cities, random)}.`,
  (random) => `The user read an article about house prices in ${pickOne(PROFILE_VALUES.cities, random)}.`,
  (random) => `The user's neighbour works as ${withArticle(pickOne(PROFILE_VALUES.jobs, random).title)}.`,
  (random) =>
    `The user tried ${pickOne(PROFILE_VALUES.dishes, random)} at a friend's place and thought it was only okay.`,
  (random) =>
    `The user's friend ${pickSkewed(PEOPLE, random)} is allergic to ${pickOne(PROFILE_VALUES.allergens, random)}.`,
  (random) => `The user's cousin is learning the ${pickOne(INSTRUMENTS, random)}.`,
  (random) => `The user heard ${pickOne(PROFILE_VALUES.music, random).name} on the radio in a shop.`,
  (random) =>
    `${pickSkewed(PEOPLE, random)}'s birthday is in ${pickOne(MONTHS, random)}; the user wants to get a present.`,
  (random) => `${pickSkewed(PEOPLE, random)}'s sister is visiting the user next week.`,
  (random) => `The user's boss drives ${withArticle(pickOne(PROFILE_VALUES.cars, random))}.`,
  (random) =>
    `The user helped ${pickSkewed(PEOPLE, random)} move house in ${pickOne(MONTHS, random)} ${randomInteger(2025, 2026, random)}.`,
  (random) => `The user might visit ${pickOne(PROFILE_VALUES.hometowns, random)} in the summer.`,
  (random) => `The user's brother-in-law is ${withArticle(pickOne(PROFILE_VALUES.siblingJobs, random))}.`,
  (random) =>
    `The user saw photos of ${pickOne(PROFILE_VALUES.destinations, random)} and wants to go one day.`,
  (random) =>
    `The user thinks ${pickOne(PROFILE_VALUES.dislikes, random)} are overrated but does not mind them.`,
  () => "The user's dog-sitting neighbour went on holiday, so the street is quiet.",
  () => "The user wondered whether to start running again.",
];

function writeDistractor(
  templates: readonly Template[],
  nearMiss: boolean,
  random: Random,
): DistractorMemory {
  const hasFeeling = random() < 0.3;
  const feeling = pickSkewed(FEELINGS, random);
  return {
    facts: pickOne(templates, random)(random),
    feelings: hasFeeling ? `Seemed ${feeling}.` : "",
    emotionTags: hasFeeling ? [feeling] : [],
    nearMiss,
  };
}

/** `smallTalk` small-talk memories and `nearMisses` near misses, in random order of kind. */
export function writeDistractors(options: {
  smallTalk: number;
  nearMisses: number;
  random: Random;
}): DistractorMemory[] {
  const { random } = options;
  return [
    ...Array.from({ length: options.smallTalk }, () => writeDistractor(SMALL_TALK, false, random)),
    ...Array.from({ length: options.nearMisses }, () => writeDistractor(NEAR_MISSES, true, random)),
  ];
}
