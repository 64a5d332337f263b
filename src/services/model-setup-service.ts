import { z } from "zod";
import { ConflictError, ForbiddenError, ValidationError } from "../errors/app-error.ts";
import type { Clock } from "../lib/clock.ts";
import { excerpt, redactSecrets } from "../lib/redact.ts";
import { HOSTED_PROVIDER_PRESETS, type HostedProviderPreset } from "../models/hosted-provider-presets.ts";
import type { ModelProvider } from "../models/language-model.ts";
import { LOCAL_SERVER_KINDS, type LocalServerKind } from "../models/local-model-servers.ts";
import type { ModelRegistry } from "../models/model-registry.ts";
import { OFFLINE_PROVIDER } from "../models/offline-model.ts";
import type { Store } from "../store/store.ts";
import { sameApiRoot, type LocalServerAccess } from "./local-server-access.ts";
import type { ProviderService, ProviderView } from "./provider-service.ts";

export const defaultModelInputSchema = z.strictObject({
  model: z
    .string()
    .min(3)
    .max(300)
    .regex(/^[a-z0-9][a-z0-9_.-]*\/\S+$/i, "expected provider/model, such as ollama/llama3.2")
    .nullable(),
});

export const localServerInputSchema = z.strictObject({ kind: z.enum(LOCAL_SERVER_KINDS) });

/** How the tenant's default model stands. */
export interface ModelSetupView {
  default_model: string | null;
  effective_default_model: string;
  offline: boolean;
  needs_setup: boolean;
  /** the tenant may use model servers running on this server's machine (the operator's tenant) */
  local_servers_available: boolean;
  /** the tenant may download models onto this server (the operator's tenant) */
  downloads_available: boolean;
}

export interface LocalServerView {
  kind: LocalServerKind;
  name: string;
  base_url: string;
  reachable: boolean;
  models: string[];
  added: boolean;
}

export type ModelSource = "offline" | "local" | "server" | "tenant";

export interface AvailableModelView {
  id: string;
  provider: string;
  label: string;
  source: ModelSource;
  description?: string;
}

export interface AvailableModelsView {
  models: AvailableModelView[];
  /** providers that listed nothing (unreachable, a refused key, or no models) */
  warnings: { provider: string; message: string }[];
}

/** How long a tenant's default model is reused before it is read again (other processes may change it). */
const DEFAULT_MODEL_CACHE_MS = 30_000;
/** How long a provider's upstream model list is reused: the picker asks often, upstreams change rarely. */
const MODEL_LIST_CACHE_MS = 60_000;

const OFFLINE_DESCRIPTION =
  "The built-in test and demo engine: canned replies without any AI, so Dramatis works before a model is set up";

/**
 * A real model from the first minute: the tenant's default model, the model servers on this machine,
 * hosted providers by key, and every model the tenant can pick. Downloads live in ModelDownloadService.
 */
export class ModelSetupService {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly models: ModelRegistry;
  private readonly providers: ProviderService;
  private readonly localServers: LocalServerAccess;
  private readonly defaults = new Map<string, { model: string | null; readAt: number }>();
  private readonly listings = new WeakMap<ModelProvider, { names: string[]; readAt: number }>();

  constructor(dependencies: {
    store: Store;
    clock: Clock;
    models: ModelRegistry;
    providers: ProviderService;
    localServers: LocalServerAccess;
  }) {
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.models = dependencies.models;
    this.providers = dependencies.providers;
    this.localServers = dependencies.localServers;
    this.models.useTenantDefaultModels((tenantId) => this.tenantDefaultModel(tenantId));
  }

  async describe(tenantId: string): Promise<ModelSetupView> {
    const chosen = await this.tenantDefaultModel(tenantId);
    const effective = await this.models.defaultModelFor(tenantId);
    return {
      default_model: chosen,
      effective_default_model: effective,
      offline: isOffline(effective),
      needs_setup: chosen === null && isOffline(this.models.defaultModelId),
      local_servers_available: await this.localServers.mayUse(tenantId),
      downloads_available: (await this.store.tenants.findById(tenantId))?.is_operator === 1,
    };
  }

  /** Sets (or clears, with null) the tenant's default model, once the registry can resolve it. */
  async setDefaultModel(tenantId: string, model: string | null): Promise<ModelSetupView> {
    if (model !== null) await this.models.resolve(tenantId, model, "model");
    await this.store.modelSetup.saveDefaultModel(tenantId, model, this.clock.now().toISOString());
    this.defaults.delete(tenantId);
    return this.describe(tenantId);
  }

  /** What each fixed local address answers; nothing for a tenant that may not use them. */
  async listLocalServers(tenantId: string): Promise<LocalServerView[]> {
    if (!(await this.localServers.mayUse(tenantId))) return [];
    const [probes, rows] = await Promise.all([
      this.localServers.probeAll(),
      this.store.providers.list(tenantId),
    ]);
    return probes.map((probe) => ({
      kind: probe.kind,
      name: probe.name,
      base_url: probe.baseUrl,
      reachable: probe.reachable,
      models: probe.models,
      added: rows.some((row) => row.base_url !== null && sameApiRoot(row.base_url, probe.baseUrl)),
    }));
  }

