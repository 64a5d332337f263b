import type { Clock } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import type {
  GenerateObjectResult,
  GenerateRequest,
  GenerateResult,
  StreamPart,
  GenerationContext,
  JsonSchema,
  LanguageModel,
  SamplingParameters,
  ChatMessage,
  ToolCall,
  ToolDefinition,
} from "../models/language-model.ts";
import { capabilitiesOf } from "../models/language-model.ts";
import type { ModelRegistry } from "../models/model-registry.ts";
import { countTokens } from "../models/token-count.ts";
import type { StoredMessage } from "../store/stored-documents/conversation-documents.ts";
import type { Store } from "../store/store.ts";
import type { PersonaDefinition } from "../domain/persona-definition.ts";
import { expandNameMacros, type NameMacroContext } from "../domain/macros.ts";
import { NameMacroStream } from "../domain/name-macro-stream.ts";
import type { MemoryRetrieval } from "./memory-retrieval.ts";
import type { PriceTable } from "./pricing.ts";
import { macroContextFor } from "./macro-context.ts";
import { assemblePrompt, type AssembledPrompt, type HistoryMessage } from "./prompt-assembly.ts";
import { withMacros } from "./prompt-macros.ts";
import { worldInfoFor } from "./world-info.ts";
import type { Lorebook } from "../domain/lorebook/index.ts";

export type VoiceOrChat = { kind: "chat" } | { kind: "voice"; locale: string };

/** The voice configuration a voice channel speaks with: its locale's, else the first. */
export function voiceConfigurationFor(persona: PersonaDefinition, locale: string) {
  const wanted = locale.toLowerCase();
  const configurations = persona.voice_configurations;
  return (
    configurations.find((configuration) => configuration.locale.toLowerCase() === wanted) ??
    configurations.find(
      (configuration) => configuration.locale.split("-")[0]!.toLowerCase() === wanted.split("-")[0],
    ) ??
    configurations[0]
  );
}

/** Token budget of a prompt per memory tier. */
export type MemoryTierBudgets = Record<PersonaDefinition["memory"]["tier"], number>;

export const DEFAULT_MEMORY_TIER_BUDGETS: MemoryTierBudgets = {
  basic: 2_000,
  extended: 8_000,
  longest: 32_000,
};

/** Where a reply finds the standalone books attached to what it speaks for (LorebookService). */
export interface AttachedLorebooks {
  booksFor(input: {
    tenantId: string;
    personaId: string;
    userPersonaId: string | null;
    conversationId: string | null;
  }): Promise<Lorebook[]>;
}

/**
 * Pictures attached to history messages (MediaService): as image parts for a model that sees, as a line
 * of text for one that does not, with a warning for the user.
 */
export interface HistoryAttachments {
  decorate(
    tenantId: string,
    history: HistoryMessage[],
    model: { id: string; images: boolean; files: boolean },
  ): Promise<{ history: HistoryMessage[]; warnings: string[] }>;
}

/** The user persona in force for a message, as stored with it. */
export interface UserPersonaSnapshot {
  id: string;
  name: string;
  description: string;
}

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

/** Functions the server answers for the model, with what each call returns (JSON text, for the model). */
export interface ServerTools {
  definitions: ToolDefinition[];
  /** `replyId`: the reply being written (what the tool's work attaches to); null outside a conversation */
  run(call: ToolCall, context: { replyId: string | null }): Promise<string>;
}

/** The stream parts that carry tool calls. */
export type ToolCallStreamPart = Extract<StreamPart, { type: "tool-call-start" | "tool-call-delta" }>;

export interface Generation {
  result: GenerateResult;
  prompt: AssembledPrompt;
  sampling: SamplingParameters;
  costUsd: number;
  promptMs: number;
  modelMs: number;
}

