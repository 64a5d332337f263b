import {
  TEXT_ONLY,
  UpstreamModelError,
  type FinishReason,
  type GenerateObjectResult,
  type GenerateRequest,
  type GenerateResult,
  type JsonSchema,
  type LanguageModel,
  type ModelCapabilities,
  type StreamPart,
} from "./language-model.ts";
import type { GenerationQueue } from "./generation-queue.ts";
import { toChatHistory } from "./local-gguf-chat-history.ts";
import { describeError } from "./local-gguf-runtime.ts";
import { mapLocalSampling } from "./local-gguf-sampling.ts";
import type {
  ChatHistoryItem,
  LlamaChatInstance,
  LlamaEmbeddingContext,
  LlamaModelInstance,
  Token,
} from "./node-llama-cpp-types.ts";
import { PartQueue } from "./part-queue.ts";

/** A model loaded by the local provider, with the one chat sequence its generations take turns on. */
export interface LoadedModel {
  model: LlamaModelInstance;
  chat: LlamaChatInstance;
  queue: GenerationQueue;
  /** Made on first use: most models are used for chat only. */
  embedding?: Promise<LlamaEmbeddingContext>;
}

/** What a local language model needs from its provider: the file, the loaded model and grammars. */
export interface LocalGgufModelSource {
  modelName: string;
  resolveFile: () => string;
  loadModel: (file: string) => Promise<LoadedModel>;
  createGrammar: (schema: JsonSchema) => Promise<unknown>;
}

/** A GGUF model generating through node-llama-cpp's `LlamaChat`, one generation at a time. */
export class LocalGgufLanguageModel implements LanguageModel {
  readonly id: string;
  /**
   * Text only: no tools, and generate/stream ignore `responseFormat` (only `generateObject` applies a
   * JSON-schema grammar), so structured output is not claimed.
   */
  readonly capabilities: ModelCapabilities = { ...TEXT_ONLY };

  constructor(private readonly source: LocalGgufModelSource) {
    this.id = `local/${source.modelName}`;
  }

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    return this.run({ request, onText: () => undefined });
  }

  async *stream(request: GenerateRequest): AsyncIterable<StreamPart> {
    // The consumer may stop early; this controller then stops the native generation too.
    const controller = new AbortController();
    const stopOnRequestAbort = () => controller.abort(request.signal?.reason);
    if (request.signal?.aborted) controller.abort(request.signal.reason);
    request.signal?.addEventListener("abort", stopOnRequestAbort, { once: true });
    const parts = new PartQueue();
    const running = this.run({
      request: { ...request, signal: controller.signal },
      onText: (text) => parts.push({ type: "delta", text }),
    }).then(
      (result) => parts.finish({ type: "finish", result }),
      (error: unknown) => parts.fail(error),
    );
    try {
      yield* parts;
    } finally {
      request.signal?.removeEventListener("abort", stopOnRequestAbort);
      controller.abort();
      await running;
    }
  }

  async generateObject(
    request: GenerateRequest & { schema: JsonSchema; schemaName?: string },
  ): Promise<GenerateObjectResult> {
    const warnings: string[] = [];
    const grammar = await this.source.createGrammar(request.schema).catch((error: unknown) => {
      if (error instanceof UpstreamModelError) throw error;
      // The grammar converter covers a subset of JSON Schema; the instruction alone is the fallback.
      warnings.push(
        `the schema could not be enforced as a grammar (${describeError(error)}); JSON was only requested`,
      );
      return undefined;
    });
    const instruction = `Answer only with JSON matching this JSON schema${request.schemaName ? ` (${request.schemaName})` : ""}: ${JSON.stringify(request.schema)}`;
    const result = await this.run({
      request: { ...request, messages: [{ role: "system", content: instruction }, ...request.messages] },
      onText: () => undefined,
      grammar,
    });
    if (result.finishReason === "aborted") {
      throw request.signal?.reason ?? new Error("generation was aborted");
    }
    return {
      object: parseJsonAnswer(result.text, this.id),
      usage: result.usage,
      model: this.id,
      warnings: [...result.warnings, ...warnings],
    };
  }

  private async run(options: {
    request: GenerateRequest;
    onText: (text: string) => void;
    grammar?: unknown;
  }): Promise<GenerateResult> {
    const { request, onText } = options;
    const { settings, warnings } = mapLocalSampling(request.sampling);
    const signal = request.signal;
    const result = (
      text: string,
      usage: GenerateResult["usage"],
      finishReason: FinishReason,
    ): GenerateResult => ({
      text,
      usage,
      finishReason,
      warnings,
      model: this.id,
    });
    if (signal?.aborted) return result("", { inputTokens: 0, outputTokens: 0 }, "aborted");
    const loaded = await this.source.loadModel(this.source.resolveFile());
    const release = await loaded.queue.acquire(signal);
    if (!release) return result("", { inputTokens: 0, outputTokens: 0 }, "aborted");
    try {
      const history = toChatHistory(request.messages);
      const usage = { inputTokens: countPromptTokens(loaded, history), outputTokens: 0 };
      let text = "";
      try {
        const response = await loaded.chat.generateResponse(history, {
          ...settings,
          ...(options.grammar === undefined ? {} : { grammar: options.grammar }),
          signal,
          stopOnAbortSignal: true,
          onTextChunk: (chunk: string) => {
            text += chunk;
            onText(chunk);
          },
          onToken: (tokens: Token[]) => {
            usage.outputTokens += tokens.length;
          },
        });
        return result(text, usage, mapStopReason(response.metadata.stopReason));
      } catch (error) {
        // An abort during prompt evaluation throws even with stopOnAbortSignal; it is still just an abort.
        if (signal?.aborted) return result(text, usage, "aborted");
        throw new UpstreamModelError(
          `local model ${this.source.modelName} failed: ${describeError(error)}`,
          undefined,
          false,
        );
      }
    } finally {
      release();
    }
  }
}

function countPromptTokens(loaded: LoadedModel, history: ChatHistoryItem[]): number {
  const state = loaded.chat.chatWrapper.generateContextState({ chatHistory: history });
  return state.contextText.tokenize(loaded.model.tokenizer).length;
}

function mapStopReason(stopReason: string): FinishReason {
  if (stopReason === "maxTokens") return "length";
  if (stopReason === "abort") return "aborted";
  if (["eogToken", "stopGenerationTrigger", "customStopTrigger"].includes(stopReason)) return "stop";
  return "other";
}

/** Parses a JSON answer, tolerating prose or code fences around it (when no grammar enforced the shape). */
function parseJsonAnswer(text: string, modelId: string): unknown {
  const candidates = [text.trim()];
  const start = text.search(/[[{]/);
  const end = Math.max(text.lastIndexOf("}"), text.lastIndexOf("]"));
  if (start >= 0 && end > start) candidates.push(text.slice(start, end + 1));
  for (const candidate of candidates) {
    try {
      return JSON.parse(candidate);
    } catch {
      // try the next candidate
    }
  }
  throw new UpstreamModelError(
    `${modelId} did not answer with valid JSON: ${JSON.stringify(text.slice(0, 200))}`,
    undefined,
    true,
  );
}
