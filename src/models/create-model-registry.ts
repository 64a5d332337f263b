import path from "node:path";
import type { Config } from "../config/config.ts";
import type { ModelCallMetrics } from "../lib/metrics.ts";
import type { ModelProvider } from "./language-model.ts";
import { findDefaultGguf } from "./local-gguf-files.ts";
import { createLocalGgufProvider } from "./local-gguf-provider.ts";
import { isLocalGgufRuntimeAvailable } from "./local-gguf-runtime.ts";
import { ModelRegistry } from "./model-registry.ts";
import { createOfflineProvider } from "./offline-model.ts";
import { createConfiguredProviders } from "./provider-config.ts";

export const OFFLINE_DEFAULT_MODEL = "offline/default";

export type ModelRegistryConfig = Pick<
  Config,
  "defaultModel" | "dataDir" | "providers" | "llamaRuntimeDirectory"
>;

/** Where `dramatis models pull` puts GGUF files and the local provider looks for them. */
export function modelsDirectory(config: Pick<Config, "dataDir">): string {
  return path.join(config.dataDir, "models");
}

/**
 * The default model when none is configured: a GGUF in `<data dir>/models` if there is one and the local
 * runtime is installed, else the offline engine.
 */
export async function chooseDefaultModel(config: ModelRegistryConfig): Promise<string> {
  if (config.defaultModel) return config.defaultModel;
  const gguf = findDefaultGguf(modelsDirectory(config));
  if (gguf && (await isLocalGgufRuntimeAvailable({ runtimeDirectory: config.llamaRuntimeDirectory }))) {
    return `local/${gguf}`;
  }
  return OFFLINE_DEFAULT_MODEL;
}

/**
 * The server's model registry: the built-in offline engine, local GGUF files (loaded on first use) and
 * every configured provider, with their calls counted in `metrics`.
 */
export function createModelRegistry(
  config: ModelRegistryConfig,
  defaultModel: string,
  metrics?: ModelCallMetrics,
): ModelRegistry {
  const providers: ModelProvider[] = [
    createOfflineProvider(),
    createLocalGgufProvider({
      modelsDirectory: modelsDirectory(config),
      runtimeDirectory: config.llamaRuntimeDirectory,
    }),
    ...createConfiguredProviders(config.providers),
  ];
  return new ModelRegistry(providers, defaultModel, metrics);
}
