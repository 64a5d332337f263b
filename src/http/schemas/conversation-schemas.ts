import { z } from "@hono/zod-openapi";
import { idParamSchema } from "../openapi-common.ts";
import { mediaSchema } from "./media-schemas.ts";
import { messageAudioSchema } from "./speech-schemas.ts";

const userPersonaSnapshotSchema = z
  .object({ id: z.string(), name: z.string(), description: z.string() })
  .nullable()
  .openapi({ description: "The user persona in force for this message; null for No Persona" });

export const messageSchema = z
  .object({
    id: z.string(),
    conversation_id: z.string(),
    sequence: z.number().int(),
    role: z.enum(["user", "assistant"]),
    content: z.string(),
    status: z.enum(["complete", "partial", "failed"]).openapi({
      description: "partial: generation stopped early (the client disconnected or stopped it)",
    }),
    user_persona: userPersonaSnapshotSchema,
    persona_version: z.number().int().nullable(),
    model: z
      .string()
      .nullable()
      .openapi({ description: "provider/model that wrote it; offline/… is the built-in engine" }),
    token_count: z.number().int(),
    reply_to: z.string().nullable(),
    created_at: z.string(),
    edited_at: z
      .string()
      .nullable()
      .openapi({ description: "When its content was last edited; null if never" }),
    alternative_index: z.number().int().optional().openapi({
      description:
        "Which of its turn's alternatives (regenerated replies) this is, from 0; in message lists and chat-control answers",
    }),
    alternative_count: z.number().int().optional().openapi({
      description: "How many alternatives its turn has (1: never regenerated); beside alternative_index",
    }),
    audio: z.array(messageAudioSchema).optional().openapi({
      description:
        "Its stored audio: the reading of its current text (speech) and the user's voice message (recording); in message lists and reads",
    }),
    media: z.array(mediaSchema).optional().openapi({
      description:
        "Its pictures and videos: photos the user sent, and what the persona is making or made (status, progress); in message lists and reads",
    }),
  })
  .openapi("Message");

export const conversationSchema = z
  .object({
    id: z.string(),
    persona_id: z.string(),
    channel: z.string(),
    title: z.string(),
    message_count: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
    branched_from: z.object({ conversation_id: z.string(), message_id: z.string() }).nullable().openapi({
      description:
        "A branch: the conversation and message it was copied from (POST .../branch); null otherwise",
    }),
  })
  .openapi("Conversation");

export const exchangeSchema = z
  .object({
    user_message: messageSchema,
    message: messageSchema,
    usage: z.object({ input_tokens: z.number(), output_tokens: z.number(), cost_usd: z.number() }),
    timings: z.object({ prompt_ms: z.number(), model_ms: z.number(), total_ms: z.number() }),
    warnings: z.array(z.string()),
  })
  .openapi("Exchange");

export const replySchema = z
  .object({
    message: messageSchema,
    usage: exchangeSchema.shape.usage,
    timings: exchangeSchema.shape.timings,
    warnings: z.array(z.string()),
  })
  .openapi("Reply");

/** The path of one message in a conversation: `{id}` the conversation, `{messageId}` the message. */
export const messageParamsSchema = idParamSchema.extend({
  messageId: z
    .string()
    .min(1)
    .openapi({ param: { name: "messageId", in: "path" } }),
});
