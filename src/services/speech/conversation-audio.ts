import type { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { NotFoundError } from "../../errors/app-error.ts";
import type { Clock } from "../../lib/clock.ts";
import { newId } from "../../lib/ids.ts";
import type { BlobStore } from "../../store/blob-store.ts";
import type { Store } from "../../store/store.ts";
import type { UserRow } from "../../store/schema.ts";
import { toPlayableAudio } from "../../speech/audio-codecs.ts";
import { wavDurationSeconds } from "../../speech/wav.ts";
import type { AudioLinkTarget } from "../media-links.ts";
import type { SpeechTranscription } from "./speech-transcription.ts";
import { actorOf } from "./speech-usage.ts";

/** A voice message uploaded and transcribed, waiting to be sent as a message. */
export interface UploadedRecording {
  recording_id: string;
  text: string;
  duration_seconds: number;
  recognizer: string;
}

/** Unsent recordings are kept this long, then swept with their blobs. */
const UNSENT_RECORDING_MS = 24 * 3_600_000;

/**
 * The audio kept with conversations (`message_audio` rows owning blobs): voice messages and call
 * recordings stored, any of it opened for the conversation's owner or a signed link, and swept when what
 * owns it is gone.
 */
export class ConversationAudio {
  private readonly store: Store;
  private readonly blobs: BlobStore;
  private readonly clock: Clock;
  private readonly transcription: SpeechTranscription;

  constructor(dependencies: {
    store: Store;
    blobs: BlobStore;
    clock: Clock;
    transcription: SpeechTranscription;
  }) {
    this.store = dependencies.store;
    this.blobs = dependencies.blobs;
    this.clock = dependencies.clock;
    this.transcription = dependencies.transcription;
  }

  /**
   * Stores a voice message and transcribes it; the user then sends the text as a message with
   * `recording_id`, which keeps the audio with it. Unsent recordings are swept after a day.
   */
  async uploadRecording(
    user: UserRow,
    conversationId: string,
    input: { audio: Uint8Array; locale?: string | undefined },
  ): Promise<UploadedRecording> {
    const conversation = await this.store.conversations.find(user.id, conversationId);
    if (!conversation) throw new NotFoundError(`conversation ${conversationId}`);
    const transcription = await this.transcription.transcribe(actorOf(user), { ...input, conversationId });
    const contentType = this.transcription.audioType(input.audio);
    const blob = await this.blobs.put(input.audio, { tenantId: user.tenant_id, contentType });
    const id = newId("aud");
    await this.store.messageAudio.insert({
      id,
      tenant_id: user.tenant_id,
      conversation_id: conversationId,
      message_id: null,
      kind: "recording",
      blob_id: blob.id,
      content_type: contentType,
      voice: null,
      text_sha256: null,
      duration_ms: Math.round(transcription.duration_seconds * 1000),
      transcript: transcription.text,
      created_at: this.clock.now().toISOString(),
    });
    return {
      recording_id: id,
      text: transcription.text,
      duration_seconds: transcription.duration_seconds,
      recognizer: transcription.recognizer,
    };
  }

  /** Keeps a call's stereo recording with its conversation; the id of its audio row. */
  async storeCallRecording(user: UserRow, conversationId: string, wav: Uint8Array): Promise<string> {
    const blob = await this.blobs.put(wav, { tenantId: user.tenant_id, contentType: "audio/wav" });
    const id = newId("aud");
    await this.store.messageAudio.insert({
      id,
      tenant_id: user.tenant_id,
      conversation_id: conversationId,
      message_id: null,
      kind: "call_recording",
      blob_id: blob.id,
      content_type: "audio/wav",
      voice: null,
      text_sha256: null,
      duration_ms: Math.round((wavDurationSeconds(wav) ?? 0) * 1000),
      transcript: null,
      created_at: this.clock.now().toISOString(),
    });
    return id;
  }

  /** A stored audio's bytes, for the conversation's owner only. */
  async openAudio(
    user: UserRow,
    conversationId: string,
    audioId: string,
  ): Promise<{ stream: Readable; contentType: string; size: number; sha256: string }> {
    const conversation = await this.store.conversations.find(user.id, conversationId);
    const row = conversation ? await this.store.messageAudio.find(user.tenant_id, audioId) : undefined;
    if (!row || row.conversation_id !== conversationId) throw new NotFoundError(`audio ${audioId}`);
    const opened = await this.blobs.open(user.tenant_id, row.blob_id);
    if (!opened) throw new NotFoundError(`audio ${audioId}`);
    return {
      stream: opened.stream,
      contentType: opened.blob.contentType,
      size: opened.blob.size,
      sha256: opened.blob.sha256,
    };
  }

  /** A stored audio of the user's conversation, whole, in a type of `accepted` (WAV encoded to MP3). */
  async playableAudio(
    user: UserRow,
    conversationId: string,
    audioId: string,
    accepted: readonly string[],
  ): Promise<{ bytes: Uint8Array; contentType: string }> {
    const opened = await this.openAudio(user, conversationId, audioId);
    return toPlayableAudio(new Uint8Array(await buffer(opened.stream)), opened.contentType, accepted);
  }

  /**
   * The audio a signed media link opens (MediaLinks.open checked the signature and expiry): looked up in
   * the link's tenant, and only while its message is still in the conversation.
   */
  async openLinkedAudio(target: AudioLinkTarget): Promise<{ bytes: Uint8Array; contentType: string }> {
    const missing = new NotFoundError(`audio ${target.audioId}`);
    const row = await this.store.messageAudio.find(target.tenantId, target.audioId);
    if (!row || row.conversation_id !== target.conversationId || row.message_id === null) throw missing;
    if (!(await this.store.conversations.findMessage(row.conversation_id, row.message_id))) throw missing;
    const opened = await this.blobs.open(target.tenantId, row.blob_id);
    if (!opened) throw missing;
    const bytes = new Uint8Array(await buffer(opened.stream));
    if (target.format === "stored") return { bytes, contentType: opened.blob.contentType };
    return toPlayableAudio(bytes, opened.blob.contentType, ["audio/mpeg"]);
  }

  /**
   * Deletes the audio whose message or conversation is gone, and recordings never sent: blob first, then
   * row, so a failure midway leaves a row to retry. `conversationId` limits the sweep to one conversation.
   */
  async sweepOrphans(options: { conversationId?: string } = {}): Promise<number> {
    const unsentBefore = new Date(this.clock.now().getTime() - UNSENT_RECORDING_MS).toISOString();
    let swept = 0;
    for (;;) {
      const rows = await this.store.messageAudio.listOrphans({ unsentBefore, limit: 200, ...options });
      for (const row of rows) {
        await this.blobs.delete(row.tenant_id, row.blob_id);
        await this.store.messageAudio.delete(row.id);
      }
      swept += rows.length;
      if (rows.length < 200) return swept;
    }
  }

  /** Deletes the audio of a persona's conversations (before the persona and its conversations go). */
  async deletePersonaAudio(tenantId: string, personaId: string): Promise<void> {
    for (const row of await this.store.messageAudio.listForPersona(tenantId, personaId)) {
      await this.blobs.delete(row.tenant_id, row.blob_id);
      await this.store.messageAudio.delete(row.id);
    }
  }
}
