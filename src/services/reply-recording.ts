import type { Clock } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import type { GenerateResult } from "../models/language-model.ts";
import { countTokens } from "../models/token-count.ts";
import type { StoredMessage } from "../store/stored-documents/conversation-documents.ts";
import type { Store } from "../store/store.ts";
import type { Generation, UserPersonaSnapshot } from "./generation-input.ts";
import { joinContinuation } from "./join-continuation.ts";

/** Where a reply is recorded, and the clock its rows are dated by. */
export interface ReplyRecordingSinks {
  store: Store;
  clock: Clock;
}

/** Whose reply it is, in which conversation (what its usage row is charged to). */
export interface ReplyOwners {
  tenantId: string;
  userId: string;
  personaId: string;
  conversationId: string;
}

/** What a new reply message is stored with. */
export interface RecordedReplyRequest extends ReplyOwners {
  personaVersion: number | null;
  userPersona: UserPersonaSnapshot | null;
  /** The message answered; null for a message the persona starts. */
  replyTo: string | null;
  /** A regenerated reply: the turn it becomes the shown alternative of. */
  alternativeOf?: { turnId: string } | undefined;
}

/** Stores a generated reply with its prompt and usage in one transaction. */
export async function recordReply(
  sinks: ReplyRecordingSinks,
  options: {
    request: RecordedReplyRequest;
    replyId: string;
    generation: Generation;
    startedAt: number;
    /** more writes that must land with the message, or not at all */
    alongside?: ((store: Store, message: StoredMessage) => Promise<void>) | undefined;
  },
): Promise<StoredMessage> {
  const { request, replyId } = options;
  const { prompt, sampling, result, costUsd } = options.generation;
  const now = sinks.clock.now().toISOString();
  return sinks.store.transaction(async (store) => {
    const reply: StoredMessage = {
      id: replyId,
      conversation_id: request.conversationId,
      sequence: await store.conversations.claimSequence(request.conversationId, now),
      role: "assistant",
      content: result.text,
      status: result.finishReason === "aborted" ? "partial" : "complete",
      user_persona: request.userPersona ?? null,
      persona_version: request.personaVersion,
      model: result.model,
      token_count: countTokens(result.text),
      reply_to: request.replyTo,
      error: null,
      created_at: now,
      alternative_of: request.alternativeOf?.turnId ?? null,
      chosen: 1,
      edited_at: null,
    };
    await store.conversations.insertMessage(reply);
    // A regenerated reply replaces the turn's shown alternative in the same transaction as it lands.
    if (request.alternativeOf)
      await store.conversations.chooseAlternative(
        request.conversationId,
        request.alternativeOf.turnId,
        replyId,
      );
    await store.conversations.insertPrompt({
      message_id: replyId,
      model: result.model,
      parameters: { ...sampling },
      // The history section's text repeats the messages stored beside it; it is rebuilt when read.
      sections: prompt.sections.map((section) =>
        section.name === "history" ? { ...section, text: "" } : section,
      ),
      // A conversation's prompt holds no tool messages (only the OpenAI endpoint carries tools).
      messages: prompt.messages.flatMap(({ role, content }) => (role === "tool" ? [] : [{ role, content }])),
      warnings: result.warnings,
      created_at: now,
    });
    await store.usage.insert(
      usageRow(request, { messageId: replyId, result, costUsd, startedAt: options.startedAt, now }),
    );
    await options.alongside?.(store, reply);
    return reply;
  });
}

/**
 * Appends a continuation to the stored message it continues (partial when aborted) and records its usage,
 * in one transaction; returns the message as it now reads.
 */
export async function recordContinuation(
  sinks: ReplyRecordingSinks,
  options: { request: ReplyOwners; message: StoredMessage; generation: Generation; startedAt: number },
): Promise<StoredMessage> {
  const { request, message } = options;
  const { result, costUsd } = options.generation;
  const content = joinContinuation(message.content, result.text);
  const now = sinks.clock.now().toISOString();
  const continued: StoredMessage = {
    ...message,
    content,
    token_count: countTokens(content),
    status: result.finishReason === "aborted" ? "partial" : "complete",
  };
  await sinks.store.transaction(async (store) => {
    await store.conversations.updateMessage(request.conversationId, continued.id, {
      content: continued.content,
      token_count: continued.token_count,
      status: continued.status,
    });
    await store.usage.insert(
      usageRow(request, { messageId: continued.id, result, costUsd, startedAt: options.startedAt, now }),
    );
  });
  return continued;
}

/** A reply's usage row: its tokens, cost and the time since the request started. */
function usageRow(
  owners: ReplyOwners,
  reply: { messageId: string; result: GenerateResult; costUsd: number; startedAt: number; now: string },
) {
  return {
    id: newId("use"),
    tenant_id: owners.tenantId,
    user_id: owners.userId,
    persona_id: owners.personaId,
    conversation_id: owners.conversationId,
    message_id: reply.messageId,
    kind: "chat_reply" as const,
    model: reply.result.model,
    input_tokens: reply.result.usage.inputTokens,
    output_tokens: reply.result.usage.outputTokens,
    latency_ms: Math.round(performance.now() - reply.startedAt),
    cost_usd: reply.costUsd,
    created_at: reply.now,
  };
}
