import type { Clock } from "../../lib/clock.ts";
import { AppError } from "../../errors/app-error.ts";
import { capMessageText } from "../cap-message-text.ts";
import type { Store } from "../../store/store.ts";
import type { DownloadedWhatsAppMedia, WhatsAppMediaType, WhatsAppTransport } from "./whatsapp-client.ts";
import { recordChannelUsage } from "../channel-usage.ts";
import type { DeliveryRecorder } from "../delivery-recorder.ts";

/** WhatsApp refuses text bodies longer than this many characters. */
export const WHATSAPP_MAX_CHARACTERS = 4096;
/** ... and captions of pictures and videos longer than this. */
const WHATSAPP_MAX_CAPTION = 1024;

/** A file to send as a media message. */
export interface OutgoingWhatsAppFile {
  type: WhatsAppMediaType;
  bytes: Uint8Array;
  contentType: string;
  /** text under a picture or video */
  caption?: string | undefined;
}

/** File name extensions Meta is told, by media type. */
const EXTENSIONS: Record<string, string> = {
  "audio/mpeg": "mp3",
  "audio/aac": "aac",
  "audio/amr": "amr",
  "audio/mp4": "m4a",
  "audio/ogg": "ogg",
  "image/jpeg": "jpg",
  "image/png": "png",
  "video/mp4": "mp4",
  "video/3gpp": "3gp",
};

function extensionOf(contentType: string): string {
  return EXTENSIONS[contentType.split(";")[0]!.trim()] ?? "bin";
}

/** 404 for anything WhatsApp while it is not configured: the feature does not exist on this server. */
export class WhatsAppNotConfiguredError extends AppError {
  constructor() {
    super(
      404,
      "Not Found",
      "WhatsApp is not configured on this server: set WHATSAPP_VERIFY_TOKEN, WHATSAPP_APP_SECRET and WHATSAPP_ACCESS_TOKEN",
    );
  }
}

export interface WhatsAppSendInput {
  tenantId: string;
  /** the persona's number (Meta's phone number id) */
  phoneNumberId: string;
  /** the recipient's WhatsApp id */
  to: string;
  body: string;
  userId?: string | null;
  personaId?: string | null;
  conversationId?: string | null;
  /** the stored message this text carries */
  messageId?: string | null;
  signal?: AbortSignal | undefined;
}

/**
 * Every outbound WhatsApp message goes through here: capped at WhatsApp's length limit and recorded as a
 * `whatsapp_outbound` usage event, and every provider call's outcome reported to `deliveries`.
 */
export class WhatsAppSender {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly transport: WhatsAppTransport | undefined;
  private readonly deliveries: DeliveryRecorder;

  constructor(dependencies: {
    store: Store;
    clock: Clock;
    transport: WhatsAppTransport | undefined;
    deliveries: DeliveryRecorder;
  }) {
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.transport = dependencies.transport;
    this.deliveries = dependencies.deliveries;
  }

  get configured(): boolean {
    return this.transport !== undefined;
  }

  /** Throws a ProviderHttpError (with `retryable`) when Meta refuses or cannot be reached. */
  async send(input: WhatsAppSendInput): Promise<{ id: string }> {
    if (!this.transport) throw new WhatsAppNotConfiguredError();
    let sent: { id: string; latencyMs: number };
    try {
      sent = await this.transport.send(
        {
          phoneNumberId: input.phoneNumberId,
          to: input.to,
          body: capMessageText(input.body, WHATSAPP_MAX_CHARACTERS),
        },
        input.signal,
      );
    } catch (error) {
      if (!input.signal?.aborted) this.deliveries.failed("whatsapp", error, input);
      throw error;
    }
    return this.delivered(input, sent);
  }

  /**
   * Uploads a file and sends it as an audio, image or video message, metered like a text. WhatsApp takes
   * audio as MP3, AAC, AMR or Ogg Opus (no WAV), pictures as JPEG or PNG (5 MB), videos as MP4 (16 MB).
   *
   * @example await sender.sendMedia({ tenantId, phoneNumberId, to, media: { type: "image", bytes, contentType: "image/png" } })
   */
  async sendMedia(
    input: Omit<WhatsAppSendInput, "body"> & { media: OutgoingWhatsAppFile },
  ): Promise<{ id: string }> {
    if (!this.transport) throw new WhatsAppNotConfiguredError();
    const transport = this.transport;
    const { type, bytes, contentType, caption } = input.media;
    let sent: { id: string; latencyMs: number };
    try {
      const uploaded = await transport.uploadMedia(
        input.phoneNumberId,
        { bytes, contentType, filename: `${type === "audio" ? "reply" : type}.${extensionOf(contentType)}` },
        input.signal,
      );
      sent = await transport.sendMedia(
        {
          phoneNumberId: input.phoneNumberId,
          to: input.to,
          type,
          mediaId: uploaded.id,
          caption: caption === undefined ? undefined : capMessageText(caption, WHATSAPP_MAX_CAPTION),
        },
        input.signal,
      );
    } catch (error) {
      if (!input.signal?.aborted) this.deliveries.failed("whatsapp", error, input);
      throw error;
    }
    return this.delivered(input, sent);
  }

  /** A message WhatsApp accepted: counted as delivered and metered (text or media alike). */
  private async delivered(
    input: Omit<WhatsAppSendInput, "body">,
    sent: { id: string; latencyMs: number },
  ): Promise<{ id: string }> {
    this.deliveries.sent("whatsapp");
    await recordChannelUsage(this.store, {
      tenantId: input.tenantId,
      kind: "whatsapp_outbound",
      provider: "whatsapp",
      userId: input.userId,
      personaId: input.personaId,
      conversationId: input.conversationId,
      messageId: input.messageId,
      latencyMs: sent.latencyMs,
      at: this.clock.now().toISOString(),
    });
    return { id: sent.id };
  }

  /** A user's media file (a voice note, a picture); throws WhatsAppMediaTooLargeError past `maxBytes`. */
  async downloadMedia(
    mediaId: string,
    options: { maxBytes: number; signal?: AbortSignal | undefined },
  ): Promise<DownloadedWhatsAppMedia> {
    if (!this.transport) throw new WhatsAppNotConfiguredError();
    return this.transport.downloadMedia(mediaId, options);
  }
}
