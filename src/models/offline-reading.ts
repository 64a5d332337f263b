/**
 * How the offline engine reads a user's message: what kind of message it is (greeting, question, thanks,
 * ...), a short topic phrase to reflect back, a feeling, a name the user gave. It cannot understand
 * language, so it only trusts what simple patterns find with high precision: when in doubt it finds
 * nothing, and the reply uses a template without a topic rather than a broken fragment.
 */

export type MessageIntent =
  | "empty"
  | "greeting"
  | "goodbye"
  | "thanks"
  | "introduction"
  | "recall"
  | "who-are-you"
  | "who-am-i"
  | "how-are-you"
  | "request"
  | "question"
  | "feeling"
  | "statement";

export type QuestionKind = "who" | "what" | "where" | "when" | "why" | "how" | "yes-no";

export interface MessageReading {
  intent: MessageIntent;
  questionKind?: QuestionKind;
  /** A short, well-formed phrase from the message, in the persona's point of view ("my dog" -> "your dog"). */
  topic?: string;
  /** How the user says they feel, when they say so. */
  feeling?: { tone: "positive" | "negative"; word: string };
  /** The name the user introduced themselves with. */
  name?: string;
  /** The message opens with a greeting ("Hey, how are you?"). */
  greeted?: boolean;
}

const MAXIMUM_TOPIC_WORDS = 4;
const MAXIMUM_WORD_LENGTH = 24;

/** Words that end a topic phrase: what follows them is another clause, not more of the topic. */
const BOUNDARY_WORDS = new Set(
  (
    "i you he she it we they me him us them myself yourself itself " +
    "is are was were be been being am do does did done have has had can could will would should may might " +
    "must shall let and or but because so if when while though although since until than that which who " +
    "whom whose where why how what to in on at for with from by into about over under after before during " +
    "without through near like as too also very really just still again lately today tonight tomorrow " +
    "yesterday now then here there not never always ever anymore much please though anyway right " +
    // common verbs, so "my dog ran away" gives "your dog" and not a clause
    "go goes went gone get gets got make makes made say says said run runs ran come comes came want wants " +
    "need needs think thinks thought feel feels felt know knows knew see sees saw look looks work works " +
    "left take takes took give gives gave tell tells told keep keeps kept seem seems seemed " +
    "love loves hate hates enjoy enjoys adore adores miss misses prefer prefers help helps"
  ).split(" "),
);

/** Words that may start a topic phrase but never end one. */
const LEADING_ONLY = new Set(
  "the a an this that these those my your his her its our their some any".split(" "),
);

/** The user's words from the persona's side of the conversation. */
const POINT_OF_VIEW: Record<string, string> = {
  my: "your",
  your: "my",
  mine: "yours",
  yours: "mine",
};

