import type { Kysely, Updateable } from "kysely";
import type { Database, MediaTable } from "./schema.ts";

export type MediaRow = MediaTable;

/** What the gallery lists: a user's media, newest first, narrowed by persona, kind and source. */
export interface MediaListQuery {
  userId: string;
  personaId?: string | undefined;
  kind?: MediaRow["kind"] | undefined;
  source?: MediaRow["source"] | undefined;
  /** only media attached to this conversation */
  conversationId?: string | undefined;
  limit: number;
  /** items older than this id (the previous page's cursor) */
  before?: string | undefined;
}

/** Pictures and videos (made by personas or sent by users); their bytes are blobs (blob-store.ts). */
export class MediaRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: MediaRow): Promise<void> {
    await this.db.insertInto("media").values(row).execute();
  }

  /** A user's media item; undefined for anyone else's. */
  async find(userId: string, id: string): Promise<MediaRow | undefined> {
    return this.db
      .selectFrom("media")
      .selectAll()
      .where("user_id", "=", userId)
      .where("id", "=", id)
      .executeTakeFirst();
  }

  /** By id within a tenant (a job's or a signed link's lookup, which carry no user). */
  async findInTenant(tenantId: string, id: string): Promise<MediaRow | undefined> {
    return this.db
      .selectFrom("media")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .executeTakeFirst();
  }

  /** Newest first; fetches `limit + 1` so the caller can tell whether another page follows. */
  async list(query: MediaListQuery): Promise<MediaRow[]> {
    let select = this.db.selectFrom("media").selectAll().where("user_id", "=", query.userId);
    if (query.personaId) select = select.where("persona_id", "=", query.personaId);
    if (query.kind) select = select.where("kind", "=", query.kind);
    if (query.source) select = select.where("source", "=", query.source);
    if (query.conversationId) select = select.where("conversation_id", "=", query.conversationId);
    if (query.before) select = select.where("id", "<", query.before);
    return select
      .orderBy("id", "desc")
      .limit(query.limit + 1)
      .execute();
  }

  /** The media attached to these messages, oldest first. */
  async listForMessages(messageIds: readonly string[]): Promise<MediaRow[]> {
    if (messageIds.length === 0) return [];
    return this.db
      .selectFrom("media")
      .selectAll()
      .where("message_id", "in", [...messageIds])
      .orderBy("id", "asc")
      .execute();
  }

  async update(tenantId: string, id: string, changes: Updateable<MediaTable>): Promise<void> {
    await this.db
      .updateTable("media")
      .set(changes)
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .execute();
  }

  /**
   * Attaches uploads to the message they were sent with: only the user's own, in this conversation, not
   * sent before. The number attached (the caller compares it with the number asked for).
   */
  async attachUploads(
    userId: string,
    ids: readonly string[],
    conversationId: string,
    messageId: string,
  ): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await this.db
      .updateTable("media")
      .set({ message_id: messageId })
      .where("user_id", "=", userId)
      .where("id", "in", [...ids])
      .where("conversation_id", "=", conversationId)
      .where("source", "=", "upload")
      .where("message_id", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /**
   * What a sweep deletes (blob first): media of users who are gone; uploads whose conversation or message
   * is gone, or never sent before `unsentBefore`; and generations that never produced anything and whose
   * message is gone. Generated media outlive their conversation: the gallery keeps them.
   */
  async listOrphans(options: {
    unsentBefore: string;
    limit: number;
    conversationId?: string;
  }): Promise<MediaRow[]> {
    let query = this.db
      .selectFrom("media")
      .selectAll()
      .where((eb) => {
        const messageGone = eb.and([
          eb("media.message_id", "is not", null),
          eb.not(
            eb.exists(
              eb
                .selectFrom("messages")
                .select("messages.id")
                .whereRef("messages.id", "=", "media.message_id"),
            ),
          ),
        ]);
        const conversationGone = eb.and([
          eb("media.conversation_id", "is not", null),
          eb.not(
            eb.exists(
              eb
                .selectFrom("conversations")
                .select("conversations.id")
                .whereRef("conversations.id", "=", "media.conversation_id"),
            ),
          ),
        ]);
        return eb.or([
          eb.not(
            eb.exists(eb.selectFrom("users").select("users.id").whereRef("users.id", "=", "media.user_id")),
          ),
          eb.and([
            eb("media.source", "=", "upload"),
            eb.or([
              messageGone,
              conversationGone,
              eb.and([eb("media.message_id", "is", null), eb("media.created_at", "<", options.unsentBefore)]),
            ]),
          ]),
          eb.and([
            eb("media.source", "=", "generated"),
            eb("media.status", "!=", "ready"),
            eb("media.created_at", "<", options.unsentBefore),
            eb.or([messageGone, conversationGone]),
          ]),
        ]);
      });
    if (options.conversationId) query = query.where("media.conversation_id", "=", options.conversationId);
    return query.limit(options.limit).execute();
  }

  /** Records that the reply `messageId` went out on its channel: its pictures may follow it now. */
  async markReplySent(messageId: string, at: string): Promise<void> {
    await this.db
      .updateTable("media")
      .set({ reply_sent_at: at })
      .where("message_id", "=", messageId)
      .where("reply_sent_at", "is", null)
      .execute();
  }

  /** Takes the item for sending on its channel: true for exactly one caller. */
  async claimChannelSend(tenantId: string, id: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable("media")
      .set({ channel_sent_at: at })
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .where("channel_sent_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom("media").where("id", "=", id).execute();
  }
}
