import type { Kysely } from "kysely";
import type { ApiKeyRow, Database } from "./schema.ts";
import { readApiKeyRow, writeApiKeyRow, type StoredApiKey } from "./stored-documents/access-documents.ts";

export class ApiKeyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(key: StoredApiKey): Promise<void> {
    await this.db.insertInto("api_keys").values(writeApiKeyRow(key)).execute();
  }

  async findBySecretHash(secretHash: string): Promise<StoredApiKey | undefined> {
    const row = await this.db
      .selectFrom("api_keys")
      .selectAll()
      .where("secret_hash", "=", secretHash)
      .executeTakeFirst();
    return row && readApiKeyRow(row);
  }

  async findById(tenantId: string, id: string): Promise<StoredApiKey | undefined> {
    const row = await this.db
      .selectFrom("api_keys")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .executeTakeFirst();
    return row && readApiKeyRow(row);
  }

  async listByTenant(tenantId: string): Promise<StoredApiKey[]> {
    const rows = await this.db
      .selectFrom("api_keys")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .orderBy("id")
      .execute();
    return rows.map(readApiKeyRow);
  }

  /** Marks the key revoked; returns false when it does not exist in this tenant or was already revoked. */
  async revoke(tenantId: string, id: string, revokedAt: string): Promise<boolean> {
    const result = await this.db
      .updateTable("api_keys")
      .set({ revoked_at: revokedAt })
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Changes the key's name or rate limit in this tenant. */
  async update(
    tenantId: string,
    id: string,
    changes: Partial<Pick<ApiKeyRow, "name" | "rate_limit_per_minute">>,
  ): Promise<void> {
    await this.db
      .updateTable("api_keys")
      .set(changes)
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .execute();
  }

  async touchLastUsed(id: string, usedAt: string): Promise<void> {
    await this.db.updateTable("api_keys").set({ last_used_at: usedAt }).where("id", "=", id).execute();
  }
}
