import type { PersonaViewer } from "./persona-editor.ts";
import type { Clock } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import type {
  ChatMessage,
  GenerateRequest,
  GenerateResult,
  LanguageModel,
  SamplingParameters,
} from "../models/language-model.ts";
import { unsupportedInputs } from "../models/model-capabilities.ts";
import { countTokens } from "../models/token-count.ts";
import { jsonSchemaProblems } from "../lib/json-schema.ts";
import type { UserRow } from "../store/schema.ts";
import type { Store } from "../store/store.ts";
import { AppError, BadRequestError, NotFoundError } from "../errors/app-error.ts";
import type { PersonaService } from "./persona-service.ts";
import type { HistoryMessage } from "./prompt-assembly.ts";
import type { Generation, ToolCallStreamPart, UserPersonaSnapshot } from "./generation-input.ts";
import type { ReplyGenerator } from "./reply-generator.ts";

/** The prefix that makes a persona look like a model to OpenAI clients: `persona/<id>`. */
export const PERSONA_MODEL_PREFIX = "persona/";

export interface CompletionRequest {
  /** The completion's id, chosen by the caller so a stream can name it before the model answers. */
  id: string;
  /** The persona: explicit, else from `model: "persona/<id>"`, else the user's active persona. */
  personaId?: string | undefined;
  /** Who asks: a signed-in member does not reach another member's private persona (default: the tenant). */
  viewer?: PersonaViewer | undefined;
  model?: string | undefined;
  /** The client's messages in its order (developer messages read as system). */
  messages: ChatMessage[];
  tools?: GenerateRequest["tools"];
  toolChoice?: GenerateRequest["toolChoice"];
  parallelToolCalls?: GenerateRequest["parallelToolCalls"];
  responseFormat?: GenerateRequest["responseFormat"];
  sampling: SamplingParameters;
  signal?: AbortSignal | undefined;
  onDelta?: ((text: string) => void | Promise<void>) | undefined;
  onToolCallPart?: ((part: ToolCallStreamPart) => void | Promise<void>) | undefined;
  onModelChosen?: ((modelId: string) => void | Promise<void>) | undefined;
}

export interface CompletionOutcome {
  id: string;
  personaId: string;
  generation: Generation;
}

/**
 * Personas as models on an OpenAI-style endpoint: the client owns the history; the persona's definition,
 * the user persona in force and memory are injected; the client's leading system or developer messages
 * replace only the base instructions, later ones keep their place in the history. Tools, images and
 * response formats pass to the persona's model, or the request is refused (400) naming what that model
 * cannot take. Every call is metered.
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
    const { systemTexts, history } = splitLeadingSystem(request.messages);
    if (!history.some((message) => message.role === "user")) {
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
      onToolCallPart: request.onToolCallPart,
      onModelChosen: request.onModelChosen,
      checkModel: (model) => refuseUnsupported(model, request),
      tools: request.tools,
      toolChoice: request.toolChoice,
      parallelToolCalls: request.parallelToolCalls,
      responseFormat: request.responseFormat,
    });
    // A streamed answer has reached the client already; a whole one is checked before it does.
    if (!request.onDelta) generation.result = checkedFormat(generation.result, request.responseFormat);
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

/**
 * The client's leading system and developer messages (they replace the persona's base instructions)
 * and the rest of the conversation, where a later system message keeps its place.
 */
function splitLeadingSystem(messages: ChatMessage[]): { systemTexts: string[]; history: HistoryMessage[] } {
  const firstOther = messages.findIndex((message) => message.role !== "system");
  const leading = firstOther === -1 ? messages : messages.slice(0, firstOther);
  const rest = firstOther === -1 ? [] : messages.slice(firstOther);
  return {
    systemTexts: leading.map((message) => message.content.trim()).filter(Boolean),
    history: rest.map((message) => ({
      ...message,
      tokens:
        countTokens(message.content) +
        countTokens(message.toolCalls?.map((call) => call.name + call.arguments).join("") ?? ""),
    })),
  };
}

/** Refuses, before the model runs, a request the persona's model cannot take (images, tools, JSON). */
function refuseUnsupported(model: LanguageModel, request: CompletionRequest): void {
  const problems = unsupportedInputs(model, request);
  const first = problems[0];
  if (first) throw new BadRequestError(`${first.field}: ${first.message}`, problems);
}

/** The model wrote something its response format does not allow. */
export class ResponseFormatViolationError extends AppError {
  constructor(detail: string) {
    super(502, "Bad Gateway", detail);
  }
}

/**
 * A whole answer checked against its JSON response format: a strict schema the answer breaks is a 502
 * (the client asked for a guarantee); otherwise the answer goes out with a warning naming the problem.
 */
function checkedFormat(result: GenerateResult, format: CompletionRequest["responseFormat"]): GenerateResult {
  if (!format || format.type === "text" || result.toolCalls?.length) return result;
  let value: unknown;
  try {
    value = JSON.parse(result.text);
  } catch {
    return violation(result, format, ["the answer is not JSON"]);
  }
  const problems =
    format.type === "json_schema"
      ? jsonSchemaProblems(format.schema, value)
      : typeof value === "object" && value !== null && !Array.isArray(value)
        ? []
        : ["the answer is not a JSON object"];
  return problems.length === 0 ? result : violation(result, format, problems);
}

function violation(
  result: GenerateResult,
  format: NonNullable<CompletionRequest["responseFormat"]>,
  problems: string[],
): GenerateResult {
  const what = format.type === "json_schema" ? `the ${format.name} schema` : "a JSON object";
  const message = `model ${result.model} answered outside ${what}: ${problems.join("; ")}`;
  if (format.type === "json_schema" && format.strict) throw new ResponseFormatViolationError(message);
  return { ...result, warnings: [...result.warnings, message] };
}
