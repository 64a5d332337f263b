import { type Kysely, type Migration } from "kysely";

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    // The persona an OpenAI-style call talks to when it names none (per user, as user personas are).
    await db.schema.alterTable("users").addColumn("active_persona_id", "text").execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable("users").dropColumn("active_persona_id").execute();
  },
};