export interface ReplyRequest extends Omit<GenerationInput, "history"> {
  tenantId: string;
  userId: string;
  conversationId: string;
  personaId: string;
  personaVersion: number | null;
  /** The message being answered; null for a conversation opener. */
  replyTo: string | null;
  /** Called once the reply's id is known, before the model runs. */
  onStart?: (replyId: string) => void | Promise<void>;
  /**
   * A regenerated reply: a new alternative of the turn whose first reply is `turnId`, written from the
   * history before that turn (its sequence `turnSequence`) and shown instead of the current alternative.
   */
  alternativeOf?: { turnId: string; turnSequence: number } | undefined;
}

export interface ReplyOutcome {
  reply: StoredMessage;
  result: GenerateResult;
  prompt: AssembledPrompt;
  timings: { prompt_ms: number; model_ms: number; total_ms: number };
  costUsd: number;
}

interface ModelRunOptions {
  input: GenerationInput;
  prompt: AssembledPrompt;
  sampling: SamplingParameters;
  memories: string[];
  /** the names `{{char}}`/`{{user}}` in the model's own output stand for */
  macros: NameMacroContext;
  /** the server tools' calls and results, after the prompt (the second round) */
  followUp?: ChatMessage[] | undefined;
}

/** Messages fetched per page while filling the history budget. */
const HISTORY_PAGE = 200;

/** The persona's sampling settings, with the chat configuration's own temperature and length on top. */
export function samplingFor(persona: PersonaDefinition): SamplingParameters {
  return {
    ...persona.sampling,
    temperature: persona.chat_configuration.temperature ?? persona.sampling.temperature,
    max_tokens: persona.chat_configuration.max_tokens ?? persona.sampling.max_tokens,
  };
}

/**
 * Produces and records a persona's reply: gathers history within the memory tier's budget, assembles the
 * prompt, streams the model, and stores the reply with its prompt and usage in one transaction. An abort
 * keeps what was generated, marked partial.
 */
export class ReplyGenerator {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly models: ModelRegistry;
  private readonly prices: PriceTable;
  private readonly budgets: MemoryTierBudgets;
  private readonly retrieval: MemoryRetrieval;
  private readonly lorebooks: AttachedLorebooks | undefined;
  private readonly attachments: HistoryAttachments | undefined;

  constructor(dependencies: {
    store: Store;
    clock: Clock;
    models: ModelRegistry;
    prices: PriceTable;
    budgets: MemoryTierBudgets;
    retrieval: MemoryRetrieval;
    /** the standalone lorebooks attached to the persona, user persona or conversation; none when absent */
    lorebooks?: AttachedLorebooks;
    /** the pictures attached to messages; text only when absent */
    attachments?: HistoryAttachments;
  }) {
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.models = dependencies.models;
    this.prices = dependencies.prices;
    this.budgets = dependencies.budgets;
    this.retrieval = dependencies.retrieval;
    this.lorebooks = dependencies.lorebooks;
    this.attachments = dependencies.attachments;
  }

  /**
   * Assembles the prompt and runs the persona's model over the given history; records nothing. Request
   * sampling values (from an OpenAI-style call) override the persona's.
   */
  async generate(input: GenerationInput): Promise<Generation> {
    const prepared = await this.prepare(input);
    const options = { ...prepared, input: { ...input, persona: prepared.persona } };
    const result = await this.withServerTools(
      prepared.model,
      options,
      await this.runModel(prepared.model, options),
    );
    if (prepared.warnings.length > 0) result.warnings = [...prepared.warnings, ...result.warnings];
    return {
      result,
      prompt: prepared.prompt,
      sampling: prepared.sampling,
      costUsd: this.prices.costOf(result.model, result.usage),
      promptMs: prepared.promptMs,
      modelMs: round(performance.now() - prepared.readyAt),
    };
  }

  /**
   * Like `generate`, but asks the persona's model (or `modelId`) for a JSON answer matching `schema`: a
   * study question answered in character, with the persona's prompt and memories.
   */
  async generateObject(
    input: GenerationInput & { schema: JsonSchema; schemaName?: string; modelId?: string | null },
  ): Promise<{ result: GenerateObjectResult; costUsd: number }> {
    const prepared = await this.prepare(input);
    const result = await prepared.model.generateObject({
      messages: prepared.prompt.messages,
      sampling: prepared.sampling,
      signal: input.signal,
      context: generationContext({ ...input, persona: prepared.persona }, prepared.memories),
      schema: input.schema,
      ...(input.schemaName ? { schemaName: input.schemaName } : {}),
    });
    return { result, costUsd: this.prices.costOf(result.model, result.usage) };
  }

