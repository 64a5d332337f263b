import { sql, type Kysely } from "kysely";
import type { Database, InboxConnectionRow } from "./schema.ts";

/**
 * Open `/v1/inbox/events` streams, one row each, in whichever process serves them: a user with a live
 * row is connected to the app. Rows carry an expiry that their process keeps pushing forward, so the
 * streams of a process that died stop counting on their own.
 */
export class InboxConnectionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores the connection, or moves its expiry when it is stored already (a renewal). */
  async upsert(row: InboxConnectionRow): Promise<void> {
    await this.db
      .insertInto("inbox_connections")
      .values(row)
      .onConflict((conflict) => conflict.column("id").doUpdateSet({ expires_at: row.expires_at }))
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom("inbox_connections").where("id", "=", id).execute();
  }

  /** Forgets connections that expired before `now` (their process stopped renewing them). */
  async deleteExpired(now: string): Promise<void> {
    await this.db.deleteFrom("inbox_connections").where("expires_at", "<=", now).execute();
  }

  /** Whether the user has a connection that is live at `now`. */
  async isConnected(userId: string, now: string): Promise<boolean> {
    const row = await this.db
      .selectFrom("inbox_connections")
      .select(sql`1`.as("one"))
      .where("user_id", "=", userId)
      .where("expires_at", ">", now)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }
}
