import type { Kysely, Updateable } from "kysely";
import type { Database, TenantProviderTable } from "./schema.ts";
import {
  readProviderRow,
  writeProviderRow,
  type StoredProvider,
  type StoredProviderCapabilities,
} from "./stored-documents/access-documents.ts";

/** Model providers a tenant configured for itself; every query is scoped by tenant. */
export class ProviderRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(provider: StoredProvider): Promise<void> {
    await this.db.insertInto("tenant_providers").values(writeProviderRow(provider)).execute();
  }

  async find(tenantId: string, id: string): Promise<StoredProvider | undefined> {
    const row = await this.db
      .selectFrom("tenant_providers")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .executeTakeFirst();
    return row && readProviderRow(row);
  }

  async findByName(tenantId: string, name: string): Promise<StoredProvider | undefined> {
    const row = await this.db
      .selectFrom("tenant_providers")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("name", "=", name)
      .executeTakeFirst();
    return row && readProviderRow(row);
  }

  async list(tenantId: string): Promise<StoredProvider[]> {
    const rows = await this.db
      .selectFrom("tenant_providers")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .orderBy("name")
      .execute();
    return rows.map(readProviderRow);
  }

  async update(
    tenantId: string,
    id: string,
    changes: Omit<Updateable<TenantProviderTable>, "models" | "capabilities"> & {
      models?: string[];
      /** null clears them */
      capabilities?: StoredProviderCapabilities | null;
    },
  ): Promise<boolean> {
    const { models, capabilities, ...columns } = changes;
    const result = await this.db
      .updateTable("tenant_providers")
      .set({
        ...columns,
        ...(models === undefined ? {} : { models: JSON.stringify(models) }),
        ...(capabilities === undefined
          ? {}
          : { capabilities: capabilities === null ? null : JSON.stringify(capabilities) }),
      })
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * Replaces a sealed API key only if it is still `previous` (a concurrent edit wins); leaves
   * `updated_at` alone because the key itself did not change.
   */
  async resealApiKey(tenantId: string, id: string, previous: string, next: string): Promise<boolean> {
    const result = await this.db
      .updateTable("tenant_providers")
      .set({ api_key_sealed: next })
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .where("api_key_sealed", "=", previous)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("tenant_providers")
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