  /** Memories, the assembled prompt, the model and the sampling for one generation. */
  private async prepare(input: GenerationInput & { modelId?: string | null }) {
    const started = performance.now();
    const macros = await macroContextFor(this.store, this.clock, {
      persona: input.persona,
      userPersona: input.userPersona,
      userId: input.userId,
      seed: input.conversationId ?? `${input.personaId}/${input.userId ?? ""}`,
      previousUserMessageAt: input.previousUserMessageAt ?? null,
    });
    const voice =
      input.channel?.kind === "voice"
        ? voiceConfigurationFor(input.persona, input.channel.locale)
        : undefined;
    const model = await this.models.resolve(
      input.tenantId,
      input.modelId ?? voice?.model ?? input.persona.chat_configuration.model ?? input.persona.model,
    );
    const expanded = withMacros(input, macros);
    const { persona, systemOverride } = expanded;
    const { history, warnings } = this.attachments
      ? await this.attachments.decorate(input.tenantId, expanded.history, {
          id: model.id,
          images: capabilitiesOf(model).images,
          files: capabilitiesOf(model).files,
        })
      : { history: expanded.history, warnings: [] };
    const lastUserMessage = [...history].reverse().find((message) => message.role === "user");
    const memories = await this.retrieval.linesForPrompt({
      tenantId: input.tenantId,
      personaId: input.personaId,
      persona: input.persona,
      userId: input.userId,
      userPersonaId: input.userPersona?.id ?? null,
      message: lastUserMessage?.content ?? "",
    });
    const tokenBudget = this.budgets[input.persona.memory.tier];
    const attachedBooks =
      (await this.lorebooks?.booksFor({
        tenantId: input.tenantId,
        personaId: input.personaId,
        userPersonaId: input.userPersona?.id ?? null,
        conversationId: input.conversationId ?? null,
      })) ?? [];
    const worldInfo = worldInfoFor({
      persona,
      attachedBooks,
      history,
      macros,
      tokenBudget,
      countTokens,
      seed: input.conversationId ?? `${input.personaId}/${input.userId ?? ""}`,
    });
    const prompt = assemblePrompt({
      persona,
      userPersona: input.userPersona,
      memories,
      history,
      systemOverride,
      worldInfo,
      tokenBudget,
      countTokens,
      ...(voice ? { channel: { kind: "voice" as const, locale: voice.locale } } : {}),
    });
    const sampling = {
      ...samplingFor(input.persona),
      ...(voice?.temperature != null ? { temperature: voice.temperature } : {}),
      ...withoutUndefined(input.samplingOverrides ?? {}),
    };
    input.checkModel?.(model);
    await input.onModelChosen?.(model.id);
    const readyAt = performance.now();
    return {
      prompt,
      model,
      sampling,
      memories,
      persona,
      macros,
      warnings,
      readyAt,
      promptMs: round(readyAt - started),
    };
  }

  /** A conversation's next reply: history from the store within the tier budget, recorded with its prompt. */
  async reply(request: ReplyRequest): Promise<ReplyOutcome> {
    const started = performance.now();
    const { history, previousUserMessageAt } = await this.historyFor(request);
    const replyId = newId("msg");
    await request.onStart?.(replyId);
    const loaded = performance.now();
    const generation = await this.generate({ ...request, history, previousUserMessageAt, replyId });
    const reply = await this.record({ request, replyId, generation, startedAt: started });
    return outcomeOf(reply, generation, { started, loaded });
  }

