import { type Kysely, type Migration } from "kysely";

export const migration: Migration = {
  // Request rates as token buckets (GCRA): one row per key holding its theoretical arrival time in epoch
  // MICROseconds (a limit of 7 a minute is a token every 8,571,428 µs: milliseconds would round away
  // part of the rate). A row whose time has passed is a full bucket, so it may be swept.
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("token_buckets")
      .addColumn("key", "text", (column) => column.primaryKey())
      .addColumn("tat", "bigint", (column) => column.notNull())
      .execute();
    await db.schema.createIndex("token_buckets_tat_index").on("token_buckets").column("tat").execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("token_buckets").execute();
  },
};
