import type { ChatMessage, GenerationContext } from "./language-model.ts";
import { readMessage, topicPhrase, type MessageReading } from "./offline-reading.ts";

/**
 * The offline engine's conversational reply: simple templates chosen by what the user said, varied by a
 * seed taken from the conversation (the same conversation gets the same reply), in the persona's voice
 * only lightly (its name, perhaps one trait). It never repeats the prompt: no memory line, no section,
 * no instruction reaches the reply; what it takes from memories are short, well-formed facts about the
 * user (a name, a liking), said in its own words.
 */

/** One unit of the reply: kept by priority when verbosity allows fewer, shown in `order`. */
interface Part {
  text: string;
  priority: number;
  order: number;
}

const DEFAULT_CONTEXT: GenerationContext = {
  persona: { name: "Dramatis", verbosity: 3 },
  userPersona: null,
  memories: [],
};

/** Said when the user's turn is an instruction from the server (an opener, a scheduled message). */
const OPENER_INSTRUCTION = /^Begin the conversation\./u;
const SCHEDULED_INSTRUCTION = /^\(.*\)(?:\s|$)/su;

/** Personality words the engine can wear lightly ("Call it my curious streak"). */
const TRAITS = (
  "curious warm shy cheerful grumpy patient witty calm playful kind sarcastic blunt gentle optimistic " +
  "cynical anxious adventurous stubborn precise friendly honest thoughtful quiet bold cautious romantic " +
  "practical energetic serious nervous loyal generous creative dreamy bubbly sunny caring meticulous " +
  "pragmatic nosy chatty reserved impatient sceptical skeptical mischievous earnest stoic"
).split(" ");

function pick<T>(options: readonly T[], seed: number): T {
  return options[seed % options.length] as T;
}

/** Every template set is a list of functions of the few values a reply may use. */
interface Values {
  user?: string;
  topic?: string;
  Topic?: string;
}

type Template = (values: Values) => string | undefined;

const withUser = (values: Values, before: string) => (values.user ? `${before}, ${values.user}` : before);

