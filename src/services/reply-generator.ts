import type { Clock } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import type { GenerateObjectResult, GenerateResult, JsonSchema } from "../models/language-model.ts";
import type { ModelRegistry } from "../models/model-registry.ts";
import type { StoredMessage } from "../store/stored-documents/conversation-documents.ts";
import type { Store } from "../store/store.ts";
import type { PersonaDefinition } from "../domain/persona-definition.ts";
import type { Generation, GenerationInput } from "./generation-input.ts";
import type { MemoryRetrieval } from "./memory-retrieval.ts";
import type { PriceTable } from "./pricing.ts";
import type { AssembledPrompt } from "./prompt-assembly.ts";
import { replyHistoryFor } from "./reply-history.ts";
import { generationContext, runReplyModel } from "./reply-model-run.ts";
import {
  prepareReplyPrompt,
  type AttachedLorebooks,
  type HistoryAttachments,
  type MemoryTierBudgets,
  type ReplyPromptSources,
} from "./reply-prompt.ts";
import { recordContinuation, recordReply, type ReplyRecordingSinks } from "./reply-recording.ts";
import { withServerToolRound } from "./reply-tool-round.ts";

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

/**
 * Produces and records a persona's reply: gathers history within the memory tier's budget
 * (`reply-history.ts`), assembles the prompt (`reply-prompt.ts`), streams the model (`reply-model-run.ts`)
 * with a round of the server's own tools (`reply-tool-round.ts`), and stores the reply with its prompt and
 * usage in one transaction (`reply-recording.ts`). An abort keeps what was generated, marked partial.
 */
export class ReplyGenerator {
  private readonly sinks: ReplyRecordingSinks;
  private readonly prices: PriceTable;
  private readonly budgets: MemoryTierBudgets;
  private readonly promptSources: ReplyPromptSources;

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
    this.sinks = { store: dependencies.store, clock: dependencies.clock };
    this.prices = dependencies.prices;
    this.budgets = dependencies.budgets;
    this.promptSources = {
      store: dependencies.store,
      clock: dependencies.clock,
      models: dependencies.models,
      budgets: dependencies.budgets,
      retrieval: dependencies.retrieval,
      lorebooks: dependencies.lorebooks,
      attachments: dependencies.attachments,
    };
  }

  /**
   * Assembles the prompt and runs the persona's model over the given history; records nothing. Request
   * sampling values (from an OpenAI-style call) override the persona's.
   */
  async generate(input: GenerationInput): Promise<Generation> {
    const prepared = await this.prepare(input);
    const options = { ...prepared, input: { ...input, persona: prepared.persona } };
    const result = await withServerToolRound(
      prepared.model,
      options,
      await runReplyModel(prepared.model, options),
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

  /** The prompt, model and sampling for one generation, once the request has accepted the model. */
  private async prepare(input: GenerationInput & { modelId?: string | null }) {
    const started = performance.now();
    const prepared = await prepareReplyPrompt(this.promptSources, input);
    input.checkModel?.(prepared.model);
    await input.onModelChosen?.(prepared.model.id);
    const readyAt = performance.now();
    return { ...prepared, readyAt, promptMs: round(readyAt - started) };
  }

  /** A conversation's next reply: history from the store within the tier budget, recorded with its prompt. */
  async reply(request: ReplyRequest): Promise<ReplyOutcome> {
    const started = performance.now();
    const { history, previousUserMessageAt } = await this.historyFor(request);
    const replyId = newId("msg");
    await request.onStart?.(replyId);
    const loaded = performance.now();
    const generation = await this.generate({ ...request, history, previousUserMessageAt, replyId });
    const reply = await recordReply(this.sinks, { request, replyId, generation, startedAt: started });
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
    const reply = await recordReply(this.sinks, {
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
    const continued = await recordContinuation(this.sinks, {
      request,
      message: request.message,
      generation,
      startedAt: started,
    });
    return outcomeOf(continued, generation, { started, loaded });
  }

  /** The conversation within the persona's tier budget (before the regenerated turn, if any). */
  private historyFor(request: {
    conversationId: string;
    persona: PersonaDefinition;
    replyTo: string | null;
    alternativeOf?: ReplyRequest["alternativeOf"];
  }) {
    return replyHistoryFor(this.sinks.store, {
      conversationId: request.conversationId,
      budget: this.budgets[request.persona.memory.tier],
      replyTo: request.replyTo,
      untilSequence: request.alternativeOf?.turnSequence,
    });
  }
}

/** What the model is told when asked to continue its last message. */
const CONTINUE_INSTRUCTION =
  "Continue your last message from exactly where it stops. Write only the continuation: do not repeat or rephrase what is already written.";

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

function round(milliseconds: number): number {
  return Math.round(milliseconds * 100) / 100;
}
