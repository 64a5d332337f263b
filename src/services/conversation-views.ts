import { audioByMessage, type MessageAudio } from "./speech/message-audio.ts";
import { mediaByMessage, type MediaView } from "./media/media-views.ts";
import type { ChatMessage } from "../models/language-model.ts";
import type { ConversationRow } from "../store/schema.ts";
import type { StoredMessage, StoredPrompt } from "../store/stored-documents/conversation-documents.ts";
import type { Store } from "../store/store.ts";
import { NotFoundError } from "../errors/app-error.ts";
import { renderHistory, type PromptSection } from "./prompt-assembly.ts";
import type { UserPersonaSnapshot } from "./generation-input.ts";

/*
 * Conversations and their messages as the API shows them: the shapes, the mapping from stored rows, and
 * what a message list adds to each (its place among its turn's alternatives, its audio, its media).
 */

export const CHANNELS = ["api", "web", "sms", "whatsapp", "voice"] as const;
export type Channel = (typeof CHANNELS)[number];

export interface Conversation {
  id: string;
  persona_id: string;
  channel: string;
  title: string;
  message_count: number;
  created_at: string;
  updated_at: string;
  /** a branch: the conversation and message it was copied from; null for every other conversation */
  branched_from: { conversation_id: string; message_id: string } | null;
}

export interface Message {
  id: string;
  conversation_id: string;
  sequence: number;
  role: "user" | "assistant";
  content: string;
  status: "complete" | "partial" | "failed";
  user_persona: UserPersonaSnapshot | null;
  persona_version: number | null;
  model: string | null;
  token_count: number;
  reply_to: string | null;
  created_at: string;
  /** when its content was last edited by hand; null if never */
  edited_at: string | null;
  /** Where a reply stands among its turn's alternatives (regenerations): from 0; given by the chat controls and the message list. */
  alternative_index?: number;
  alternative_count?: number;
  /** Its stored audio (the reading of its text, the user's voice recording); given by message lists and reads. */
  audio?: MessageAudio[];
  /** Its pictures and videos (the user's photos, what the persona made); given by message lists and reads. */
  media?: MediaView[];
}

export interface PromptRecord {
  message_id: string;
  model: string;
  parameters: Record<string, unknown>;
  sections: PromptSection[];
  messages: ChatMessage[];
  warnings: string[];
  total_tokens: number;
  created_at: string;
}

export function toConversation(row: ConversationRow): Conversation {
  return {
    id: row.id,
    persona_id: row.persona_id,
    channel: row.channel,
    title: row.title,
    message_count: row.message_count,
    created_at: row.created_at,
    updated_at: row.updated_at,
    branched_from:
      row.branched_from_conversation_id && row.branched_from_message_id
        ? { conversation_id: row.branched_from_conversation_id, message_id: row.branched_from_message_id }
        : null,
  };
}

export function toMessage(row: StoredMessage): Message {
  return {
    id: row.id,
    conversation_id: row.conversation_id,
    sequence: row.sequence,
    role: row.role,
    content: row.content,
    status: row.status,
    user_persona: row.user_persona,
    persona_version: row.persona_version,
    model: row.model,
    token_count: row.token_count,
    reply_to: row.reply_to,
    created_at: row.created_at,
    edited_at: row.edited_at,
  };
}

/** The stored prompt of a reply as the inspector shows it: its history section as the text the model read. */
export function toPromptRecord(messageId: string, prompt: StoredPrompt): PromptRecord {
  const { messages } = prompt;
  const sections = prompt.sections.map((section) =>
    section.name === "history" ? { ...section, text: renderHistory(messages.slice(1)) } : section,
  );
  return {
    message_id: messageId,
    model: prompt.model,
    parameters: prompt.parameters,
    sections,
    messages,
    warnings: prompt.warnings,
    total_tokens: sections.reduce((total, section) => total + section.tokens, 0),
    created_at: prompt.created_at,
  };
}

/** The turn a message belongs to: its first reply's id (every message that is no alternative is its own). */
export function turnOf(message: Pick<StoredMessage, "id" | "alternative_of">): string {
  return message.alternative_of ?? message.id;
}

/** Stored messages as a message list shows them: with their alternatives, audio and media (one query each). */
export class MessageViews {
  constructor(private readonly store: Store) {}

  /** A message as stored now, with where it stands among its turn's alternatives. */
  async shownMessage(conversationId: string, messageId: string): Promise<Message> {
    const row = await this.store.conversations.findMessage(conversationId, messageId);
    if (!row) throw new NotFoundError(`message ${messageId}`);
    const [message] = await this.withAlternatives(conversationId, [row]);
    return message ?? toMessage(row);
  }

  /** The messages with `alternative_index` and `alternative_count` of their turns (one query for all). */
  async withAlternatives(conversationId: string, rows: StoredMessage[]): Promise<Message[]> {
    const turnIds = [...new Set(rows.filter((row) => row.role === "assistant").map(turnOf))];
    const alternatives = await this.store.conversations.listAlternatives(conversationId, turnIds);
    const byTurn = new Map<string, string[]>();
    for (const alternative of alternatives) {
      const turn = turnOf(alternative);
      byTurn.set(turn, [...(byTurn.get(turn) ?? []), alternative.id]);
    }
    const audio = audioByMessage(
      conversationId,
      rows,
      await this.store.messageAudio.listForMessages(rows.map((row) => row.id)),
    );
    return this.withMedia(
      rows.map((row) => {
        const turn = byTurn.get(turnOf(row)) ?? [row.id];
        return {
          ...toMessage(row),
          alternative_index: turn.indexOf(row.id),
          alternative_count: turn.length,
          audio: audio.get(row.id) ?? [],
        };
      }),
    );
  }

  /** The messages with their pictures and videos (one query for all). */
  async withMedia(messages: Message[]): Promise<Message[]> {
    const media = mediaByMessage(
      await this.store.media.listForMessages(messages.map((message) => message.id)),
    );
    return messages.map((message) => ({ ...message, media: media.get(message.id) ?? [] }));
  }
}