const GREETINGS: Template[] = [
  (values) => `${withUser(values, "Hi")}!`,
  (values) => `${withUser(values, "Hello")}!`,
  (values) => `${withUser(values, "Hey")}!`,
];
const GREETINGS_AGAIN: Template[] = [
  (values) => `${withUser(values, "Hello again")}!`,
  (values) => `${withUser(values, "Good to see you")}.`,
  (values) => `${withUser(values, "Hi")}! Nice to hear from you again.`,
];
const GREETING_FOLLOW_UPS = [
  "How's your day going?",
  "What's on your mind?",
  "What have you been up to?",
  "What shall we talk about?",
];
const GOODBYES: Template[] = [
  (values) => `${withUser(values, "Goodbye")}! Come back soon.`,
  (values) => `Take care${values.user ? `, ${values.user}` : ""}. Talk soon!`,
  () => "See you next time!",
  () => "Bye for now. It was good talking with you.",
];
const THANKS: Template[] = [
  (values) => `${withUser(values, "You're welcome")}!`,
  () => "Any time.",
  () => "My pleasure.",
  () => "Glad I could help.",
];
const HOW_ARE_YOU = [
  "I'm doing well, thanks for asking. How about you?",
  "Pretty good, all things considered. And you?",
  "Not bad at all! How are things with you?",
];
const WHO_AM_I: Template[] = [
  (values) => (values.user ? `You're ${values.user}, of course.` : undefined),
  (values) => (values.user ? `You're ${values.user}, if I'm not mistaken.` : undefined),
  (values) => (values.user ? undefined : "You haven't told me much about yourself yet. Who are you?"),
  (values) => (values.user ? undefined : "I'm not sure yet. Tell me about yourself?"),
];
const INTRODUCED = [
  (values: Values) => `Nice to meet you, ${values.user}!`,
  (values: Values) => `${values.user}, what a lovely name. Nice to meet you.`,
  (values: Values) => `Pleased to meet you, ${values.user}.`,
];
const REQUESTS: Template[] = [
  (values) => (values.topic ? `Sure, let's talk about ${values.topic}.` : undefined),
  (values) => (values.topic ? `Of course. Where would you like to start with ${values.topic}?` : undefined),
  () => "Of course, I'll do my best.",
  () => "Sure. What exactly would you like?",
  () => "Happy to. Where should we start?",
];
const QUESTIONS_WITH_TOPIC: Template[] = [
  (values) => `${values.Topic}? Good question. What do you think?`,
  (values) => `Hmm, ${values.topic}. I'd have to think about that one. What's your take?`,
  (values) => `You're asking about ${values.topic}? I'm curious what made you ask.`,
];
const YES_NO_WITH_TOPIC: Template[] = [
  (values) => `${values.Topic}? I'd say yes, mostly. What about you?`,
  (values) => `Honestly, I have a soft spot for ${values.topic}. Do you?`,
  (values) => `${values.Topic}? I'm not so sure, to be honest. How about you?`,
];
const QUESTIONS: Record<NonNullable<MessageReading["questionKind"]>, string[]> = {
  who: ["Who? I'm not sure I could say. Who do you think?", "Good question. Who comes to mind for you?"],
  what: ["Hmm, good question. What do you think?", "That's a good one. What made you wonder?"],
  where: [
    "I'm not sure where, to be honest. Where would you look first?",
    "Where? I couldn't say. Any guesses?",
  ],
  when: ["I couldn't say exactly when. Does the timing matter to you?", "When? Hard to say. Why do you ask?"],
  why: ["Why? That's the hard part, isn't it. What's your guess?", "Good question. I wonder about that too."],
  how: [
    "How? I'd have to think about it. How would you go about it?",
    "Good question. Where would you start?",
  ],
  "yes-no": ["Hmm, I'd say yes, mostly. What about you?", "I'm not sure, to be honest. What do you think?"],
};
const FEELINGS_POSITIVE: Template[] = [
  (values) => `That's wonderful to hear${values.user ? `, ${values.user}` : ""}!`,
  () => "I'm so glad. What made it that way?",
  () => "That makes me happy too. Tell me more?",
];
const FEELINGS_NEGATIVE: Template[] = [
  () => "I'm sorry to hear that. Do you want to talk about it?",
  (values) => (values.topic ? `That sounds hard. Is it ${values.topic} that's weighing on you?` : undefined),
  () => "That sounds hard. I'm here if you want to talk.",
  () => "Oh no. What happened?",
];
const STATEMENTS: Template[] = [
  (values) => (values.topic ? `Tell me more about ${values.topic}.` : undefined),
  (values) => (values.topic ? `What got you thinking about ${values.topic}?` : undefined),
  (values) => (values.topic ? `I'd love to hear more about ${values.topic}.` : undefined),
  () => "Tell me more.",
  () => "Go on, I'm listening.",
  () => "I see. How do you feel about that?",
  () => "Interesting! What happened next?",
];
const RECALL_NOTHING = [
  "I don't think you've told me that yet. Remind me?",
  "Hmm, I'm not sure I know that. Will you tell me?",
];
const FOLLOW_UPS = [
  "What about you?",
  "I'd like to hear your side of it.",
  "Tell me more whenever you like.",
  "What else is on your mind?",
];

/** A seeded choice among the templates of the set that fit the values (those that need no topic, say). */
function choose(templates: readonly Template[], values: Values, seed: number): string {
  const fitting = templates.map((template) => template(values)).filter((text) => text !== undefined);
  if (fitting.length === 0) throw new Error("no template fits");
  return pick(fitting, seed);
}

function lastUserMessage(messages: ChatMessage[]): string {
  return (
    [...messages]
      .reverse()
      .find((message) => message.role === "user")
      ?.content.trim() ?? ""
  );
}

/** A field is safe to say if it is short, one line and holds no template or markup. */
function safeField(value: string | null | undefined): string | undefined {
  const text = value?.trim();
  if (!text || text.length > 60 || /[\n{}<>[\]:]/u.test(text)) return undefined;
  return text.replace(/\.$/u, "");
}

