import { type Kysely, type Migration } from "kysely";

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("tenants")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("name", "text", (column) => column.notNull())
      .addColumn("is_operator", "integer", (column) => column.notNull().defaultTo(0))
      .addColumn("created_at", "text", (column) => column.notNull())
      .execute();

    await db.schema
      .createTable("users")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", (column) =>
        column.notNull().references("tenants.id").onDelete("cascade"),
      )
      .addColumn("external_id", "text", (column) => column.notNull())
      .addColumn("active_user_persona_id", "text")
      .addColumn("created_at", "text", (column) => column.notNull())
      .addUniqueConstraint("users_tenant_external_unique", ["tenant_id", "external_id"])
      .execute();

    await db.schema
      .createTable("api_keys")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", (column) =>
        column.notNull().references("tenants.id").onDelete("cascade"),
      )
      .addColumn("name", "text", (column) => column.notNull())
      .addColumn("prefix", "text", (column) => column.notNull())
      .addColumn("secret_hash", "text", (column) => column.notNull().unique())
      .addColumn("scopes", "text", (column) => column.notNull())
      .addColumn("created_at", "text", (column) => column.notNull())
      .addColumn("last_used_at", "text")
      .addColumn("revoked_at", "text")
      .execute();
    await db.schema.createIndex("api_keys_tenant_index").on("api_keys").column("tenant_id").execute();

    await db.schema
      .createTable("personas")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", (column) => column.references("tenants.id").onDelete("cascade"))
      .addColumn("kind", "text", (column) => column.notNull())
      .addColumn("join_code", "text", (column) => column.notNull().unique())
      .addColumn("created_by_user_id", "text", (column) => column.references("users.id").onDelete("set null"))
      .addColumn("draft", "text", (column) => column.notNull())
      .addColumn("production_version", "integer")
      .addColumn("latest_version", "integer", (column) => column.notNull().defaultTo(0))
      .addColumn("has_unpublished_changes", "integer", (column) => column.notNull().defaultTo(1))
      .addColumn("created_at", "text", (column) => column.notNull())
      .addColumn("updated_at", "text", (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex("personas_tenant_index")
      .on("personas")
      .columns(["tenant_id", "id"])
      .execute();

    await db.schema
      .createTable("persona_versions")
      .addColumn("persona_id", "text", (column) =>
        column.notNull().references("personas.id").onDelete("cascade"),
      )
      .addColumn("version", "integer", (column) => column.notNull())
      .addColumn("definition", "text", (column) => column.notNull())
      .addColumn("created_at", "text", (column) => column.notNull())
      .addPrimaryKeyConstraint("persona_versions_primary_key", ["persona_id", "version"])
      .execute();

    await db.schema
      .createTable("user_personas")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", (column) =>
        column.notNull().references("tenants.id").onDelete("cascade"),
      )
      .addColumn("user_id", "text", (column) => column.notNull().references("users.id").onDelete("cascade"))
      .addColumn("name", "text", (column) => column.notNull())
      .addColumn("description", "text", (column) => column.notNull())
      .addColumn("avatar_url", "text")
      .addColumn("created_at", "text", (column) => column.notNull())
      .addColumn("updated_at", "text", (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex("user_personas_user_index")
      .on("user_personas")
      .columns(["user_id", "id"])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    for (const table of ["user_personas", "persona_versions", "personas", "api_keys", "users", "tenants"]) {
      await db.schema.dropTable(table).execute();
    }
  },
};
