import type { Insertable, Kysely, Updateable } from "kysely";
import type { Database, PushSubscriptionRow, PushSubscriptionTable } from "./schema.ts";

/**
 * The browsers (devices) users registered for web push. An endpoint is one browser's subscription, so
 * it is unique on the whole server; everything else is looked up within a tenant and a user.
 */
export class PushSubscriptionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores a new device; false when its endpoint is already stored (by any user). */
  async insert(row: Insertable<PushSubscriptionTable>): Promise<boolean> {
    const result = await this.db
      .insertInto("push_subscriptions")
      .values(row)
      .onConflict((conflict) => conflict.column("endpoint").doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async findByEndpoint(endpoint: string): Promise<PushSubscriptionRow | undefined> {
    return this.db
      .selectFrom("push_subscriptions")
      .selectAll()
      .where("endpoint", "=", endpoint)
      .executeTakeFirst();
  }

  async find(tenantId: string, userId: string, id: string): Promise<PushSubscriptionRow | undefined> {
    return this.db
      .selectFrom("push_subscriptions")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("user_id", "=", userId)
      .where("id", "=", id)
      .executeTakeFirst();
  }

  /** The user's devices, oldest first. */
  async listForUser(tenantId: string, userId: string): Promise<PushSubscriptionRow[]> {
    return this.db
      .selectFrom("push_subscriptions")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("user_id", "=", userId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
  }

  async update(id: string, changes: Updateable<PushSubscriptionTable>): Promise<void> {
    await this.db.updateTable("push_subscriptions").set(changes).where("id", "=", id).execute();
  }

  /** Removes one of the user's devices; false when it is not theirs (or gone). */
  async delete(tenantId: string, userId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("push_subscriptions")
      .where("tenant_id", "=", tenantId)
      .where("user_id", "=", userId)
      .where("id", "=", id)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Removes a device the push service no longer knows (it answered 404 or 410). */
  async deleteById(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom("push_subscriptions").where("id", "=", id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
