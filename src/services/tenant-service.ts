import type { Clock } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import { isUniqueViolation } from "../store/errors.ts";
import type { TenantRow } from "../store/schema.ts";
import type { Store } from "../store/store.ts";
import type { ApiKeyService } from "./api-key-service.ts";
import { NotFoundError } from "../errors/app-error.ts";

/** The tenant created on first start; its admins operate the server (they may create tenants). */
export const DEFAULT_TENANT_ID = "ten_default";

export interface TenantSummary {
  id: string;
  name: string;
  is_operator: boolean;
  created_at: string;
}

function toSummary(row: TenantRow): TenantSummary {
  return { id: row.id, name: row.name, is_operator: row.is_operator === 1, created_at: row.created_at };
}

export class TenantService {
  private readonly store: Store;
  private readonly apiKeys: ApiKeyService;
  private readonly clock: Clock;

  constructor(dependencies: { store: Store; apiKeys: ApiKeyService; clock: Clock }) {
    this.store = dependencies.store;
    this.apiKeys = dependencies.apiKeys;
    this.clock = dependencies.clock;
  }

  /**
   * On first start, creates the default tenant with an admin key: `adminKey` when given, else a generated
   * one. Returns the key only when it was created now (so it is printed exactly once), else null.
   * Safe when several processes start together: the loser of the race sees the winner's tenant.
   */
  async ensureDefaultTenant(adminKey: string | undefined): Promise<{ createdAdminKey: string | null }> {
    if (await this.store.tenants.findById(DEFAULT_TENANT_ID)) return { createdAdminKey: null };
    try {
      return await this.store.transaction(async (store) => {
        await store.tenants.insert({
          id: DEFAULT_TENANT_ID,
          name: "Default",
          is_operator: 1,
          created_at: this.clock.now().toISOString(),
        });
        const { key } = await this.apiKeys.create(
          DEFAULT_TENANT_ID,
          { name: "admin (first start)", scopes: ["admin"], secret: adminKey },
          store,
        );
        return { createdAdminKey: key };
      });
    } catch (error) {
      if (isUniqueViolation(error)) return { createdAdminKey: null };
      throw error;
    }
  }

  /** Creates a tenant and its first admin key, in one transaction. */
  async create(name: string): Promise<{ tenant: TenantSummary; adminKey: string }> {
    return this.store.transaction(async (store) => {
      const row: TenantRow = {
        id: newId("ten"),
        name,
        is_operator: 0,
        created_at: this.clock.now().toISOString(),
      };
      await store.tenants.insert(row);
      const { key } = await this.apiKeys.create(row.id, { name: "admin", scopes: ["admin"] }, store);
      return { tenant: toSummary(row), adminKey: key };
    });
  }

  async get(id: string): Promise<TenantSummary> {
    const row = await this.store.tenants.findById(id);
    if (!row) throw new NotFoundError(`tenant ${id}`);
    return toSummary(row);
  }

  async list(): Promise<TenantSummary[]> {
    return (await this.store.tenants.list()).map(toSummary);
  }
}
