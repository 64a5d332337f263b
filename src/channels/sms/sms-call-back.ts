import type { ConversationService } from "../../services/conversation-service.ts";
import type { Message } from "../../services/conversation-views.ts";
import type { SmsReceiptRow, UserRow } from "../../store/schema.ts";
import type { Store } from "../../store/store.ts";

/** A text asked the persona to call (forward to voice): who asked, from which number, of which persona. */
export interface CallRequest {
  tenantId: string;
  userId: string;
  personaId: string;
  /** the persona's number the text went to: the call comes from it */
  personaNumber: string;
  /** the sender's number: the call goes to it */
  userNumber: string;
  signal?: AbortSignal | undefined;
}

/** What the persona texts back instead of a reply when it calls. */
export const CALLING_TEXT = "Calling you now.";
/** ... and when the call could not be placed. */
export const CANNOT_CALL_TEXT = "Sorry, I can't call you right now. Let's keep texting.";

/**
 * Calls the sender back from the number they texted, keeping the request and the persona's "Calling you
 * now." (or that it cannot) in the user's SMS conversation. The reply is recorded on the receipt once the
 * call is placed, so a retried job (its text failed to send) texts again without calling again. Without
 * `placeCall` (no voice here), the persona says it cannot call.
 */
export async function callBack(options: {
  store: Store;
  conversations: ConversationService;
  placeCall: ((request: CallRequest) => Promise<unknown>) | undefined;
  user: UserRow;
  receipt: SmsReceiptRow;
  signal?: AbortSignal | undefined;
}): Promise<Message> {
  const { store, conversations, placeCall, user, receipt, signal } = options;
  const record = (changes: { conversation_id?: string; message_id?: string; reply_message_id?: string }) =>
    store.sms.updateReceipt(receipt.message_sid, changes);
  let conversationId = receipt.conversation_id;
  if (conversationId === null || receipt.message_id === null) {
    conversationId =
      (await store.conversations.findNewestOnChannel(user.id, receipt.persona_id, "sms"))?.id ??
      (await conversations.create(user, { persona_id: receipt.persona_id, channel: "sms" })).conversation.id;
    const asked = await conversations.accept(user, conversationId, { content: receipt.body });
    await record({ conversation_id: conversationId, message_id: asked.id });
  }
  if (receipt.reply_message_id !== null) {
    return conversations.getMessage(user, conversationId, receipt.reply_message_id);
  }
  let placed = false;
  try {
    await placeCall?.({
      tenantId: receipt.tenant_id,
      userId: user.id,
      personaId: receipt.persona_id,
      personaNumber: receipt.to_number,
      userNumber: receipt.from_number,
      signal,
    });
    placed = placeCall !== undefined;
  } catch (error) {
    if (signal?.aborted) throw error;
  }
  const reply = await conversations.say(user, conversationId, placed ? CALLING_TEXT : CANNOT_CALL_TEXT);
  await record({ reply_message_id: reply.id });
  return reply;
}
