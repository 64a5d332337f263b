import { type Kysely, type Migration } from "kysely";

export const migration: Migration = {
  // Standalone lorebooks (world info). `content` is the book's JSON document (settings and entries, see
  // domain/lorebook/lorebook-document.ts); name, description and visibility are columns so lists filter and sort in SQL.
  // Visibility works as for personas: "tenant" (every member sees it) or "private" (its creator, admins
  // and members granted can_edit_all).
  //
  // An attachment names exactly one target in one of three columns, each a foreign key that cascades, so
  // deleting the book, the persona, the user persona or the conversation removes the attachment with it.
  // The unique indexes hold once per target (NULLs never collide).
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("lorebooks")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", (column) =>
        column.notNull().references("tenants.id").onDelete("cascade"),
      )
      .addColumn("created_by_user_id", "text", (column) => column.references("users.id").onDelete("set null"))
      .addColumn("visibility", "text", (column) => column.notNull().defaultTo("tenant"))
      .addColumn("name", "text", (column) => column.notNull())
      .addColumn("description", "text", (column) => column.notNull().defaultTo(""))
      .addColumn("content", "text", (column) => column.notNull())
      .addColumn("entry_count", "integer", (column) => column.notNull().defaultTo(0))
      .addColumn("created_at", "text", (column) => column.notNull())
      .addColumn("updated_at", "text", (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex("lorebooks_tenant_index")
      .on("lorebooks")
      .columns(["tenant_id", "id"])
      .execute();
    await db.schema
      .createTable("lorebook_attachments")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", (column) =>
        column.notNull().references("tenants.id").onDelete("cascade"),
      )
      .addColumn("lorebook_id", "text", (column) =>
        column.notNull().references("lorebooks.id").onDelete("cascade"),
      )
      .addColumn("persona_id", "text", (column) => column.references("personas.id").onDelete("cascade"))
      .addColumn("user_persona_id", "text", (column) =>
        column.references("user_personas.id").onDelete("cascade"),
      )
      .addColumn("conversation_id", "text", (column) =>
        column.references("conversations.id").onDelete("cascade"),
      )
      .addColumn("created_at", "text", (column) => column.notNull())
      .execute();
    for (const target of ["persona_id", "user_persona_id", "conversation_id"]) {
      await db.schema
        .createIndex(`lorebook_attachments_${target}_index`)
        .on("lorebook_attachments")
        .columns([target, "lorebook_id"])
        .unique()
        .execute();
    }
    await db.schema
      .createIndex("lorebook_attachments_lorebook_index")
      .on("lorebook_attachments")
      .column("lorebook_id")
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("lorebook_attachments").execute();
    await db.schema.dropTable("lorebooks").execute();
  },
};
