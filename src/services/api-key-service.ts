import { createHash } from "node:crypto";
import type { Clock } from "../lib/clock.ts";
import { newId, randomToken } from "../lib/ids.ts";
import type { StoredApiKey } from "../store/stored-documents/access-documents.ts";
import type { Store } from "../store/store.ts";
import { NotFoundError, UnauthorizedError, ValidationError } from "../errors/app-error.ts";

export const API_KEY_SCOPES = ["read", "write", "admin"] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Scopes are nested: `admin` can do everything `write` can, and `write` everything `read` can. */
const SCOPE_RANK: Record<ApiKeyScope, number> = { read: 1, write: 2, admin: 3 };

export function scopesAllow(granted: readonly ApiKeyScope[], required: ApiKeyScope): boolean {
  return granted.some((scope) => SCOPE_RANK[scope] >= SCOPE_RANK[required]);
}

/** What a request authenticated with an API key may act as. */
export interface ApiKeyPrincipal {
  tenantId: string;
  keyId: string;
  scopes: ApiKeyScope[];
  /** the key's own requests per minute; null or absent: the server's default */
  rateLimitPerMinute?: number | null;
}

/** The bounds of a key's own rate limit (requests per minute). */
export const KEY_RATE_LIMIT_MAX = 1_000_000;

/** An API key as listed: never the secret, only its visible prefix. */
export interface ApiKeySummary {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  /** requests per minute this key may make; null: the server's default (DRAMATIS_RATE_LIMIT_PER_MINUTE) */
  rate_limit_per_minute: number | null;
}

/** Keys are random (190 bits), so a fast hash is enough: there is nothing to brute-force. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** The part of a key shown in lists so people can tell keys apart: `dra_` and its first 8 characters. */
function visiblePrefix(key: string): string {
  return key.slice(0, 12);
}

function isApiKeyScope(scope: string): scope is ApiKeyScope {
  return (API_KEY_SCOPES as readonly string[]).includes(scope);
}

/** Only scopes this release knows: a stored name it does not know grants nothing. */
function scopesOf(row: StoredApiKey): ApiKeyScope[] {
  return row.scopes.filter(isApiKeyScope);
}

function toSummary(row: StoredApiKey): ApiKeySummary {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: scopesOf(row),
    created_at: row.created_at,
    last_used_at: row.last_used_at,
    revoked_at: row.revoked_at,
    rate_limit_per_minute: row.rate_limit_per_minute,
  };
}

function validateRateLimit(value: number | null | undefined): void {
  if (value == null) return;
  if (!Number.isInteger(value) || value < 1 || value > KEY_RATE_LIMIT_MAX) {
    throw new ValidationError([
      { field: "rate_limit_per_minute", message: `must be a whole number 1-${KEY_RATE_LIMIT_MAX} or null` },
    ]);
  }
}

/** Writing last-used time on every request would turn reads into writes; once a minute per key is enough. */
const LAST_USED_WRITE_INTERVAL_MS = 60_000;

export class ApiKeyService {
  private readonly lastUsedWrites = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /**
   * Creates a key and returns it with its secret, which is never shown again.
   *
   * @example const { key, summary } = await keys.create("ten_default", { name: "ci", scopes: ["read"] });
   */
  async create(
    tenantId: string,
    options: {
      name: string;
      scopes: ApiKeyScope[];
      secret?: string | undefined;
      rate_limit_per_minute?: number | null | undefined;
    },
    store: Store = this.store,
  ): Promise<{ key: string; summary: ApiKeySummary }> {
    const scopes = [...new Set(options.scopes)];
    if (scopes.length === 0)
      throw new ValidationError([{ field: "scopes", message: "must name at least one scope" }]);
    validateRateLimit(options.rate_limit_per_minute);
    const key = options.secret ?? `dra_${randomToken(8)}_${randomToken(38)}`;
    const row: StoredApiKey = {
      id: newId("key"),
      tenant_id: tenantId,
      name: options.name,
      prefix: visiblePrefix(key),
      secret_hash: hashApiKey(key),
      scopes,
      created_at: this.clock.now().toISOString(),
      last_used_at: null,
      revoked_at: null,
      rate_limit_per_minute: options.rate_limit_per_minute ?? null,
    };
    await store.apiKeys.insert(row);
    return { key, summary: toSummary(row) };
  }

  async list(tenantId: string): Promise<ApiKeySummary[]> {
    return (await this.store.apiKeys.listByTenant(tenantId)).map(toSummary);
  }

  /** Revokes a key of this tenant; revoking twice is harmless. Another tenant's key is not found. */
  async revoke(tenantId: string, keyId: string): Promise<ApiKeySummary> {
    const existing = await this.store.apiKeys.findById(tenantId, keyId);
    if (!existing) throw new NotFoundError(`API key ${keyId}`);
    if (!existing.revoked_at)
      await this.store.apiKeys.revoke(tenantId, keyId, this.clock.now().toISOString());
    const revoked = await this.store.apiKeys.findById(tenantId, keyId);
    return toSummary(revoked ?? existing);
  }

  /**
   * Changes a key's name or its own rate limit (null: back to the server's default). Another tenant's
   * key is not found.
   *
   * @example await keys.update("ten_default", "key_1", { rate_limit_per_minute: 60 });
   */
  async update(
    tenantId: string,
    keyId: string,
    changes: { name?: string | undefined; rate_limit_per_minute?: number | null | undefined },
  ): Promise<ApiKeySummary> {
    validateRateLimit(changes.rate_limit_per_minute);
    const existing = await this.store.apiKeys.findById(tenantId, keyId);
    if (!existing) throw new NotFoundError(`API key ${keyId}`);
    const values = {
      ...(changes.name === undefined ? {} : { name: changes.name }),
      ...(changes.rate_limit_per_minute === undefined
        ? {}
        : { rate_limit_per_minute: changes.rate_limit_per_minute }),
    };
    if (Object.keys(values).length > 0) await this.store.apiKeys.update(tenantId, keyId, values);
    return toSummary({ ...existing, ...values });
  }

  /** Resolves a presented key to its tenant and scopes, or throws 401 naming what is wrong. */
  async authenticate(presentedKey: string): Promise<ApiKeyPrincipal> {
    const row = await this.store.apiKeys.findBySecretHash(hashApiKey(presentedKey));
    if (!row) throw new UnauthorizedError("the API key is not valid");
    if (row.revoked_at) throw new UnauthorizedError("the API key has been revoked");
    await this.recordUse(row.id);
    return {
      tenantId: row.tenant_id,
      keyId: row.id,
      scopes: scopesOf(row),
      rateLimitPerMinute: row.rate_limit_per_minute,
    };
  }

  private async recordUse(keyId: string): Promise<void> {
    const now = this.clock.now();
    const lastWrite = this.lastUsedWrites.get(keyId);
    if (lastWrite !== undefined && now.getTime() - lastWrite < LAST_USED_WRITE_INTERVAL_MS) return;
    this.lastUsedWrites.set(keyId, now.getTime());
    await this.store.apiKeys.touchLastUsed(keyId, now.toISOString());
  }
}