/** Where a topic phrase starts: after these words, a noun phrase usually follows. */
const TOPIC_TRIGGERS: RegExp[] = [
  /\b(?:about|regarding|concerning)\s+/giu,
  /\b(?:love|loves|like|likes|enjoy|enjoys|adore|adores|hate|hates|miss|misses|prefer|prefers|fond of)\s+/giu,
  /\bhelp(?:\s+me)?\s+with\s+/giu,
  /^(?:what|where|who)(?:\s+(?:is|are|was|were)|'s)\s+/iu,
  /\b(?:favourite|favorite)\s+(?=\p{L})/giu,
];

/** A phrase with "my" at the start of a clause: "My dog is sick" is about the user's dog. */
const POSSESSIVE_START = /(?:^|[.!?,;]\s*|\b(?:and|but|because|so)\s+)(my\s+)/giu;

const GREETING =
  /^(?:hi|hello|hey|heya|hiya|howdy|greetings|yo|good\s+(?:morning|afternoon|evening|day)|ol[aá]|bonjour|hallo|ciao)\b/iu;
const GOODBYE =
  /\b(?:bye|goodbye|good\s*night|see\s+you|see\s+ya|farewell|gotta\s+go|got\s+to\s+go|talk\s+(?:to\s+you\s+)?(?:later|soon)|take\s+care|until\s+next\s+time|have\s+a\s+(?:nice|good|great|lovely)\s+(?:day|night|evening|one|weekend))\b/iu;
const THANKS =
  /\b(?:thanks|thank\s+you|thank\s+u|thx|ty|cheers|much\s+appreciated|i\s+appreciate\s+(?:it|that))\b/iu;
const RECALL =
  /\b(?:remember|recall|forget|forgot|forgotten|what\s+do\s+you\s+know\s+about\s+me|what'?s\s+my\s+name)\b/iu;
const WHO_ARE_YOU =
  /\b(?:who\s+are\s+you|what'?s\s+your\s+name|what\s+is\s+your\s+name|tell\s+me\s+about\s+yourself|introduce\s+yourself)\b/iu;
const WHO_AM_I = /\b(?:who\s+am\s+i|do\s+you\s+know\s+who\s+i\s+am)\b/iu;
const HOW_ARE_YOU =
  /\b(?:how\s+are\s+you|how\s+are\s+u|how'?s\s+it\s+going|how\s+have\s+you\s+been|how\s+do\s+you\s+do|how'?s\s+your\s+day|what'?s\s+up)\b/iu;
const REQUEST =
  /^(?:please\b|can\s+you\b|could\s+you\b|would\s+you\b|will\s+you\b|tell\s+me\b|show\s+me\b|give\s+me\b|help\b|let'?s\b|let\s+us\b|write\b|describe\b|explain\b|remind\s+me\b)|\bplease\b/iu;
/** A question without its question mark: an auxiliary verb, then who it asks about. */
const YES_NO_START =
  /^(?:do|does|did|is|are|was|were|can|could|will|would|should|shall|have|has|had|may|might|am|isn'?t|aren'?t|don'?t|doesn'?t|didn'?t|won'?t|wouldn'?t|couldn'?t)\s+(?:you|i|we|they|he|she|it|there|this|that|your|my)\b/iu;
const WH_START = /^(who|what|where|when|why|how)\b/iu;
const WH_QUESTION =
  /^(?:who|what|where|when|why|how)(?:'s|\s+(?:is|are|was|were|do|does|did|can|could|would|will|should|about|many|much|come))\b/iu;
const INTRODUCTION =
  /\b(?:[Mm]y\s+name\s+is|[Mm]y\s+name'?s|[Cc]all\s+me|I\s+am|I'?m|i'?m)\s+(\p{Lu}[\p{Ll}'-]*\p{Ll}(?:\s+\p{Lu}[\p{Ll}'-]*\p{Ll})?)\b/u;

/** Capitalised words after "I'm" that describe rather than name the speaker. */
const NOT_NAMES = new Set(
  (
    "Ok Okay Fine Good Great Sorry Here Back Home Done Not So Just Also Really Very Still Going Tired Happy " +
    "Sad Glad Well Sure Ready Busy Bored Excited Alright Hungry Sick Married Single Retired Feeling"
  ).split(" "),
);

/** Feeling words and their tone; a small lexicon in the spirit of VADER, enough for a demo engine. */
const FEELINGS: Record<string, "positive" | "negative"> = Object.fromEntries([
  ...(
    "happy glad great good fine wonderful amazing awesome excited thrilled delighted proud relieved " +
    "grateful thankful calm relaxed content cheerful hopeful joyful fantastic excellent lucky loved " +
    "optimistic peaceful energised energized motivated inspired"
  )
    .split(" ")
    .map((word) => [word, "positive"] as const),
  ...(
    "sad tired exhausted angry upset lonely anxious worried stressed bad terrible awful depressed scared " +
    "afraid sick hurt frustrated bored miserable nervous overwhelmed down unhappy annoyed furious " +
    "heartbroken ashamed embarrassed confused lost sleepy drained grumpy gloomy"
  )
    .split(" ")
    .map((word) => [word, "negative"] as const),
]);
const NEGATIONS = new Set(["not", "never", "n't", "no", "hardly"]);
const SELF_REFERENCE = /\b(?:i|i'm|im|i've|ive|i\s+am|me|my|feel|feeling|felt)\b/iu;

/**
 * Reads a message for the offline engine.
 *
 * @example readMessage("Do you like lighthouses?") // { intent: "question", questionKind: "yes-no", topic: "lighthouses" }
 */
export function readMessage(message: string): MessageReading {
  const text = message.replace(/\s+/g, " ").trim();
  if (text === "") return { intent: "empty" };
  const topic = topicPhrase(text);
  const introduced = INTRODUCTION.exec(text)?.[1];
  const name = introduced && !NOT_NAMES.has(introduced.split(" ")[0] ?? "") ? introduced : undefined;
  const isQuestion = text.endsWith("?") || YES_NO_START.test(text) || WH_QUESTION.test(text);
  const greeted = GREETING.test(text);
  const reading = readIntent(text, { topic, name, isQuestion });
  return greeted ? { ...reading, greeted } : reading;
}

function readIntent(
  text: string,
  found: { topic: string | undefined; name: string | undefined; isQuestion: boolean },
): MessageReading {
  const { topic, name, isQuestion } = found;
  const withTopic = <T extends MessageReading>(reading: T): T => (topic ? { ...reading, topic } : reading);
  if (GREETING.test(text) && !isQuestion)
    return name ? { intent: "introduction", name } : { intent: "greeting" };
  if (GOODBYE.test(text)) return { intent: "goodbye" };
  if (THANKS.test(text)) return { intent: "thanks" };
  if (name) return { intent: "introduction", name };
  if (WHO_AM_I.test(text)) return { intent: "who-am-i" };
  if (WHO_ARE_YOU.test(text)) return { intent: "who-are-you" };
  if (HOW_ARE_YOU.test(text)) return { intent: "how-are-you" };
  if (RECALL.test(text)) return { intent: "recall" };
  if (REQUEST.test(text)) return withTopic({ intent: "request" });
  if (isQuestion) return withTopic({ intent: "question", questionKind: questionKindOf(text) });
  const feeling = feelingOf(text);
  if (feeling) return withTopic({ intent: "feeling", feeling });
  return withTopic({ intent: "statement" });
}

function questionKindOf(text: string): QuestionKind {
  const wh = WH_START.exec(text)?.[1]?.toLowerCase();
  return (wh as QuestionKind | undefined) ?? "yes-no";
}

/** The feeling the user speaks of, if they speak of themselves with a feeling word ("I'm so tired"). */
function feelingOf(text: string): MessageReading["feeling"] {
  if (!SELF_REFERENCE.test(text)) return undefined;
  const words = text.toLowerCase().match(/[\p{L}']+/gu) ?? [];
  for (const [index, word] of words.entries()) {
    const tone = FEELINGS[word];
    if (!tone) continue;
    const negated = words
      .slice(Math.max(0, index - 3), index)
      .some((before) => NEGATIONS.has(before) || before.endsWith("n't"));
    if (negated) return { tone: "negative", word: `not ${word}` };
    return { tone, word };
  }
  return undefined;
}

/** The first well-formed topic phrase the patterns find, or undefined. */
export function topicPhrase(text: string): string | undefined {
  const starts: number[] = [];
  for (const trigger of TOPIC_TRIGGERS) {
    trigger.lastIndex = 0;
    const match = trigger.exec(text);
    if (match) starts.push(match.index + match[0].length);
  }
  POSSESSIVE_START.lastIndex = 0;
  const possessive = POSSESSIVE_START.exec(text);
  if (possessive) starts.push(possessive.index + possessive[0].length - (possessive[1]?.length ?? 0));
  for (const start of starts.sort((left, right) => left - right)) {
    const phrase = phraseAt(text.slice(start));
    if (phrase) return phrase;
  }
  return undefined;
}

/**
 * The noun phrase at the start of `rest`: up to four words, ending where a boundary word or punctuation
 * begins another clause. A phrase that does not end cleanly is refused, never cut.
 */
function phraseAt(rest: string): string | undefined {
  const tokens = rest.match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*|[^\s\p{L}\p{N}]/gu) ?? [];
  const words: string[] = [];
  for (const token of tokens) {
    const lower = token.toLowerCase();
    const isWord = /^[\p{L}\p{N}]/u.test(token);
    if (!isWord) break;
    if (/['’]/.test(token) || token.length > MAXIMUM_WORD_LENGTH) return undefined;
    if (BOUNDARY_WORDS.has(lower) && !(lower === "that" && words.length === 0)) break;
    // Past tenses end the phrase too ("the boat sank" is a clause), though not as its first word.
    if (words.length > 0 && lower.length > 4 && lower.endsWith("ed")) break;
    words.push(token);
    if (words.length > MAXIMUM_TOPIC_WORDS) return undefined;
  }
  while (words.length > 0 && LEADING_ONLY.has(words.at(-1)!.toLowerCase())) words.pop();
  if (words.length === 0) return undefined;
  if (words.every((word) => LEADING_ONLY.has(word.toLowerCase()))) return undefined;
  return words.map((word) => POINT_OF_VIEW[word.toLowerCase()] ?? word).join(" ");
}
