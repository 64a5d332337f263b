import type { Kysely } from "kysely";
import type { Database } from "./schema.ts";

/** Uploaded persona pictures (already re-encoded to PNG); a persona without one gets a generated picture. */
export class PersonaAvatarRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async find(personaId: string): Promise<{ image: Uint8Array; updated_at: string } | undefined> {
    return this.db
      .selectFrom("persona_avatars")
      .select(["image", "updated_at"])
      .where("persona_id", "=", personaId)
      .executeTakeFirst();
  }

  async upsert(personaId: string, image: Uint8Array, updatedAt: string): Promise<void> {
    await this.db
      .insertInto("persona_avatars")
      .values({ persona_id: personaId, image, updated_at: updatedAt })
      .onConflict((conflict) => conflict.column("persona_id").doUpdateSet({ image, updated_at: updatedAt }))
      .execute();
  }

  async delete(personaId: string): Promise<void> {
    await this.db.deleteFrom("persona_avatars").where("persona_id", "=", personaId).execute();
  }
}
