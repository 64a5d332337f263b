import { z } from "zod";
import {
  TRANSCRIPT_LIMITS,
  TranscriptFormatError,
  type Transcript,
  type TranscriptMessage,
} from "./transcript.ts";

/** The `format` value that marks a Dramatis conversation document. */
export const DRAMATIS_CHAT_FORMAT = "dramatis.conversation";
export const DRAMATIS_CHAT_VERSION = 1;

const alternativeSchema = z.strictObject({
  content: z.string().max(TRANSCRIPT_LIMITS.contentLength),
  status: z.enum(["complete", "partial", "failed"]).default("complete"),
  model: z.string().max(200).nullable().default(null),
  created_at: z.iso.datetime({ offset: true }),
  edited_at: z.iso.datetime({ offset: true }).nullable().default(null),
});

const messageSchema = z
  .strictObject({
    role: z.enum(["user", "assistant"]),
    user_persona: z
      .strictObject({
        id: z.string().max(100),
        name: z.string().max(200),
        description: z.string().max(20_000),
      })
      .nullable()
      .default(null),
    alternatives: z.array(alternativeSchema).min(1).max(TRANSCRIPT_LIMITS.alternativesPerMessage),
    chosen: z.number().int().min(0).default(0),
  })
  .refine((message) => message.chosen < message.alternatives.length, {
    message: "must name one of the alternatives (from 0)",
    path: ["chosen"],
  })
  .refine((message) => message.role === "assistant" || message.alternatives.length === 1, {
    message: "a user's message has exactly one alternative",
    path: ["alternatives"],
  });

const documentSchema = z.object({
  format: z.literal(DRAMATIS_CHAT_FORMAT),
  version: z.literal(DRAMATIS_CHAT_VERSION, { error: `only version ${DRAMATIS_CHAT_VERSION} is read` }),
  exported_at: z.string().optional(),
  conversation: z.object({
    id: z.string().optional(),
    title: z.string().trim().min(1).max(TRANSCRIPT_LIMITS.titleLength),
    channel: z.string().max(20).default("web"),
    created_at: z.iso.datetime({ offset: true }),
    persona: z.object({ id: z.string().max(100).nullable(), name: z.string().max(200) }),
    user_name: z.string().max(200).default("User"),
    branched_from: z.unknown().optional(),
  }),
  messages: z.array(messageSchema).max(TRANSCRIPT_LIMITS.messages),
});

/** The exported document (`GET /v1/conversations/{id}/export?format=dramatis`). */
export interface DramatisChatDocument {
  format: typeof DRAMATIS_CHAT_FORMAT;
  version: typeof DRAMATIS_CHAT_VERSION;
  exported_at: string;
  conversation: Omit<Transcript, "messages"> & {
    id: string;
    branched_from: { conversation_id: string; message_id: string } | null;
  };
  messages: TranscriptMessage[];
}

/** Whether a parsed JSON value says it is a Dramatis conversation document (of any version). */
export function isDramatisChat(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { format?: unknown }).format === DRAMATIS_CHAT_FORMAT
  );
}

/** The versioned Dramatis document of a transcript: everything an import needs to recreate it. */
export function encodeDramatisChat(
  transcript: Transcript,
  extra: {
    conversationId: string;
    exportedAt: string;
    branchedFrom: { conversation_id: string; message_id: string } | null;
  },
): DramatisChatDocument {
  return {
    format: DRAMATIS_CHAT_FORMAT,
    version: DRAMATIS_CHAT_VERSION,
    exported_at: extra.exportedAt,
    conversation: {
      id: extra.conversationId,
      title: transcript.title,
      channel: transcript.channel,
      created_at: transcript.created_at,
      persona: transcript.persona,
      user_name: transcript.user_name,
      branched_from: extra.branchedFrom,
    },
    messages: transcript.messages,
  };
}

/** Reads a Dramatis document; a TranscriptFormatError names each wrong field by its path. */
export function decodeDramatisChat(value: unknown): Transcript {
  const parsed = documentSchema.safeParse(value);
  if (!parsed.success) {
    throw new TranscriptFormatError(
      parsed.error.issues.slice(0, 20).map((issue) => ({
        field: issue.path.length ? issue.path.join(".") : "(document)",
        message: issue.message,
      })),
    );
  }
  const { conversation, messages } = parsed.data;
  return {
    title: conversation.title,
    channel: conversation.channel,
    created_at: conversation.created_at,
    persona: conversation.persona,
    user_name: conversation.user_name,
    messages,
  };
}
