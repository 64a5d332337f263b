import type { Clock } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import { countTokens } from "../models/token-count.ts";
import type { MessageRow } from "../store/schema.ts";
import type { StoredMessage } from "../store/stored-documents/conversation-documents.ts";
import type { Store } from "../store/store.ts";
import { NotFoundError } from "../errors/app-error.ts";
import { toMessage, type Message, type MessageViews } from "./conversation-views.ts";
import type { UserPersonaSnapshot } from "./generation-input.ts";

/** What every message written by no model records. */
interface NewMessageOptions {
  conversationId: string;
  role: MessageRow["role"];
  content: string;
  userPersona: UserPersonaSnapshot | null;
  personaVersion: number | null;
}

/**
 * Stores the messages no model writes (the user's, the greetings, what a call says), each in one
 * transaction with what it claims: its sequence, the voice recording and the photos sent with it.
 */
export class ConversationMessageWriter {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly views: MessageViews;

  constructor(dependencies: { store: Store; clock: Clock; views: MessageViews }) {
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.views = dependencies.views;
  }

  /**
   * Stores the opening greetings as one turn, in their order: the first is the turn, the others its
   * alternatives, and the chosen one is shown. One transaction: a conversation never opens half greeted.
   */
  async storeGreetings(options: {
    conversationId: string;
    greetings: string[];
    chosen: number;
    userPersona: UserPersonaSnapshot | null;
    personaVersion: number | null;
  }): Promise<Message> {
    const now = this.clock.now().toISOString();
    const shown = await this.store.transaction(async (store) => {
      let turnId: string | null = null;
      let shown: StoredMessage | undefined;
      for (const [index, content] of options.greetings.entries()) {
        const isChosen = index === options.chosen;
        const message: StoredMessage = {
          ...newMessage({ ...options, role: "assistant", content }),
          sequence: await store.conversations.claimSequence(options.conversationId, now),
          created_at: now,
          alternative_of: turnId,
          chosen: isChosen ? 1 : 0,
        };
        await store.conversations.insertMessage(message);
        turnId ??= message.id;
        if (isChosen) shown = message;
      }
      return shown;
    });
    if (!shown) throw new Error("the chosen greeting was not among the greetings stored");
    return this.views.shownMessage(options.conversationId, shown.id);
  }

  async storeMessage(
    options: NewMessageOptions & {
      /** a voice message uploaded to this conversation and not sent yet, kept with the message */
      recording?: { tenantId: string; id: string } | undefined;
      /** photos the user uploaded to this conversation and has not sent yet */
      attachments?: { userId: string; ids: readonly string[] } | undefined;
    },
  ): Promise<Message> {
    const now = this.clock.now().toISOString();
    const { recording, attachments } = options;
    const row = await this.store.transaction(async (store) => {
      const message: StoredMessage = {
        ...newMessage(options),
        sequence: await store.conversations.claimSequence(options.conversationId, now),
        created_at: now,
      };
      await store.conversations.insertMessage(message);
      if (
        recording &&
        !(await store.messageAudio.attachRecording(
          recording.tenantId,
          recording.id,
          options.conversationId,
          message.id,
        ))
      ) {
        throw new NotFoundError(
          `recording ${recording.id} (upload it to this conversation; each is sent once)`,
        );
      }
      if (attachments) {
        const ids = [...new Set(attachments.ids)];
        const attached = await store.media.attachUploads(
          attachments.userId,
          ids,
          options.conversationId,
          message.id,
        );
        if (attached !== ids.length) {
          throw new NotFoundError(
            `attachment ${ids.join(", ")} (upload each to this conversation first; each is sent once)`,
          );
        }
      }
      return message;
    });
    if (!recording && !attachments) return toMessage(row);
    const [shown] = await this.views.withAlternatives(options.conversationId, [row]);
    return shown ?? toMessage(row);
  }
}

/** A complete message written by no model, shown, with no turn of its own yet (sequence: to claim). */
function newMessage(options: NewMessageOptions): Omit<StoredMessage, "sequence" | "created_at"> {
  return {
    id: newId("msg"),
    conversation_id: options.conversationId,
    role: options.role,
    content: options.content,
    status: "complete",
    user_persona: options.userPersona ?? null,
    persona_version: options.personaVersion,
    model: null,
    token_count: countTokens(options.content),
    reply_to: null,
    error: null,
    alternative_of: null,
    chosen: 1,
    edited_at: null,
  };
}
