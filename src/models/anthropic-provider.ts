import { createAnthropic } from "@ai-sdk/anthropic";
import type { ModelProvider } from "./language-model.ts";
import { createAiSdkLanguageModel, type ProviderRetryOptions } from "./ai-sdk-language-model.ts";
import { fetchModelIds } from "./fetch-model-ids.ts";
import { resolveCapabilities, type CapabilitiesConfig } from "./model-families.ts";

export interface AnthropicProviderOptions {
  /** The provider part of model ids. Default "anthropic". */
  name?: string;
  /** The API root including the version. Default `https://api.anthropic.com/v1`. */
  baseURL?: string;
  apiKey: string;
  /** Models to offer; when absent `listModels()` asks the API's `/models`. */
  models?: string[];
  fetch?: typeof globalThis.fetch;
  retry?: ProviderRetryOptions;
  /** How long `listModels()` waits for `/models` before giving up. Default 3000. */
  listModelsTimeoutMs?: number;
  /** What the models take beyond text; features left out follow the model's name (`defaultCapabilities`). */
  capabilities?: CapabilitiesConfig | undefined;
}

const DEFAULT_BASE_URL = "https://api.anthropic.com/v1";
/** The Messages API version the AI SDK speaks; `/models` wants the same header. */
const ANTHROPIC_VERSION = "2023-06-01";

/**
 * Creates a provider for Anthropic's Messages API. Leading system messages become Anthropic's
 * system prompt (the AI SDK moves them), later ones user text "[system] …" where they stood;
 * penalties, seed, min_p and top_a are not supported there and come back as warnings.
 *
 * @example
 * const provider = createAnthropicProvider({ apiKey: process.env.ANTHROPIC_API_KEY! });
 * const result = await provider.languageModel("claude-haiku-4-5").generate({
 *   messages: [
 *     { role: "system", content: "You are Ada, a patient tutor." },
 *     { role: "user", content: "Hello" },
 *   ],
 * });
 */
export function createAnthropicProvider(options: AnthropicProviderOptions): ModelProvider {
  const name = options.name ?? "anthropic";
  const baseURL = (options.baseURL ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
  const sdkProvider = createAnthropic({ baseURL, apiKey: options.apiKey, fetch: options.fetch });
  return {
    name,
    languageModel: (modelName) =>
      createAiSdkLanguageModel({
        id: `${name}/${modelName}`,
        model: sdkProvider.languageModel(modelName),
        kind: "anthropic",
        providerName: name,
        retry: { provider: name, secrets: [options.apiKey], ...options.retry },
        capabilities: resolveCapabilities("anthropic", modelName, options.capabilities),
        buildProviderOptions: (_mapping, _purpose, features) =>
          features.parallelToolCalls === false ? { anthropic: { disableParallelToolUse: true } } : undefined,
      }),
    listModels: async () =>
      options.models ??
      fetchModelIds({
        url: `${baseURL}/models`,
        headers: { "x-api-key": options.apiKey, "anthropic-version": ANTHROPIC_VERSION },
        fetch: options.fetch,
        timeoutMs: options.listModelsTimeoutMs,
        secrets: [options.apiKey],
      }),
  };
}
