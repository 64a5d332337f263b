import { createHash } from "node:crypto";
import type { MessageAudioRow } from "../../store/message-audio-repository.ts";

/** A message's stored audio as the API shows it. */
export interface MessageAudio {
  id: string;
  kind: "speech" | "recording" | "call_recording";
  /** `provider/voice` that read a reply aloud; null for a recording */
  voice: string | null;
  duration_seconds: number;
  /** what the recognizer heard (recordings) */
  transcript: string | null;
  content_type: string;
  /** where the bytes are served */
  url: string;
}

/** A reading's `text_sha256`: a reading belongs to the text it was read from, so an edit is read anew. */
export const hashSpeechText = (text: string) => createHash("sha256").update(text).digest("hex");

/** A stored audio row as the API shows it. */
export function toMessageAudio(conversationId: string, row: MessageAudioRow): MessageAudio {
  return {
    id: row.id,
    kind: row.kind,
    voice: row.voice,
    duration_seconds: row.duration_ms / 1000,
    transcript: row.transcript,
    content_type: row.content_type,
    url: `/v1/conversations/${conversationId}/audio/${row.id}`,
  };
}

/**
 * The audio to show with each message: its recording, and the newest reading of its current text (an
 * edited message is read anew). `rows` are the messages' audio rows, newest first.
 */
export function audioByMessage(
  conversationId: string,
  messages: ReadonlyArray<{ id: string; content: string }>,
  rows: readonly MessageAudioRow[],
): Map<string, MessageAudio[]> {
  const textHashes = new Map(messages.map((message) => [message.id, hashSpeechText(message.content.trim())]));
  const byMessage = new Map<string, MessageAudio[]>();
  const seenSpeech = new Set<string>();
  for (const row of rows) {
    if (!row.message_id) continue;
    if (row.kind === "speech") {
      if (row.text_sha256 !== textHashes.get(row.message_id) || seenSpeech.has(row.message_id)) continue;
      seenSpeech.add(row.message_id);
    }
    byMessage.set(row.message_id, [
      ...(byMessage.get(row.message_id) ?? []),
      toMessageAudio(conversationId, row),
    ]);
  }
  return byMessage;
}
