import { type Kysely, type Migration } from "kysely";

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    // A phone number id posts to one webhook, so it belongs to one persona across all tenants.
    await db.schema
      .createTable("whatsapp_numbers")
      .addColumn("phone_number_id", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", (column) =>
        column.notNull().references("tenants.id").onDelete("cascade"),
      )
      .addColumn("persona_id", "text", (column) =>
        column.notNull().references("personas.id").onDelete("cascade"),
      )
      .addColumn("display_phone_number", "text", (column) => column.notNull())
      .addColumn("created_at", "text", (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex("whatsapp_numbers_persona_index")
      .on("whatsapp_numbers")
      .columns(["persona_id", "created_at"])
      .execute();
    await db.schema
      .createTable("whatsapp_contacts")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", (column) =>
        column.notNull().references("tenants.id").onDelete("cascade"),
      )
      .addColumn("wa_id", "text", (column) => column.notNull())
      .addColumn("profile_name", "text")
      .addColumn("user_id", "text", (column) => column.references("users.id").onDelete("set null"))
      .addColumn("linked_at", "text")
      .addColumn("last_inbound_at", "text")
      .addColumn("instructed_at", "text")
      .addColumn("failed_link_attempts", "integer", (column) => column.notNull().defaultTo(0))
      .addColumn("failed_link_window_at", "text")
      .addColumn("created_at", "text", (column) => column.notNull())
      .addColumn("updated_at", "text", (column) => column.notNull())
      .addUniqueConstraint("whatsapp_contacts_tenant_wa_id_unique", ["tenant_id", "wa_id"])
      .execute();
    await db.schema
      .createIndex("whatsapp_contacts_user_index")
      .on("whatsapp_contacts")
      .columns(["tenant_id", "user_id"])
      .execute();
    await db.schema
      .createTable("whatsapp_link_codes")
      .addColumn("code_hash", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", (column) =>
        column.notNull().references("tenants.id").onDelete("cascade"),
      )
      .addColumn("user_id", "text", (column) => column.notNull().references("users.id").onDelete("cascade"))
      .addColumn("expires_at", "text", (column) => column.notNull())
      .addColumn("created_at", "text", (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex("whatsapp_link_codes_user_index")
      .on("whatsapp_link_codes")
      .columns(["user_id", "created_at"])
      .execute();
    // One row per inbound message id: the primary key is what absorbs Meta's redeliveries.
    await db.schema
      .createTable("whatsapp_receipts")
      .addColumn("message_id", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", (column) =>
        column.notNull().references("tenants.id").onDelete("cascade"),
      )
      .addColumn("persona_id", "text", (column) =>
        column.notNull().references("personas.id").onDelete("cascade"),
      )
      .addColumn("phone_number_id", "text", (column) => column.notNull())
      .addColumn("wa_id", "text", (column) => column.notNull())
      .addColumn("body", "text", (column) => column.notNull())
      .addColumn("message_type", "text", (column) => column.notNull())
      .addColumn("outcome", "text", (column) => column.notNull())
      .addColumn("user_id", "text", (column) => column.references("users.id").onDelete("set null"))
      .addColumn("conversation_id", "text", (column) =>
        column.references("conversations.id").onDelete("set null"),
      )
      .addColumn("user_message_id", "text")
      .addColumn("reply_message_id", "text")
      .addColumn("reply_id", "text")
      .addColumn("replied_at", "text")
      .addColumn("created_at", "text", (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex("whatsapp_receipts_user_persona_index")
      .on("whatsapp_receipts")
      .columns(["user_id", "persona_id", "created_at"])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    for (const table of [
      "whatsapp_receipts",
      "whatsapp_link_codes",
      "whatsapp_contacts",
      "whatsapp_numbers",
    ]) {
      await db.schema.dropTable(table).execute();
    }
  },
};
