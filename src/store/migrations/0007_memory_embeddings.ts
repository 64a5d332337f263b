import { isPostgres } from "../dialect.ts";
import { type Kysely, type Migration } from "kysely";

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    // float32 vectors, scored in process: per-persona sets are small enough to scan.
    await db.schema
      .alterTable("memories")
      .addColumn("embedding", isPostgres(db) ? "bytea" : "blob")
      .execute();
    await db.schema.alterTable("memories").addColumn("embedding_model", "text").execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable("memories").dropColumn("embedding").execute();
    await db.schema.alterTable("memories").dropColumn("embedding_model").execute();
  },
};
