import type { ChatMessage } from "../models/language-model.ts";
import { MESSAGE_OVERHEAD_TOKENS } from "../models/token-count.ts";
import type { PersonaDefinition } from "../domain/persona-definition.ts";
import { defaultInstructions } from "../domain/persona-macros.ts";
import type { PromptSectionName } from "../domain/prompt-sections.ts";

export interface PromptSection {
  name: PromptSectionName;
  text: string;
  tokens: number;
  /** For a world info entry: which book and entry, why it is there and where it went. */
  detail?: string;
}

/**
 * An activated world info (lorebook) entry, placed as SillyTavern places it: around the character's
 * description, around the examples, or inside the history `depth` messages from its end as `role`.
 */
export interface WorldInfoInsert {
  position: "before_char" | "after_char" | "before_examples" | "after_examples" | "at_depth";
  depth: number;
  role: "system" | "user" | "assistant";
  content: string;
  tokens: number;
  /** "Book “Eldoria”, entry “Dragons”, triggered by “dragon”", for the prompt inspector. */
  detail: string;
}

/**
 * A message of the conversation so far, with its token count computed once when it was stored. A
 * conversation's own history is user and assistant text; an OpenAI client's history may also hold
 * system messages in place, tool calls and results, named participants and content parts.
 */
export interface HistoryMessage extends Pick<ChatMessage, "parts" | "name" | "toolCalls" | "toolCallId"> {
  role: "user" | "assistant" | "system" | "tool";
  content: string;
  tokens: number;
  /** the stored message it came from (a conversation's history), for what is attached to it */
  messageId?: string | undefined;
}

export interface PromptInput {
  persona: PersonaDefinition;
  /** Which of the persona's base instructions apply: chat (the default) or a voice configuration. */
  channel?: { kind: "chat" } | { kind: "voice"; locale: string };
  userPersona: { name: string; description: string } | null;
  /** Already rendered memory lines; empty until memory retrieval fills them. */
  memories: string[];
  /** Oldest first; the last one is normally the user's new message and is always kept. */
  history: HistoryMessage[];
  /** A request's own system/developer message: replaces the base instructions only. */
  systemOverride?: string | undefined;
  /** Activated world info entries, in insertion order; none when no lorebook is in play. */
  worldInfo?: WorldInfoInsert[];
  /** Token budget of the whole prompt (the persona's memory tier). */
  tokenBudget: number;
  countTokens: (text: string) => number;
}

export interface AssembledPrompt {
  sections: PromptSection[];
  /** Exactly what is sent to the model. */
  messages: ChatMessage[];
  /** How many history messages fit the budget, and how many older ones were left out. */
  historyIncluded: number;
  historyDropped: number;
  totalTokens: number;
}

const VERBOSITY_INSTRUCTIONS: Record<number, string> = {
  1: "Be concise: answer in one or two short sentences.",
  2: "Keep replies brief: a few sentences at most.",
  3: "Give balanced replies: enough detail to be helpful, without rambling.",
  4: "Give detailed replies with examples where they help.",
  5: "Be expansive: give thorough, richly detailed replies.",
};

function baseInstructions(input: PromptInput): string {
  if (input.systemOverride !== undefined) return input.systemOverride.trim();
  return personaInstructions(input.persona, input.channel);
}

/** The persona's own base instructions on a channel: what a request's system override replaces. */
export function personaInstructions(
  persona: PersonaDefinition,
  channel: NonNullable<PromptInput["channel"]> = { kind: "chat" },
): string {
  if (channel.kind === "voice") {
    const voice = persona.voice_configurations.find(
      (configuration) => configuration.locale === channel.locale,
    );
    if (voice?.prompt) return voice.prompt.trim();
  } else if (persona.chat_configuration.prompt) {
    return persona.chat_configuration.prompt.trim();
  }
  return persona.system_message.trim() || defaultInstructions(persona.name);
}

function describeIdentity(persona: PersonaDefinition): string {
  const { identity } = persona;
  const traits = [
    identity.age === null ? undefined : `${identity.age} years old`,
    identity.sex ?? undefined,
    identity.occupation ?? undefined,
    identity.location ? `living in ${identity.location}` : undefined,
  ].filter(Boolean);
  const lines = [`Your name is ${persona.name}.${traits.length ? ` You are ${traits.join(", ")}.` : ""}`];
  if (identity.summary) lines.push(identity.summary.trim());
  if (persona.personality) lines.push(`Personality: ${persona.personality.trim()}`);
  if (persona.scenario) lines.push(`Scenario: ${persona.scenario.trim()}`);
  if (persona.appearance.description) lines.push(`Appearance: ${persona.appearance.description.trim()}`);
  return lines.join("\n");
}

function describeExamples(persona: PersonaDefinition): string {
  if (persona.communication_examples.length === 0) return "";
  const examples = persona.communication_examples.map((example) => `---\n${example.trim()}`).join("\n");
  return `Examples of how you communicate (match this style, do not repeat them):\n${examples}`;
}

function describeUserPersona(userPersona: PromptInput["userPersona"]): string {
  if (!userPersona) return "The user has not chosen a persona: talk to them as themselves.";
  const description = userPersona.description.trim();
  return (
    `The user is talking to you as ${userPersona.name}${description ? `: ${description}` : ""}. ` +
    `Address them as ${userPersona.name} and react to who they are.`
  );
}

function describeMemories(memories: string[]): string {
  return memories.length === 0
    ? ""
    : `What you remember:\n${memories.map((memory) => `- ${memory}`).join("\n")}`;
}

/**
 * A card's `post_history_instructions` (kept in the persona's `card`): the V2/V3 specs put them after the
 * history, where they weigh most, as a system message. Empty when the persona has none.
 */
