import type { Kysely, Migration } from "kysely";

export const migration: Migration = {
  // Every reply looks up the account of a user without a user persona (`{{user}}` is the account's display
  // name): an index keeps that a lookup, not a scan, however many accounts a tenant has.
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex("accounts_user_index").on("accounts").column("user_id").execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex("accounts_user_index").execute();
  },
};
