import { isPostgres } from "../dialect.ts";
import { sql, type Kysely, type Migration } from "kysely";

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    if (isPostgres(db)) return;
    // The index also holds each memory's persona, so a search reads one persona's postings instead of
    // every match in the database and filtering afterwards: what made a study over thousands of
    // generated personas slow down as the population grew.
    await sql`drop trigger if exists memories_fts_insert`.execute(db);
    await sql`drop trigger if exists memories_fts_delete`.execute(db);
    await sql`drop trigger if exists memories_fts_update`.execute(db);
    await sql`drop table if exists memories_fts`.execute(db);
    await sql`create virtual table memories_fts using fts5(persona_id, search_text, content='memories', content_rowid='rowid', tokenize='porter unicode61')`.execute(
      db,
    );
    await sql`create trigger memories_fts_insert after insert on memories begin
      insert into memories_fts(rowid, persona_id, search_text) values (new.rowid, new.persona_id, new.search_text); end`.execute(
      db,
    );
    await sql`create trigger memories_fts_delete after delete on memories begin
      insert into memories_fts(memories_fts, rowid, persona_id, search_text)
      values ('delete', old.rowid, old.persona_id, old.search_text); end`.execute(db);
    await sql`create trigger memories_fts_update after update of search_text on memories begin
      insert into memories_fts(memories_fts, rowid, persona_id, search_text)
      values ('delete', old.rowid, old.persona_id, old.search_text);
      insert into memories_fts(rowid, persona_id, search_text) values (new.rowid, new.persona_id, new.search_text); end`.execute(
      db,
    );
    await sql`insert into memories_fts(memories_fts) values ('rebuild')`.execute(db);
  },
  async down() {
    // The wider index answers every query the narrower one did; nothing to undo.
  },
};