  /** Adds a discovered local server as the tenant's OpenAI-compatible provider. */
  async addLocalServer(tenantId: string, kind: LocalServerKind): Promise<ProviderView> {
    if (!(await this.localServers.mayUse(tenantId))) {
      throw new ForbiddenError(
        "local model servers are only offered to the operator's tenant, and only while discovery is on " +
          "(DRAMATIS_LOCAL_MODEL_SERVERS is not off)",
      );
    }
    const address = this.localServers.addressOf(kind);
    if (!address) {
      throw new ValidationError([
        { field: "kind", message: `no ${kind} address is configured on this server` },
      ]);
    }
    const probe = await this.localServers.probeOne(address);
    const rows = await this.store.providers.list(tenantId);
    const existing = rows.find((row) => row.base_url !== null && sameApiRoot(row.base_url, probe.baseUrl));
    if (existing) {
      throw new ConflictError(`${kind} at ${probe.baseUrl} is already added as provider ${existing.name}`);
    }
    if (!probe.reachable) {
      throw new ValidationError([
        { field: "kind", message: `no ${kind} server answers at ${address.origin}; start it and try again` },
      ]);
    }
    const view = await this.providers.create(tenantId, {
      name: address.name,
      kind: "openai-compatible",
      base_url: probe.baseUrl,
    });
    return view;
  }

  hostedProviders(): readonly HostedProviderPreset[] {
    return HOSTED_PROVIDER_PRESETS;
  }

  /** Every model the tenant can pick, filtered by `query` (id, label or provider, any case). */
  async listModels(tenantId: string, query?: string): Promise<AvailableModelsView> {
    const providers = await this.models.availableProviders(tenantId);
    const warnings: AvailableModelsView["warnings"] = [];
    const lists = await Promise.all(
      providers.map(async ({ provider, scope }) => {
        const source = sourceOf(provider.name, scope);
        let names: string[];
        try {
          names = await this.modelNames(provider, source);
        } catch (error) {
          warnings.push({ provider: provider.name, message: describeListingError(error) });
          return [];
        }
        if (names.length === 0 && source !== "local") {
          warnings.push({
            provider: provider.name,
            message: "listed no models: the upstream could not be reached, refused the key, or offers none",
          });
        }
        return names.map((name) => toModelView(provider.name, name, source));
      }),
    );
    const needle = query?.trim().toLowerCase();
    const models = lists
      .flat()
      .filter(
        (model) =>
          !needle ||
          model.id.toLowerCase().includes(needle) ||
          model.label.toLowerCase().includes(needle) ||
          (model.description ?? "").toLowerCase().includes(needle),
      );
    return { models, warnings };
  }

  /** A provider's model names: the offline engine and local files directly, upstream lists cached briefly. */
  private async modelNames(provider: ModelProvider, source: ModelSource): Promise<string[]> {
    if (source === "offline" || source === "local") return provider.listModels();
    const now = this.clock.now().getTime();
    const cached = this.listings.get(provider);
    if (cached && now - cached.readAt < MODEL_LIST_CACHE_MS) return cached.names;
    const names = await provider.listModels();
    // An empty answer is often an upstream that is down: asked again next time instead of remembered.
    if (names.length > 0) this.listings.set(provider, { names, readAt: now });
    return names;
  }

  /** The tenant's stored default, cached for a short while (and dropped at once when it changes here). */
  private async tenantDefaultModel(tenantId: string): Promise<string | null> {
    const now = this.clock.now().getTime();
    const cached = this.defaults.get(tenantId);
    if (cached && now - cached.readAt >= 0 && now - cached.readAt < DEFAULT_MODEL_CACHE_MS)
      return cached.model;
    const model = await this.store.modelSetup.findDefaultModel(tenantId);
    if (this.defaults.size >= 10_000) this.defaults.clear();
    this.defaults.set(tenantId, { model, readAt: now });
    return model;
  }
}

function isOffline(modelId: string): boolean {
  return modelId.startsWith(`${OFFLINE_PROVIDER}/`);
}

function sourceOf(providerName: string, scope: "server" | "tenant"): ModelSource {
  if (scope === "tenant") return "tenant";
  if (providerName === OFFLINE_PROVIDER) return "offline";
  if (providerName === "local") return "local";
  return "server";
}

function toModelView(provider: string, name: string, source: ModelSource): AvailableModelView {
  const id = `${provider}/${name}`;
  if (source === "offline") {
    return { id, provider, label: "Offline test engine (no AI)", source, description: OFFLINE_DESCRIPTION };
  }
  if (source === "local") {
    return { id, provider, label: name, source, description: "A GGUF model file run on this server" };
  }
  return { id, provider, label: name, source };
}

function describeListingError(error: unknown): string {
  return excerpt(redactSecrets(error instanceof Error ? error.message : String(error)), 200);
}
