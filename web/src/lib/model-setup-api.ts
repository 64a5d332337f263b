/**
 * The model set-up API (`/v1/model-setup/...`) for the first-run model screen, Settings → Model and
 * every model picker: the tenant's default model, local servers on this machine, hosted presets,
 * the model list and downloads of recommended local models.
 */
import { client, unwrap, type Schema } from "./api.ts";

export type ModelSetup = Schema<"ModelSetup">;
export type LocalServer = Schema<"LocalModelServer">;
export type ModelChoice = Schema<"AvailableModel">;
export type HostedProvider = Schema<"HostedProviderPreset">;
export type CatalogModel = Schema<"ModelCatalogEntry">;
export type ModelDownload = Schema<"ModelDownload">;
type Provider = Schema<"Provider">;

/** TanStack Query keys: everything under `all`, so a change of default or provider refreshes every view. */
export const modelSetupKeys = {
  all: ["model-setup"] as const,
  state: ["model-setup", "state"] as const,
  localServers: ["model-setup", "local-servers"] as const,
  models: (query: string) => ["model-setup", "models", query] as const,
  hosted: ["model-setup", "hosted-providers"] as const,
  catalog: ["model-setup", "catalog"] as const,
  downloads: ["model-setup", "downloads"] as const,
  download: (id: string) => ["model-setup", "downloads", id] as const,
};

export function getModelSetup(signal?: AbortSignal): Promise<ModelSetup> {
  return unwrap(client.GET("/v1/model-setup", { signal }));
}

/** Sets the tenant's default model; null goes back to the server's own default. Admins only. */
export async function setDefaultModel(model: string | null): Promise<void> {
  await unwrap(client.PUT("/v1/model-setup/default-model", { body: { model } }));
}

export async function listLocalServers(signal?: AbortSignal): Promise<LocalServer[]> {
  return (await unwrap(client.GET("/v1/model-setup/local-servers", { signal }))).servers;
}

/** Adds a local server found on this machine as a provider of this workspace. */
export async function addLocalServer(kind: LocalServer["kind"]): Promise<Provider> {
  return unwrap(client.POST("/v1/model-setup/local-servers", { body: { kind } }));
}

/** Every model the tenant can pick; `query` keeps those whose id or label contains it. */
export function listModelChoices(query: string, signal?: AbortSignal) {
  return unwrap(
    client.GET("/v1/model-setup/models", { params: { query: query ? { q: query } : {} }, signal }),
  );
}

export async function listHostedProviders(signal?: AbortSignal): Promise<HostedProvider[]> {
  return (await unwrap(client.GET("/v1/model-setup/hosted-providers", { signal }))).providers;
}

export async function listCatalog(signal?: AbortSignal): Promise<CatalogModel[]> {
  return (await unwrap(client.GET("/v1/model-setup/downloads/catalog", { signal }))).models;
}

/** Starts (or, after a failure, continues) downloading a catalog model. */
export function startDownload(catalogId: string): Promise<ModelDownload> {
  return unwrap(client.POST("/v1/model-setup/downloads", { body: { catalog_id: catalogId } }));
}

/** The downloads this workspace started, so a screen opened later picks up their progress. */
export async function listDownloads(signal?: AbortSignal): Promise<ModelDownload[]> {
  return (await unwrap(client.GET("/v1/model-setup/downloads", { signal }))).downloads;
}

export function getDownload(id: string, signal?: AbortSignal): Promise<ModelDownload> {
  return unwrap(client.GET("/v1/model-setup/downloads/{id}", { params: { path: { id } }, signal }));
}

/** A provider's model, as every picker names it: `provider/model`. */
export function modelIdOf(providerName: string, model: string): string {
  return `${providerName}/${model}`;
}
