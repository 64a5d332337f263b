import type {
  GenerateRequest,
  GenerateResult,
  LanguageModel,
  SamplingParameters,
  StreamPart,
} from "../models/language-model.ts";
import type { PersonaDefinition } from "../domain/persona-definition.ts";
import type { AssembledPrompt, HistoryMessage } from "./prompt-assembly.ts";
import type { ServerTools } from "./reply-tool-round.ts";

export type VoiceOrChat = { kind: "chat" } | { kind: "voice"; locale: string };

/** The user persona in force for a message, as stored with it. */
export interface UserPersonaSnapshot {
  id: string;
  name: string;
  description: string;
}

/** The stream parts that carry tool calls. */
export type ToolCallStreamPart = Extract<StreamPart, { type: "tool-call-start" | "tool-call-delta" }>;

/** What one generation is asked for: `ReplyGenerator.generate`'s input, read by each step of it. */
export interface GenerationInput {
  /** Whose providers the persona's model may come from. */
  tenantId: string;
  personaId: string;
  /** The end user: their relationship memory is retrieved; null for none. */
  userId: string | null;
  persona: PersonaDefinition;
  userPersona: UserPersonaSnapshot | null;
  /** Oldest first, with token counts. */
  history: HistoryMessage[];
  /** A request's own system message, replacing the base instructions. */
  systemOverride?: string | undefined;
  /**
   * Where the reply is heard: a voice call uses its locale's voice configuration (prompt, model,
   * temperature) instead of the chat configuration. Default chat.
   */
  channel?: VoiceOrChat | undefined;
  /** Appended after the history for this generation only (the start prompt of an opener). */
  instruction?: string | undefined;
  /** The conversation, if any: it seeds `{{pick}}` (else the persona and user do). */
  conversationId?: string | undefined;
  /** ISO time of the user's message before the one answered, for `{{idle_duration}}`. */
  previousUserMessageAt?: string | null | undefined;
  samplingOverrides?: SamplingParameters;
  signal?: AbortSignal | undefined;
  onDelta?: ((text: string) => void | Promise<void>) | undefined;
  /** Called with the `provider/model` id once it is resolved, before the model runs. */
  onModelChosen?: ((modelId: string) => void | Promise<void>) | undefined;
  /** Throws to refuse a model for this request (one that cannot take its images or tools). */
  checkModel?: ((model: LanguageModel) => void) | undefined;
  /** Functions the model may call, how, and the answer's format (an OpenAI client's request). */
  tools?: GenerateRequest["tools"];
  toolChoice?: GenerateRequest["toolChoice"];
  parallelToolCalls?: GenerateRequest["parallelToolCalls"];
  responseFormat?: GenerateRequest["responseFormat"];
  /** A streamed tool call's start and argument pieces, as they come (with `onDelta`). */
  onToolCallPart?: ((part: ToolCallStreamPart) => void | Promise<void>) | undefined;
  /**
   * Tools the server runs itself (the persona's media tool), offered when the request carries no tools of
   * its own and the model takes tools. A call is run, and the model asked once more for its answer.
   */
  serverTools?: ServerTools | undefined;
  /** the reply being written, when it will be stored (the server tools' work attaches to it) */
  replyId?: string | undefined;
}

/** What one generation gave: the model's answer, what it was asked with, its cost and timings. */
export interface Generation {
  result: GenerateResult;
  prompt: AssembledPrompt;
  sampling: SamplingParameters;
  costUsd: number;
  promptMs: number;
  modelMs: number;
}
