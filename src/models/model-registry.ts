import { ValidationError } from "../services/errors.ts";
import { parseModelId, type LanguageModel, type ModelProvider } from "./language-model.ts";

/** A model as listed: its full id and the provider it comes from. */
export interface ListedModel {
  id: string;
  provider: string;
}

/**
 * Resolves `provider/model` ids to language models over a set of providers, with one default for
 * personas that name no model.
 *
 * @example new ModelRegistry([createOfflineProvider()], "offline/default").resolve(null).id // "offline/default"
 */
export class ModelRegistry {
  private readonly providers = new Map<string, ModelProvider>();

  constructor(
    providers: ModelProvider[],
    readonly defaultModelId: string,
  ) {
    for (const provider of providers) this.providers.set(provider.name, provider);
  }

  /** The model for an id, or the default when the id is null; unknown providers are a 422 naming `field`. */
  resolve(modelId: string | null | undefined, field = "model"): LanguageModel {
    const id = modelId ?? this.defaultModelId;
    let parsed: { provider: string; model: string };
    try {
      parsed = parseModelId(id);
    } catch (error) {
      throw new ValidationError([{ field, message: (error as Error).message }]);
    }
    const provider = this.providers.get(parsed.provider);
    if (!provider) {
      const known = [...this.providers.keys()].join(", ");
      throw new ValidationError([
        { field, message: `no model provider named ${parsed.provider} is configured (known: ${known})` },
      ]);
    }
    return provider.languageModel(parsed.model);
  }

  hasProvider(name: string): boolean {
    return this.providers.has(name);
  }

  /** Every model the providers can list; a provider that fails to list contributes nothing. */
  async list(): Promise<ListedModel[]> {
    const lists = await Promise.all(
      [...this.providers.values()].map(async (provider) => {
        const names = await provider.listModels().catch(() => [] as string[]);
        return names.map((name) => ({ id: `${provider.name}/${name}`, provider: provider.name }));
      }),
    );
    return lists.flat();
  }
}
