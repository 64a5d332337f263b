import { z } from "zod";
import { namedList } from "../lib/named-list.ts";
import { createAnthropicProvider } from "./anthropic-provider.ts";
import type { ModelProvider } from "./language-model.ts";
import { createOpenAICompatibleProvider } from "./openai-compatible-provider.ts";

/** A capability on or off for every model, or on for models whose names match one of the globs. */
const capabilitySetting = z.union([z.boolean(), z.array(z.string().min(1))]);

/**
 * A model provider as configured by the operator (DRAMATIS_PROVIDERS or a providers file). Keys are
 * read from a named environment variable so a config file never has to hold a secret.
 */
export const providerConfigSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/, "must be lower-case letters, digits, - or _ (it prefixes model ids)")
    .refine((name) => !["offline", "local", "persona"].includes(name), "is reserved"),
  kind: z.enum(["openai-compatible", "anthropic"]),
  base_url: z.url("must be a URL").optional(),
  api_key: z.string().min(1).optional(),
  api_key_env: z.string().min(1).optional(),
  models: z.array(z.string().min(1)).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  /**
   * What the provider's models take beyond text: each feature true/false for all of them, or a list
   * of model-name globs (`"gpt-4o*"`). Features left out follow the model's name.
   */
  capabilities: z
    .strictObject({
      images: capabilitySetting.optional(),
      audio: capabilitySetting.optional(),
      files: capabilitySetting.optional(),
      tools: capabilitySetting.optional(),
      structured_output: capabilitySetting.optional(),
    })
    .optional(),
});

export type ProviderConfig = z.infer<typeof providerConfigSchema>;

export const providerConfigListSchema = namedList(providerConfigSchema, "provider");

/** Providers implied by well-known variables, so `OPENAI_API_KEY=… npm start` just works. */
export function providersFromWellKnownVariables(
  environment: Record<string, string | undefined>,
): ProviderConfig[] {
  const providers: ProviderConfig[] = [];
  if (environment.OPENAI_API_KEY) {
    providers.push({
      name: "openai",
      kind: "openai-compatible",
      base_url: environment.OPENAI_BASE_URL ?? "https://api.openai.com/v1",
      api_key_env: "OPENAI_API_KEY",
    });
  }
  if (environment.ANTHROPIC_API_KEY) {
    providers.push({ name: "anthropic", kind: "anthropic", api_key_env: "ANTHROPIC_API_KEY" });
  }
  return providers;
}

/**
 * Builds model providers from their configuration.
 *
 * Keys named by `api_key_env` are resolved into `api_key` by the configuration loader first.
 *
 * `fetch` replaces the global fetch for every call the providers make: tenants' providers get the
 * outbound guard's, the operator's own keep the global one.
 *
 * @example createConfiguredProviders([{ name: "ollama", kind: "openai-compatible", base_url: "http://127.0.0.1:11434/v1" }])
 */
export function createConfiguredProviders(
  configs: readonly ProviderConfig[],
  options: { fetch?: typeof globalThis.fetch } = {},
): ModelProvider[] {
  return configs.map((config) => {
    const apiKey = config.api_key;
    if (config.kind === "anthropic") {
      if (!apiKey) throw new Error(`provider ${config.name} needs an API key (api_key or api_key_env)`);
      return createAnthropicProvider({
        name: config.name,
        baseURL: config.base_url,
        apiKey,
        models: config.models,
        capabilities: config.capabilities,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
    }
    if (!config.base_url) throw new Error(`provider ${config.name} needs base_url`);
    return createOpenAICompatibleProvider({
      name: config.name,
      baseURL: config.base_url,
      apiKey,
      headers: config.headers,
      models: config.models,
      capabilities: config.capabilities,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  });
}
