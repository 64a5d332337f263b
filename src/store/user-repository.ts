import type { Kysely } from "kysely";
import { isUniqueViolation } from "./errors.ts";
import type { Database, UserRow } from "./schema.ts";

export class UserRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async findByExternalId(tenantId: string, externalId: string): Promise<UserRow | undefined> {
    return this.db
      .selectFrom("users")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("external_id", "=", externalId)
      .executeTakeFirst();
  }

  /** Returns the user, inserting `candidate` first when none exists; concurrent callers get the same row. */
  async findOrInsert(candidate: UserRow): Promise<UserRow> {
    const existing = await this.findByExternalId(candidate.tenant_id, candidate.external_id);
    if (existing) return existing;
    try {
      await this.db.insertInto("users").values(candidate).execute();
      return candidate;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const winner = await this.findByExternalId(candidate.tenant_id, candidate.external_id);
      if (!winner) throw error;
      return winner;
    }
  }

  async findById(tenantId: string, id: string): Promise<UserRow | undefined> {
    return this.db
      .selectFrom("users")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .executeTakeFirst();
  }

  async setActivePersona(userId: string, personaId: string | null): Promise<void> {
    await this.db
      .updateTable("users")
      .set({ active_persona_id: personaId })
      .where("id", "=", userId)
      .execute();
  }

  async setActiveUserPersona(userId: string, userPersonaId: string | null): Promise<void> {
    await this.db
      .updateTable("users")
      .set({ active_user_persona_id: userPersonaId })
      .where("id", "=", userId)
      .execute();
  }

  /**
   * Takes the user's next inbox number. Called in the transaction that stores a message for the user, it
   * holds the user's row until commit, so numbers follow the order messages were committed in.
   */
  async claimInboxSequence(userId: string): Promise<number> {
    const row = await this.db
      .updateTable("users")
      .set((eb) => ({ inbox_sequence: eb("inbox_sequence", "+", 1) }))
      .where("id", "=", userId)
      .returning("inbox_sequence")
      .executeTakeFirstOrThrow();
    return Number(row.inbox_sequence);
  }

  /** Personas' messages up to this time count as seen (the inbox's unread count starts after it). */
  async setInboxReadAt(userId: string, at: string): Promise<void> {
    await this.db.updateTable("users").set({ inbox_read_at: at }).where("id", "=", userId).execute();
  }
}
