import { providersFromWellKnownVariables, type ProviderConfig } from "../models/provider-config.ts";
import { speechProvidersFromWellKnownVariables, type SpeechProviderConfig } from "../speech/speech-config.ts";
import { mediaProvidersFromWellKnownVariables, type MediaProviderConfig } from "../media/media-config.ts";
import type { SettingValues } from "./settings.ts";

/**
 * The model, speech and media providers: those the well-known variables (OPENAI_API_KEY, …) imply, replaced
 * by configured ones of the same name, each with its key read from the variable it names. A missing key adds
 * to `problems`; once there is a problem, the lists after it stay empty and unchecked.
 *
 * @example resolveProviders(values, process.env, problems).providers
 */
export function resolveProviders(
  values: SettingValues,
  environment: Record<string, string | undefined>,
  problems: string[],
): {
  providers: ProviderConfig[];
  speechProviders: SpeechProviderConfig[];
  mediaProviders: MediaProviderConfig[];
} {
  const providers =
    problems.length > 0
      ? []
      : resolveProviderKeys(
          mergeProviders([
            ...providersFromWellKnownVariables(environment),
            ...(values.DRAMATIS_PROVIDERS_FILE as ProviderConfig[]),
            ...(values.DRAMATIS_PROVIDERS as ProviderConfig[]),
          ]),
          environment,
          problems,
        );
  const speechProviders =
    problems.length > 0
      ? []
      : resolveProviderKeys(
          [
            ...new Map(
              [
                ...speechProvidersFromWellKnownVariables(environment),
                ...(values.DRAMATIS_SPEECH_PROVIDERS as SpeechProviderConfig[]),
              ].map((provider) => [provider.name, provider]),
            ).values(),
          ],
          environment,
          problems,
          "speech provider",
        );
  const mediaProviders =
    problems.length > 0
      ? []
      : resolveProviderKeys(
          [
            ...new Map(
              [
                ...mediaProvidersFromWellKnownVariables(environment),
                ...(values.DRAMATIS_MEDIA_PROVIDERS as MediaProviderConfig[]),
              ].map((provider) => [provider.name, provider]),
            ).values(),
          ],
          environment,
          problems,
          "media provider",
        );
  return { providers, speechProviders, mediaProviders };
}

/** Later entries win: explicit configuration overrides what well-known variables imply. */
function mergeProviders(providers: ProviderConfig[]): ProviderConfig[] {
  return [...new Map(providers.map((provider) => [provider.name, provider])).values()];
}

/** Reads each provider's key from the variable it names, so the key is checked once, at start-up. */
function resolveProviderKeys<
  T extends { name: string; api_key?: string | undefined; api_key_env?: string | undefined },
>(
  providers: T[],
  environment: Record<string, string | undefined>,
  problems: string[],
  what = "provider",
): T[] {
  return providers.map((provider) => {
    if (provider.api_key || !provider.api_key_env) return provider;
    const key = environment[provider.api_key_env];
    if (!key) problems.push(`${what} ${provider.name}: ${provider.api_key_env} (its api_key_env) is not set`);
    return { ...provider, api_key: key };
  });
}
