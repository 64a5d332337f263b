import { resolveApiKey } from "../lib/api-key-env.ts";
import { createAzureSpeech } from "./azure-speech.ts";
import { createDeepgramSpeech } from "./deepgram-speech.ts";
import { createElevenLabsSpeech } from "./elevenlabs-speech.ts";
import { createOpenAISpeech } from "./openai-speech.ts";
import type { SpeechProviderConfig } from "./speech-config.ts";
import type { CloudSpeechOptions } from "./speech-http.ts";
import type { SpeechProvider } from "./speech.ts";

export interface SpeechProvidersOptions extends CloudSpeechOptions {
  /** where `api_key_env` names are looked up; process.env unless given */
  environment?: Record<string, string | undefined> | undefined;
}

/**
 * The provider a configuration describes. A key named by `api_key_env` is read here, once; the
 * providers themselves only see `api_key`.
 *
 * @example
 * const provider = createSpeechProvider({ name: "azure", kind: "azure", region: "westeurope", api_key_env: "AZURE_SPEECH_KEY" });
 */
export function createSpeechProvider(
  config: SpeechProviderConfig,
  options: SpeechProvidersOptions = {},
): SpeechProvider {
  const resolved: SpeechProviderConfig = {
    ...config,
    api_key: resolveApiKey(config, options.environment ?? process.env, "speech provider"),
  };
  // Local OpenAI-compatible servers take no key; the cloud services refuse every call without one.
  if (!resolved.api_key && resolved.kind !== "openai-compatible") {
    throw new Error(
      `speech provider ${resolved.name}: a ${resolved.kind} provider needs api_key or api_key_env`,
    );
  }
  const cloud: CloudSpeechOptions = { fetch: options.fetch };
  switch (resolved.kind) {
    case "azure":
      if (!resolved.region && !resolved.base_url) {
        throw new Error(`speech provider ${resolved.name}: an azure provider needs a region (or a base_url)`);
      }
      return createAzureSpeech(resolved, cloud);
    case "openai-compatible":
      return createOpenAISpeech(resolved, cloud);
    case "elevenlabs":
      return createElevenLabsSpeech(resolved, cloud);
    case "deepgram":
      return createDeepgramSpeech(resolved, cloud);
  }
}

/** Every configured provider, in configuration order. */
export function createSpeechProviders(
  configs: readonly SpeechProviderConfig[],
  options: SpeechProvidersOptions = {},
): SpeechProvider[] {
  return configs.map((config) => createSpeechProvider(config, options));
}
