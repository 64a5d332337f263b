import { sql, type Kysely, type Migration } from "kysely";

export const migration: Migration = {
  // Persona search by name on the server (`GET /v1/personas?q=`): the name lives inside the draft JSON,
  // so it is copied to a column the repository keeps in step with every write. Population members get an
  // index by persona, so lists can leave out the personas generated for research populations cheaply.
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable("personas")
      .addColumn("name", "text", (column) => column.notNull().defaultTo(""))
      .execute();
    const rows = await sql<{ id: string; draft: string }>`select id, draft from personas`.execute(db);
    for (const row of rows.rows) {
      const name = nameOf(row.draft);
      if (name) await sql`update personas set name = ${name} where id = ${row.id}`.execute(db);
    }
    await db.schema
      .createIndex("population_members_persona_index")
      .on("population_members")
      .column("persona_id")
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex("population_members_persona_index").execute();
    await db.schema.alterTable("personas").dropColumn("name").execute();
  },
};

/** The draft's name, or "" for a draft that is not the JSON object it should be (the next write fixes it). */
function nameOf(draft: string): string {
  try {
    const parsed: unknown = JSON.parse(draft);
    const name = (parsed as { name?: unknown } | null)?.name;
    return typeof name === "string" ? name : "";
  } catch {
    return "";
  }
}
