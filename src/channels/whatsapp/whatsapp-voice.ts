import type { Logger } from "pino";
import { BadRequestError, PayloadTooLargeError } from "../../errors/app-error.ts";
import type { ConversationService } from "../../services/conversation-service.ts";
import type { Message } from "../../services/conversation-views.ts";
import type { SpeechService } from "../../services/speech/speech-service.ts";
import { SpeechInputError } from "../../speech/speech.ts";
import type { UserRow, WhatsAppReceiptRow } from "../../store/schema.ts";
import type { Store } from "../../store/store.ts";
import { CALLING_TEXT, CANNOT_CALL_TEXT } from "../sms/sms-call-back.ts";
import { PhoneCallsNotConfiguredError } from "../voice/phone-calls.ts";
import { WhatsAppMediaTooLargeError } from "./whatsapp-client.ts";
import type { WhatsAppSender } from "./whatsapp-sender.ts";
import {
  callsUnavailableText,
  voiceNoteNotHeardText,
  voiceNoteTooLongText,
  voiceNotesUnavailableText,
} from "./whatsapp-texts.ts";
import type { PersonaDefinition } from "../../domain/persona-definition.ts";

/** Meta's own limit for audio: nothing larger is downloaded. */
export const WHATSAPP_MAX_AUDIO_BYTES = 16 * 1024 * 1024;

/** Audio WhatsApp plays as an audio message as it is; anything else (WAV) is encoded to MP3 first. */
const WHATSAPP_AUDIO_TYPES = ["audio/mpeg", "audio/aac", "audio/amr", "audio/mp4", "audio/ogg"];

/** What WhatsApp needs from the rest of the server to hear, speak and call (wired after construction). */
export interface WhatsAppVoiceServices {
  speech: SpeechService;
  /**
   * Places a phone call from the persona's number to `to` (PhoneCalls.place); throws
   * PhoneCallsNotConfiguredError while Twilio is off.
   */
  placeCall: (
    user: UserRow,
    request: { personaId: string; to: string; signal?: AbortSignal | undefined },
  ) => Promise<unknown>;
  logger?: Logger | undefined;
}

/** Why a voice note got the service's answer instead of the persona's. */
export type UnheardReason = "unavailable" | "not_heard" | "too_long";

/** A voice note the persona cannot answer; `reason` picks the text the sender gets. */
export class UnheardVoiceNoteError extends Error {
  constructor(readonly reason: UnheardReason) {
    super(`the voice note was not heard: ${reason}`);
    this.name = "UnheardVoiceNoteError";
  }
}

/**
 * Voice on WhatsApp: voice notes heard (downloaded, kept as the message's recording, transcribed),
 * replies also sent as audio for personas that speak every reply, and "call me" answered with a call.
 */
export class WhatsAppVoice {
  constructor(
    private readonly options: {
      store: Store;
      conversations: ConversationService;
      sender: WhatsAppSender;
      services: WhatsAppVoiceServices;
    },
  ) {}

  /** True when a recognizer is configured: without one, voice notes are answered with a text. */
  canHear(): boolean {
    return this.options.services.speech.providers().some((provider) => provider.recognition);
  }

  /**
   * The persona's reply to a voice note, or the service's text when it cannot be heard. `personaReply`
   * is the text path's (replyOnChannel, resumable from the receipt) with the voice note stored as the
   * user's message; a job resumed after that message was stored goes straight on to the reply.
   */
  async replyToVoiceNote(
    note: {
      user: UserRow;
      receipt: WhatsAppReceiptRow;
      persona: PersonaDefinition;
      mediaId: string | undefined;
      signal?: AbortSignal | undefined;
    },
    personaReply: (accept: (conversationId: string) => Promise<Message>) => Promise<Message>,
  ): Promise<Message | string> {
    const { user, persona, mediaId, signal } = note;
    const stored = note.receipt.user_message_id !== null;
    if (!stored && (mediaId === undefined || !this.canHear())) return voiceNotesUnavailableText(persona.name);
    const locale = persona.voice_configurations[0]?.locale;
    try {
      return await personaReply((conversationId) =>
        this.acceptVoiceNote(user, conversationId, { mediaId: mediaId ?? "", locale, signal }),
      );
    } catch (error) {
      if (!(error instanceof UnheardVoiceNoteError)) throw error;
      if (error.reason === "too_long") return voiceNoteTooLongText(persona.name);
      if (error.reason === "unavailable") return voiceNotesUnavailableText(persona.name);
      return voiceNoteNotHeardText(persona.name);
    }
  }

