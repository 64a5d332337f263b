import type { MemoryDraft } from "./memory.ts";
import { describeEventDate, findDatePhrase } from "./date-phrases.ts";

export { reconcileMemories } from "./memory-reconciliation.ts";
export type { ReconcileMemoriesOptions, Reconciliation } from "./memory-reconciliation.ts";

/**
 * Deterministic extraction of relationship memories from a user's message, for the offline engine
 * (no model): names, likes and dislikes, and dated events. It errs on the side of missing things,
 * because a wrong memory about the user is worse than none.
 */

export type ExtractionRule = "name" | "like" | "dislike" | "event";

/** A memory about the user, ready for `reconcileMemories` and then the store. */
export interface ExtractedMemory extends MemoryDraft {
  owner: "relationship";
  metadata: { rule: ExtractionRule; subject?: string };
}

export interface ExtractMemoriesOptions {
  userMessage: string;
  /** What "today", "yesterday" and "last week" are relative to. */
  now: Date;
}

const LIKE_VERBS: Record<string, string> = { love: "loves", adore: "adores", like: "likes", enjoy: "enjoys" };
const DISLIKE_VERBS: Record<string, string> = {
  hate: "hates",
  detest: "hates",
  loathe: "hates",
  dislike: "dislikes",
  "can't stand": "dislikes",
  "cannot stand": "dislikes",
  "don't like": "dislikes",
  "do not like": "dislikes",
  "don't enjoy": "dislikes",
  "do not enjoy": "dislikes",
};
const INTENSIFIER = String.raw`(?:(?:really|absolutely|just|truly|also|so|totally)\s+)*`;
const DISLIKE_PATTERN = new RegExp(
  String.raw`\bi\s+${INTENSIFIER}(${Object.keys(DISLIKE_VERBS).join("|")})\s+(.+)$`,
  "i",
);
const LIKE_PATTERN = new RegExp(
  String.raw`\bi\s+${INTENSIFIER}(${Object.keys(LIKE_VERBS).join("|")})\s+(.+)$`,
  "i",
);
const PREFERENCE_VERB = `(?:${[...Object.keys(LIKE_VERBS), ...Object.keys(DISLIKE_VERBS)].join("|")})`;

/** How a date phrase can open a clause ("…, and yesterday I moved"). */
const DATE_START = String.raw`(?:yesterday|today|tonight|last (?:week|month|year|night)|this (?:morning|afternoon|evening)|on \d|in (?:19|20)\d\d)\b`;

/** Where a sentence splits into clauses: a comma, "and" or "but" before a new subject or verb. */
const CLAUSE_BREAK = new RegExp(
  String.raw`\s*(?:,|;|\band\b|\bbut\b)\s+(?=(?:also\s+)?(?:i\b|i'm\b|my\b|call me\b|we\b|${INTENSIFIER}${PREFERENCE_VERB}\b|${DATE_START}))`,
  "i",
);

