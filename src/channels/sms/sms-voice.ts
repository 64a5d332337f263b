import type { Logger } from "pino";
import type { MediaLinks } from "../../services/media-links.ts";
import type { SpeechService } from "../../services/speech/speech-service.ts";
import { canPlayAs } from "../../speech/audio-codecs.ts";
import type { SmsReceiptRow, UserRow } from "../../store/schema.ts";
import type { SmsSender } from "./sms-sender.ts";

/** What an MMS's audio is served as: MP3 plays on every phone that receives MMS. */
const MMS_AUDIO_TYPES = ["audio/mpeg"];

/**
 * True when an MMS can go between these numbers: Twilio sends MMS from and to United States and Canadian
 * (+1) numbers only; elsewhere a reply stays a text.
 */
export function carriesMms(from: string, to: string): boolean {
  return from.startsWith("+1") && to.startsWith("+1");
}

/** What SMS needs from the rest of the server to send replies as audio (wired after construction). */
export interface SmsVoiceServices {
  speech: SpeechService;
  /** signed links Twilio fetches the audio from (they need DRAMATIS_PUBLIC_URL) */
  links: MediaLinks;
  logger?: Logger | undefined;
}

/**
 * Replies read aloud over SMS, for personas that speak every reply (`features.auto_speech`): after the
 * text, the reply's audio (read once, stored and metered with the message, shared with the web chat) goes
 * as an MMS whose media is a signed, expiring link to it, where the numbers carry MMS.
 */
export class SmsVoice {
  constructor(
    private readonly options: {
      sender: SmsSender;
      services: SmsVoiceServices;
    },
  ) {}

  /** Why a reply cannot go as audio here, or undefined when it can. */
  unavailableReason(receipt: Pick<SmsReceiptRow, "to_number" | "from_number">): string | undefined {
    if (!this.options.services.links.available) return "DRAMATIS_PUBLIC_URL is not set";
    if (!carriesMms(receipt.to_number, receipt.from_number)) return "MMS is not carried to this number";
    return undefined;
  }

  /**
   * `sendReplyAudio` after the reply's text went out. The text is sent and recorded already, so a failure
   * here is logged and dropped: retrying the job would not resend the text, and the text is what matters.
   * The MMS's sid, or undefined when none was sent.
   */
  async trySendReplyAudio(
    user: UserRow,
    receipt: SmsReceiptRow,
    reply: { conversationId: string; messageId: string },
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    const { logger } = this.options.services;
    const unavailable = this.unavailableReason(receipt);
    if (unavailable !== undefined) {
      logger?.debug({ persona_id: receipt.persona_id, reason: unavailable }, "an SMS reply stays text only");
      return undefined;
    }
    try {
      return await this.sendReplyAudio(user, receipt, reply, signal);
    } catch (error) {
      if (signal?.aborted) throw error;
      logger?.warn(
        { err: error, message_id: reply.messageId, persona_id: receipt.persona_id },
        "an SMS reply's audio was not sent as MMS (its text was)",
      );
      return undefined;
    }
  }

  /** Reads the reply aloud (or finds its reading) and sends it as an MMS with no text. */
  async sendReplyAudio(
    user: UserRow,
    receipt: SmsReceiptRow,
    reply: { conversationId: string; messageId: string },
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    const { speech, links } = this.options.services;
    const audio = await speech.readMessage(user, reply.conversationId, reply.messageId);
    if (!canPlayAs(audio.content_type, MMS_AUDIO_TYPES)) {
      throw new Error(`${audio.content_type} audio cannot be sent as MMS`);
    }
    const url = links.url({
      kind: "audio",
      tenantId: user.tenant_id,
      conversationId: reply.conversationId,
      audioId: audio.id,
      format: "mp3",
    });
    const result = await this.options.sender.send({
      tenantId: receipt.tenant_id,
      from: receipt.to_number,
      to: receipt.from_number,
      body: "",
      mediaUrls: [url],
      userId: user.id,
      personaId: receipt.persona_id,
      conversationId: reply.conversationId,
      messageId: reply.messageId,
      signal,
    });
    return result.status === "sent" ? result.sid : undefined;
  }
}
