import type { CallRow } from "../../store/call-repository.ts";
import type { UserRow } from "../../store/schema.ts";
import type { ConversationService } from "../conversation-service.ts";
import type { Message } from "../conversation-views.ts";
import { parseCallTurns } from "./call-views.ts";

/**
 * The messages said during a call, in order: those its turns name, and any other message of its
 * conversation written between its start and its end (the opener, a goodbye).
 */
export async function readCallTranscript(options: {
  conversations: ConversationService;
  user: UserRow;
  call: CallRow;
}): Promise<Message[]> {
  const { conversations, user, call } = options;
  const turns = parseCallTurns(call);
  const ids = new Set(turns.flatMap((turn) => [turn.user_message_id, turn.reply_message_id ?? ""]));
  const messages: Message[] = [];
  let after: number | undefined;
  for (;;) {
    const page = await conversations.listMessages(user, call.conversation_id, {
      limit: 200,
      ...(after === undefined ? {} : { afterSequence: after }),
    });
    for (const message of page.items) {
      const during =
        call.started_at !== null &&
        message.created_at >= call.started_at &&
        (call.ended_at === null || message.created_at <= call.ended_at);
      if (ids.has(message.id) || during) messages.push(message);
    }
    if (page.nextSequence === null) return messages;
    after = page.nextSequence;
  }
}
