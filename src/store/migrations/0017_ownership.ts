import { type Kysely, type Migration } from "kysely";

/**
 * Ownership: a study records who started it (members cancel, resume and delete only their own), and
 * can_edit_all is the edit right an admin grants a member: changing every persona and study of the
 * tenant, not only their own (admins and API keys always may). Studies started before have no owner:
 * admins and keys manage them.
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable("accounts")
      .addColumn("can_edit_all", "integer", (column) => column.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable("studies").addColumn("created_by_user_id", "text").execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable("studies").dropColumn("created_by_user_id").execute();
    await db.schema.alterTable("accounts").dropColumn("can_edit_all").execute();
  },
};
