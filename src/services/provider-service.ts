import { z } from "zod";
import type { Clock } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import { OUTBOUND_REFUSED_MESSAGE, OutboundRefusedError } from "../lib/outbound-errors.ts";
import type { OutboundGuard } from "../lib/outbound-guard.ts";
import { hasUrlCredentials, redactUrl } from "../lib/redact.ts";
import { secretContext, type SecretBox } from "../lib/secret-box.ts";
import type { ModelProvider } from "../models/language-model.ts";
import type { ModelRegistry } from "../models/model-registry.ts";
import {
  createConfiguredProviders,
  providerConfigSchema,
  type ProviderConfig,
} from "../models/provider-config.ts";
import { isUniqueViolation } from "../store/errors.ts";
import type { StoredProvider } from "../store/stored-documents/access-documents.ts";
import type { Store } from "../store/store.ts";
import type { LocalServerAccess } from "./local-server-access.ts";
import { ConflictError, NotFoundError, ValidationError } from "../errors/app-error.ts";

/**
 * One feature of a tenant's provider: on or off for every model, or the globs of the models that take it.
 * Bounded more tightly than the operator's config: each glob becomes a regular expression matched on
 * every call, and a tenant's globs must not be able to make that slow.
 */
const tenantCapabilitySetting = z.union([
  z.boolean(),
  z
    .array(
      z
        .string()
        .min(1)
        .max(200)
        .refine((glob) => glob.split("*").length <= 4, "may hold at most 3 `*`"),
    )
    .max(50),
]);

/** What a tenant provider's models take beyond text: the keys of an operator's `capabilities`. */
export const providerCapabilitiesSchema = z.strictObject({
  images: tenantCapabilitySetting.optional(),
  audio: tenantCapabilitySetting.optional(),
  files: tenantCapabilitySetting.optional(),
  tools: tenantCapabilitySetting.optional(),
  structured_output: tenantCapabilitySetting.optional(),
}) satisfies z.ZodType<NonNullable<ProviderConfig["capabilities"]>>;

export const providerInputSchema = z.strictObject({
  name: providerConfigSchema.shape.name,
  kind: providerConfigSchema.shape.kind,
  base_url: z
    .url("must be a URL")
    .refine(
      (url) => !hasUrlCredentials(url),
      "must not contain a user name or password; put the key in api_key",
    )
    .nullable()
    .optional(),
  api_key: z.string().min(1).max(1000).nullable().optional(),
  models: z.array(z.string().min(1).max(200)).max(200).optional(),
  /** what its models take beyond text; null (or absent) leaves each model to its name */
  capabilities: providerCapabilitiesSchema.nullable().optional(),
});

export const providerPatchSchema = providerInputSchema.partial().omit({ name: true });

export type ProviderInput = z.infer<typeof providerInputSchema>;
export type ProviderPatch = z.infer<typeof providerPatchSchema>;
export type ProviderCapabilities = NonNullable<ProviderInput["capabilities"]>;

/** A provider as the API shows it: never its key. */
export interface ProviderView {
  id: string | null;
  name: string;
  kind: string;
  scope: "tenant" | "server";
  base_url: string | null;
  has_api_key: boolean;
  models: string[];
  /** what its models take beyond text, as configured; null: decided by each model's name */
  capabilities: ProviderCapabilities | null;
  created_at: string | null;
  updated_at: string | null;
}

