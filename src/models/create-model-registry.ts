import type { Config } from "../config/config.ts";
import type { ModelProvider } from "./language-model.ts";
import { ModelRegistry } from "./model-registry.ts";
import { createOfflineProvider } from "./offline-model.ts";

export const OFFLINE_DEFAULT_MODEL = "offline/default";

/**
 * The server's model registry: the built-in offline engine plus every configured provider. The default
 * model is the configured one, else the offline engine.
 */
export function createModelRegistry(
  config: Pick<Config, "defaultModel">,
  providers: ModelProvider[] = [],
): ModelRegistry {
  return new ModelRegistry(
    [createOfflineProvider(), ...providers],
    config.defaultModel ?? OFFLINE_DEFAULT_MODEL,
  );
}
