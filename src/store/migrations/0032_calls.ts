import type { Kysely, Migration } from "kysely";

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    // A voice call (in the browser, or by phone): its turns are messages of its conversation; its
    // recording, when kept, is a message_audio row of that conversation (kind call_recording), so it goes
    // with the conversation like every other audio.
    await db.schema
      .createTable("calls")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", (column) =>
        column.notNull().references("tenants.id").onDelete("cascade"),
      )
      .addColumn("user_id", "text", (column) => column.notNull().references("users.id").onDelete("cascade"))
      .addColumn("persona_id", "text", (column) => column.notNull())
      .addColumn("conversation_id", "text", (column) =>
        column.notNull().references("conversations.id").onDelete("cascade"),
      )
      .addColumn("channel", "text", (column) => column.notNull())
      .addColumn("direction", "text", (column) => column.notNull())
      .addColumn("status", "text", (column) => column.notNull())
      .addColumn("locale", "text", (column) => column.notNull())
      .addColumn("from_number", "text")
      .addColumn("to_number", "text")
      .addColumn("provider_call_id", "text")
      .addColumn("stream_token_sha256", "text")
      .addColumn("stream_token_expires_at", "text")
      .addColumn("started_at", "text")
      .addColumn("ended_at", "text")
      .addColumn("duration_seconds", "real")
      .addColumn("end_reason", "text")
      .addColumn("recording_audio_id", "text")
      .addColumn("turns", "text", (column) => column.notNull().defaultTo("[]"))
      .addColumn("error", "text")
      .addColumn("created_at", "text", (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex("calls_user_index")
      .on("calls")
      .columns(["tenant_id", "user_id", "created_at"])
      .execute();
    await db.schema.createIndex("calls_provider_index").on("calls").column("provider_call_id").execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("calls").execute();
  },
};
