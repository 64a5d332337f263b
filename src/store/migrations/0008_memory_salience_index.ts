import { sql, type Kysely, type Migration } from "kysely";

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    // Retrieval reads a persona's strongest, most recently reinforced memories on every reply.
    await sql`create index memories_salience_index on memories (persona_id, strength desc, updated_at desc)`.execute(
      db,
    );
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex("memories_salience_index").execute();
  },
};
