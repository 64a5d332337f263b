import { type Kysely, type Migration } from "kysely";

export const migration: Migration = {
  // A job taken over after its worker died counts a crash, not an attempt (attempts are for errors).
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable("jobs")
      .addColumn("crashes", "integer", (column) => column.notNull().defaultTo(0))
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable("jobs").dropColumn("crashes").execute();
  },
};