  /**
   * A message the persona sends on its own (a scheduled good morning, a check-in): generated like a reply
   * to the conversation so far plus the request's instruction, then stored only when `accept` approves the
   * text, together with whatever `alongside` writes in the same transaction (it throws to store nothing).
   * Returns null when the text was not accepted.
   */
  async initiate(
    request: Omit<ReplyRequest, "replyTo" | "onStart"> & {
      accept: (text: string) => boolean;
      alongside: (store: Store, message: StoredMessage) => Promise<void>;
    },
  ): Promise<ReplyOutcome | null> {
    const started = performance.now();
    const { history, previousUserMessageAt } = await this.historyFor({ ...request, replyTo: null });
    const loaded = performance.now();
    const generation = await this.generate({ ...request, history, previousUserMessageAt });
    if (!request.accept(generation.result.text)) return null;
    const reply = await this.record({
      request: { ...request, replyTo: null },
      replyId: newId("msg"),
      generation,
      startedAt: started,
      alongside: request.alongside,
    });
    return outcomeOf(reply, generation, { started, loaded });
  }

  /**
   * Continues the conversation's last message, the persona's: the model sees the history ending with it
   * and an instruction to go on, and what it writes is appended to the stored message (with its usage).
   */
  async continueReply(
    request: Omit<ReplyRequest, "replyTo" | "onStart" | "alternativeOf"> & { message: StoredMessage },
  ): Promise<ReplyOutcome> {
    const started = performance.now();
    const { history, previousUserMessageAt } = await this.historyFor({
      ...request,
      replyTo: request.message.reply_to,
    });
    const loaded = performance.now();
    const generation = await this.generate({
      ...request,
      history,
      previousUserMessageAt,
      instruction: CONTINUE_INSTRUCTION,
    });
    const { result, costUsd } = generation;
    const content = joinContinuation(request.message.content, result.text);
    const now = this.clock.now().toISOString();
    const continued: StoredMessage = {
      ...request.message,
      content,
      token_count: countTokens(content),
      status: result.finishReason === "aborted" ? "partial" : "complete",
    };
    await this.store.transaction(async (store) => {
      await store.conversations.updateMessage(request.conversationId, continued.id, {
        content: continued.content,
        token_count: continued.token_count,
        status: continued.status,
      });
      await store.usage.insert({
        id: newId("use"),
        tenant_id: request.tenantId,
        user_id: request.userId,
        persona_id: request.personaId,
        conversation_id: request.conversationId,
        message_id: continued.id,
        kind: "chat_reply",
        model: result.model,
        input_tokens: result.usage.inputTokens,
        output_tokens: result.usage.outputTokens,
        latency_ms: Math.round(performance.now() - started),
        cost_usd: costUsd,
        created_at: now,
      });
    });
    return outcomeOf(continued, generation, { started, loaded });
  }

  /**
   * The conversation within the tier's budget, and when the user wrote before the message being answered
   * (for a reply, the newest user message is the one answered; otherwise it is the previous one).
   */
  private async historyFor(request: {
    conversationId: string;
    persona: PersonaDefinition;
    replyTo: string | null;
    alternativeOf?: ReplyRequest["alternativeOf"];
  }): Promise<{ history: HistoryMessage[]; previousUserMessageAt: string | null }> {
    const { history, userMessageTimes } = await this.loadHistory(
      request.conversationId,
      this.budgets[request.persona.memory.tier],
      request.alternativeOf?.turnSequence,
    );
    const previousUserMessageAt = userMessageTimes[request.replyTo === null ? 0 : 1] ?? null;
    return { history, previousUserMessageAt };
  }

