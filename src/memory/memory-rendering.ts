import { FADED_BELOW, VIVID_FROM, type Memory } from "./memory.ts";
import { asSentence, eventDay, sharedWords, significantWords } from "./memory-text.ts";

/** How clearly a memory is recalled, from its strength. */
export type RecallClarity = "vivid" | "plain" | "faded";

/** How many words of a faded memory's facts survive: enough to recognise it, not to retell it. */
export const FADED_FACT_WORDS = 8;

/**
 * Significant words a message must share with a repressed memory to press on it without asking a
 * question; one shared word is enough when the message asks (see `isPressingOn`).
 */
const PRESSING_SHARED_WORDS = 2;

/** Phrases that probe for what the persona does not talk about, whatever the memory's topic. */
const PROBING_PHRASES = [
  "what are you hiding",
  "what aren't you telling",
  "what are you not telling",
  "what don't you talk about",
  "what do you never talk about",
  "what haven't you told",
  "something you never told",
  "you never talk about",
  "worst memory",
  "most painful",
  "darkest",
  "repress",
  "trauma",
];

/** Words and marks that make a message a question or a request to recall. */
const ASKING_PATTERN = /\?|\b(tell me|talk about|what happened|remember|recall|why did|how did|explain)\b/i;

export interface RenderMemoriesOptions {
  /** Best first, as `rankMemories` returns them. */
  memories: readonly Memory[];
  /** The user's new message: decides whether a repressed memory surfaces. */
  userMessage: string;
  /** At most this many lines; all of them when left out. */
  maxLines?: number;
  /**
   * Ids of memories a revision replaces even though the revision itself did not rank (the caller
   * knows the whole revision chain; this list may not).
   */
  supersededIds?: ReadonlySet<string>;
}

/**
 * Vivid at 75+, faded below 40, plain in between.
 *
 * @example describeClarity(80) // "vivid"
 */
export function describeClarity(strength: number): RecallClarity {
  if (strength >= VIVID_FROM) return "vivid";
  if (strength < FADED_BELOW) return "faded";
  return "plain";
}

/**
 * Whether the user's message presses on a (repressed) memory: it shares two significant words with
 * the memory's facts or emotion tags, or one while asking about it (a question, "tell me about",
 * "remember"…), or it probes directly for what the persona will not talk about.
 *
 * @example isPressingOn(fireMemory, "What happened with the fire?") // true
 */
export function isPressingOn(memory: Memory, userMessage: string): boolean {
  const lowered = userMessage.toLowerCase().replace(/’/g, "'");
  if (PROBING_PHRASES.some((phrase) => lowered.includes(phrase))) return true;
  const memoryWords = significantWords(`${memory.facts} ${memory.emotion_tags.join(" ")}`);
  const shared = sharedWords(significantWords(userMessage), memoryWords).length;
  if (shared >= PRESSING_SHARED_WORDS) return true;
  return shared >= 1 && ASKING_PATTERN.test(userMessage);
}

/** The ids every revision in the list replaces, so the originals drop out of recall. */
function collectSuperseded(memories: readonly Memory[], extra?: ReadonlySet<string>): Set<string> {
  const superseded = new Set(extra);
  for (const memory of memories) {
    if (memory.type === "revised" && memory.revises !== null) superseded.add(memory.revises);
  }
  return superseded;
}

/** Keeps the first words of a faded memory: what is left when the details have gone. */
function fragmentFacts(facts: string): string {
  const words = facts
    .trim()
    .replace(/[.!?]+$/, "")
    .split(/\s+/);
  if (words.length <= FADED_FACT_WORDS) return words.join(" ");
  return `${words.slice(0, FADED_FACT_WORDS).join(" ")}…`;
}

/** A date prefix for a memory with an event time: exact when clear, just the year when faded. */
function describeWhen(memory: Memory, clarity: RecallClarity): string {
  const day = eventDay(memory.event_time);
  if (day === null) return "";
  return clarity === "faded" ? `(around ${day.slice(0, 4)}) ` : `(${day}) `;
}

/** The content of a memory, with as much detail as its strength allows. */
function describeContent(memory: Memory, clarity: RecallClarity): string {
  const when = describeWhen(memory, clarity);
  if (clarity === "faded") {
    return `You vaguely remember: ${when}${fragmentFacts(memory.facts)} (details are hazy)`;
  }
  const parts = [asSentence(memory.facts)];
  if (memory.feelings.trim()) parts.push(`How it felt: ${asSentence(memory.feelings)}`);
  if (clarity === "vivid") {
    if (memory.emotion_tags.length > 0) parts.push(`Emotions: ${memory.emotion_tags.join(", ")}.`);
    if (memory.interpretation.trim())
      parts.push(`What it means to you: ${asSentence(memory.interpretation)}`);
  }
  return `${when}${parts.join(" ")}`;
}

/** How the persona relates to a memory of this type, said before its content. */
const TYPE_PREFIXES: Record<Memory["type"], string> = {
  normal: "",
  pride: "You are proud of this and like to bring it up: ",
  shame: "You are ashamed of this; deflect or play it down if it comes up: ",
  repressed: "You resist recalling this, and only reluctantly admit: ",
  revised: "Your corrected memory: ",
  exaggerated: "You tend to embellish this when you tell it: ",
};

/**
 * Renders one memory as a prompt line: who it is about, how the persona relates to it (its type)
 * and how clearly (its strength).
 *
 * @example renderMemoryLine(buildMemory({ type: "pride", strength: 80, facts: "You won the race." }))
 * // "You are proud of this and like to bring it up: You won the race."
 */
export function renderMemoryLine(memory: Memory): string {
  const owner = memory.owner === "relationship" ? "About the user: " : "";
  return `${owner}${TYPE_PREFIXES[memory.type]}${describeContent(memory, describeClarity(memory.strength))}`;
}

/**
 * Renders ranked memories as the lines of the prompt's "What you remember" section, type-aware:
 * - vivid (75+) in full (facts, feelings, emotions, interpretation); plain ones with facts and
 *   feelings; faded (below 40) as a hazy fragment of the facts;
 * - pride is volunteered, shame deflected, exaggerated embellished;
 * - repressed only when the user's message presses on it (`isPressingOn`);
 * - a revised memory replaces the one it revises (and `supersededIds`), which is left out;
 * - relationship memories are phrased as about the user.
 * The ranking order is kept; `maxLines` cuts after exclusions.
 *
 * @example
 * renderMemoriesForPrompt({ memories: ranked.map((entry) => entry.memory), userMessage: "hi", maxLines: 10 })
 * // ["About the user: The user's name is Ana.", "You are proud of this and like to bring it up: …"]
 */
export function renderMemoriesForPrompt(options: RenderMemoriesOptions): string[] {
  const superseded = collectSuperseded(options.memories, options.supersededIds);
  const lines: string[] = [];
  for (const memory of options.memories) {
    if (superseded.has(memory.id)) continue;
    if (memory.type === "repressed" && !isPressingOn(memory, options.userMessage)) continue;
    lines.push(renderMemoryLine(memory));
  }
  return options.maxLines === undefined ? lines : lines.slice(0, Math.max(0, options.maxLines));
}
