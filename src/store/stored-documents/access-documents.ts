import { z } from "zod";
import type { ApiKeyRow, IdempotencyKeyRow, TenantProviderRow } from "../schema.ts";
import { readNullableStoredDocument, readStoredDocument } from "./stored-json.ts";

/*
 * Small JSON columns of keys, providers and idempotency records. Each has a default that fails safe:
 * a key whose scopes cannot be read has none (every request it makes is refused, never widened), a
 * provider whose model list cannot be read lists none (its models are discovered from the provider),
 * a provider whose capabilities cannot be read declares none (each model follows its name),
 * and a replayed response whose headers cannot be read is replayed without them.
 */

const stringList = z.array(z.string());

export type StoredApiKey = Omit<ApiKeyRow, "scopes"> & { scopes: string[] };

export function readApiKeyRow(row: ApiKeyRow): StoredApiKey {
  return {
    ...row,
    scopes: readStoredDocument(row.scopes, stringList, {
      column: `api_keys.scopes of ${row.id}`,
      fallback: "default",
      value: () => [],
    }),
  };
}

export function writeApiKeyRow(key: StoredApiKey): ApiKeyRow {
  return { ...key, scopes: JSON.stringify(key.scopes) };
}

/** One feature on or off for every model, or on for the models whose names match one of the globs. */
const capabilitySetting = z.union([z.boolean(), z.array(z.string().min(1))]);

/**
 * What a tenant provider's models take beyond text, in the shape of an operator's provider config
 * (`capabilities` in src/models/provider-config.ts, which the store may not import).
 */
const providerCapabilities = z.strictObject({
  images: capabilitySetting.optional(),
  audio: capabilitySetting.optional(),
  files: capabilitySetting.optional(),
  tools: capabilitySetting.optional(),
  structured_output: capabilitySetting.optional(),
});

export type StoredProviderCapabilities = z.infer<typeof providerCapabilities>;

export type StoredProvider = Omit<TenantProviderRow, "models" | "capabilities"> & {
  models: string[];
  /** null: none declared, each model follows its name */
  capabilities: StoredProviderCapabilities | null;
};

export function readProviderRow(row: TenantProviderRow): StoredProvider {
  return {
    ...row,
    models: readStoredDocument(row.models, stringList, {
      column: `tenant_providers.models of ${row.id}`,
      fallback: "default",
      value: () => [],
    }),
    capabilities: readNullableStoredDocument(row.capabilities, providerCapabilities.nullable(), {
      column: `tenant_providers.capabilities of ${row.id}`,
      fallback: "default",
      value: () => null,
    }),
  };
}

export function writeProviderRow(provider: StoredProvider): TenantProviderRow {
  return {
    ...provider,
    models: JSON.stringify(provider.models),
    capabilities: provider.capabilities === null ? null : JSON.stringify(provider.capabilities),
  };
}

export type StoredIdempotencyKey = Omit<IdempotencyKeyRow, "response_headers"> & {
  response_headers: Record<string, string>;
};

export function readIdempotencyKeyRow(row: IdempotencyKeyRow): StoredIdempotencyKey {
  return {
    ...row,
    response_headers:
      row.response_headers === null
        ? {}
        : readStoredDocument(row.response_headers, z.record(z.string(), z.string()), {
            column: `idempotency_keys.response_headers of ${row.id}`,
            fallback: "default",
            value: () => ({}),
          }),
  };
}
