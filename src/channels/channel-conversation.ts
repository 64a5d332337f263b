import type { ConversationService } from "../services/conversation-service.ts";
import type { Message } from "../services/conversation-views.ts";
import type { Store } from "../store/store.ts";
import type { UserRow } from "../store/schema.ts";

/** What a text channel has recorded, on its receipt, of answering one inbound message so far. */
export interface ChannelReplyProgress {
  conversationId: string | null;
  userMessageId: string | null;
  replyMessageId: string | null;
}

/**
 * Puts a text that arrived on a channel (SMS, WhatsApp) into the user's conversation with the persona on
 * that channel (started on the first text) and has the persona reply. Each step is recorded through
 * `record` (on the channel's receipt) before the next, so a retried job resumes where the last attempt
 * stopped instead of storing the text or the reply twice.
 *
 * @example
 * const reply = await replyOnChannel({ store, conversations, user, personaId, channel: "sms", text,
 *   progress: fromReceipt(receipt), record: (step) => store.sms.updateReceipt(sid, toColumns(step)) });
 */
export async function replyOnChannel(options: {
  store: Store;
  conversations: ConversationService;
  user: UserRow;
  personaId: string;
  channel: "sms" | "whatsapp";
  text: string;
  /**
   * Stores the user's message instead of `text` (a voice note: its transcript, with its recording kept).
   * Runs at most once per successful attempt: the message it returns is recorded before the reply.
   */
  accept?: ((conversationId: string) => Promise<Message>) | undefined;
  progress: ChannelReplyProgress;
  record: (step: Partial<ChannelReplyProgress>) => Promise<void>;
  signal?: AbortSignal | undefined;
}): Promise<Message> {
  const { store, conversations, user, progress } = options;
  let conversationId = progress.conversationId;
  let userMessage: Message;
  if (conversationId === null || progress.userMessageId === null) {
    conversationId =
      (await store.conversations.findNewestOnChannel(user.id, options.personaId, options.channel))?.id ??
      (await conversations.create(user, { persona_id: options.personaId, channel: options.channel }))
        .conversation.id;
    userMessage = options.accept
      ? await options.accept(conversationId)
      : await conversations.accept(user, conversationId, { content: options.text });
    await options.record({ conversationId, userMessageId: userMessage.id });
  } else {
    userMessage = await conversations.getMessage(user, conversationId, progress.userMessageId);
  }
  if (progress.replyMessageId !== null) {
    return conversations.getMessage(user, conversationId, progress.replyMessageId);
  }
  const exchange = await conversations.answer(user, conversationId, userMessage, { signal: options.signal });
  await options.record({ replyMessageId: exchange.message.id });
  return exchange.message;
}
