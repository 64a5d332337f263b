import type { Kysely } from "kysely";
import type { Database, ServerKeyRow } from "./schema.ts";

/** Key pairs that belong to the server as a whole (the VAPID keys of web push), one row per name. */
export class ServerKeyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Stores the key unless one of that name exists; false when it did. Several processes starting at
   * once each try, one wins, and all then read the winner's key.
   */
  async insertIfAbsent(row: ServerKeyRow): Promise<boolean> {
    const result = await this.db
      .insertInto("server_keys")
      .values(row)
      .onConflict((conflict) => conflict.column("name").doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async find(name: string): Promise<ServerKeyRow | undefined> {
    return this.db.selectFrom("server_keys").selectAll().where("name", "=", name).executeTakeFirst();
  }

  /** Replaces a sealed private key only if it is still `previous` (resealing after a key rotation). */
  async resealPrivateKey(name: string, previous: string, next: string): Promise<boolean> {
    const result = await this.db
      .updateTable("server_keys")
      .set({ private_key: next })
      .where("name", "=", name)
      .where("private_key", "=", previous)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}