/** Capitalised words after "I'm" that describe rather than name the speaker. */
const NOT_NAMES = new Set(
  (
    "American British English Irish Scottish Welsh French German Dutch Spanish Portuguese Italian Greek " +
    "Polish Russian Ukrainian Chinese Japanese Korean Indian Brazilian Mexican Canadian Australian African " +
    "European Asian Catholic Christian Muslim Jewish Buddhist Hindu Vegan Vegetarian Ok Okay Fine Good Sorry " +
    "Here Back Home Done Not So Just Also Really Very Still Going Tired Happy Sad Married Single Retired"
  ).split(" "),
);
const NAME_WORD = /^\p{Lu}[\p{Ll}'-]*\p{Ll}$/u;
const NOT_AFTER_NAME_IS = new Set([
  "not",
  "a",
  "an",
  "the",
  "actually",
  "just",
  "really",
  "none",
  "nothing",
  "secret",
]);
const PRONOUN_OBJECTS =
  /^(?:it|that|this|those|these|them|you|him|her|when|how|what|to think|being with you)\b/i;

/** Words that hint at how the user felt, as emotion tags. */
const EMOTION_LEXICON: [RegExp, string][] = [
  [/\b(happy|glad|excited|thrilled|wonderful|great|celebrat\w*|married|engaged)\b/i, "joy"],
  [/\b(proud|graduated|promoted|won|finished|passed)\b/i, "pride"],
  [/\b(sad|died|passed away|lost|miss\w*|cried|funeral|broke up|divorced)\b/i, "sadness"],
  [/\b(angry|furious|annoyed|mad)\b/i, "anger"],
  [/\b(scared|afraid|nervous|anxious|worried|terrified)\b/i, "fear"],
];

function emotionTagsOf(text: string, base: string[] = []): string[] {
  const tags = [...base];
  for (const [pattern, tag] of EMOTION_LEXICON) if (pattern.test(text) && !tags.includes(tag)) tags.push(tag);
  return tags;
}

/** Rewrites "my", "me" and "I" inside a phrase as words about the user ("my dog" -> "their dog"). */
function toUserPronouns(text: string): string {
  return text
    .replace(/\bmyself\b/gi, "themselves")
    .replace(/\bmy\b/gi, "their")
    .replace(/\bme\b/gi, "them")
    .replace(/\bi'm\b/gi, "they're")
    .replace(/\bi\b/gi, "they");
}

/** Rewrites a clause the speaker says about themselves as one about the user. */
function toThirdPerson(text: string): string {
  const subject = text
    .replace(/^i've\b/i, "the user has")
    .replace(/^i'm\b|^i am\b/i, "the user is")
    .replace(/^i\b/i, "the user")
    .replace(/^we\b/i, "the user and others")
    .replace(/^my\b/i, "the user's");
  return toUserPronouns(subject);
}

function capitalize(word: string): string {
  return `${word.charAt(0).toUpperCase()}${word.slice(1)}`;
}

function draft(facts: string, rule: ExtractionRule, fields: Partial<ExtractedMemory> = {}): ExtractedMemory {
  return {
    owner: "relationship",
    facts,
    feelings: "",
    emotion_tags: [],
    interpretation: "",
    type: "normal",
    strength: 65,
    event_time: null,
    sequence: null,
    revises: null,
    ...fields,
    metadata: { rule, ...fields.metadata },
  };
}

function nameMemory(name: string, calledOnly: boolean): ExtractedMemory {
  const facts = calledOnly ? `The user likes to be called ${name}.` : `The user's name is ${name}.`;
  return draft(facts, "name", {
    strength: 70,
    interpretation: `Call the user ${name}.`,
    metadata: { rule: "name", subject: name },
  });
}

/** "my name is ana", "I'm Ana", "call me Ana": the name, or null when the clause names nobody. */
function extractName(clause: string, isShouting: boolean): ExtractedMemory | null {
  const stated = /\b(?:my name is|my name's|the name is|name's)\s+([\p{L}'-]+)(?:\s+([\p{L}'-]+))?/iu.exec(
    clause,
  );
  if (stated) {
    const first = stated[1] as string;
    if (NOT_AFTER_NAME_IS.has(first.toLowerCase())) return null;
    const surname = stated[2] !== undefined && NAME_WORD.test(stated[2]) ? ` ${stated[2]}` : "";
    return nameMemory(`${capitalize(first)}${surname}`, false);
  }
  if (isShouting) return null;
  const called = /\bcall me\s+([\p{L}'-]+)/iu.exec(clause);
  if (called && NAME_WORD.test(called[1] as string)) return nameMemory(called[1] as string, true);
  const introduced =
    /\bi(?:'m| am)\s+([\p{L}'-]+)(?:\s+([\p{L}'-]+))?\s*(?:[.!,]|$|\band\b|\bfrom\b|\bby the way\b)/iu.exec(
      clause,
    );
  const first = introduced?.[1];
  if (first === undefined || !NAME_WORD.test(first) || NOT_NAMES.has(first)) return null;
  const surname = introduced?.[2];
  if (surname !== undefined && !(NAME_WORD.test(surname) && !NOT_NAMES.has(surname))) {
    return ["and", "from"].includes(surname.toLowerCase()) ? nameMemory(first, false) : null;
  }
  return nameMemory(surname === undefined ? first : `${first} ${surname}`, false);
}

/** Cleans one liked or disliked thing; null when it is a pronoun or empty ("I love it"). */
function cleanObject(raw: string): string | null {
  const object = raw
    .replace(/[.!?]+$/, "")
    .replace(/\s+(?:a lot|so much|very much|more than anything|too|as well)$/i, "")
    .trim();
  if (object === "" || PRONOUN_OBJECTS.test(object)) return null;
  return toUserPronouns(object);
}

/** Longest liked or disliked thing kept: anything longer is a sentence, not a thing. */
const MAXIMUM_OBJECT_WORDS = 8;

/** "sailing, chess and my dog because …" -> ["sailing", "chess", "my dog"]. */
function splitObjects(objects: string): string[] {
  const list =
    objects.split(
      new RegExp(
        String.raw`\s*(?:\b(?:because|since|when|but|although|though|if|which|as)\b|\s-\s|[:;(]|\b${DATE_START})`,
        "i",
      ),
    )[0] ?? "";
  return list
    .split(/\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+/i)
    .filter((part) => part.trim() !== "" && part.trim().split(/\s+/).length <= MAXIMUM_OBJECT_WORDS);
}

/** "I love sailing and chess" -> one memory per thing, with the verb's strength of feeling. */
function extractPreferences(clause: string): ExtractedMemory[] {
  const dislike = DISLIKE_PATTERN.exec(clause);
  const like = dislike ? null : LIKE_PATTERN.exec(clause);
  const match = dislike ?? like;
  if (!match) return [];
  const verb = (match[1] as string).toLowerCase();
  const rule: ExtractionRule = dislike ? "dislike" : "like";
  const verbForm = (dislike ? DISLIKE_VERBS[verb] : LIKE_VERBS[verb]) as string;
  const strong = ["loves", "adores", "hates"].includes(verbForm);
  const baseTags = dislike ? ["aversion"] : [strong ? "affection" : "enjoyment"];
  return splitObjects(match[2] as string).flatMap((raw) => {
    const object = cleanObject(raw);
    if (object === null) return [];
    return [
      draft(`The user ${verbForm} ${object}.`, rule, {
        strength: strong ? 68 : 65,
        emotion_tags: baseTags,
        interpretation: dislike
          ? "Something to avoid or handle with care."
          : "A shared interest to bring up.",
        metadata: { rule, subject: object.toLowerCase() },
      }),
    ];
  });
}

type FoundDate = ReturnType<typeof findDatePhrase>;

/** A clause that tells something the speaker did or has done: "I moved…", "my sister had…". */
const EVENT_SUBJECT = /^(?:i|i've|we|my)\s+\S+\s+\S+/i;
/** With its own date, "I'm starting a new job today" is an event too. */
const DATED_EVENT_SUBJECT = /^(?:i|i've|i'm|i am|we|my)\s+\S+\s+\S+/i;
const IRREGULAR_PAST =
  "went got had saw met made took came lost found left bought ran won began became told gave felt quit " +
  "wrote flew drove sold broke fell kept paid sent spent threw thought caught taught brought ate swam sang";
/**
 * A past-tense verb near the start: what makes a clause an event rather than a state ("I miss her")
 * whose third-person rewrite would also come out ungrammatical.
 */
const PAST_TENSE = new RegExp(
  String.raw`^(?:\S+\s+){0,3}?(?:\p{L}+ed|${IRREGULAR_PAST.split(" ").join("|")})\b`,
  "iu",
);

function tellsEvent(rest: string, hasOwnDate: boolean): boolean {
  if (hasOwnDate && /^(?:i've|i'm|i am)\s/i.test(rest)) return DATED_EVENT_SUBJECT.test(rest);
  return EVENT_SUBJECT.test(rest) && PAST_TENSE.test(rest);
}

/**
 * "Yesterday I moved to Porto" -> "On 2024-05-31 the user moved to Porto." A clause without a date
 * of its own takes the one named earlier in its sentence ("Last week I quit, and I moved").
 */
function extractEvent(clause: string, context: { now: Date; sentence: string; sentenceDate: FoundDate }) {
  const phrase = findDatePhrase(clause, context.now);
  const when = phrase ?? context.sentenceDate;
  if (when === null) return { memory: null, phrase };
  const rest = (phrase ? `${clause.slice(0, phrase.start)} ${clause.slice(phrase.end)}` : clause)
    .replace(/\s+/g, " ")
    .replace(/^[\s,]+|[\s,.!?]+$/g, "");
  if (!tellsEvent(rest, phrase !== null)) return { memory: null, phrase };
  const memory = draft(`${describeEventDate(when)} ${toThirdPerson(rest)}.`, "event", {
    strength: 62,
    event_time: when.date.toISOString(),
    emotion_tags: emotionTagsOf(context.sentence),
    interpretation: "Worth asking the user about later.",
  });
  return { memory, phrase };
}

function splitSentences(message: string): string[] {
  return message
    .replace(/[’‘]/g, "'")
    .split(/(?<=[.!?])\s+|\n+/)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence !== "");
}

/** A clause that only continues a list ("and my cat") adds to the previous preference. */
function continuesPreferenceList(clause: string, previous: ExtractedMemory | undefined): boolean {
  const isPreference = previous?.metadata.rule === "like" || previous?.metadata.rule === "dislike";
  return isPreference && !/^(?:i|i'm|we)\b/i.test(clause) && clause.split(/\s+/).length <= 4;
}

function continuePreferenceList(clause: string, previous: ExtractedMemory): ExtractedMemory | null {
  const object = cleanObject(clause);
  if (object === null) return null;
  const verbForm = /^The user (\S+)/.exec(previous.facts)?.[1] ?? "likes";
  return {
    ...previous,
    facts: `The user ${verbForm} ${object}.`,
    metadata: { ...previous.metadata, subject: object.toLowerCase() },
  };
}

/** The memories one clause gives, trying the most specific rules first. */
interface ClauseContext {
  now: Date;
  sentence: string;
  isShouting: boolean;
  previous: ExtractedMemory | undefined;
  sentenceDate: FoundDate;
}

function extractFromClause(clause: string, context: ClauseContext) {
  const name = extractName(clause, context.isShouting);
  if (name) return { memories: [name], phrase: null };
  const withSubject = new RegExp(`^${INTENSIFIER}${PREFERENCE_VERB}\\b`, "i").test(clause)
    ? `I ${clause}`
    : clause;
  const preferences = extractPreferences(withSubject);
  if (preferences.length > 0) return { memories: preferences, phrase: null };
  const event = extractEvent(clause, context);
  if (event.memory) return { memories: [event.memory], phrase: event.phrase };
  if (context.previous && continuesPreferenceList(clause, context.previous)) {
    const continued = continuePreferenceList(clause, context.previous);
    return { memories: continued ? [continued] : [], phrase: null };
  }
  return { memories: [], phrase: event.phrase };
}

/**
 * Extracts memories about the user from their message with deterministic rules: "my name is X",
 * "I'm X" (only a capitalised name), "call me X"; "I love/like/enjoy/adore X"; "I hate/dislike/
 * can't stand/don't like X"; and events dated explicitly or relative to `now`. Clauses joined by
 * "and", "but" or commas are read separately; duplicates within the message are dropped.
 *
 * @example
 * extractMemoriesByRules({ userMessage: "my name is Ana and I love sailing", now })
 * // [{ facts: "The user's name is Ana.", metadata: { rule: "name", subject: "Ana" }, … },
 * //  { facts: "The user loves sailing.", metadata: { rule: "like", subject: "sailing" }, … }]
 */
export function extractMemoriesByRules(options: ExtractMemoriesOptions): ExtractedMemory[] {
  const letters = options.userMessage.replace(/[^\p{L}]/gu, "");
  const isShouting = letters.length > 3 && letters === letters.toUpperCase();
  const extracted: ExtractedMemory[] = [];
  for (const sentence of splitSentences(options.userMessage)) {
    let sentenceDate: FoundDate = null;
    let previous: ExtractedMemory | undefined;
    for (const clause of sentence.split(CLAUSE_BREAK)) {
      const trimmed = clause.trim().replace(/^(?:also|oh|well|and|but)\s+/i, "");
      const context = { now: options.now, sentence, isShouting, previous, sentenceDate };
      const result = extractFromClause(trimmed, context);
      sentenceDate = result.phrase ?? sentenceDate;
      previous = result.memories.at(-1) ?? previous;
      extracted.push(...result.memories);
    }
  }
  return dropRepeats(extracted);
}

/** The same thing said twice in one message is one memory. */
function dropRepeats(memories: ExtractedMemory[]): ExtractedMemory[] {
  const seen = new Set<string>();
  return memories.filter((memory) => {
    const key = memory.facts.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