  /**
   * Newest history first until the budget is spent, fetched page by page, then put in order; with the
   * times of the user's messages in it, newest first.
   */
  private async loadHistory(
    conversationId: string,
    budget: number,
    /** only what came before this message (a regenerated turn); undefined: the whole conversation */
    untilSequence?: number,
  ): Promise<{ history: HistoryMessage[]; userMessageTimes: string[] }> {
    const newestFirst: HistoryMessage[] = [];
    const userMessageTimes: string[] = [];
    const done = () => ({ history: newestFirst.reverse(), userMessageTimes });
    let spent = 0;
    let beforeSequence: number | undefined = untilSequence;
    for (;;) {
      const page = await this.store.conversations.listRecentForHistory(conversationId, {
        limit: HISTORY_PAGE,
        beforeSequence,
      });
      for (const message of page) {
        newestFirst.push({
          role: message.role,
          content: message.content,
          tokens: message.token_count,
          messageId: message.id,
        });
        if (message.role === "user") userMessageTimes.push(message.created_at);
        spent += message.token_count;
        if (spent > budget) return done();
      }
      if (page.length < HISTORY_PAGE) return done();
      beforeSequence = page.at(-1)?.sequence;
    }
  }

  /**
   * Runs the server's own tools the model called (the request's tools are the client's to run) and asks
   * the model once more, without tools, for what it says with their results: one answer, usage summed.
   */
  private async withServerTools(
    model: LanguageModel,
    options: ModelRunOptions,
    first: GenerateResult,
  ): Promise<GenerateResult> {
    const tools = options.input.serverTools;
    if (!tools || options.input.tools) return first;
    const calls = (first.toolCalls ?? []).filter((call) =>
      tools.definitions.some((definition) => definition.name === call.name),
    );
    if (calls.length === 0) return first;
    const results: ChatMessage[] = [];
    for (const call of calls) {
      const content = await tools.run(call, { replyId: options.input.replyId ?? null });
      results.push({ role: "tool", toolCallId: call.id, content });
    }
    const second = await this.runModel(model, {
      ...options,
      followUp: [{ role: "assistant", content: first.text, toolCalls: calls }, ...results],
    });
    return {
      ...second,
      text: joinContinuation(first.text, second.text),
      usage: {
        inputTokens: first.usage.inputTokens + second.usage.inputTokens,
        outputTokens: first.usage.outputTokens + second.usage.outputTokens,
      },
      warnings: [...new Set([...first.warnings, ...second.warnings])],
      toolCalls: [],
    };
  }

  private async runModel(model: LanguageModel, options: ModelRunOptions): Promise<GenerateResult> {
    const { input: request, prompt, sampling, memories, macros, followUp } = options;
    // A client's tools, else the server's own (not after their results: one round of those per reply).
    const tools = request.tools ?? (followUp ? undefined : request.serverTools?.definitions);
    const modelRequest: GenerateRequest = {
      messages: followUp ? [...prompt.messages, ...followUp] : prompt.messages,
      sampling,
      signal: request.signal,
      context: generationContext(request, memories),
      // tool_choice "none" lets a client send tools to a model that cannot call them: they stay here.
      ...(tools && capabilitiesOf(model).tools && { tools }),
      ...(request.toolChoice && { toolChoice: request.toolChoice }),
      ...(request.parallelToolCalls !== undefined && { parallelToolCalls: request.parallelToolCalls }),
      ...(request.responseFormat && { responseFormat: request.responseFormat }),
    };
    // Models that learnt from character cards write `{{user}}` themselves: the user sees the names.
    const withNames = (result: GenerateResult): GenerateResult => {
      const text = expandNameMacros(result.text, macros);
      return text === result.text ? result : { ...result, text };
    };
    // Streaming costs several stream stages per chunk; when nobody reads the deltas, ask for the whole reply.
    if (!request.onDelta) return withNames(await model.generate(modelRequest));
    const names = new NameMacroStream(macros);
    for await (const part of model.stream(modelRequest)) {
      if (part.type === "delta") {
        const shown = names.push(part.text);
        if (shown) await request.onDelta(shown);
        continue;
      }
      if (part.type !== "finish") {
        await request.onToolCallPart?.(part);
        continue;
      }
      const rest = names.flush();
      if (rest) await request.onDelta(rest);
      return withNames(part.result);
    }
    throw new Error(`model ${model.id} ended its stream without a finish`);
  }

