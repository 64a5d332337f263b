import { sql, type Kysely } from "kysely";
import { toPage, type Page, type PageRequest } from "./pagination.ts";
import type { ConversationRow, Database, MessageRow } from "./schema.ts";
import {
  readMessageRow,
  readPromptRow,
  writeMessageRow,
  writePromptRow,
  type StoredMessage,
  type StoredPrompt,
} from "./stored-documents/conversation-documents.ts";

/** A shown message that matched a search, with the conversation it belongs to. */
export interface MessageSearchRow {
  message_id: string;
  conversation_id: string;
  role: "user" | "assistant";
  content: string;
  created_at: string;
  title: string;
  persona_id: string;
}

/** A LIKE pattern matching `text` literally: its wildcards and the escape character itself escaped. */
function escapeLikePattern(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** Conversations belong to one user; every query is scoped by that user's id. */
export class ConversationRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(conversation: ConversationRow): Promise<void> {
    await this.db.insertInto("conversations").values(conversation).execute();
  }

  async find(userId: string, id: string): Promise<ConversationRow | undefined> {
    return this.db
      .selectFrom("conversations")
      .selectAll()
      .where("user_id", "=", userId)
      .where("id", "=", id)
      .executeTakeFirst();
  }

  /** The user's newest conversation with the persona on a channel (where texts on it continue). */
  async findNewestOnChannel(
    userId: string,
    personaId: string,
    channel: string,
  ): Promise<ConversationRow | undefined> {
    return this.db
      .selectFrom("conversations")
      .selectAll()
      .where("user_id", "=", userId)
      .where("persona_id", "=", personaId)
      .where("channel", "=", channel)
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
  }

  async list(
    userId: string,
    page: PageRequest & { personaId?: string | undefined },
  ): Promise<Page<ConversationRow>> {
    let query = this.db.selectFrom("conversations").selectAll().where("user_id", "=", userId);
    if (page.personaId) query = query.where("persona_id", "=", page.personaId);
    if (page.after) query = query.where("id", ">", page.after);
    const rows = await query
      .orderBy("id")
      .limit(page.limit + 1)
      .execute();
    return toPage(rows, page.limit);
  }

  async rename(userId: string, id: string, title: string, updatedAt: string): Promise<void> {
    await this.db
      .updateTable("conversations")
      .set({ title, updated_at: updatedAt })
      .where("user_id", "=", userId)
      .where("id", "=", id)
      .execute();
  }

  async delete(userId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("conversations")
      .where("user_id", "=", userId)
      .where("id", "=", id)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /**
   * Reserves the next message sequence number atomically (also under concurrent senders) and touches
   * the conversation's updated time.
   */
  async claimSequence(conversationId: string, updatedAt: string): Promise<number> {
    const row = await this.db
      .updateTable("conversations")
      .set({ message_count: sql`message_count + 1`, updated_at: updatedAt })
      .where("id", "=", conversationId)
      .returning("message_count")
      .executeTakeFirstOrThrow();
    return row.message_count;
  }

  async insertMessage(message: StoredMessage): Promise<void> {
    await this.db.insertInto("messages").values(writeMessageRow(message)).execute();
  }

  async findMessage(conversationId: string, id: string): Promise<StoredMessage | undefined> {
    const row = await this.db
      .selectFrom("messages")
      .selectAll()
      .where("conversation_id", "=", conversationId)
      .where("id", "=", id)
      .executeTakeFirst();
    return row && readMessageRow(row);
  }

  /** The newest message the conversation shows (its chosen alternative, for a regenerated reply). */
  async findLatestShown(conversationId: string): Promise<StoredMessage | undefined> {
    const row = await this.db
      .selectFrom("messages")
      .selectAll()
      .where("conversation_id", "=", conversationId)
      .where("chosen", "=", 1)
      .orderBy("sequence", "desc")
      .limit(1)
      .executeTakeFirst();
    return row && readMessageRow(row);
  }

  /** Every alternative of the turns whose first replies are `turnIds`, in the order they were written. */
  async listAlternatives(conversationId: string, turnIds: string[]): Promise<StoredMessage[]> {
    if (turnIds.length === 0) return [];
    const rows = await this.db
      .selectFrom("messages")
      .selectAll()
      .where("conversation_id", "=", conversationId)
      .where((where) => where.or([where("id", "in", turnIds), where("alternative_of", "in", turnIds)]))
      .orderBy("sequence")
      .execute();
    return rows.map(readMessageRow);
  }

  /** Shows `chosenId` for its turn and hides the turn's other alternatives. */
  async chooseAlternative(conversationId: string, turnId: string, chosenId: string): Promise<void> {
    await this.db
      .updateTable("messages")
      .set({ chosen: sql`case when id = ${chosenId} then 1 else 0 end` })
      .where("conversation_id", "=", conversationId)
      .where((where) => where.or([where("id", "=", turnId), where("alternative_of", "=", turnId)]))
      .execute();
  }

  async updateMessage(
    conversationId: string,
    id: string,
    changes: Partial<Pick<MessageRow, "content" | "token_count" | "status" | "edited_at">>,
  ): Promise<void> {
    await this.db
      .updateTable("messages")
      .set(changes)
      .where("conversation_id", "=", conversationId)
      .where("id", "=", id)
      .execute();
  }

  async deleteMessages(conversationId: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .deleteFrom("messages")
      .where("conversation_id", "=", conversationId)
      .where("id", "in", ids)
      .execute();
  }

  /** The user's newest message in the conversation: a message the persona sends unasked keeps its user persona. */
  async findLatestUserMessage(conversationId: string): Promise<StoredMessage | undefined> {
    const row = await this.db
      .selectFrom("messages")
      .selectAll()
      .where("conversation_id", "=", conversationId)
      .where("role", "=", "user")
      .orderBy("sequence", "desc")
      .limit(1)
      .executeTakeFirst();
    return row && readMessageRow(row);
  }

  /** The messages the conversation shows (one alternative per turn), in order, paged by sequence. */
  async listMessages(
    conversationId: string,
    page: { limit: number; afterSequence?: number },
  ): Promise<StoredMessage[]> {
    let query = this.db
      .selectFrom("messages")
      .selectAll()
      .where("conversation_id", "=", conversationId)
      .where("chosen", "=", 1);
    if (page.afterSequence !== undefined) query = query.where("sequence", ">", page.afterSequence);
    const rows = await query.orderBy("sequence").limit(page.limit).execute();
    return rows.map(readMessageRow);
  }

  /**
   * The newest messages, newest first, for prompt history: only what the prompt needs (role, content,
   * stored token count), fetched in pages so a long conversation is never read whole. Only each turn's
   * chosen alternative: the others are never sent to the model.
   */
  async listRecentForHistory(
    conversationId: string,
    options: { limit: number; beforeSequence?: number },
  ): Promise<
    Pick<MessageRow, "id" | "sequence" | "role" | "content" | "token_count" | "status" | "created_at">[]
  > {
    let query = this.db
      .selectFrom("messages")
      .select(["id", "sequence", "role", "content", "token_count", "status", "created_at"])
      .where("conversation_id", "=", conversationId)
      .where("chosen", "=", 1);
    if (options.beforeSequence !== undefined) query = query.where("sequence", "<", options.beforeSequence);
    return query.orderBy("sequence", "desc").limit(options.limit).execute();
  }

  /**
   * Every message of the conversation, each turn's hidden alternatives too, in the order stored: what a
   * branch copies and an export writes. Bounded by the caller (`limit`), so a runaway conversation is
   * refused rather than read whole.
   */
  async listAllMessages(conversationId: string, limit: number): Promise<StoredMessage[]> {
    const rows = await this.db
      .selectFrom("messages")
      .selectAll()
      .where("conversation_id", "=", conversationId)
      .orderBy("sequence")
      .limit(limit)
      .execute();
    return rows.map(readMessageRow);
  }

  /** Stores a conversation together with messages copied or imported into it (call inside a transaction). */
  async insertWithMessages(conversation: ConversationRow, messages: StoredMessage[]): Promise<void> {
    await this.insert(conversation);
    // Chunks keep each statement under SQLite's bound-parameter limit.
    for (let start = 0; start < messages.length; start += 200) {
      await this.db
        .insertInto("messages")
        .values(messages.slice(start, start + 200).map(writeMessageRow))
        .execute();
    }
  }

  /**
   * The user's shown messages containing `text` (case-insensitive; `%`, `_` and `\` match themselves),
   * newest first, paged by message id (`before`: continue below this id). Hidden alternatives are not
   * searched: they are not what the conversation shows.
   */
  async searchMessages(
    userId: string,
    options: { text: string; personaId?: string | undefined; limit: number; before?: string | undefined },
  ): Promise<MessageSearchRow[]> {
    const pattern = `%${escapeLikePattern(options.text.toLowerCase())}%`;
    let query = this.db
      .selectFrom("messages")
      .innerJoin("conversations", "conversations.id", "messages.conversation_id")
      .select([
        "messages.id as message_id",
        "messages.conversation_id",
        "messages.role",
        "messages.content",
        "messages.created_at",
        "conversations.title",
        "conversations.persona_id",
      ])
      .where("conversations.user_id", "=", userId)
      .where("messages.chosen", "=", 1)
      // lower() on both sides: PostgreSQL's LIKE is case-sensitive, SQLite's only folds ASCII anyway.
      .where(sql<boolean>`lower(messages.content) like ${pattern} escape '\\'`);
    if (options.personaId) query = query.where("conversations.persona_id", "=", options.personaId);
    if (options.before) query = query.where("messages.id", "<", options.before);
    return query.orderBy("messages.id", "desc").limit(options.limit).execute();
  }

  async insertPrompt(prompt: StoredPrompt): Promise<void> {
    await this.db.insertInto("message_prompts").values(writePromptRow(prompt)).execute();
  }

  /**
   * Gives copied messages the prompts of their originals (`copies`: original id -> copy id), so a branch's
   * replies open in the prompt inspector as they did in the source. The stored text is copied as it is.
   */
  async copyPrompts(copies: ReadonlyMap<string, string>): Promise<void> {
    const originals = [...copies.keys()];
    for (let start = 0; start < originals.length; start += 200) {
      const rows = await this.db
        .selectFrom("message_prompts")
        .selectAll()
        .where("message_id", "in", originals.slice(start, start + 200))
        .execute();
      if (rows.length === 0) continue;
      await this.db
        .insertInto("message_prompts")
        .values(rows.map((row) => ({ ...row, message_id: copies.get(row.message_id) as string })))
        .execute();
    }
  }

  async findPrompt(messageId: string): Promise<StoredPrompt | undefined> {
    const row = await this.db
      .selectFrom("message_prompts")
      .selectAll()
      .where("message_id", "=", messageId)
      .executeTakeFirst();
    return row && readPromptRow(row);
  }
}
