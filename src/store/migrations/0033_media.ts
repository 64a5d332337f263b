import type { Kysely, Migration } from "kysely";

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    // Pictures and videos: made by a persona (`generated`, a background job with status and progress) or
    // sent by the user (`upload`, ready at once). The bytes are a blob the row owns. Like message_audio,
    // no foreign key to persona, conversation or message: the row outlives them long enough for the media
    // service to delete its blob, and the gallery keeps a picture after its conversation ends.
    await db.schema
      .createTable("media")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", (column) =>
        column.notNull().references("tenants.id").onDelete("cascade"),
      )
      .addColumn("user_id", "text", (column) => column.notNull())
      .addColumn("persona_id", "text")
      .addColumn("conversation_id", "text")
      .addColumn("message_id", "text")
      .addColumn("kind", "text", (column) => column.notNull())
      .addColumn("source", "text", (column) => column.notNull())
      .addColumn("status", "text", (column) => column.notNull())
      .addColumn("request", "text", (column) => column.notNull().defaultTo(""))
      .addColumn("prompt", "text", (column) => column.notNull().defaultTo(""))
      .addColumn("model", "text")
      .addColumn("offline", "integer", (column) => column.notNull().defaultTo(0))
      .addColumn("priority", "integer", (column) => column.notNull().defaultTo(0))
      .addColumn("reference_media_id", "text")
      .addColumn("job_id", "text")
      .addColumn("blob_id", "text")
      .addColumn("content_type", "text")
      .addColumn("size", "integer")
      .addColumn("width", "integer")
      .addColumn("height", "integer")
      .addColumn("duration_ms", "integer")
      .addColumn("seed", "integer")
      .addColumn("progress", "real")
      .addColumn("error", "text")
      .addColumn("file_name", "text")
      // Channels (SMS, WhatsApp): when the reply this belongs to went out there, and when this did (taken
      // once, so a picture is sent after its reply's text and never twice).
      .addColumn("reply_sent_at", "text")
      .addColumn("channel_sent_at", "text")
      .addColumn("created_at", "text", (column) => column.notNull())
      .addColumn("completed_at", "text")
      .execute();
    // The gallery: a user's media newest first (ids are time-ordered), by persona and kind.
    await db.schema.createIndex("media_gallery_index").on("media").columns(["user_id", "id"]).execute();
    await db.schema
      .createIndex("media_persona_index")
      .on("media")
      .columns(["tenant_id", "persona_id"])
      .execute();
    await db.schema.createIndex("media_message_index").on("media").column("message_id").execute();
    await db.schema.createIndex("media_conversation_index").on("media").column("conversation_id").execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("media").execute();
  },
};
