import { sql, type Kysely, type Migration } from "kysely";

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable("users")
      .addColumn("inbox_sequence", "integer", (column) => column.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable("scheduled_messages").addColumn("inbox_sequence", "integer").execute();
    // Messages sent before this migration are numbered in the order they were sent.
    await sql`
      update scheduled_messages set inbox_sequence = (
        select count(*) from scheduled_messages earlier
        where earlier.user_id = scheduled_messages.user_id and earlier.status = 'sent'
          and (earlier.sent_at < scheduled_messages.sent_at
            or (earlier.sent_at = scheduled_messages.sent_at and earlier.id <= scheduled_messages.id))
      )
      where status = 'sent'`.execute(db);
    await sql`
      update users set inbox_sequence = coalesce(
        (select max(inbox_sequence) from scheduled_messages where scheduled_messages.user_id = users.id), 0)`.execute(
      db,
    );
    await db.schema
      .createIndex("scheduled_messages_inbox_index")
      .on("scheduled_messages")
      .columns(["user_id", "inbox_sequence"])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex("scheduled_messages_inbox_index").execute();
    await db.schema.alterTable("scheduled_messages").dropColumn("inbox_sequence").execute();
    await db.schema.alterTable("users").dropColumn("inbox_sequence").execute();
  },
};
