import type { Job, JobEvent, JobQueue } from "../jobs/job-queue.ts";
import type { UserRow } from "../store/schema.ts";
import type { Store } from "../store/store.ts";
import type { ExchangeResult } from "./conversation-replies.ts";
import type { ConversationService, SendMessageInput } from "./conversation-service.ts";
import type { Message } from "./conversation-views.ts";
import type { MemoryExtractionPayload } from "./memory-extraction.ts";
import { BadRequestError, NotFoundError } from "../errors/app-error.ts";
import { z } from "zod";
import { readJobPayload } from "../jobs/job-payload.ts";

export const CONVERSATION_REPLY_JOB = "conversation-reply";
export const MEMORY_EXTRACTION_JOB = "memory-extraction";
export const MEMORY_EMBEDDING_JOB = "memory-embedding";
export const memoryEmbeddingPayloadSchema = z.object({ persona_id: z.string() });

/** What a conversation-reply job needs: the user, and the stored message to answer. */
export const conversationReplyPayloadSchema = z.object({
  user_id: z.string(),
  conversation_id: z.string(),
  user_message_id: z.string(),
});
export type ConversationReplyPayload = z.infer<typeof conversationReplyPayloadSchema>;

/** A job as the API shows it. */
export interface JobView {
  id: string;
  kind: string;
  status: Job["status"];
  result: unknown;
  error: string | null;
  attempts: number;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export function toJobView(job: Job): JobView {
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    result: job.result,
    error: job.error,
    attempts: job.attempts,
    created_at: job.createdAt,
    updated_at: job.updatedAt,
    started_at: job.startedAt,
    finished_at: job.finishedAt,
  };
}

function payloadUserId(job: Job): string | undefined {
  const userId = (job.payload as { user_id?: unknown } | null)?.user_id;
  return typeof userId === "string" ? userId : undefined;
}

/**
 * Background work as the API offers it. A job that acts for an end user (a conversation reply) is that
 * user's: anyone else, in the tenant or not, gets 404.
 */
export class JobService {
  private readonly store: Store;
  private readonly queue: JobQueue;
  private readonly conversations: ConversationService;

  constructor(dependencies: { store: Store; queue: JobQueue; conversations: ConversationService }) {
    this.store = dependencies.store;
    this.queue = dependencies.queue;
    this.conversations = dependencies.conversations;
  }

  /** Stores the user's message now and queues the persona's reply. */
  async startReply(
    user: UserRow,
    conversationId: string,
    input: SendMessageInput,
  ): Promise<{ job: JobView; userMessage: Message }> {
    const userMessage = await this.conversations.accept(user, conversationId, input);
    const payload: ConversationReplyPayload = {
      user_id: user.id,
      conversation_id: conversationId,
      user_message_id: userMessage.id,
    };
    const job = await this.queue.enqueue({
      tenantId: user.tenant_id,
      kind: CONVERSATION_REPLY_JOB,
      payload,
      idempotencyKey: `reply:${userMessage.id}`,
    });
    return { job: toJobView(job), userMessage };
  }

  /** Queues learning from an exchange; one job per reply, however often it is asked. */
  async enqueueExtraction(user: UserRow, exchange: ExchangeResult): Promise<void> {
    const payload: MemoryExtractionPayload = {
      user_id: user.id,
      conversation_id: exchange.message.conversation_id,
      user_message_id: exchange.user_message.id,
      reply_message_id: exchange.message.id,
    };
    await this.queue.enqueue({
      tenantId: user.tenant_id,
      kind: MEMORY_EXTRACTION_JOB,
      payload,
      idempotencyKey: `extract:${exchange.message.id}`,
    });
  }

  /** Queues embedding a persona's new memories (one pass embeds everything pending). */
  async enqueueEmbedding(tenantId: string, personaId: string): Promise<void> {
    await this.queue.enqueue({ tenantId, kind: MEMORY_EMBEDDING_JOB, payload: { persona_id: personaId } });
  }

  async get(tenantId: string, user: UserRow | undefined, id: string): Promise<JobView> {
    return toJobView(await this.findJob(tenantId, user, id));
  }

  async *events(
    tenantId: string,
    user: UserRow | undefined,
    id: string,
    signal?: AbortSignal,
  ): AsyncIterable<JobEvent> {
    await this.findJob(tenantId, user, id);
    yield* this.queue.events(tenantId, id, { signal });
  }

  async cancel(tenantId: string, user: UserRow | undefined, id: string): Promise<JobView> {
    await this.findJob(tenantId, user, id);
    const job = await this.queue.cancel(tenantId, id);
    if (!job) throw new NotFoundError(`job ${id}`);
    return toJobView(job);
  }

  /** Runs a conversation-reply job: the worker side of `startReply`. */
  async runReply(job: Job, context: { signal: AbortSignal; publish(data: unknown): Promise<void> }) {
    const payload = readJobPayload(job, conversationReplyPayloadSchema);
    const user = await this.store.users.findById(job.tenantId, payload.user_id);
    if (!user) throw new NotFoundError(`user ${payload.user_id}`);
    const userMessage = await this.conversations.getMessage(
      user,
      payload.conversation_id,
      payload.user_message_id,
    );
    return this.conversations.answer(user, payload.conversation_id, userMessage, {
      signal: context.signal,
      onStart: ({ replyId }) => context.publish({ type: "message-start", message_id: replyId }),
      onDelta: (text) => context.publish({ type: "message-delta", text }),
    });
  }

  private async findJob(tenantId: string, user: UserRow | undefined, id: string): Promise<Job> {
    const job = await this.queue.get(tenantId, id);
    if (!job) throw new NotFoundError(`job ${id}`);
    const owner = payloadUserId(job);
    if (owner !== undefined) {
      if (!user) {
        throw new BadRequestError(
          "this job acts for an end user: send the X-Dramatis-User header with their id",
          [{ field: "X-Dramatis-User", message: "required" }],
        );
      }
      if (user.id !== owner) throw new NotFoundError(`job ${id}`);
    }
    return job;
  }
}
