import { type Kysely, type Migration } from "kysely";

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    // Key pairs of the server as a whole (the VAPID keys); the name is what makes first start race-safe.
    await db.schema
      .createTable("server_keys")
      .addColumn("name", "text", (column) => column.primaryKey())
      .addColumn("public_key", "text", (column) => column.notNull())
      .addColumn("private_key", "text", (column) => column.notNull())
      .addColumn("created_at", "text", (column) => column.notNull())
      .execute();
    // One row per browser subscription: the endpoint is unique on the whole server.
    await db.schema
      .createTable("push_subscriptions")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", (column) =>
        column.notNull().references("tenants.id").onDelete("cascade"),
      )
      .addColumn("user_id", "text", (column) => column.notNull().references("users.id").onDelete("cascade"))
      .addColumn("name", "text", (column) => column.notNull())
      .addColumn("endpoint", "text", (column) => column.notNull().unique())
      .addColumn("p256dh", "text", (column) => column.notNull())
      .addColumn("auth", "text", (column) => column.notNull())
      .addColumn("expiration_time", "text")
      .addColumn("created_at", "text", (column) => column.notNull())
      .addColumn("updated_at", "text", (column) => column.notNull())
      .addColumn("last_success_at", "text")
      .addColumn("last_failure_at", "text")
      .addColumn("last_failure_status", "integer")
      .addColumn("last_failure_detail", "text")
      .execute();
    await db.schema
      .createIndex("push_subscriptions_user_index")
      .on("push_subscriptions")
      .columns(["tenant_id", "user_id", "created_at"])
      .execute();
    // Open inbox event streams of every process, so "is the user connected" holds across processes.
    await db.schema
      .createTable("inbox_connections")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", (column) =>
        column.notNull().references("tenants.id").onDelete("cascade"),
      )
      .addColumn("user_id", "text", (column) => column.notNull().references("users.id").onDelete("cascade"))
      .addColumn("created_at", "text", (column) => column.notNull())
      .addColumn("expires_at", "text", (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex("inbox_connections_user_index")
      .on("inbox_connections")
      .columns(["user_id", "expires_at"])
      .execute();
    await db.schema
      .createIndex("inbox_connections_expiry_index")
      .on("inbox_connections")
      .column("expires_at")
      .execute();
  },
  async down(db: Kysely<unknown>) {
    for (const table of ["inbox_connections", "push_subscriptions", "server_keys"]) {
      await db.schema.dropTable(table).execute();
    }
  },
};
