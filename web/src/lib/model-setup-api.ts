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
type Provider = Schema<"Provider">;

// TEMPORARY: the download types mirror the agreed contract until the downloads API is in the SDK.
export interface CatalogModel {
  id: string;
  name: string;
  description: string;
  size_bytes: number;
  licence: string;
  /** null: not known, the file is not verified */
  sha256: string | null;
  url: string;
  /** the `local/<name>` id it is used as once downloaded */
  model_id: string;
  downloaded: boolean;
}
export interface ModelDownload {
  id: string;
  catalog_id: string;
  /** the `local/<name>` id the model is used as once done */
  model_id: string;
  status: "queued" | "downloading" | "done" | "failed";
  received_bytes: number;
  total_bytes: number | null;
  error?: string;
}
/** The download routes are not in the generated paths yet: a client that takes any path (see TEMPORARY). */
const untyped = client as unknown as {
  GET(
    path: string,
    init?: Record<string, unknown>,
  ): Promise<{ data?: unknown; error?: unknown; response: Response }>;
  POST(
    path: string,
    init?: Record<string, unknown>,
  ): Promise<{ data?: unknown; error?: unknown; response: Response }>;
};

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
  const answer = (await unwrap(untyped.GET("/v1/model-setup/downloads/catalog", { signal }))) as {
    models: CatalogModel[];
  };
  return answer.models;
}

/** Starts (or, after a failure, continues) downloading a catalog model. */
export async function startDownload(catalogId: string): Promise<ModelDownload> {
  return (await unwrap(
    untyped.POST("/v1/model-setup/downloads", { body: { catalog_id: catalogId } }),
  )) as ModelDownload;
}

/** The downloads this workspace started, so a screen opened later picks up their progress. */
export async function listDownloads(signal?: AbortSignal): Promise<ModelDownload[]> {
  const answer = (await unwrap(untyped.GET("/v1/model-setup/downloads", { signal }))) as {
    downloads: ModelDownload[];
  };
  return answer.downloads;
}

export async function getDownload(id: string, signal?: AbortSignal): Promise<ModelDownload> {
  return (await unwrap(
    untyped.GET("/v1/model-setup/downloads/{id}", { params: { path: { id } }, signal }),
  )) as ModelDownload;
}

/** A provider's model, as every picker names it: `provider/model`. */
export function modelIdOf(providerName: string, model: string): string {
  return `${providerName}/${model}`;
}
