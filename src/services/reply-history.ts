import type { Store } from "../store/store.ts";
import type { HistoryMessage } from "./prompt-assembly.ts";

/** Messages fetched per page while filling the history budget. */
const HISTORY_PAGE = 200;

/** Which of a conversation's messages a reply's history may hold. */
interface HistoryRange {
  conversationId: string;
  /** tokens of history (the persona's memory tier's budget); the newest messages fill it */
  budget: number;
  /** only what came before this message (a regenerated turn); undefined: the whole conversation */
  untilSequence?: number | undefined;
}

/**
 * The conversation within the budget, and when the user wrote before the message being answered (for a
 * reply, the newest user message is the one answered; otherwise it is the previous one).
 */
export async function replyHistoryFor(
  store: Store,
  request: HistoryRange & { replyTo: string | null },
): Promise<{ history: HistoryMessage[]; previousUserMessageAt: string | null }> {
  const { history, userMessageTimes } = await loadHistory(store, request);
  const previousUserMessageAt = userMessageTimes[request.replyTo === null ? 0 : 1] ?? null;
  return { history, previousUserMessageAt };
}

/**
 * Newest history first until the budget is spent, fetched page by page, then put in order; with the
 * times of the user's messages in it, newest first.
 */
async function loadHistory(
  store: Store,
  { conversationId, budget, untilSequence }: HistoryRange,
): Promise<{ history: HistoryMessage[]; userMessageTimes: string[] }> {
  const newestFirst: HistoryMessage[] = [];
  const userMessageTimes: string[] = [];
  const done = () => ({ history: newestFirst.reverse(), userMessageTimes });
  let spent = 0;
  let beforeSequence: number | undefined = untilSequence;
  for (;;) {
    const page = await store.conversations.listRecentForHistory(conversationId, {
      limit: HISTORY_PAGE,
      beforeSequence,
    });
    for (const message of page) {
      newestFirst.push({
        role: message.role,
        content: message.content,
        tokens: message.token_count,
        messageId: message.id,
      });
      if (message.role === "user") userMessageTimes.push(message.created_at);
      spent += message.token_count;
      if (spent > budget) return done();
    }
    if (page.length < HISTORY_PAGE) return done();
    beforeSequence = page.at(-1)?.sequence;
  }
}
