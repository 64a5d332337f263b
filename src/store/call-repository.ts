import type { Kysely, Updateable } from "kysely";
import type { CallTable, Database } from "./schema.ts";

export type CallRow = CallTable;

/** Voice calls, per user; another user's are not found. */
export class CallRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: CallRow): Promise<void> {
    await this.db.insertInto("calls").values(row).execute();
  }

  async find(tenantId: string, userId: string, id: string): Promise<CallRow | undefined> {
    return this.db
      .selectFrom("calls")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("user_id", "=", userId)
      .where("id", "=", id)
      .executeTakeFirst();
  }

  /** Any user's call, for the stream upgrade (which proves itself with the call's token) and webhooks. */
  async findById(id: string): Promise<CallRow | undefined> {
    return this.db.selectFrom("calls").selectAll().where("id", "=", id).executeTakeFirst();
  }

  async findByProviderId(providerCallId: string): Promise<CallRow | undefined> {
    return this.db
      .selectFrom("calls")
      .selectAll()
      .where("provider_call_id", "=", providerCallId)
      .executeTakeFirst();
  }

  /** The user's calls, newest first, optionally one persona's; keyset pagination on (created_at, id). */
  async list(
    tenantId: string,
    userId: string,
    options: { personaId?: string | undefined; limit: number; before?: { createdAt: string; id: string } },
  ): Promise<CallRow[]> {
    let query = this.db
      .selectFrom("calls")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("user_id", "=", userId);
    if (options.personaId) query = query.where("persona_id", "=", options.personaId);
    const before = options.before;
    if (before) {
      query = query.where((eb) =>
        eb.or([
          eb("created_at", "<", before.createdAt),
          eb.and([eb("created_at", "=", before.createdAt), eb("id", "<", before.id)]),
        ]),
      );
    }
    return query.orderBy("created_at", "desc").orderBy("id", "desc").limit(options.limit).execute();
  }

  async update(id: string, changes: Updateable<CallTable>): Promise<void> {
    await this.db.updateTable("calls").set(changes).where("id", "=", id).execute();
  }

  /**
   * Takes the stream token if it matches and has not expired: true once, for the first connection.
   */
  async claimStreamToken(id: string, tokenSha256: string, now: string): Promise<boolean> {
    const result = await this.db
      .updateTable("calls")
      .set({ stream_token_sha256: null, stream_token_expires_at: null })
      .where("id", "=", id)
      .where("stream_token_sha256", "=", tokenSha256)
      .where("stream_token_expires_at", ">", now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
