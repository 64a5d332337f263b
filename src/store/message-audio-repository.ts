import type { Kysely } from "kysely";
import { isUniqueViolation } from "./errors.ts";
import type { Database, MessageAudioTable } from "./schema.ts";

export type MessageAudioRow = MessageAudioTable;

/** The audio of messages (replies read aloud, voice messages); the bytes are blobs (blob-store.ts). */
export class MessageAudioRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts the row; false when an identical reading (message, voice, text) is already stored. */
  async insert(row: MessageAudioRow): Promise<boolean> {
    try {
      await this.db.insertInto("message_audio").values(row).execute();
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async find(tenantId: string, id: string): Promise<MessageAudioRow | undefined> {
    return this.db
      .selectFrom("message_audio")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .executeTakeFirst();
  }

  /** The stored reading of a message's text in a voice. */
  async findSpeech(
    messageId: string,
    voice: string,
    textSha256: string,
  ): Promise<MessageAudioRow | undefined> {
    return this.db
      .selectFrom("message_audio")
      .selectAll()
      .where("message_id", "=", messageId)
      .where("kind", "=", "speech")
      .where("voice", "=", voice)
      .where("text_sha256", "=", textSha256)
      .executeTakeFirst();
  }

  /** Every audio row of these messages, newest first (the caller picks the one matching the text). */
  async listForMessages(messageIds: readonly string[]): Promise<MessageAudioRow[]> {
    if (messageIds.length === 0) return [];
    return this.db
      .selectFrom("message_audio")
      .selectAll()
      .where("message_id", "in", [...messageIds])
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .execute();
  }

  /** Ties an uploaded recording to the message it became. */
  async attachRecording(
    tenantId: string,
    id: string,
    conversationId: string,
    messageId: string,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable("message_audio")
      .set({ message_id: messageId })
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .where("conversation_id", "=", conversationId)
      .where("kind", "=", "recording")
      .where("message_id", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Rows whose message or conversation is gone (deleted, or cascaded away with a persona or user), and
   * unsent recordings older than `unsentBefore`: what a sweep deletes, blob first.
   */
  async listOrphans(options: {
    unsentBefore: string;
    limit: number;
    conversationId?: string;
  }): Promise<MessageAudioRow[]> {
    let query = this.db
      .selectFrom("message_audio")
      .selectAll()
      .where((eb) =>
        eb.or([
          eb.not(
            eb.exists(
              eb
                .selectFrom("conversations")
                .select("conversations.id")
                .whereRef("conversations.id", "=", "message_audio.conversation_id"),
            ),
          ),
          eb.and([
            eb("message_audio.message_id", "is not", null),
            eb.not(
              eb.exists(
                eb
                  .selectFrom("messages")
                  .select("messages.id")
                  .whereRef("messages.id", "=", "message_audio.message_id"),
              ),
            ),
          ]),
          eb.and([
            eb("message_audio.kind", "=", "recording"),
            eb("message_audio.message_id", "is", null),
            eb("message_audio.created_at", "<", options.unsentBefore),
          ]),
        ]),
      );
    if (options.conversationId)
      query = query.where("message_audio.conversation_id", "=", options.conversationId);
    return query.limit(options.limit).execute();
  }

  /** Every audio row of a persona's conversations. */
  async listForPersona(tenantId: string, personaId: string): Promise<MessageAudioRow[]> {
    return this.db
      .selectFrom("message_audio")
      .innerJoin("conversations", "conversations.id", "message_audio.conversation_id")
      .selectAll("message_audio")
      .where("message_audio.tenant_id", "=", tenantId)
      .where("conversations.persona_id", "=", personaId)
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom("message_audio").where("id", "=", id).execute();
  }
}