function toView(row: StoredProvider): ProviderView {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    scope: "tenant",
    // Rows stored before credentials in URLs were refused still never show them.
    base_url: row.base_url === null ? null : redactUrl(row.base_url),
    has_api_key: row.api_key_sealed !== null,
    models: row.models,
    capabilities: row.capabilities,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** Limits of tenant providers' calls: a generation may think for minutes before its first byte. */
const TENANT_PROVIDER_LIMITS = {
  timeoutMs: 300_000,
  idleTimeoutMs: 120_000,
  maxResponseBytes: 32 * 1024 * 1024,
};

/**
 * Model providers a tenant configures for itself through the API. Keys are sealed with the server's
 * secret key at rest and only unsealed to build the provider; a built provider is cached until the row
 * changes. A tenant's base URL is the tenant's to choose, so it is checked against the outbound policy
 * when stored (422) and every call the provider makes (listing, generation, embedding) goes through the
 * outbound guard, which checks it again, with each redirect, at the moment of the call.
 */
export class ProviderService {
  private readonly built = new Map<string, { version: string; provider: ModelProvider }>();

  private readonly store: Store;
  private readonly clock: Clock;
  private readonly secrets: SecretBox;
  private readonly models: ModelRegistry;
  private readonly serverProviders: readonly {
    name: string;
    kind: string;
    base_url?: string | undefined;
  }[];
  private readonly outbound: OutboundGuard;
  private readonly localServers: LocalServerAccess | undefined;

  constructor(dependencies: {
    store: Store;
    clock: Clock;
    secrets: SecretBox;
    models: ModelRegistry;
    serverProviders: readonly {
      name: string;
      kind: string;
      base_url?: string | undefined;
    }[];
    outbound: OutboundGuard;
    /** lets the operator's tenant reach the discovered model servers on this machine; none: never */
    localServers?: LocalServerAccess;
  }) {
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.secrets = dependencies.secrets;
    this.models = dependencies.models;
    this.serverProviders = dependencies.serverProviders;
    this.outbound = dependencies.outbound;
    this.localServers = dependencies.localServers;
    this.models.useTenantProviders({
      find: (tenantId, name) => this.findProvider(tenantId, name),
      list: async (tenantId) => {
        const rows = await this.store.providers.list(tenantId);
        return Promise.all(rows.map((row) => this.build(row)));
      },
    });
  }

  /** The tenant's providers, and the server-wide ones (which every tenant can use). */
  async list(tenantId: string): Promise<ProviderView[]> {
    const own = (await this.store.providers.list(tenantId)).map(toView);
    const server = this.serverProviders.map((provider): ProviderView => ({
      id: null,
      name: provider.name,
      kind: provider.kind,
      scope: "server",
      base_url: provider.base_url ? redactUrl(provider.base_url) : null,
      has_api_key: true,
      models: [],
      capabilities: null,
      created_at: null,
      updated_at: null,
    }));
    return [...server, ...own];
  }

  async get(tenantId: string, id: string): Promise<ProviderView> {
    return toView(await this.findRow(tenantId, id));
  }

  async create(tenantId: string, input: ProviderInput): Promise<ProviderView> {
    this.checkName(input.name);
    const now = this.clock.now().toISOString();
    const id = newId("prv");
    const row: StoredProvider = {
      id,
      tenant_id: tenantId,
      name: input.name,
      kind: input.kind,
      base_url: input.base_url ?? null,
      api_key_sealed: input.api_key ? this.secrets.seal(input.api_key, apiKeyContext(tenantId, id)) : null,
      models: input.models ?? [],
      capabilities: input.capabilities ?? null,
      created_at: now,
      updated_at: now,
    };
    this.checkBuildable(row);
    await this.checkBaseUrl(tenantId, row.base_url);
    try {
      await this.store.providers.insert(row);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ConflictError(`this tenant already has a provider named ${input.name}`);
      throw error;
    }
    return toView(row);
  }

  async update(tenantId: string, id: string, patch: ProviderPatch): Promise<ProviderView> {
    const row = await this.findRow(tenantId, id);
    const changes = {
      ...(patch.kind === undefined ? {} : { kind: patch.kind }),
      ...(patch.base_url === undefined ? {} : { base_url: patch.base_url }),
      ...(patch.api_key === undefined
        ? {}
        : {
            api_key_sealed:
              patch.api_key === null ? null : this.secrets.seal(patch.api_key, apiKeyContext(tenantId, id)),
          }),
      ...(patch.models === undefined ? {} : { models: patch.models }),
      ...(patch.capabilities === undefined ? {} : { capabilities: patch.capabilities }),
      updated_at: this.clock.now().toISOString(),
    };
    const next = { ...row, ...changes };
    this.checkBuildable(next);
    if (patch.base_url !== undefined) await this.checkBaseUrl(tenantId, next.base_url);
    await this.store.providers.update(tenantId, id, changes);
    return toView(next);
  }

  async delete(tenantId: string, id: string): Promise<void> {
    await this.findRow(tenantId, id);
    await this.store.providers.delete(tenantId, id);
    this.built.delete(id);
  }

  /** Asks the provider which models it offers: its configured list, or the upstream's /models. */
  async listModels(tenantId: string, id: string): Promise<string[]> {
    return (await this.build(await this.findRow(tenantId, id))).listModels();
  }

  private async findProvider(tenantId: string, name: string): Promise<ModelProvider | undefined> {
    const row = await this.store.providers.findByName(tenantId, name);
    return row ? this.build(row) : undefined;
  }

  private async build(row: StoredProvider): Promise<ModelProvider> {
    const version = builtVersion(row);
    const cached = this.built.get(row.id);
    if (cached && cached.version === version) return cached.provider;
    const context = apiKeyContext(row.tenant_id, row.id);
    const apiKey = row.api_key_sealed ? this.secrets.open(row.api_key_sealed, context) : undefined;
    if (apiKey !== undefined && row.api_key_sealed && this.secrets.needsReseal(row.api_key_sealed)) {
      // Read old, write new: a key sealed before rotation (or in the old format) is resealed in place.
      // A failed reseal costs nothing: the old value still opens, and the next read tries again.
      await this.store.providers
        .resealApiKey(row.tenant_id, row.id, row.api_key_sealed, this.secrets.seal(apiKey, context))
        .catch(() => false);
    }
    const [provider] = createConfiguredProviders(
      [
        {
          name: row.name,
          kind: row.kind,
          ...(row.base_url ? { base_url: row.base_url } : {}),
          ...(apiKey !== undefined ? { api_key: apiKey } : {}),
          ...(row.models.length > 0 ? { models: row.models } : {}),
          ...(row.capabilities ? { capabilities: row.capabilities } : {}),
        },
      ],
      { fetch: (await this.guardFor(row.tenant_id, row.base_url)).fetcher(TENANT_PROVIDER_LIMITS) },
    );
    if (!provider) throw new Error(`provider ${row.name} could not be built`);
    this.built.set(row.id, { version, provider });
    return provider;
  }

  private checkName(name: string): void {
    if (this.models.hasProvider(name)) {
      throw new ValidationError([
        { field: "name", message: `${name} is a server-wide provider; choose another name` },
      ]);
    }
  }

  /** Rejects combinations that could never make a call, naming the missing field. */
  private checkBuildable(row: StoredProvider): void {
    if (row.kind === "openai-compatible" && !row.base_url) {
      throw new ValidationError([
        { field: "base_url", message: "is required for an openai-compatible provider" },
      ]);
    }
    if (row.kind === "anthropic" && !row.api_key_sealed) {
      throw new ValidationError([{ field: "api_key", message: "is required for an anthropic provider" }]);
    }
  }

  /**
   * Refuses a base URL the outbound policy forbids (loopback, private, metadata addresses in any
   * notation, names resolving to them), saying no more than that. A name that does not resolve now is
   * accepted: it may later, and every call is checked again.
   */
  private async checkBaseUrl(tenantId: string, baseUrl: string | null): Promise<void> {
    if (baseUrl === null) return;
    try {
      await (await this.guardFor(tenantId, baseUrl)).checkUrl(baseUrl);
    } catch (error) {
      if (error instanceof OutboundRefusedError) {
        throw new ValidationError([{ field: "base_url", message: OUTBOUND_REFUSED_MESSAGE }]);
      }
    }
  }

  /** The strict guard, or the one letting a discovered local model server through (LocalServerAccess). */
  private async guardFor(tenantId: string, baseUrl: string | null): Promise<OutboundGuard> {
    return (await this.localServers?.guardFor(tenantId, baseUrl)) ?? this.outbound;
  }

  private async findRow(tenantId: string, id: string): Promise<StoredProvider> {
    const row = await this.store.providers.find(tenantId, id);
    if (!row) throw new NotFoundError(`provider ${id}`);
    return row;
  }
}

/**
 * What a built provider was built from: its row's time of change and everything it is built of, so two
 * edits within one tick of the clock still rebuild it (a reseal rebuilds it once, at no cost).
 */
function builtVersion(row: StoredProvider): string {
  return JSON.stringify([
    row.updated_at,
    row.kind,
    row.base_url,
    row.api_key_sealed,
    row.models,
    row.capabilities,
  ]);
}

/** What a tenant provider's sealed API key is bound to: its tenant, row and column. */
function apiKeyContext(tenantId: string, id: string): string {
  return secretContext({ tenantId, table: "tenant_providers", rowId: id, column: "api_key_sealed" });
}
