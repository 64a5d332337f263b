import type { ModelCallMetrics } from "../lib/metrics.ts";
import { ValidationError } from "../errors/app-error.ts";
import {
  parseModelId,
  type EmbeddingModel,
  type LanguageModel,
  type ModelProvider,
} from "./language-model.ts";
import { meterEmbeddingModel, meterLanguageModel } from "./metered-language-model.ts";

/** Distinct (provider, model) label pairs of the model call metrics; later ones count as model `other`. */
export const METERED_MODELS_LIMIT = 500;

/** A model as listed: its full id and the provider it comes from. */
export interface ListedModel {
  id: string;
  provider: string;
}

/** Finds a tenant's own provider by name (configured through the API), or undefined. */
export type TenantProviderLookup = (
  tenantId: string,
  providerName: string,
) => Promise<ModelProvider | undefined>;

/** Lists a tenant's own providers. */
export type TenantProviderList = (tenantId: string) => Promise<ModelProvider[]>;

/** A tenant's own default model (`provider/model`), or null to use the server's. */
export type TenantDefaultModelLookup = (tenantId: string) => Promise<string | null>;

/** A provider a tenant can use, and whether the server or the tenant configured it. */
export interface AvailableProvider {
  provider: ModelProvider;
  scope: "server" | "tenant";
}

/**
 * Resolves `provider/model` ids to language models over a set of providers, with one default for
 * personas that name no model.
 *
 * @example (await new ModelRegistry([createOfflineProvider()], "offline/default").resolve("ten_1", null)).id
 */
export class ModelRegistry {
  private readonly providers = new Map<string, ModelProvider>();
  private tenantProviders: { find: TenantProviderLookup; list: TenantProviderList } | undefined;
  private tenantDefaultModel: TenantDefaultModelLookup | undefined;
  /** Built models per provider object: building one (AI SDK schemas and all) costs more than a call. */
  private readonly models = new WeakMap<ModelProvider, Map<string, LanguageModel>>();
  /** (provider, model) pairs with metric series of their own; see metricLabels. */
  private readonly meteredModels = new Set<string>();

  constructor(
    providers: ModelProvider[],
    readonly defaultModelId: string,
    /** every call's latency, tokens and errors by provider and model; none: not counted */
    private readonly metrics?: ModelCallMetrics,
  ) {
    for (const provider of providers) this.providers.set(provider.name, provider);
  }

  /** Adds providers that tenants configure for themselves; server-wide providers keep precedence. */
  useTenantProviders(source: { find: TenantProviderLookup; list: TenantProviderList }): void {
    this.tenantProviders = source;
  }

  /** Lets tenants choose their own default model (the model setup service keeps and caches it). */
  useTenantDefaultModels(lookup: TenantDefaultModelLookup): void {
    this.tenantDefaultModel = lookup;
  }

  /** The tenant's own default model, if it chose one. */
  async tenantDefaultModelId(tenantId: string): Promise<string | null> {
    return (await this.tenantDefaultModel?.(tenantId)) ?? null;
  }

  /**
   * The model a persona without one of its own answers with for this tenant: the tenant's choice while
   * its provider exists, else the server's default.
   */
  async defaultModelFor(tenantId: string): Promise<string> {
    const chosen = await this.tenantDefaultModelId(tenantId);
    if (chosen === null) return this.defaultModelId;
    // A default whose provider was removed must not make every persona fail: the server's answers.
    return (await this.findProvider(tenantId, chosen)) ? chosen : this.defaultModelId;
  }

  private async findProvider(tenantId: string, modelId: string): Promise<ModelProvider | undefined> {
    let providerName: string;
    try {
      providerName = parseModelId(modelId).provider;
    } catch {
      return undefined;
    }
    return this.providers.get(providerName) ?? (await this.tenantProviders?.find(tenantId, providerName));
  }

  /**
   * The model for an id as a tenant sees it (server-wide providers, then the tenant's own), or the
   * default when the id is null (the tenant's own default, then the server's). Unknown providers are a
   * 422 naming `field`.
   */
  async resolve(
    tenantId: string,
    modelId: string | null | undefined,
    field = "model",
  ): Promise<LanguageModel> {
    const id = modelId ?? (await this.defaultModelFor(tenantId));
    let parsed: { provider: string; model: string };
    try {
      parsed = parseModelId(id);
    } catch (error) {
      throw new ValidationError([{ field, message: (error as Error).message }]);
    }
    const provider =
      this.providers.get(parsed.provider) ?? (await this.tenantProviders?.find(tenantId, parsed.provider));
    if (!provider) {
      const known = [...this.providers.keys()].join(", ");
      throw new ValidationError([
        {
          field,
          message: `no model provider named ${parsed.provider} is configured (server-wide: ${known}; add one with POST /v1/providers)`,
        },
      ]);
    }
    return this.modelOf(provider, parsed.model);
  }

  private modelOf(provider: ModelProvider, modelName: string): LanguageModel {
    let byName = this.models.get(provider);
    if (!byName) {
      byName = new Map();
      this.models.set(provider, byName);
    }
    let model = byName.get(modelName);
    if (!model) {
      // Ids come from requests; a bound keeps a stream of made-up names from growing the cache forever.
      if (byName.size >= 1000) byName.clear();
      model = provider.languageModel(modelName);
      if (this.metrics) {
        model = meterLanguageModel(model, this.metricLabels(provider.name, modelName), this.metrics);
      }
      byName.set(modelName, model);
    }
    return model;
  }

  /** A server-wide provider's embedding model, when it can embed. */
  embeddingModel(providerName: string, modelName: string): EmbeddingModel | undefined {
    const model = this.providers.get(providerName)?.embeddingModel?.(modelName);
    if (!model || !this.metrics) return model;
    return meterEmbeddingModel(model, this.metricLabels(providerName, modelName), this.metrics);
  }

  /**
   * The labels a model's calls are counted under. Model names come from requests, and every label pair
   * is a series the process keeps for good: past METERED_MODELS_LIMIT pairs, new names count as `other`.
   */
  private metricLabels(provider: string, model: string): { provider: string; model: string } {
    const key = JSON.stringify([provider, model]);
    if (!this.meteredModels.has(key)) {
      if (this.meteredModels.size >= METERED_MODELS_LIMIT) return { provider, model: "other" };
      this.meteredModels.add(key);
    }
    return { provider, model };
  }

  /** Whether a server-wide provider has this name (tenants cannot reuse it). */
  hasProvider(name: string): boolean {
    return this.providers.has(name);
  }

  /** The providers a tenant can use: the server-wide ones first, then the tenant's own. */
  async availableProviders(tenantId: string): Promise<AvailableProvider[]> {
    const tenantProviders = this.tenantProviders ? await this.tenantProviders.list(tenantId) : [];
    return [
      ...[...this.providers.values()].map((provider) => ({ provider, scope: "server" as const })),
      ...tenantProviders
        .filter((provider) => !this.providers.has(provider.name))
        .map((provider) => ({ provider, scope: "tenant" as const })),
    ];
  }

  /** Every model a tenant can use; a provider that fails to list contributes nothing. */
  async list(tenantId?: string): Promise<ListedModel[]> {
    const tenantProviders = tenantId && this.tenantProviders ? await this.tenantProviders.list(tenantId) : [];
    const lists = await Promise.all(
      [...this.providers.values(), ...tenantProviders].map(async (provider) => {
        // A provider that is down must not hide every other provider's models; its calls report it.
        const names = await provider.listModels().catch(() => [] as string[]);
        return names.map((name) => ({ id: `${provider.name}/${name}`, provider: provider.name }));
      }),
    );
    return lists.flat();
  }
}
