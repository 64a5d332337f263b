import type { StoredMessage } from "../store/stored-documents/conversation-documents.ts";
import type { Store } from "../store/store.ts";
import { ValidationError } from "../errors/app-error.ts";
import { turnOf, type Message, type MessageViews } from "./conversation-views.ts";

/**
 * A turn's alternatives (its regenerations, or the greetings a conversation opens with) and which of them
 * the conversation shows: what the user swipes between. The caller has found the message as the user's.
 */
export class ConversationAlternatives {
  private readonly store: Store;
  private readonly views: MessageViews;

  constructor(dependencies: { store: Store; views: MessageViews }) {
    this.store = dependencies.store;
    this.views = dependencies.views;
  }

  /** Every alternative of the message's turn, oldest first, and which of them is shown. */
  async list(conversationId: string, message: StoredMessage): Promise<{ items: Message[]; chosen: number }> {
    const rows = await this.store.conversations.listAlternatives(conversationId, [turnOf(message)]);
    const items = await this.views.withAlternatives(conversationId, rows);
    return {
      items,
      chosen: Math.max(
        0,
        rows.findIndex((row) => row.chosen === 1),
      ),
    };
  }

  /**
   * Shows the turn's alternative `index` (from 0) instead of the current one: the conversation lists it and
   * the next prompt's history sends it. Memory follows on its own: extraction learns from the user's
   * message of an exchange, which no alternative changes, so choosing queues nothing.
   */
  async choose(conversationId: string, message: StoredMessage, index: number): Promise<Message> {
    const rows = await this.store.conversations.listAlternatives(conversationId, [turnOf(message)]);
    const chosen = rows[index];
    if (!chosen) {
      throw new ValidationError([
        {
          field: "chosen_alternative",
          message: `this message has ${rows.length} alternative${rows.length === 1 ? "" : "s"}: use 0 to ${rows.length - 1}`,
        },
      ]);
    }
    await this.store.conversations.chooseAlternative(conversationId, turnOf(message), chosen.id);
    return this.views.shownMessage(conversationId, chosen.id);
  }
}
