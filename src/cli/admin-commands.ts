import type { Config } from "../config/config.ts";
import { systemClock } from "../lib/clock.ts";
import { DatabaseJobQueue } from "../jobs/database-job-queue.ts";
import { OFFLINE_DEFAULT_MODEL, createModelRegistry } from "../models/create-model-registry.ts";
import { API_KEY_SCOPES, KEY_RATE_LIMIT_MAX, type ApiKeyScope } from "../services/api-key-service.ts";
import { createServices, type Services } from "../composition/create-services.ts";
import { DEFAULT_TENANT_ID } from "../services/tenant-service.ts";
import { openDatabase } from "../store/database.ts";
import { Store } from "../store/store.ts";
import { createBlobStore } from "../store/create-blob-store.ts";
import { openSecretBox } from "../lib/secret-box.ts";
import { formatTable } from "./text-table.ts";
import { UsageError } from "./usage-error.ts";

/*
 * `dramatis tenants …` and `dramatis keys …`: administration straight on the database (no server needed).
 */

type Output = (line: string) => void;

interface AdminContext {
  config: Config;
  print: Output;
  json: boolean;
}

async function withServices<T>(config: Config, work: (services: Services) => Promise<T>): Promise<T> {
  const database = await openDatabase({ database: config.database });
  try {
    // Admin commands touch no jobs; the database queue here only satisfies the services' wiring. They seal
    // nothing either, but the services get the server's own key, never a throwaway one.
    const services = createServices(new Store(database.db), systemClock, {
      models: createModelRegistry(config, OFFLINE_DEFAULT_MODEL),
      jobs: new DatabaseJobQueue({ db: database.db }),
      blobs: createBlobStore({ config, db: database.db }),
      secrets: openSecretBox({
        configured: config.secretKey,
        previous: config.previousSecretKey,
        dataDir: config.dataDir,
      }),
    });
    await services.tenants.ensureDefaultTenant(undefined);
    return await work(services);
  } finally {
    await database.close();
  }
}

function parseScopes(text: string | undefined): ApiKeyScope[] {
  if (text === undefined) return ["read", "write"];
  const scopes = text.split(",").map((scope) => scope.trim());
  const unknown = scopes.filter((scope) => !(API_KEY_SCOPES as readonly string[]).includes(scope));
  if (unknown.length > 0) {
    throw new UsageError(`unknown scope ${unknown.join(", ")}: expected ${API_KEY_SCOPES.join(", ")}`);
  }
  return scopes as ApiKeyScope[];
}

function requireName(name: string | undefined): string {
  const trimmed = name?.trim() ?? "";
  if (!trimmed) throw new UsageError("--name is required");
  return trimmed;
}

/** A key's requests per minute as typed on the command line. */
function parseRateLimit(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > KEY_RATE_LIMIT_MAX) {
    throw new UsageError(
      `the rate limit must be a whole number of requests per minute, 1-${KEY_RATE_LIMIT_MAX}`,
    );
  }
  return Number(text);
}

function printTable(print: Output, rows: Record<string, unknown>[], columns: string[]): void {
  const cell = (value: unknown) => (value === null || value === undefined ? "-" : String(value));
  const cells = rows.map((row) => columns.map((column) => cell(row[column])));
  for (const line of formatTable(columns, cells)) print(line);
}

/** `dramatis tenants create --name NAME`: the tenant and its first admin key (printed once). */
export async function createTenant(context: AdminContext, flags: { name?: string }): Promise<number> {
  const name = requireName(flags.name);
  const { tenant, adminKey } = await withServices(context.config, (services) =>
    services.tenants.create(name),
  );
  if (context.json) context.print(JSON.stringify({ tenant, admin_key: adminKey }));
  else context.print(`Created tenant ${tenant.id} (${tenant.name})\nAdmin API key (shown once): ${adminKey}`);
  return 0;
}

/** `dramatis tenants list`. */
export async function listTenants(context: AdminContext): Promise<number> {
  const tenants = await withServices(context.config, (services) => services.tenants.list());
  if (context.json) context.print(JSON.stringify(tenants));
  else
    printTable(context.print, tenants as unknown as Record<string, unknown>[], [
      "id",
      "name",
      "is_operator",
      "created_at",
    ]);
  return 0;
}

/** `dramatis keys create --name NAME [--scopes …] [--rate-limit N] [--tenant ID]`. */
export async function createKey(
  context: AdminContext,
  flags: { name?: string; scopes?: string; rateLimit?: string; tenant?: string },
): Promise<number> {
  const tenantId = flags.tenant ?? DEFAULT_TENANT_ID;
  const name = requireName(flags.name);
  const scopes = parseScopes(flags.scopes);
  const limit = flags.rateLimit === undefined ? undefined : parseRateLimit(flags.rateLimit);
  const { key, summary } = await withServices(context.config, async (services) => {
    await services.tenants.get(tenantId);
    return services.apiKeys.create(tenantId, { name, scopes, rate_limit_per_minute: limit });
  });
  if (context.json) context.print(JSON.stringify({ ...summary, key }));
  else
    context.print(
      `Created key ${summary.id} (${summary.scopes.join(", ")}) in ${tenantId}\nAPI key (shown once): ${key}`,
    );
  return 0;
}

/** `dramatis keys list [--tenant ID]`. */
export async function listKeys(context: AdminContext, flags: { tenant?: string }): Promise<number> {
  const tenantId = flags.tenant ?? DEFAULT_TENANT_ID;
  const keys = await withServices(context.config, async (services) => {
    await services.tenants.get(tenantId);
    return services.apiKeys.list(tenantId);
  });
  if (context.json) context.print(JSON.stringify(keys));
  else
    printTable(
      context.print,
      keys.map((key) => ({
        ...key,
        scopes: key.scopes.join(","),
        rate_limit: key.rate_limit_per_minute === null ? "default" : `${key.rate_limit_per_minute}/min`,
      })),
      ["id", "name", "prefix", "scopes", "rate_limit", "created_at", "last_used_at", "revoked_at"],
    );
  return 0;
}

/** `dramatis keys limit KEY_ID N|default [--tenant ID]`. */
export async function limitKey(
  context: AdminContext,
  keyId: string,
  value: string,
  flags: { tenant?: string },
): Promise<number> {
  const tenantId = flags.tenant ?? DEFAULT_TENANT_ID;
  const limit = value === "default" ? null : parseRateLimit(value);
  const updated = await withServices(context.config, (services) =>
    services.apiKeys.update(tenantId, keyId, { rate_limit_per_minute: limit }),
  );
  if (context.json) context.print(JSON.stringify(updated));
  else
    context.print(
      `Key ${updated.id} may make ${
        updated.rate_limit_per_minute === null
          ? "the server's default number of requests"
          : `${updated.rate_limit_per_minute} requests`
      } per minute`,
    );
  return 0;
}

/** `dramatis keys revoke KEY_ID [--tenant ID]`. */
export async function revokeKey(
  context: AdminContext,
  keyId: string,
  flags: { tenant?: string },
): Promise<number> {
  const tenantId = flags.tenant ?? DEFAULT_TENANT_ID;
  const revoked = await withServices(context.config, (services) => services.apiKeys.revoke(tenantId, keyId));
  if (context.json) context.print(JSON.stringify(revoked));
  else context.print(`Revoked key ${revoked.id} (${revoked.prefix}…) at ${revoked.revoked_at}`);
  return 0;
}
