import { resolveApiKey } from "../lib/api-key-env.ts";
import { createAutomatic1111 } from "./automatic1111.ts";
import { createComfyUi } from "./comfyui.ts";
import type { MediaProviderConfig } from "./media-config.ts";
import type { CloudMediaOptions } from "./media-http.ts";
import type { MediaProvider } from "./media.ts";
import { createOpenAIImages } from "./openai-images.ts";
import { createReplicate } from "./replicate.ts";

export interface MediaProvidersOptions extends CloudMediaOptions {
  /** where `api_key_env` names are looked up; process.env unless given */
  environment?: Record<string, string | undefined> | undefined;
}

/**
 * The provider a configuration describes. A key named by `api_key_env` is read here, once; the providers
 * themselves only see `api_key`.
 *
 * @example
 * const forge = createMediaProvider({ name: "forge", kind: "automatic1111", base_url: "http://127.0.0.1:7860" });
 */
export function createMediaProvider(
  config: MediaProviderConfig,
  options: MediaProvidersOptions = {},
): MediaProvider {
  const resolved: MediaProviderConfig = {
    ...config,
    api_key: resolveApiKey(config, options.environment ?? process.env, "media provider"),
  };
  // Local servers (A1111, ComfyUI, OpenAI-compatible ones) take no key; Replicate refuses every call without.
  if (!resolved.api_key && resolved.kind === "replicate") {
    throw new Error(`media provider ${resolved.name}: a replicate provider needs api_key or api_key_env`);
  }
  const { environment: _environment, ...cloud } = options;
  switch (resolved.kind) {
    case "openai-compatible":
      return createOpenAIImages(resolved, cloud);
    case "automatic1111":
      return createAutomatic1111(resolved, cloud);
    case "comfyui":
      return createComfyUi(resolved, cloud);
    case "replicate":
      return createReplicate(resolved, cloud);
  }
}

/** Every configured provider, in configuration order. */
export function createMediaProviders(
  configs: readonly MediaProviderConfig[],
  options: MediaProvidersOptions = {},
): MediaProvider[] {
  return configs.map((config) => createMediaProvider(config, options));
}
