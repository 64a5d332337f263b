/**
 * The dated events of the recall dataset: how a user's event is stated as a memory (with its date written
 * out in one of three styles) and asked about later, either by what happened ("When did I get my
 * licence?") or by when ("What did I do in March 2026?").
 */
import { withArticle } from "./memory-vocabulary.ts";
import type { FactMemory, FactQuestion } from "./recall-facts.ts";
import type { EventKind, EventProfile, UserProfile } from "./recall-profiles.ts";
import { pickOne, type Random } from "./random-choice.ts";

export const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

export function monthName(date: Date): string {
  return MONTHS[date.getUTCMonth()] as string;
}

export function ordinal(day: number): string {
  const suffix =
    day % 10 === 1 && day !== 11
      ? "st"
      : day % 10 === 2 && day !== 12
        ? "nd"
        : day % 10 === 3 && day !== 13
          ? "rd"
          : "th";
  return `${day}${suffix}`;
}

/** A date as people write it, in one of three styles. */
function writeDate(date: Date, random: Random): string {
  const day = date.getUTCDate();
  const year = date.getUTCFullYear();
  return pickOne(
    [
      `${day} ${monthName(date)} ${year}`,
      `${monthName(date)} ${day}, ${year}`,
      `the ${ordinal(day)} of ${monthName(date)} ${year}`,
    ],
    random,
  );
}

/** How a dated event is stated; `date` is already written out. */
const EVENT_STATEMENTS: Record<EventKind, readonly ((event: EventProfile, date: string) => string)[]> = {
  "half marathon": [
    (event, date) => `On ${date} the user ran the ${event.detail} half marathon in just under two hours.`,
    (event, date) =>
      `The user finished the ${event.detail} half marathon on ${date}, their first race over twenty kilometres.`,
  ],
  trip: [
    (event, date) => `The user flew to ${event.detail} on ${date} for a week of hiking.`,
    (event, date) => `On ${date} the user set off for ${event.detail} with a backpack and no plans.`,
  ],
  concert: [
    (event, date) => `On ${date} the user saw ${event.detail} play live at the arena.`,
    (event, date) =>
      `The user went to ${withArticle(event.detail)} concert on ${date} and lost their voice singing along.`,
  ],
  "driving test": [
    (_event, date) => `The user passed their driving test on ${date}, on the second attempt.`,
    (_event, date) => `On ${date} the user finally got their driving licence.`,
  ],
  surgery: [
    (event, date) => `The user had knee surgery at ${event.detail} on ${date}.`,
    (event, date) => `On ${date} the user had an operation on their knee at ${event.detail}.`,
  ],
  wedding: [
    (event, date) => `The user's cousin ${event.detail} got married on ${date}, and the user gave a speech.`,
    (event, date) => `On ${date} the user was at ${event.detail}'s wedding; ${event.detail} is their cousin.`,
  ],
  skydive: [
    (_event, date) => `The user did a tandem skydive for charity on ${date}.`,
    (_event, date) => `On ${date} the user jumped out of a plane at 4,000 metres for a charity.`,
  ],
  exhibition: [
    (event, date) => `The user's photographs were shown at a gallery in ${event.detail} on ${date}.`,
    (event, date) => `On ${date} the user opened their first photo exhibition in ${event.detail}.`,
  ],
};

/** "When" questions about each kind of event, never naming its date. */
const EVENT_QUESTIONS: Record<EventKind, readonly ((event: EventProfile) => string)[]> = {
  "half marathon": [() => "When did I do that long race?", () => "When was my first big running event?"],
  trip: [(event) => `When was I in ${event.detail}?`, () => "When did I go away on that walking holiday?"],
  concert: [() => "When did I go to that gig?", (event) => `When did I see ${event.detail}?`],
  "driving test": [() => "When did I get my licence?", () => "When was I allowed to drive on my own?"],
  surgery: [() => "When was my operation?", () => "When did I go into hospital?"],
  wedding: [() => "When was my cousin's wedding?", () => "When did I give that speech at the reception?"],
  skydive: [() => "When did I do the parachute jump?", () => "When did I jump out of a plane?"],
  exhibition: [() => "When was my exhibition?", () => "When did my pictures go on show?"],
};

/** Questions that name the month and ask what happened. */
const MONTH_QUESTIONS: readonly ((month: string, year: number) => string)[] = [
  (month, year) => `What did I do in ${month} ${year}?`,
  (month, year) => `What happened to me in ${month} ${year}?`,
  (month, year) => `Anything memorable from ${month} ${year}?`,
];

const EVENT_FEELINGS = [
  "Proud and exhausted.",
  "Nervous beforehand, elated afterwards.",
  "Still buzzing about it.",
];

/** The memory of a user's event number `index`, told within three days after it. */
export function writeEventMemory(event: EventProfile, index: number, random: Random): FactMemory {
  const feeling = random() < 0.5 ? pickOne(EVENT_FEELINGS, random) : "";
  return {
    slot: `event ${index}`,
    facts: pickOne(EVENT_STATEMENTS[event.kind], random)(event, writeDate(event.date, random)),
    feelings: feeling,
    emotionTags: feeling ? ["proud"] : [],
    eventTime: event.date,
    told: { after: event.date },
    stale: false,
  };
}

/** A question about one of the user's events, picked at random, by what happened or by its month. */
export function writeEventQuestion(user: UserProfile, random: Random): FactQuestion {
  const index = Math.floor(random() * user.events.length);
  const event = user.events[index] as EventProfile;
  const question =
    random() < 0.5
      ? pickOne(EVENT_QUESTIONS[event.kind], random)(event)
      : pickOne(MONTH_QUESTIONS, random)(monthName(event.date), event.date.getUTCFullYear());
  return { category: "dated event", question, evidenceSlots: [`event ${index}`] };
}
