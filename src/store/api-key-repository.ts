import type { Kysely } from "kysely";
import type { ApiKeyRow, Database } from "./schema.ts";

export class ApiKeyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(key: ApiKeyRow): Promise<void> {
    await this.db.insertInto("api_keys").values(key).execute();
  }

  async findBySecretHash(secretHash: string): Promise<ApiKeyRow | undefined> {
    return this.db
      .selectFrom("api_keys")
      .selectAll()
      .where("secret_hash", "=", secretHash)
      .executeTakeFirst();
  }

  async findById(tenantId: string, id: string): Promise<ApiKeyRow | undefined> {
    return this.db
      .selectFrom("api_keys")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .executeTakeFirst();
  }

  async listByTenant(tenantId: string): Promise<ApiKeyRow[]> {
    return this.db
      .selectFrom("api_keys")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .orderBy("id")
      .execute();
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
