import { type Kysely, type Migration } from "kysely";

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    // A Twilio number posts to one webhook, so it belongs to one persona across all tenants.
    await db.schema
      .createTable("sms_phone_numbers")
      .addColumn("phone_number", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", (column) =>
        column.notNull().references("tenants.id").onDelete("cascade"),
      )
      .addColumn("persona_id", "text", (column) =>
        column.notNull().references("personas.id").onDelete("cascade"),
      )
      .addColumn("created_at", "text", (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex("sms_phone_numbers_persona_index")
      .on("sms_phone_numbers")
      .columns(["persona_id", "created_at"])
      .execute();
    // Everyone who texts a tenant's personas, verified to a user or not, and whether they opted out.
    await db.schema
      .createTable("sms_contacts")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", (column) =>
        column.notNull().references("tenants.id").onDelete("cascade"),
      )
      .addColumn("phone_number", "text", (column) => column.notNull())
      .addColumn("user_id", "text", (column) => column.references("users.id").onDelete("set null"))
      .addColumn("verified_at", "text")
      .addColumn("pending_user_id", "text", (column) => column.references("users.id").onDelete("set null"))
      .addColumn("code_hash", "text")
      .addColumn("code_sent_at", "text")
      .addColumn("code_expires_at", "text")
      .addColumn("code_attempts", "integer", (column) => column.notNull().defaultTo(0))
      .addColumn("opted_out_at", "text")
      .addColumn("instructed_at", "text")
      .addColumn("created_at", "text", (column) => column.notNull())
      .addColumn("updated_at", "text", (column) => column.notNull())
      .addUniqueConstraint("sms_contacts_tenant_number_unique", ["tenant_id", "phone_number"])
      .execute();
    await db.schema
      .createIndex("sms_contacts_user_index")
      .on("sms_contacts")
      .columns(["tenant_id", "user_id"])
      .execute();
    // One row per inbound MessageSid: the primary key is what absorbs Twilio's redeliveries.
    await db.schema
      .createTable("sms_receipts")
      .addColumn("message_sid", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", (column) =>
        column.notNull().references("tenants.id").onDelete("cascade"),
      )
      .addColumn("persona_id", "text", (column) =>
        column.notNull().references("personas.id").onDelete("cascade"),
      )
      .addColumn("from_number", "text", (column) => column.notNull())
      .addColumn("to_number", "text", (column) => column.notNull())
      .addColumn("body", "text", (column) => column.notNull())
      .addColumn("segments", "integer", (column) => column.notNull())
      .addColumn("outcome", "text", (column) => column.notNull())
      .addColumn("user_id", "text", (column) => column.references("users.id").onDelete("set null"))
      .addColumn("conversation_id", "text", (column) =>
        column.references("conversations.id").onDelete("set null"),
      )
      .addColumn("message_id", "text")
      .addColumn("reply_message_id", "text")
      .addColumn("reply_sid", "text")
      .addColumn("replied_at", "text")
      .addColumn("created_at", "text", (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex("sms_receipts_user_persona_index")
      .on("sms_receipts")
      .columns(["user_id", "persona_id", "created_at"])
      .execute();
    await db.schema
      .alterTable("usage_events")
      .addColumn("sms_segments", "integer", (column) => column.notNull().defaultTo(0))
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable("usage_events").dropColumn("sms_segments").execute();
    for (const table of ["sms_receipts", "sms_contacts", "sms_phone_numbers"]) {
      await db.schema.dropTable(table).execute();
    }
  },
};