export function postHistoryInstructions(persona: PersonaDefinition): string {
  const text = persona.card.post_history_instructions;
  return typeof text === "string" ? text.trim() : "";
}

/** The history section as the prompt inspector shows it: one `role: content` line per message. */
export function renderHistory(history: readonly { role: string; content: string }[]): string {
  return history.map((message) => `${message.role}: ${message.content}`).join("\n");
}

/**
 * Keeps the newest history that fits; the newest message always stays, even alone over budget. Tool
 * results whose call was left out go too: a model refuses a result that answers no call.
 */
function trimHistory(history: HistoryMessage[], budget: number): HistoryMessage[] {
  const kept: HistoryMessage[] = [];
  let used = 0;
  for (let index = history.length - 1; index >= 0; index--) {
    const message = history[index] as HistoryMessage;
    const cost = message.tokens + MESSAGE_OVERHEAD_TOKENS;
    if (kept.length > 0 && used + cost > budget) break;
    kept.push(message);
    used += cost;
  }
  kept.reverse();
  while (kept.length > 1 && kept[0]?.role === "tool") kept.shift();
  return kept;
}

/** A history message as the model gets it: its text, and its parts, name and tool calls when it has them. */
function toChatMessage(message: HistoryMessage): ChatMessage {
  return {
    role: message.role,
    content: message.content,
    ...(message.parts && { parts: message.parts }),
    ...(message.name !== undefined && { name: message.name }),
    ...(message.toolCalls && { toolCalls: message.toolCalls }),
    ...(message.toolCallId !== undefined && { toolCallId: message.toolCallId }),
  };
}

/**
 * Builds the prompt for a persona's reply, section by section. Pure: the same input gives the same
 * prompt, and the sections (with token counts) are what the prompt inspector shows.
 *
 * @example assemblePrompt({ persona, userPersona: null, memories: [], history, tokenBudget: 2000, countTokens })
 */
export function assemblePrompt(input: PromptInput): AssembledPrompt {
  const worldInfo = input.worldInfo ?? [];
  const placed = (position: WorldInfoInsert["position"]): PromptSection[] =>
    worldInfo
      .filter((entry) => entry.position === position)
      .map((entry) => ({
        name: "world_info",
        text: entry.content,
        tokens: entry.tokens,
        detail: entry.detail,
      }));
  const section = (name: PromptSectionName, text: string): PromptSection => ({
    name,
    text,
    tokens: input.countTokens(text),
  });
  const sections: PromptSection[] = [
    section("base_instructions", baseInstructions(input)),
    ...placed("before_char"),
    section("identity", describeIdentity(input.persona)),
    ...placed("after_char"),
    ...placed("before_examples"),
    section("communication_examples", describeExamples(input.persona)),
    ...placed("after_examples"),
    section("verbosity", VERBOSITY_INSTRUCTIONS[input.persona.verbosity] ?? VERBOSITY_INSTRUCTIONS[3] ?? ""),
    section("user_persona", describeUserPersona(input.userPersona)),
    section("memories", describeMemories(input.memories)),
  ];
  const systemText = sections
    .map((entry) => entry.text)
    .filter(Boolean)
    .join("\n\n");
  const inHistory = worldInfo.filter((entry) => entry.position === "at_depth");
  const inHistoryTokens = inHistory.reduce(
    (total, entry) => total + entry.tokens + MESSAGE_OVERHEAD_TOKENS,
    0,
  );
  const afterHistory = postHistoryInstructions(input.persona);
  const afterHistoryTokens = afterHistory ? input.countTokens(afterHistory) + MESSAGE_OVERHEAD_TOKENS : 0;
  const systemTokens = input.countTokens(systemText) + MESSAGE_OVERHEAD_TOKENS;
  const history = trimHistory(
    input.history,
    Math.max(input.tokenBudget - systemTokens - afterHistoryTokens - inHistoryTokens, 0),
  );
  const historyTokens = history.reduce(
    (total, message) => total + message.tokens + MESSAGE_OVERHEAD_TOKENS,
    0,
  );
  sections.push({ name: "history", text: renderHistory(history), tokens: historyTokens });
  sections.push(
    ...inHistory.map((entry) => ({
      name: "world_info" as const,
      text: entry.content,
      tokens: entry.tokens,
      detail: entry.detail,
    })),
  );
  sections.push({
    name: "post_history_instructions",
    text: afterHistory,
    tokens: afterHistory ? input.countTokens(afterHistory) : 0,
  });
  return {
    sections,
    messages: [
      { role: "system", content: systemText },
      ...withDepthInserts(history.map(toChatMessage), inHistory),
      ...(afterHistory ? [{ role: "system" as const, content: afterHistory }] : []),
    ],
    historyIncluded: history.length,
    historyDropped: input.history.length - history.length,
    totalTokens: systemTokens + historyTokens + inHistoryTokens + afterHistoryTokens,
  };
}

/**
 * The history with world info entries inserted `depth` messages from its end (0: after the newest), one
 * message per entry, as their `role`; a depth beyond the history puts the entry first.
 */
function withDepthInserts(messages: ChatMessage[], inserts: readonly WorldInfoInsert[]): ChatMessage[] {
  const result = [...messages];
  // Deepest first, so the positions of shallower inserts are counted from the original end.
  const ordered = [...inserts].sort((a, b) => b.depth - a.depth);
  for (const entry of ordered) {
    const index = Math.max(0, messages.length - entry.depth);
    const shift = result.length - messages.length;
    let at = Math.min(index + shift, result.length);
    // Never between a tool call and its results: models refuse a call whose results do not follow it.
    while (result[at]?.role === "tool") at++;
    result.splice(at, 0, { role: entry.role, content: entry.content });
  }
  return result;
}