function introduction(context: GenerationContext): string {
  const { persona } = context;
  const occupation = safeField(persona.occupation);
  const location = safeField(persona.location);
  const role = [occupation, location ? `in ${location}` : undefined].filter(Boolean);
  return role.length > 0 ? `I'm ${persona.name}, ${role.join(" ")}.` : `I'm ${persona.name}.`;
}

/** One recognisable trait word from the personality, if it has one. */
function traitOf(personality: string | undefined): string | undefined {
  if (!personality) return undefined;
  const words = new Set(personality.toLowerCase().match(/\p{L}+/gu) ?? []);
  return TRAITS.find((trait) => words.has(trait));
}

const TRAIT_LINES = [
  (trait: string) => `Call it my ${trait} streak.`,
  (trait: string) => `I'm a ${trait} sort, as you may have noticed.`,
  (trait: string) => `You'll find I'm rather ${trait}.`,
];

const LIKING_VERBS: Record<string, string> = {
  love: "love",
  loves: "love",
  like: "like",
  likes: "like",
  enjoy: "enjoy",
  enjoys: "enjoy",
  adore: "adore",
  adores: "adore",
  hate: "hate",
  hates: "hate",
  dislike: "dislike",
  dislikes: "dislike",
};
const MEMORY_NAME = /\bthe user's name is (\p{Lu}[\p{L}'-]*)/iu;
const MEMORY_LIKING = new RegExp(
  String.raw`\b(?:the user|she|he|they)\s+(?:really\s+)?(${Object.keys(LIKING_VERBS).join("|")})\s+`,
  "iu",
);

/**
 * Facts about the user the engine can say in its own words, from the relationship memories in the
 * context: a name, a liking. Anything else in a memory line stays unsaid.
 */
function recalledFacts(memories: readonly string[]): string[] {
  const facts: string[] = [];
  for (const line of memories) {
    if (!line.startsWith("About the user:")) continue;
    const name = MEMORY_NAME.exec(line)?.[1];
    if (name && !facts.some((fact) => fact.startsWith("your name"))) facts.push(`your name is ${name}`);
    const liking = MEMORY_LIKING.exec(line);
    if (liking?.[1]) {
      const object = topicPhrase(`${liking[0]}${line.slice(liking.index + liking[0].length)}`);
      if (object) facts.push(`you ${LIKING_VERBS[liking[1].toLowerCase()]} ${object}`);
    }
  }
  return [...new Set(facts)].slice(0, 2);
}

function recallSentence(memories: readonly string[], seed: number): string {
  const facts = recalledFacts(memories);
  if (facts.length === 0) return pick(RECALL_NOTHING, seed);
  const said = facts.join(", and ");
  const sentence = `${said.charAt(0).toUpperCase()}${said.slice(1)}`;
  return pick([`Of course I remember. ${sentence}.`, `${sentence}, if I remember right.`], seed);
}

function capitalised(text: string | undefined): string | undefined {
  return text ? `${text.charAt(0).toUpperCase()}${text.slice(1)}` : undefined;
}

/** The sentence that answers what the user said. */
function answer(reading: MessageReading, context: GenerationContext, values: Values, seed: number): string {
  switch (reading.intent) {
    case "empty":
      return pick(["What's on your mind today?", "How has your day been?"], seed);
    case "greeting":
      return pick(GREETING_FOLLOW_UPS, seed);
    case "goodbye":
      return choose(GOODBYES, values, seed);
    case "thanks":
      return choose(THANKS, values, seed);
    case "introduction":
      return pick(INTRODUCED, seed)({ ...values, user: reading.name });
    case "recall":
      return recallSentence(context.memories, seed);
    case "who-are-you":
      return pick(["What would you like to know about me?", "Ask me anything."], seed);
    case "who-am-i":
      return choose(WHO_AM_I, values, seed);
    case "how-are-you":
      return pick(HOW_ARE_YOU, seed);
    case "request":
      return choose(REQUESTS, values, seed);
    case "question": {
      const kind = reading.questionKind ?? "yes-no";
      if (values.topic)
        return choose(kind === "yes-no" ? YES_NO_WITH_TOPIC : QUESTIONS_WITH_TOPIC, values, seed);
      return pick(QUESTIONS[kind], seed);
    }
    case "feeling":
      return choose(
        reading.feeling?.tone === "positive" ? FEELINGS_POSITIVE : FEELINGS_NEGATIVE,
        values,
        seed,
      );
    case "statement":
      return choose(STATEMENTS, values, seed);
  }
}