  /**
   * Stores a voice note as the user's message in the conversation: its transcript as the text, the audio
   * as its recording (the way the web's voice messages are sent). Throws UnheardVoiceNoteError when it is
   * too large, not audio, or has no words in it; provider failures propagate (the job retries them).
   */
  async acceptVoiceNote(
    user: UserRow,
    conversationId: string,
    note: { mediaId: string; locale?: string | undefined; signal?: AbortSignal | undefined },
  ): Promise<Message> {
    const { speech } = this.options.services;
    let recording;
    try {
      const media = await this.options.sender.downloadMedia(note.mediaId, {
        maxBytes: WHATSAPP_MAX_AUDIO_BYTES,
        signal: note.signal,
      });
      recording = await speech.uploadRecording(user, conversationId, {
        audio: media.bytes,
        locale: note.locale,
      });
    } catch (error) {
      if (error instanceof WhatsAppMediaTooLargeError || error instanceof PayloadTooLargeError) {
        throw new UnheardVoiceNoteError("too_long");
      }
      if (error instanceof BadRequestError || error instanceof SpeechInputError) {
        throw new UnheardVoiceNoteError("not_heard");
      }
      throw error;
    }
    // The unsent recording stays behind and is swept with the other unsent ones after a day.
    if (recording.text === "") throw new UnheardVoiceNoteError("not_heard");
    return this.options.conversations.accept(user, conversationId, {
      content: recording.text,
      recordingId: recording.recording_id,
    });
  }

  /**
   * `sendReplyAudio` after the reply's text went out. The text is sent and recorded already, so a failure
   * here is logged and dropped: retrying the job would not resend the text, and the text is what matters.
   * The id of the audio message, or undefined when it was not sent.
   */
  async trySendReplyAudio(
    user: UserRow,
    receipt: WhatsAppReceiptRow,
    reply: { conversationId: string; messageId: string },
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    try {
      return (await this.sendReplyAudio(user, receipt, reply, signal)).id;
    } catch (error) {
      if (signal?.aborted) throw error;
      this.options.services.logger?.warn(
        { err: error, message_id: reply.messageId, persona_id: receipt.persona_id },
        "a WhatsApp reply's audio was not sent (its text was)",
      );
      return undefined;
    }
  }

  /**
   * Sends a reply (already sent as text) as an audio message too: read aloud once (stored and metered
   * with the message, shared with the auto-speech job), encoded to MP3 when it is WAV, uploaded and sent.
   */
  async sendReplyAudio(
    user: UserRow,
    receipt: WhatsAppReceiptRow,
    reply: { conversationId: string; messageId: string },
    signal?: AbortSignal,
  ): Promise<{ id: string }> {
    const { speech } = this.options.services;
    const audio = await speech.readMessage(user, reply.conversationId, reply.messageId);
    const playable = await speech.playableAudio(user, reply.conversationId, audio.id, WHATSAPP_AUDIO_TYPES);
    return this.options.sender.sendMedia({
      tenantId: receipt.tenant_id,
      phoneNumberId: receipt.phone_number_id,
      to: receipt.wa_id,
      media: { type: "audio", ...playable },
      userId: user.id,
      personaId: receipt.persona_id,
      conversationId: reply.conversationId,
      messageId: reply.messageId,
      signal,
    });
  }

  /**
   * Forward to voice: calls the sender's number (their WhatsApp id is their phone number) and keeps the
   * request and "Calling you now." (or why not) in the user's WhatsApp conversation. The reply is recorded
   * on the receipt once the call is placed, so a retried job (its text failed) does not call again.
   */
  async callBack(user: UserRow, receipt: WhatsAppReceiptRow, signal?: AbortSignal): Promise<Message> {
    const { store, conversations } = this.options;
    const record = (changes: {
      conversation_id?: string;
      user_message_id?: string;
      reply_message_id?: string;
    }) => store.whatsapp.updateReceipt(receipt.message_id, changes);
    let conversationId = receipt.conversation_id;
    if (conversationId === null || receipt.user_message_id === null) {
      conversationId =
        (await store.conversations.findNewestOnChannel(user.id, receipt.persona_id, "whatsapp"))?.id ??
        (await conversations.create(user, { persona_id: receipt.persona_id, channel: "whatsapp" }))
          .conversation.id;
      const asked = await conversations.accept(user, conversationId, { content: receipt.body });
      await record({ conversation_id: conversationId, user_message_id: asked.id });
    }
    if (receipt.reply_message_id !== null) {
      return conversations.getMessage(user, conversationId, receipt.reply_message_id);
    }
    let text = CALLING_TEXT;
    try {
      await this.options.services.placeCall(user, {
        personaId: receipt.persona_id,
        to: `+${receipt.wa_id}`,
        signal,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      text = error instanceof PhoneCallsNotConfiguredError ? callsUnavailableText() : CANNOT_CALL_TEXT;
      this.options.services.logger?.warn(
        { err: error, persona_id: receipt.persona_id },
        "a call asked for on WhatsApp was not placed",
      );
    }
    const reply = await conversations.say(user, conversationId, text);
    await record({ reply_message_id: reply.id });
    return reply;
  }
}
