import type { Kysely, Migration } from "kysely";

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    // 1: a priority job (a priority video) is claimed before every other due job; 0: in turn.
    await db.schema
      .alterTable("jobs")
      .addColumn("priority", "integer", (column) => column.notNull().defaultTo(0))
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable("jobs").dropColumn("priority").execute();
  },
};