  private async record(options: {
    request: ReplyRequest;
    replyId: string;
    generation: Generation;
    startedAt: number;
    /** more writes that must land with the message, or not at all */
    alongside?: (store: Store, message: StoredMessage) => Promise<void>;
  }): Promise<StoredMessage> {
    const { request, replyId } = options;
    const { prompt, sampling, result, costUsd } = options.generation;
    const now = this.clock.now().toISOString();
    return this.store.transaction(async (store) => {
      const reply: StoredMessage = {
        id: replyId,
        conversation_id: request.conversationId,
        sequence: await store.conversations.claimSequence(request.conversationId, now),
        role: "assistant",
        content: result.text,
        status: result.finishReason === "aborted" ? "partial" : "complete",
        user_persona: request.userPersona ?? null,
        persona_version: request.personaVersion,
        model: result.model,
        token_count: countTokens(result.text),
        reply_to: request.replyTo,
        error: null,
        created_at: now,
        alternative_of: request.alternativeOf?.turnId ?? null,
        chosen: 1,
        edited_at: null,
      };
      await store.conversations.insertMessage(reply);
      // A regenerated reply replaces the turn's shown alternative in the same transaction as it lands.
      if (request.alternativeOf)
        await store.conversations.chooseAlternative(
          request.conversationId,
          request.alternativeOf.turnId,
          replyId,
        );
      await store.conversations.insertPrompt({
        message_id: replyId,
        model: result.model,
        parameters: { ...sampling },
        // The history section's text repeats the messages stored beside it; it is rebuilt when read.
        sections: prompt.sections.map((section) =>
          section.name === "history" ? { ...section, text: "" } : section,
        ),
        // A conversation's prompt holds no tool messages (only the OpenAI endpoint carries tools).
        messages: prompt.messages.flatMap(({ role, content }) =>
          role === "tool" ? [] : [{ role, content }],
        ),
        warnings: result.warnings,
        created_at: now,
      });
      await store.usage.insert({
        id: newId("use"),
        tenant_id: request.tenantId,
        user_id: request.userId,
        persona_id: request.personaId,
        conversation_id: request.conversationId,
        message_id: replyId,
        kind: "chat_reply",
        model: result.model,
        input_tokens: result.usage.inputTokens,
        output_tokens: result.usage.outputTokens,
        latency_ms: Math.round(performance.now() - options.startedAt),
        cost_usd: costUsd,
        created_at: now,
      });
      await options.alongside?.(store, reply);
      return reply;
    });
  }
}

/** What the model is told when asked to continue its last message. */
const CONTINUE_INSTRUCTION =
  "Continue your last message from exactly where it stops. Write only the continuation: do not repeat or rephrase what is already written.";

/** The message with its continuation; a space between them unless either side already has one. */
export function joinContinuation(message: string, continuation: string): string {
  if (!continuation) return message;
  if (!message || /\s$/.test(message) || /^[\s,.;:!?)]/.test(continuation)) return message + continuation;
  return `${message} ${continuation}`;
}

function outcomeOf(
  reply: StoredMessage,
  generation: Generation,
  times: { started: number; loaded: number },
): ReplyOutcome {
  return {
    reply,
    result: generation.result,
    prompt: generation.prompt,
    costUsd: generation.costUsd,
    timings: {
      prompt_ms: round(times.loaded - times.started + generation.promptMs),
      model_ms: generation.modelMs,
      total_ms: round(performance.now() - times.started),
    },
  };
}

/** What the reply is about, in structured form (the offline engine composes from it). */
function generationContext(input: GenerationInput, memories: string[]): GenerationContext {
  return {
    persona: {
      name: input.persona.name,
      occupation: input.persona.identity.occupation,
      location: input.persona.identity.location,
      summary: input.persona.identity.summary,
      personality: input.persona.personality,
      verbosity: input.persona.verbosity,
      communicationExamples: input.persona.communication_examples,
    },
    userPersona: input.userPersona,
    memories,
  };
}

function withoutUndefined(values: SamplingParameters): SamplingParameters {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}

function round(milliseconds: number): number {
  return Math.round(milliseconds * 100) / 100;
}
