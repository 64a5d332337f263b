import type { Kysely, Migration } from "kysely";

export const migration: Migration = {
  // A tenant's own default model (what every persona without a model of its own answers with), and the
  // curated model downloads: server-wide, since the files land in the server's one models directory.
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("tenant_model_settings")
      .addColumn("tenant_id", "text", (column) => column.primaryKey().references("tenants.id"))
      .addColumn("default_model", "text")
      .addColumn("updated_at", "text", (column) => column.notNull())
      .execute();
    await db.schema
      .createTable("model_downloads")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("catalog_id", "text", (column) => column.notNull().unique())
      .addColumn("tenant_id", "text", (column) => column.notNull())
      .addColumn("status", "text", (column) => column.notNull())
      .addColumn("received_bytes", "bigint", (column) => column.notNull().defaultTo(0))
      .addColumn("total_bytes", "bigint")
      .addColumn("error", "text")
      .addColumn("job_id", "text")
      .addColumn("created_at", "text", (column) => column.notNull())
      .addColumn("updated_at", "text", (column) => column.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("model_downloads").execute();
    await db.schema.dropTable("tenant_model_settings").execute();
  },
};
