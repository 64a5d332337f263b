import type { Clock } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import type { ConversationRow, UserRow } from "../store/schema.ts";
import type { StoredMessage } from "../store/stored-documents/conversation-documents.ts";
import type { Store } from "../store/store.ts";
import { NotFoundError, ValidationError } from "../errors/app-error.ts";
import { toConversation, turnOf, type Conversation } from "./conversation-views.ts";

/** The most messages (alternatives included) a branch or an export reads from one conversation. */
export const MAX_CONVERSATION_MESSAGES = 10_000;

const TITLE_LIMIT = 200;

/** `title` with `suffix`, shortened so the whole stays within a conversation title's 200 characters. */
export function titleWithSuffix(title: string, suffix: string): string {
  return `${title.slice(0, TITLE_LIMIT - suffix.length).trimEnd()}${suffix}`;
}

/**
 * The messages a branch from `target` keeps: every turn the conversation shows up to and including the
 * target's, each with all its alternatives. A hidden alternative as target is what the branch shows for
 * its turn.
 */
export function messagesUpTo(all: StoredMessage[], target: StoredMessage): StoredMessage[] {
  const shown = all.filter((message) => message.chosen === 1);
  const targetTurn = turnOf(target);
  const index = shown.findIndex((message) => turnOf(message) === targetTurn);
  if (index === -1) throw new NotFoundError(`message ${target.id}`);
  const turns = new Set(shown.slice(0, index + 1).map(turnOf));
  return all
    .filter((message) => turns.has(turnOf(message)))
    .map((message) =>
      target.chosen === 1 || turnOf(message) !== targetTurn
        ? message
        : { ...message, chosen: message.id === target.id ? 1 : 0 },
    );
}

/**
 * Copies of `messages` for another conversation: new ids, sequences 1, 2, 3… in the same order, and
 * the links between them (a turn's alternatives, a reply's user message) pointing at the copies. A link
 * to a message that is not copied (deleted meanwhile) keeps grouping a turn, or is dropped for reply_to.
 */
export function copyMessages(messages: StoredMessage[], conversationId: string): StoredMessage[] {
  const copiedIds = new Map<string, string>();
  const copyOf = (id: string) => {
    const known = copiedIds.get(id);
    if (known) return known;
    const fresh = newId("msg");
    copiedIds.set(id, fresh);
    return fresh;
  };
  const present = new Set(messages.map((message) => message.id));
  return messages.map((message, index) => ({
    ...message,
    id: copyOf(message.id),
    conversation_id: conversationId,
    sequence: index + 1,
    alternative_of: message.alternative_of === null ? null : copyOf(message.alternative_of),
    reply_to: message.reply_to !== null && present.has(message.reply_to) ? copyOf(message.reply_to) : null,
  }));
}

/** The photos and files sent with messages (MediaService), copied with them into a branch. */
export interface BranchAttachments {
  copyUploads(user: UserRow, copies: ReadonlyMap<string, string>, conversationId: string): Promise<void>;
}

/**
 * Branching: a new conversation that starts as a copy of another up to one message, and goes its own way
 * from there. The source is unchanged. No memory is queued or copied: memories belong to the persona and
 * the user, not to a conversation, so the branch already shares every one the source taught.
 */
export class ConversationBranching {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly attachments: BranchAttachments | undefined;

  constructor(dependencies: {
    store: Store;
    clock: Clock;
    /** copies the photos and files sent with the copied messages; none: text only */
    attachments?: BranchAttachments;
  }) {
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.attachments = dependencies.attachments;
  }

  /**
   * Copies the user's conversation up to and including `messageId` into a new conversation on the web
   * channel titled "<title> (branch)".
   *
   * @example const branch = await branching.branch(user, "cnv_…", "msg_…");
   */
  async branch(user: UserRow, conversationId: string, messageId: string): Promise<Conversation> {
    const source = await this.store.conversations.find(user.id, conversationId);
    if (!source) throw new NotFoundError(`conversation ${conversationId}`);
    const target = await this.store.conversations.findMessage(conversationId, messageId);
    if (!target) throw new NotFoundError(`message ${messageId}`);
    const all = await this.store.conversations.listAllMessages(conversationId, MAX_CONVERSATION_MESSAGES + 1);
    if (all.length > MAX_CONVERSATION_MESSAGES) {
      throw new ValidationError(
        [{ field: "message_id", message: `a branch copies at most ${MAX_CONVERSATION_MESSAGES} messages` }],
        "this conversation is too long to branch",
      );
    }
    const now = this.clock.now().toISOString();
    const id = newId("cnv");
    const kept = messagesUpTo(all, target);
    const copies = copyMessages(kept, id);
    const row: ConversationRow = {
      id,
      tenant_id: user.tenant_id,
      user_id: user.id,
      persona_id: source.persona_id,
      channel: "web",
      title: titleWithSuffix(source.title, " (branch)"),
      message_count: copies.length,
      created_at: now,
      updated_at: now,
      branched_from_conversation_id: source.id,
      branched_from_message_id: target.id,
    };
    // copyMessages keeps the order: the copy of kept[i] is copies[i].
    const copied = new Map(kept.map((message, index) => [message.id, (copies[index] as StoredMessage).id]));
    await this.store.transaction(async (store) => {
      await store.conversations.insertWithMessages(row, copies);
      await store.conversations.copyPrompts(copied);
    });
    await this.attachments?.copyUploads(user, copied, id);
    return toConversation(row);
  }
}
