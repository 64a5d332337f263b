import { type Kysely, type Migration } from "kysely";

export const migration: Migration = {
  // Chat controls. A regenerated reply is a new row of the same turn: `alternative_of` names the turn's
  // first reply (null on that reply itself), and `chosen` marks the one alternative of each turn that the
  // conversation shows and the model's history sends (1), the others stay readable (0). No foreign key on
  // `alternative_of`: deleting the turn's first reply must leave the other alternatives grouped.
  // `edited_at` records when a message's content was last changed by hand.
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable("messages").addColumn("alternative_of", "text").execute();
    await db.schema
      .alterTable("messages")
      .addColumn("chosen", "integer", (column) => column.notNull().defaultTo(1))
      .execute();
    await db.schema.alterTable("messages").addColumn("edited_at", "text").execute();
    await db.schema
      .createIndex("messages_alternative_of_index")
      .on("messages")
      .column("alternative_of")
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex("messages_alternative_of_index").execute();
    for (const column of ["edited_at", "chosen", "alternative_of"]) {
      await db.schema.alterTable("messages").dropColumn(column).execute();
    }
  },
};
