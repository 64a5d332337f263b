import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { embedMany } from "ai";
import { createAiSdkLanguageModel, type ProviderRetryOptions } from "./ai-sdk-language-model.ts";
import { fetchModelIds } from "./fetch-model-ids.ts";
import type { ModelProvider } from "./language-model.ts";
import { resolveCapabilities, type CapabilitiesConfig } from "./model-families.ts";
import { withRetry } from "./upstream-retry.ts";

export interface OpenAICompatibleProviderOptions {
  /** The provider part of model ids (`openrouter` in `openrouter/meta-llama/llama-3-8b`). */
  name: string;
  /** The API root including the version, e.g. `https://openrouter.ai/api/v1` or `http://127.0.0.1:8080/v1`. */
  baseURL: string;
  apiKey?: string;
  headers?: Record<string, string>;
  /** Models to offer; when absent `listModels()` asks the endpoint's `/models`. */
  models?: string[];
  fetch?: typeof globalThis.fetch;
  retry?: ProviderRetryOptions;
  /** How long `listModels()` waits for `/models` before giving up. Default 3000. */
  listModelsTimeoutMs?: number;
  /** What the models take beyond text; features left out follow the model's name (`defaultCapabilities`). */
  capabilities?: CapabilitiesConfig | undefined;
}

/**
 * The AI SDK reads our extra body fields from `providerOptions[<its provider name>]`. A fixed
 * internal name keeps that key stable even when the configured name contains dots or dashes,
 * which the SDK would otherwise split or camel-case.
 */
const SDK_PROVIDER_NAME = "dramatis";

/**
 * Creates a provider for any OpenAI-compatible chat endpoint (OpenAI, OpenRouter, Ollama, vLLM,
 * LM Studio, llama.cpp server). Non-standard sampling parameters (top_k, min_p, top_a,
 * repetition_penalty) travel as extra body fields; failures are retried here, not in the SDK.
 *
 * @example
 * const provider = createOpenAICompatibleProvider({
 *   name: "openrouter",
 *   baseURL: "https://openrouter.ai/api/v1",
 *   apiKey: process.env.OPENROUTER_API_KEY,
 * });
 * const result = await provider.languageModel("meta-llama/llama-3-8b-instruct").generate({
 *   messages: [{ role: "user", content: "Hello" }],
 *   sampling: { temperature: 0.8, min_p: 0.05 },
 * });
 */
export function createOpenAICompatibleProvider(options: OpenAICompatibleProviderOptions): ModelProvider {
  const sdkProvider = createOpenAICompatible({
    name: SDK_PROVIDER_NAME,
    baseURL: options.baseURL,
    apiKey: options.apiKey,
    headers: options.headers,
    fetch: options.fetch,
    includeUsage: true,
    // Sends `response_format: json_schema`; without it the SDK sends bare `json_object` and the
    // model never sees the schema.
    supportsStructuredOutputs: true,
  });
  return {
    name: options.name,
    languageModel: (modelName) =>
      createAiSdkLanguageModel({
        id: `${options.name}/${modelName}`,
        model: sdkProvider.chatModel(modelName),
        kind: "openai-compatible",
        providerName: options.name,
        retry: { provider: options.name, secrets: [options.apiKey], ...options.retry },
        capabilities: resolveCapabilities("openai-compatible", modelName, options.capabilities),
        buildProviderOptions: (mapping, purpose, features) => ({
          [SDK_PROVIDER_NAME]: {
            ...mapping.extraBody,
            // Unknown keys here become body fields; the SDK has no setting of its own for this one.
            ...(features.parallelToolCalls !== undefined && {
              parallel_tool_calls: features.parallelToolCalls,
            }),
            // Strict mode rejects schemas that do not list every property as required, which
            // callers' schemas often do not; non-strict still guides the model. A client's
            // json_schema response format is strict only when it asks (OpenAI's default too).
            ...(purpose === "object"
              ? { strictJsonSchema: false }
              : features.strictJsonSchema !== undefined && { strictJsonSchema: features.strictJsonSchema }),
          },
        }),
      }),
    embeddingModel: (modelName) => ({
      id: `${options.name}/${modelName}`,
      async embed(texts, embedOptions) {
        const model = sdkProvider.embeddingModel(modelName);
        const result = await withRetry(
          () => embedMany({ model, values: texts, maxRetries: 0, abortSignal: embedOptions?.signal }),
          {
            provider: options.name,
            secrets: [options.apiKey],
            ...options.retry,
            signal: embedOptions?.signal,
          },
        );
        return {
          embeddings: result.embeddings.map((vector) => Float32Array.from(vector)),
          tokens: result.usage?.tokens ?? 0,
        };
      },
    }),
    listModels: async () =>
      options.models ??
      fetchModelIds({
        url: `${withoutTrailingSlash(options.baseURL)}/models`,
        headers: {
          ...(options.apiKey && { authorization: `Bearer ${options.apiKey}` }),
          ...options.headers,
        },
        fetch: options.fetch,
        timeoutMs: options.listModelsTimeoutMs,
        secrets: [options.apiKey],
      }),
  };
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
