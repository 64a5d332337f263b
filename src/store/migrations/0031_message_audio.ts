import type { Kysely, Migration } from "kysely";

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    // Audio of a message: a reply read aloud (`speech`, per voice and text) or the user's own voice
    // message (`recording`). The bytes are a blob this row owns. No foreign key to the message: when a
    // message or conversation goes (also by cascade), the row stays behind long enough for the speech
    // service to find it and delete its blob, then the row.
    await db.schema
      .createTable("message_audio")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", (column) =>
        column.notNull().references("tenants.id").onDelete("cascade"),
      )
      .addColumn("conversation_id", "text", (column) => column.notNull())
      .addColumn("message_id", "text")
      .addColumn("kind", "text", (column) => column.notNull())
      .addColumn("blob_id", "text", (column) => column.notNull())
      .addColumn("content_type", "text", (column) => column.notNull())
      .addColumn("voice", "text")
      .addColumn("text_sha256", "text")
      .addColumn("duration_ms", "integer", (column) => column.notNull())
      .addColumn("transcript", "text")
      .addColumn("created_at", "text", (column) => column.notNull())
      .execute();
    // Speech is billed by what it carried: characters read aloud, seconds of audio heard or talked.
    await db.schema
      .alterTable("usage_events")
      .addColumn("speech_characters", "integer", (column) => column.notNull().defaultTo(0))
      .execute();
    await db.schema
      .alterTable("usage_events")
      .addColumn("audio_seconds", "real", (column) => column.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createIndex("message_audio_message_index")
      .on("message_audio")
      .columns(["message_id", "kind"])
      .execute();
    await db.schema
      .createIndex("message_audio_conversation_index")
      .on("message_audio")
      .column("conversation_id")
      .execute();
    // One stored reading per message, voice and text: two requests racing to read the same reply
    // aloud keep one copy (the loser deletes its blob and uses the winner's).
    await db.schema
      .createIndex("message_audio_speech_unique")
      .on("message_audio")
      .columns(["message_id", "kind", "voice", "text_sha256"])
      .unique()
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("message_audio").execute();
    await db.schema.alterTable("usage_events").dropColumn("audio_seconds").execute();
    await db.schema.alterTable("usage_events").dropColumn("speech_characters").execute();
  },
};
