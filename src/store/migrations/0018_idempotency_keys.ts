import { isPostgres } from "../dialect.ts";
import { type Kysely, type Migration } from "kysely";

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    // One row per Idempotency-Key in its scope (tenant, principal, acting user): the id is a hash of all
    // four, so the primary key alone makes "insert if absent" atomic across processes.
    await db.schema
      .createTable("idempotency_keys")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", (column) =>
        column.notNull().references("tenants.id").onDelete("cascade"),
      )
      .addColumn("idempotency_key", "text", (column) => column.notNull())
      .addColumn("fingerprint", "text", (column) => column.notNull())
      .addColumn("method", "text", (column) => column.notNull())
      .addColumn("path", "text", (column) => column.notNull())
      .addColumn("status", "text", (column) => column.notNull())
      .addColumn("lease_token", "text")
      .addColumn("locked_until", "text")
      .addColumn("response_status", "integer")
      .addColumn("response_headers", "text")
      .addColumn("response_body", isPostgres(db) ? "bytea" : "blob")
      .addColumn("created_at", "text", (column) => column.notNull())
      .addColumn("completed_at", "text")
      .addColumn("expires_at", "text", (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex("idempotency_keys_expires_index")
      .on("idempotency_keys")
      .column("expires_at")
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("idempotency_keys").execute();
  },
};
