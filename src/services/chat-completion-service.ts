import type { PersonaViewer } from "./persona-editor.ts";
import type { Clock } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import type { SamplingParameters } from "../models/language-model.ts";
import { countTokens } from "../models/token-count.ts";
import type { UserRow } from "../store/schema.ts";
import type { Store } from "../store/store.ts";
import { BadRequestError, NotFoundError } from "../errors/app-error.ts";
import type { PersonaService } from "./persona-service.ts";
import type { HistoryMessage } from "./prompt-assembly.ts";
import type { Generation, ReplyGenerator, UserPersonaSnapshot } from "./reply-generator.ts";

/** The prefix that makes a persona look like a model to OpenAI clients: `persona/<id>`. */
export const PERSONA_MODEL_PREFIX = "persona/";

export interface CompletionMessage {
  role: "system" | "developer" | "user" | "assistant" | "tool";
  content: string;
}

export interface CompletionRequest {
  /** The completion's id, chosen by the caller so a stream can name it before the model answers. */
  id: string;
  /** The persona: explicit, else from `model: "persona/<id>"`, else the user's active persona. */
  personaId?: string | undefined;
  /** Who asks: a signed-in member does not reach another member's private persona (default: the tenant). */
  viewer?: PersonaViewer | undefined;
  model?: string | undefined;
  messages: CompletionMessage[];
  sampling: SamplingParameters;
  signal?: AbortSignal | undefined;
  onDelta?: ((text: string) => void | Promise<void>) | undefined;
  onModelChosen?: ((modelId: string) => void | Promise<void>) | undefined;
}

export interface CompletionOutcome {
  id: string;
  personaId: string;
  generation: Generation;
}

/**
 * Personas as models on an OpenAI-style endpoint: the client owns the history; the persona's definition,
 * the user persona in force and memory are injected; a client system or developer message replaces only
 * the base instructions. Every call is metered.
 */
export class ChatCompletionService {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly personas: PersonaService;
  private readonly replies: ReplyGenerator;

  constructor(dependencies: {
    store: Store;
    clock: Clock;
    personas: PersonaService;
    replies: ReplyGenerator;
  }) {
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.personas = dependencies.personas;
    this.replies = dependencies.replies;
  }

  async complete(user: UserRow, request: CompletionRequest): Promise<CompletionOutcome> {
    const personaId = this.choosePersona(user, request);
    const { definition } = await this.personas.getServingDefinition(
      request.viewer ?? user.tenant_id,
      personaId,
    );
    const systemTexts = request.messages
      .filter((message) => message.role === "system" || message.role === "developer")
      .map((message) => message.content.trim())
      .filter(Boolean);
    const history: HistoryMessage[] = request.messages
      .filter((message) => message.role === "user" || message.role === "assistant")
      .map((message) => ({
        role: message.role as HistoryMessage["role"],
        content: message.content,
        tokens: countTokens(message.content),
      }));
    if (history.length === 0) {
      throw new BadRequestError("messages must contain at least one user message", [
        { field: "messages", message: "needs a user message" },
      ]);
    }
    const started = performance.now();
    const generation = await this.replies.generate({
      tenantId: user.tenant_id,
      personaId,
      userId: user.id,
      persona: definition,
      userPersona: await this.activeUserPersona(user),
      history,
      systemOverride: systemTexts.length > 0 ? systemTexts.join("\n\n") : undefined,
      samplingOverrides: request.sampling,
      signal: request.signal,
      onDelta: request.onDelta,
      onModelChosen: request.onModelChosen,
    });
    const id = request.id;
    await this.store.usage.insert({
      id: newId("use"),
      tenant_id: user.tenant_id,
      user_id: user.id,
      persona_id: personaId,
      conversation_id: null,
      message_id: id,
      kind: "chat_completion",
      model: generation.result.model,
      input_tokens: generation.result.usage.inputTokens,
      output_tokens: generation.result.usage.outputTokens,
      latency_ms: Math.round(performance.now() - started),
      cost_usd: generation.costUsd,
      created_at: this.clock.now().toISOString(),
    });
    return { id, personaId, generation };
  }

  /** Makes a persona the user's active one for calls that name none. */
  async setActivePersona(
    user: UserRow,
    personaId: string,
    viewer: PersonaViewer = user.tenant_id,
  ): Promise<string> {
    await this.personas.get(viewer, personaId);
    await this.store.users.setActivePersona(user.id, personaId);
    return personaId;
  }

  async getActivePersonaId(user: UserRow, viewer: PersonaViewer = user.tenant_id): Promise<string> {
    if (!user.active_persona_id) throw new NotFoundError("an active persona (none is set for this user)");
    await this.personas.get(viewer, user.active_persona_id);
    return user.active_persona_id;
  }

  async clearActivePersona(user: UserRow): Promise<void> {
    await this.store.users.setActivePersona(user.id, null);
  }

  private choosePersona(user: UserRow, request: CompletionRequest): string {
    if (request.personaId) return request.personaId;
    if (request.model?.startsWith(PERSONA_MODEL_PREFIX))
      return request.model.slice(PERSONA_MODEL_PREFIX.length);
    if (user.active_persona_id) return user.active_persona_id;
    throw new BadRequestError(
      "no persona chosen: send persona_id, use model persona/<id>, or set an active persona with PUT /v1/personas/active/{id}",
      [
        {
          field: "persona_id",
          message: "required when the model is not persona/<id> and no persona is active",
        },
      ],
    );
  }

  private async activeUserPersona(user: UserRow): Promise<UserPersonaSnapshot | null> {
    if (!user.active_user_persona_id) return null;
    const row = await this.store.userPersonas.find(user.id, user.active_user_persona_id);
    return row ? { id: row.id, name: row.name, description: row.description } : null;
  }
}
