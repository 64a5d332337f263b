import { isPostgres } from "../dialect.ts";
import { sql, type Kysely, type Migration } from "kysely";

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("memories")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", (column) =>
        column.notNull().references("tenants.id").onDelete("cascade"),
      )
      .addColumn("persona_id", "text", (column) =>
        column.notNull().references("personas.id").onDelete("cascade"),
      )
      .addColumn("owner", "text", (column) => column.notNull())
      .addColumn("user_id", "text", (column) => column.references("users.id").onDelete("cascade"))
      .addColumn("scope", "text")
      .addColumn("facts", "text", (column) => column.notNull())
      .addColumn("feelings", "text", (column) => column.notNull())
      .addColumn("emotion_tags", "text", (column) => column.notNull())
      .addColumn("interpretation", "text", (column) => column.notNull())
      .addColumn("type", "text", (column) => column.notNull())
      .addColumn("strength", "integer", (column) => column.notNull())
      .addColumn("event_time", "text")
      .addColumn("sequence", "integer")
      .addColumn("revises", "text")
      .addColumn("source", "text", (column) => column.notNull())
      .addColumn("metadata", "text", (column) => column.notNull())
      // What full-text search indexes: facts, feelings, interpretation and emotion tags together.
      .addColumn("search_text", "text", (column) => column.notNull())
      .addColumn("created_at", "text", (column) => column.notNull())
      .addColumn("updated_at", "text", (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex("memories_owner_index")
      .on("memories")
      .columns(["persona_id", "owner", "user_id", "id"])
      .execute();
    if (isPostgres(db)) {
      await sql`alter table memories add column search_vector tsvector
        generated always as (to_tsvector('english', search_text)) stored`.execute(db);
      await sql`create index memories_search_index on memories using gin (search_vector)`.execute(db);
    } else {
      // External-content FTS5 index kept in step by triggers; rowid joins it to the memories row.
      await sql`create virtual table memories_fts using fts5(search_text, content='memories', content_rowid='rowid', tokenize='porter unicode61')`.execute(
        db,
      );
      await sql`create trigger memories_fts_insert after insert on memories begin
        insert into memories_fts(rowid, search_text) values (new.rowid, new.search_text); end`.execute(db);
      await sql`create trigger memories_fts_delete after delete on memories begin
        insert into memories_fts(memories_fts, rowid, search_text) values ('delete', old.rowid, old.search_text); end`.execute(
        db,
      );
      await sql`create trigger memories_fts_update after update of search_text on memories begin
        insert into memories_fts(memories_fts, rowid, search_text) values ('delete', old.rowid, old.search_text);
        insert into memories_fts(rowid, search_text) values (new.rowid, new.search_text); end`.execute(db);
    }
  },
  async down(db: Kysely<unknown>) {
    if (!isPostgres(db)) await sql`drop table if exists memories_fts`.execute(db);
    await db.schema.dropTable("memories").execute();
  },
};
