import { z } from "zod";
import { BadRequestError, NotFoundError } from "../../errors/app-error.ts";
import type { Job, JobQueue } from "../../jobs/job-queue.ts";
import { readJobPayload } from "../../jobs/job-payload.ts";
import type { Clock } from "../../lib/clock.ts";
import { newId } from "../../lib/ids.ts";
import type { BlobStore } from "../../store/blob-store.ts";
import type { MessageAudioRow } from "../../store/message-audio-repository.ts";
import type { Store } from "../../store/store.ts";
import type { UserRow } from "../../store/schema.ts";
import type { PersonaService } from "../persona-service.ts";
import { hashSpeechText, toMessageAudio, type MessageAudio } from "./message-audio.ts";
import type { SpeechSynthesis } from "./speech-synthesis.ts";
import { actorOf, type SpeechUsage } from "./speech-usage.ts";

/** Reads a reply aloud in the background: personas with "auto generate speech" on. */
export const MESSAGE_SPEECH_JOB = "message-speech";
export const messageSpeechPayloadSchema = z.object({
  user_id: z.string(),
  conversation_id: z.string(),
  message_id: z.string(),
});

/**
 * A conversation's messages read aloud and kept with them (`message_audio` rows of kind speech), on
 * request or by the `message-speech` job for personas with "auto generate speech" on.
 */
export class MessageSpeech {
  private readonly store: Store;
  private readonly blobs: BlobStore;
  private readonly clock: Clock;
  private readonly personas: PersonaService;
  private readonly queue: JobQueue;
  private readonly synthesis: SpeechSynthesis;
  private readonly usage: SpeechUsage;

  constructor(dependencies: {
    store: Store;
    blobs: BlobStore;
    clock: Clock;
    personas: PersonaService;
    queue: JobQueue;
    synthesis: SpeechSynthesis;
    usage: SpeechUsage;
  }) {
    this.store = dependencies.store;
    this.blobs = dependencies.blobs;
    this.clock = dependencies.clock;
    this.personas = dependencies.personas;
    this.queue = dependencies.queue;
    this.synthesis = dependencies.synthesis;
    this.usage = dependencies.usage;
  }

  /**
   * A conversation's message read aloud in the persona's voice (or `voice`): the stored reading when the
   * message's text was read in that voice before, else a new one, stored and billed once.
   */
  async readMessage(
    user: UserRow,
    conversationId: string,
    messageId: string,
    options: { voice?: string | undefined; locale?: string | undefined } = {},
  ): Promise<MessageAudio> {
    const { conversation, message } = await this.findMessage(user, conversationId, messageId);
    const text = message.content.trim();
    if (!text) throw new BadRequestError(`message ${messageId} has no text to read aloud`);
    this.synthesis.checkLength(text);
    const { definition } = await this.personas.getServingDefinition(user.tenant_id, conversation.persona_id);
    const chosen = options.voice
      ? { voice: options.voice, locale: options.locale, rate: undefined, style: undefined }
      : await this.synthesis.personaVoice(definition, options.locale);
    const textSha256 = hashSpeechText(text);
    const stored = await this.store.messageAudio.findSpeech(message.id, chosen.voice, textSha256);
    if (stored) return toMessageAudio(conversationId, stored);
    const clip = await this.synthesis.read(chosen.voice, text, chosen);
    const blob = await this.blobs.put(clip.bytes, {
      tenantId: user.tenant_id,
      contentType: clip.contentType,
    });
    const row: MessageAudioRow = {
      id: newId("aud"),
      tenant_id: user.tenant_id,
      conversation_id: conversationId,
      message_id: message.id,
      kind: "speech",
      blob_id: blob.id,
      content_type: clip.contentType,
      voice: chosen.voice,
      text_sha256: textSha256,
      duration_ms: Math.round((clip.durationSeconds ?? 0) * 1000),
      transcript: null,
      created_at: this.clock.now().toISOString(),
    };
    if (!(await this.store.messageAudio.insert(row))) {
      // Another request read the same text in the same voice first: keep its copy, bill once.
      await this.blobs.delete(user.tenant_id, blob.id);
      const winner = await this.store.messageAudio.findSpeech(message.id, chosen.voice, textSha256);
      if (winner) return toMessageAudio(conversationId, winner);
    }
    await this.usage.recordSpeech(actorOf(user), {
      voice: chosen.voice,
      characters: text.length,
      personaId: conversation.persona_id,
      conversationId,
      messageId: message.id,
    });
    return toMessageAudio(conversationId, row);
  }

  /**
   * Queues reading a reply aloud when its persona has "auto generate speech" on, so every reply gets its
   * audio (played by the web chat, sent by the channels) without anyone asking.
   */
  async enqueueAutoSpeech(user: UserRow, conversationId: string, messageId: string): Promise<boolean> {
    const conversation = await this.store.conversations.find(user.id, conversationId);
    if (!conversation) return false;
    const { definition } = await this.personas.getServingDefinition(user.tenant_id, conversation.persona_id);
    if (!definition.features.auto_speech) return false;
    await this.queue.enqueue({
      tenantId: user.tenant_id,
      kind: MESSAGE_SPEECH_JOB,
      payload: { user_id: user.id, conversation_id: conversationId, message_id: messageId },
      idempotencyKey: `speech:${messageId}`,
    });
    return true;
  }

  /** Runs a message-speech job: the worker side of `enqueueAutoSpeech`. */
  async runMessageSpeech(job: Job): Promise<{ audio_id: string } | { skipped: string }> {
    const payload = readJobPayload(job, messageSpeechPayloadSchema);
    const user = await this.store.users.findById(job.tenantId, payload.user_id);
    if (!user) return { skipped: "the user is gone" };
    try {
      return { audio_id: (await this.readMessage(user, payload.conversation_id, payload.message_id)).id };
    } catch (error) {
      // Deleted meanwhile, or too long to read in one go: nothing to retry.
      if (error instanceof NotFoundError || error instanceof BadRequestError)
        return { skipped: error.message };
      throw error;
    }
  }

  private async findMessage(user: UserRow, conversationId: string, messageId: string) {
    const conversation = await this.store.conversations.find(user.id, conversationId);
    if (!conversation) throw new NotFoundError(`conversation ${conversationId}`);
    const message = await this.store.conversations.findMessage(conversationId, messageId);
    if (!message) throw new NotFoundError(`message ${messageId}`);
    return { conversation, message };
  }
}
