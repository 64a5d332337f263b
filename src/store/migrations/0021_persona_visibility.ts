import { type Kysely, type Migration } from "kysely";

export const migration: Migration = {
  // A persona is shared with the tenant ("tenant", what every persona was) or seen only by its creator,
  // admins and members granted can_edit_all ("private"). A column, not a draft field, so lists filter in SQL.
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable("personas")
      .addColumn("visibility", "text", (column) => column.notNull().defaultTo("tenant"))
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable("personas").dropColumn("visibility").execute();
  },
};
