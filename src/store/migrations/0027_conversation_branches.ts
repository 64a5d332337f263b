import type { Kysely, Migration } from "kysely";

export const migration: Migration = {
  // A branched conversation names the conversation and message it was copied from, so the chat can show
  // where it came from. No foreign keys: deleting the source conversation (or that message) must leave the
  // branch, which holds its own copies, untouched; the reference then simply names something gone.
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable("conversations").addColumn("branched_from_conversation_id", "text").execute();
    await db.schema.alterTable("conversations").addColumn("branched_from_message_id", "text").execute();
  },
  async down(db: Kysely<unknown>) {
    for (const column of ["branched_from_message_id", "branched_from_conversation_id"]) {
      await db.schema.alterTable("conversations").dropColumn(column).execute();
    }
  },
};
