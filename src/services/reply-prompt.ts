import type { Clock } from "../lib/clock.ts";
import type { SamplingParameters } from "../models/language-model.ts";
import { capabilitiesOf } from "../models/language-model.ts";
import type { ModelRegistry } from "../models/model-registry.ts";
import { countTokens } from "../models/token-count.ts";
import type { Store } from "../store/store.ts";
import type { PersonaDefinition } from "../domain/persona-definition.ts";
import type { Lorebook } from "../domain/lorebook/index.ts";
import type { GenerationInput } from "./generation-input.ts";
import type { MemoryRetrieval } from "./memory-retrieval.ts";
import { macroContextFor } from "./macro-context.ts";
import { assemblePrompt, type HistoryMessage } from "./prompt-assembly.ts";
import { withMacros } from "./prompt-macros.ts";
import { voiceConfigurationFor } from "./voice-configuration.ts";
import { worldInfoFor } from "./world-info.ts";

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

/** What a reply's prompt is built from, besides the request itself. */
export interface ReplyPromptSources {
  store: Store;
  clock: Clock;
  models: ModelRegistry;
  budgets: MemoryTierBudgets;
  retrieval: MemoryRetrieval;
  /** the standalone lorebooks attached to the persona, user persona or conversation; none when absent */
  lorebooks?: AttachedLorebooks | undefined;
  /** the pictures attached to messages; text only when absent */
  attachments?: HistoryAttachments | undefined;
}

/** The persona's sampling settings, with the chat configuration's own temperature and length on top. */
export function samplingFor(persona: PersonaDefinition): SamplingParameters {
  return {
    ...persona.sampling,
    temperature: persona.chat_configuration.temperature ?? persona.sampling.temperature,
    max_tokens: persona.chat_configuration.max_tokens ?? persona.sampling.max_tokens,
  };
}

/**
 * The model (the voice channel's, the chat configuration's or `modelId`), the persona and history with
 * their macros replaced and pictures attached, the memories, the lorebooks' world info, the assembled
 * prompt and the sampling for one generation; with the warnings met on the way (pictures a model cannot see).
 */
export async function prepareReplyPrompt(
  sources: ReplyPromptSources,
  input: GenerationInput & { modelId?: string | null },
) {
  const macros = await macroContextFor(sources.store, sources.clock, {
    persona: input.persona,
    userPersona: input.userPersona,
    userId: input.userId,
    seed: input.conversationId ?? `${input.personaId}/${input.userId ?? ""}`,
    previousUserMessageAt: input.previousUserMessageAt ?? null,
  });
  const voice =
    input.channel?.kind === "voice" ? voiceConfigurationFor(input.persona, input.channel.locale) : undefined;
  const model = await sources.models.resolve(
    input.tenantId,
    input.modelId ?? voice?.model ?? input.persona.chat_configuration.model ?? input.persona.model,
  );
  const expanded = withMacros(input, macros);
  const { persona, systemOverride } = expanded;
  const { history, warnings } = sources.attachments
    ? await sources.attachments.decorate(input.tenantId, expanded.history, {
        id: model.id,
        images: capabilitiesOf(model).images,
        files: capabilitiesOf(model).files,
      })
    : { history: expanded.history, warnings: [] };
  const lastUserMessage = [...history].reverse().find((message) => message.role === "user");
  const memories = await sources.retrieval.linesForPrompt({
    tenantId: input.tenantId,
    personaId: input.personaId,
    persona: input.persona,
    userId: input.userId,
    userPersonaId: input.userPersona?.id ?? null,
    message: lastUserMessage?.content ?? "",
  });
  const tokenBudget = sources.budgets[input.persona.memory.tier];
  const attachedBooks =
    (await sources.lorebooks?.booksFor({
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
  return { prompt, model, sampling, memories, persona, macros, warnings };
}

function withoutUndefined(values: SamplingParameters): SamplingParameters {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}
