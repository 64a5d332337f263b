import { z } from "zod";
import type { ApiKeyRow, IdempotencyKeyRow, TenantProviderRow } from "../schema.ts";
import { readStoredDocument } from "./stored-json.ts";

/*
 * Small JSON columns of keys, providers and idempotency records. Each has a default that fails safe:
 * a key whose scopes cannot be read has none (every request it makes is refused, never widened), a
 * provider whose model list cannot be read lists none (its models are discovered from the provider),
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

export type StoredProvider = Omit<TenantProviderRow, "models"> & { models: string[] };

export function readProviderRow(row: TenantProviderRow): StoredProvider {
  return {
    ...row,
    models: readStoredDocument(row.models, stringList, {
      column: `tenant_providers.models of ${row.id}`,
      fallback: "default",
      value: () => [],
    }),
  };
}

export function writeProviderRow(provider: StoredProvider): TenantProviderRow {
  return { ...provider, models: JSON.stringify(provider.models) };
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
