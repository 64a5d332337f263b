import type { Kysely, Migration } from "kysely";

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    // Binary data (card assets, later media, voice, knowledge files) lives in files named by their sha256;
    // a row here is one stored copy owned by one object. Several rows may share a file (same bytes): the
    // file is removed with the last row that names it.
    await db.schema
      .createTable("blobs")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", (column) =>
        column.notNull().references("tenants.id").onDelete("cascade"),
      )
      .addColumn("sha256", "text", (column) => column.notNull())
      .addColumn("size", "bigint", (column) => column.notNull())
      .addColumn("content_type", "text", (column) => column.notNull())
      .addColumn("created_at", "text", (column) => column.notNull())
      .execute();
    await db.schema.createIndex("blobs_sha256_index").on("blobs").column("sha256").execute();
    // A character card's assets (CHARX files, data: URIs): each owns one blob; a remote asset keeps its URL.
    await db.schema
      .createTable("persona_assets")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", (column) =>
        column.notNull().references("tenants.id").onDelete("cascade"),
      )
      .addColumn("persona_id", "text", (column) =>
        column.notNull().references("personas.id").onDelete("cascade"),
      )
      .addColumn("type", "text", (column) => column.notNull())
      .addColumn("name", "text", (column) => column.notNull())
      .addColumn("ext", "text", (column) => column.notNull())
      .addColumn("position", "integer", (column) => column.notNull())
      .addColumn("blob_id", "text", (column) => column.references("blobs.id"))
      .addColumn("remote_uri", "text")
      .addColumn("created_at", "text", (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex("persona_assets_persona_index")
      .on("persona_assets")
      .columns(["persona_id", "position"])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("persona_assets").execute();
    await db.schema.dropTable("blobs").execute();
  },
};
