import { AppError } from "../errors/app-error.ts";

/**
 * The one small interface every model provider implements. Core code talks to `LanguageModel` only; it
 * never imports a concrete provider.
 */

export type ChatRole = "system" | "user" | "assistant";

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/** Sampling parameters as Dramatis names them; each provider maps what it supports and warns about the rest. */
export interface SamplingParameters {
  temperature?: number | null;
  top_p?: number | null;
  top_k?: number | null;
  min_p?: number | null;
  frequency_penalty?: number | null;
  presence_penalty?: number | null;
  repetition_penalty?: number | null;
  top_a?: number | null;
  max_tokens?: number | null;
  stop?: string[];
  seed?: number | null;
}

/**
 * What the reply is about, in structured form. Real models read the prompt; the offline engine, which
 * cannot understand text, composes its in-character reply from this.
 */
export interface GenerationContext {
  persona: {
    name: string;
    occupation?: string | null;
    location?: string | null;
    summary?: string;
    personality?: string;
    verbosity: number;
    communicationExamples?: string[];
  };
  userPersona: { name: string; description: string } | null;
  memories: string[];
}

export interface GenerateRequest {
  messages: ChatMessage[];
  sampling?: SamplingParameters;
  context?: GenerationContext;
  /** Aborting stops generation; the result so far is returned with finishReason "aborted". */
  signal?: AbortSignal;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

export type FinishReason = "stop" | "length" | "aborted" | "error" | "other";

export interface GenerateResult {
  text: string;
  usage: TokenUsage;
  finishReason: FinishReason;
  /** Parameters the provider ignored or adjusted, as sentences for people ("top_a is not supported"). */
  warnings: string[];
  /** The full `provider/model` id that produced the text. */
  model: string;
}

export type StreamPart = { type: "delta"; text: string } | { type: "finish"; result: GenerateResult };

/** A JSON schema for structured answers (extraction, study answers). */
export type JsonSchema = Record<string, unknown>;

export interface GenerateObjectResult {
  object: unknown;
  usage: TokenUsage;
  model: string;
  warnings: string[];
}

export interface LanguageModel {
  /** `provider/model`, e.g. `offline/default` or `openai/gpt-4o-mini`. */
  readonly id: string;
  generate(request: GenerateRequest): Promise<GenerateResult>;
  /** Yields text deltas, then exactly one finish part (also when aborted). */
  stream(request: GenerateRequest): AsyncIterable<StreamPart>;
  /** Asks for an answer matching `schema`; the result is parsed JSON, not yet validated by the caller. */
  generateObject(
    request: GenerateRequest & { schema: JsonSchema; schemaName?: string },
  ): Promise<GenerateObjectResult>;
}

/** Turns texts into vectors for semantic search. */
export interface EmbeddingModel {
  /** `provider/model`. */
  readonly id: string;
  embed(
    texts: string[],
    options?: { signal?: AbortSignal },
  ): Promise<{ embeddings: Float32Array[]; tokens: number }>;
}

/** A source of models: `offline`, an OpenAI-compatible endpoint, Anthropic, a local GGUF runtime. */
export interface ModelProvider {
  /** The provider part of model ids (`openai` in `openai/gpt-4o-mini`). */
  readonly name: string;
  languageModel(modelName: string): LanguageModel;
  /** Providers that can embed text offer this. */
  embeddingModel?(modelName: string): EmbeddingModel;
  /** Names (without the provider prefix) of the models this provider can list; may be empty. */
  listModels(): Promise<string[]>;
}

/**
 * An upstream model call failed; carries the upstream HTTP status when there was one. The message is a
 * summary callers may see; `upstreamMessage` (redacted) is what the upstream said, for server logs only.
 */
export class UpstreamModelError extends AppError {
  constructor(
    detail: string,
    readonly upstreamStatus: number | undefined,
    readonly retryable: boolean,
    readonly upstreamMessage?: string | undefined,
  ) {
    super(
      502,
      "Bad Gateway",
      upstreamStatus === undefined || detail.includes(`HTTP ${upstreamStatus}`)
        ? detail
        : `${detail} (upstream status ${upstreamStatus})`,
    );
  }
}

/** A model asked for JSON answered with text that is not JSON; `text` is what it said. */
export class UnparsableOutputError extends Error {
  constructor(
    readonly text: string,
    readonly usage: TokenUsage,
  ) {
    super("the model's output was not valid JSON");
    this.name = "UnparsableOutputError";
  }
}

/** Splits `provider/model` at the first slash; the model part may itself contain slashes. */
export function parseModelId(modelId: string): { provider: string; model: string } {
  const slash = modelId.indexOf("/");
  if (slash <= 0 || slash === modelId.length - 1) {
    throw new Error(`model id ${modelId} must be provider/model`);
  }
  return { provider: modelId.slice(0, slash), model: modelId.slice(slash + 1) };
}
