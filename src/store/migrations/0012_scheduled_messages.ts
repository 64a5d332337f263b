import { type Kysely, type Migration } from "kysely";

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("scheduled_messages")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", (column) =>
        column.notNull().references("tenants.id").onDelete("cascade"),
      )
      .addColumn("persona_id", "text", (column) =>
        column.notNull().references("personas.id").onDelete("cascade"),
      )
      .addColumn("user_id", "text", (column) => column.notNull().references("users.id").onDelete("cascade"))
      .addColumn("conversation_id", "text", (column) =>
        column.notNull().references("conversations.id").onDelete("cascade"),
      )
      .addColumn("kind", "text", (column) => column.notNull())
      .addColumn("slot_key", "text", (column) => column.notNull())
      .addColumn("due_at", "text", (column) => column.notNull())
      .addColumn("status", "text", (column) => column.notNull())
      .addColumn("content", "text")
      .addColumn("message_id", "text")
      .addColumn("error", "text")
      .addColumn("attempts", "integer", (column) => column.notNull())
      .addColumn("created_at", "text", (column) => column.notNull())
      .addColumn("updated_at", "text", (column) => column.notNull())
      .addColumn("sent_at", "text")
      // One row per slot, however many schedulers plan it at once.
      .addUniqueConstraint("scheduled_messages_slot_unique", ["persona_id", "user_id", "slot_key"])
      .execute();
    await db.schema
      .createIndex("scheduled_messages_due_index")
      .on("scheduled_messages")
      .columns(["status", "due_at"])
      .execute();
    await db.schema
      .createIndex("scheduled_messages_user_index")
      .on("scheduled_messages")
      .columns(["user_id", "due_at"])
      .execute();
    await db.schema.alterTable("users").addColumn("inbox_read_at", "text").execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable("users").dropColumn("inbox_read_at").execute();
    await db.schema.dropTable("scheduled_messages").execute();
  },
};
