import { AppError } from "../errors/app-error.ts";

/**
 * The one small interface every model provider implements. Core code talks to `LanguageModel` only; it
 * never imports a concrete provider.
 */

export type ChatRole = "system" | "user" | "assistant" | "tool";

/**
 * A piece of a message that is not only text (OpenAI content parts). `content` of the message still holds
 * all of its text, so code that reads text only keeps working.
 */
export type ContentPart =
  | { type: "text"; text: string }
  /** `url` is an https: URL or a data: URL. */
  | { type: "image"; url: string; detail?: "auto" | "low" | "high" | undefined }
  /** base64 audio, as OpenAI's `input_audio`. */
  | { type: "audio"; data: string; format: "wav" | "mp3" }
  /** base64 file content (a PDF, a text file) with its media type. */
  | { type: "file"; data: string; mediaType: string; filename?: string | undefined };

/** A function call the model asked for; `arguments` is the JSON text it wrote. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface ChatMessage {
  role: ChatRole;
  /** The message's text (every text part joined when it has parts). */
  content: string;
  /** The whole content in order, when it holds more than text (images, audio, files). */
  parts?: ContentPart[] | undefined;
  /** A participant's name (OpenAI's `name`), passed on where the model's API has the field. */
  name?: string | undefined;
  /** An assistant message's tool calls. */
  toolCalls?: ToolCall[] | undefined;
  /** A `tool` message: the call it answers. */
  toolCallId?: string | undefined;
}

/** A function the model may call. `parameters` is a JSON schema of its arguments object. */
export interface ToolDefinition {
  name: string;
  description?: string | undefined;
  parameters: JsonSchema;
  /** Asks the model to follow `parameters` exactly (OpenAI strict mode) where it can. */
  strict?: boolean | undefined;
}

/** Whether the model may, must or must not call a tool, or which one it must call. */
export type ToolChoice = "auto" | "none" | "required" | { name: string };

/** The shape of the answer: free text, any JSON object, or JSON matching a schema. */
export type ResponseFormat =
  | { type: "text" }
  | { type: "json_object" }
  | {
      type: "json_schema";
      name: string;
      schema: JsonSchema;
      description?: string | undefined;
      strict?: boolean | undefined;
    };

/** What a model accepts beyond text; requests that need more are refused before the model runs. */
export interface ModelCapabilities {
  images: boolean;
  audio: boolean;
  /** PDFs and other files as content parts. */
  files: boolean;
  tools: boolean;
  /** `response_format` JSON (an object, or one matching a schema). */
  structuredOutput: boolean;
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
  /** Functions the model may call; its calls come back in `toolCalls`, never run here. */
  tools?: ToolDefinition[] | undefined;
  /** Default "auto" when tools are given. */
  toolChoice?: ToolChoice | undefined;
  /** false: at most one tool call per answer. Default: the model's own (usually several allowed). */
  parallelToolCalls?: boolean | undefined;
  /** Default text. */
  responseFormat?: ResponseFormat | undefined;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

export type FinishReason = "stop" | "length" | "tool_calls" | "aborted" | "error" | "other";

export interface GenerateResult {
  text: string;
  /** The tool calls the model asked for (finishReason "tool_calls"); absent or empty for none. */
  toolCalls?: ToolCall[] | undefined;
  usage: TokenUsage;
  finishReason: FinishReason;
  /** Parameters the provider ignored or adjusted, as sentences for people ("top_a is not supported"). */
  warnings: string[];
  /** The full `provider/model` id that produced the text. */
  model: string;
}

/**
 * A stream: text deltas and tool call pieces as they come, then exactly one finish part. A tool call
 * starts with its id and name (`index` counts the answer's calls from 0), then its arguments arrive as
 * JSON text in pieces; the finish part's result holds every call whole.
 */
export type StreamPart =
  | { type: "delta"; text: string }
  | { type: "tool-call-start"; index: number; id: string; name: string }
  | { type: "tool-call-delta"; index: number; argumentsDelta: string }
  | { type: "finish"; result: GenerateResult };

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
  /** What it accepts beyond text; absent: text only (`capabilitiesOf`). */
  readonly capabilities?: ModelCapabilities;
  generate(request: GenerateRequest): Promise<GenerateResult>;
  /** Yields text deltas, then exactly one finish part (also when aborted). */
  stream(request: GenerateRequest): AsyncIterable<StreamPart>;
  /** Asks for an answer matching `schema`; the result is parsed JSON, not yet validated by the caller. */
  generateObject(
    request: GenerateRequest & { schema: JsonSchema; schemaName?: string },
  ): Promise<GenerateObjectResult>;
}

/** A model that declares nothing takes text only: no images, audio, files, tools or JSON modes. */
export const TEXT_ONLY: ModelCapabilities = {
  images: false,
  audio: false,
  files: false,
  tools: false,
  structuredOutput: false,
};

export function capabilitiesOf(model: LanguageModel): ModelCapabilities {
  return model.capabilities ?? TEXT_ONLY;
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
