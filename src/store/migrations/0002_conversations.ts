import { type Kysely, type Migration } from "kysely";

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("conversations")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", (column) =>
        column.notNull().references("tenants.id").onDelete("cascade"),
      )
      .addColumn("user_id", "text", (column) => column.notNull().references("users.id").onDelete("cascade"))
      .addColumn("persona_id", "text", (column) =>
        column.notNull().references("personas.id").onDelete("cascade"),
      )
      .addColumn("channel", "text", (column) => column.notNull())
      .addColumn("title", "text", (column) => column.notNull())
      .addColumn("message_count", "integer", (column) => column.notNull().defaultTo(0))
      .addColumn("created_at", "text", (column) => column.notNull())
      .addColumn("updated_at", "text", (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex("conversations_user_index")
      .on("conversations")
      .columns(["user_id", "id"])
      .execute();

    await db.schema
      .createTable("messages")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("conversation_id", "text", (column) =>
        column.notNull().references("conversations.id").onDelete("cascade"),
      )
      .addColumn("sequence", "integer", (column) => column.notNull())
      .addColumn("role", "text", (column) => column.notNull())
      .addColumn("content", "text", (column) => column.notNull())
      .addColumn("status", "text", (column) => column.notNull())
      .addColumn("user_persona", "text")
      .addColumn("persona_version", "integer")
      .addColumn("model", "text")
      .addColumn("token_count", "integer", (column) => column.notNull())
      .addColumn("reply_to", "text")
      .addColumn("error", "text")
      .addColumn("created_at", "text", (column) => column.notNull())
      .addUniqueConstraint("messages_conversation_sequence_unique", ["conversation_id", "sequence"])
      .execute();

    await db.schema
      .createTable("message_prompts")
      .addColumn("message_id", "text", (column) =>
        column.primaryKey().references("messages.id").onDelete("cascade"),
      )
      .addColumn("model", "text", (column) => column.notNull())
      .addColumn("parameters", "text", (column) => column.notNull())
      .addColumn("sections", "text", (column) => column.notNull())
      .addColumn("messages", "text", (column) => column.notNull())
      .addColumn("warnings", "text", (column) => column.notNull())
      .addColumn("created_at", "text", (column) => column.notNull())
      .execute();

    // No foreign keys: usage outlives the conversations and personas it was spent on.
    await db.schema
      .createTable("usage_events")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", (column) =>
        column.notNull().references("tenants.id").onDelete("cascade"),
      )
      .addColumn("user_id", "text")
      .addColumn("persona_id", "text")
      .addColumn("conversation_id", "text")
      .addColumn("message_id", "text")
      .addColumn("kind", "text", (column) => column.notNull())
      .addColumn("model", "text", (column) => column.notNull())
      .addColumn("input_tokens", "integer", (column) => column.notNull())
      .addColumn("output_tokens", "integer", (column) => column.notNull())
      .addColumn("latency_ms", "integer", (column) => column.notNull())
      .addColumn("cost_usd", "real", (column) => column.notNull())
      .addColumn("created_at", "text", (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex("usage_events_tenant_time_index")
      .on("usage_events")
      .columns(["tenant_id", "created_at"])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    for (const table of ["usage_events", "message_prompts", "messages", "conversations"]) {
      await db.schema.dropTable(table).execute();
    }
  },
};
