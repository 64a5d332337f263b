import { type Kysely, type Migration } from "kysely";

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    // Rate-limit counters when no Redis is configured: one row per key and window, shared by every
    // process on the database. expires_at is epoch milliseconds (bigint: arithmetic in SQL stays exact).
    await db.schema
      .createTable("rate_limits")
      .addColumn("key", "text", (column) => column.primaryKey())
      .addColumn("points", "integer", (column) => column.notNull())
      .addColumn("expires_at", "bigint", (column) => column.notNull())
      .execute();
    await db.schema.createIndex("rate_limits_expiry_index").on("rate_limits").column("expires_at").execute();
    // A key's own request rate; null: the server's default (DRAMATIS_RATE_LIMIT_PER_MINUTE).
    await db.schema.alterTable("api_keys").addColumn("rate_limit_per_minute", "integer").execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable("api_keys").dropColumn("rate_limit_per_minute").execute();
    await db.schema.dropTable("rate_limits").execute();
  },
};