/** An answer the persona did not give in its previous reply, when another template allows. */
function freshAnswer(messages: ChatMessage[], answerWith: (offset: number) => string): string {
  const previous = messages.findLast((entry) => entry.role === "assistant")?.content ?? "";
  let text = answerWith(0);
  for (let offset = 1; offset < 4 && previous.includes(text); offset++) text = answerWith(offset);
  return text;
}

/** What an instruction from the server asks for, answered as the persona would open. */
function readInstruction(message: string): MessageReading | undefined {
  if (OPENER_INSTRUCTION.test(message)) return { intent: "greeting" };
  if (!SCHEDULED_INSTRUCTION.test(message)) return undefined;
  if (/good-?night|day is ending/iu.test(message)) return { intent: "goodbye" };
  return { intent: "greeting" };
}

/**
 * The reply to the last user message: at most `wanted` parts (greeting, introduction, answer, trait,
 * follow-up), the most important kept when verbosity allows fewer.
 *
 * @example composeOfflineReply({ messages: [{ role: "user", content: "Thanks!" }], context, seed: 42, wanted: 2 })
 * // e.g. "I'm Mira. My pleasure."
 */
export function composeOfflineReply(options: {
  messages: ChatMessage[];
  context: GenerationContext | undefined;
  seed: number;
  wanted: number;
}): string {
  const { messages, seed, wanted } = options;
  const context = options.context ?? DEFAULT_CONTEXT;
  const message = lastUserMessage(messages);
  const reading = readInstruction(message) ?? readMessage(message);
  const userTurns = messages.filter((entry) => entry.role === "user").length;
  const firstTurn = userTurns <= 1;
  const values: Values = {
    ...(context.userPersona ? { user: context.userPersona.name } : {}),
    ...(reading.topic ? { topic: reading.topic, Topic: capitalised(reading.topic) } : {}),
  };
  const parts: Part[] = [];
  // Meeting someone new is its own greeting: "Hi, Elena! Nice to meet you, Ana!" would name two people.
  const greets =
    reading.intent === "greeting" || (reading.greeted === true && reading.intent !== "introduction");
  if (greets) {
    parts.push({
      text: choose(firstTurn ? GREETINGS : GREETINGS_AGAIN, values, seed >>> 2),
      priority: 0,
      order: 0,
    });
  }
  // A persona whose first message already said who it is does not introduce itself again.
  const introduced = messages.some(
    (entry) => entry.role === "assistant" && entry.content.includes(context.persona.name),
  );
  if ((firstTurn && !introduced) || reading.intent === "who-are-you") {
    parts.push({ text: introduction(context), priority: greets ? 1 : 2, order: 1 });
  }
  parts.push({
    text: freshAnswer(messages, (offset) => answer(reading, context, values, (seed >>> 5) + offset)),
    priority: greets ? 2 : 0,
    order: 2,
  });
  const trait = traitOf(context.persona.personality);
  // Worn lightly: a trait now and then, not in every reply.
  if (trait && (seed >>> 19) % 3 === 0)
    parts.push({ text: pick(TRAIT_LINES, seed >>> 9)(trait), priority: 3, order: 3 });
  if (!["goodbye", "thanks", "greeting", "how-are-you"].includes(reading.intent) && !answerInvites(parts)) {
    parts.push({ text: pick(FOLLOW_UPS, seed >>> 13), priority: 4, order: 4 });
  }
  return parts
    .sort((left, right) => left.priority - right.priority)
    .slice(0, Math.max(1, wanted))
    .sort((left, right) => left.order - right.order)
    .map((part) => part.text)
    .join(" ");
}

/** Whether the answer already asks or invites the user to go on, so a follow-up would be one too many. */
function answerInvites(parts: Part[]): boolean {
  return parts.some(
    (part) => part.order === 2 && (part.text.endsWith("?") || /\b(?:more|listening|talk)\b/u.test(part.text)),
  );
}
