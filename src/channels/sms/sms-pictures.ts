import { z } from "zod";
import type { PersonaDefinition } from "../../domain/persona-definition.ts";
import type { ConversationService } from "../../services/conversation-service.ts";
import type { Message } from "../../services/conversation-views.ts";
import type { MediaLinks } from "../../services/media-links.ts";
import type { MediaRow } from "../../store/media-repository.ts";
import type { UserRow } from "../../store/schema.ts";
import {
  replySent,
  acceptPictures,
  pictureNotReadText,
  UnreadablePictureError,
  type ChannelPictureServices,
} from "../channel-pictures.ts";
import type { SmsSender } from "./sms-sender.ts";

/**
 * What Twilio sends as MMS: the pictures it formats for each phone (JPEG, PNG, GIF) and the types it
 * passes on as they are (WebP, which phones show, and MP4 and 3GP video), up to 5 MB.
 */
const MMS_MEDIA_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4", "video/3gpp"];
const MMS_MAX_BYTES = 5 * 1024 * 1024;
/** Twilio posts at most ten media per MMS. */
const MMS_MAX_MEDIA = 10;

/** A file of an inbound MMS, as the webhook named it (kept in the job's payload). */
export const mmsMediaSchema = z.object({ url: z.string().min(1), content_type: z.string().optional() });
export type MmsMedia = z.infer<typeof mmsMediaSchema>;

/** What SMS needs for pictures: ChannelPictureServices and the signed links Twilio fetches media from. */
export interface SmsPictureServices extends ChannelPictureServices {
  /** signed links to the persona's pictures (they need DRAMATIS_PUBLIC_URL) */
  links: MediaLinks;
}

/**
 * The media of an inbound MMS (Twilio's NumMedia, MediaUrl0…, MediaContentType0…), in order; none for
 * a plain text.
 */
export function readMmsMedia(fields: Map<string, string>): MmsMedia[] {
  const count = Math.min(Number.parseInt(fields.get("NumMedia") ?? "0", 10) || 0, MMS_MAX_MEDIA);
  const media: MmsMedia[] = [];
  for (let index = 0; index < count; index += 1) {
    const url = fields.get(`MediaUrl${index}`)?.trim();
    const contentType = fields.get(`MediaContentType${index}`)?.trim();
    if (url) media.push({ url, ...(contentType ? { content_type: contentType } : {}) });
  }
  return media;
}

/**
 * Pictures over SMS: the photos of an inbound MMS become the user's message (the text as its words),
 * and the pictures and videos a persona makes for a reply go out as MMS through signed links.
 */
export class SmsPictures {
  constructor(
    private readonly options: {
      conversations: ConversationService;
      sender: SmsSender;
      services: SmsPictureServices;
    },
  ) {}

  /** The persona's reply went out: see `replySent` in channel-pictures.ts. */
  async replySent(messageId: string): Promise<void> {
    await replySent(this.options.services, messageId);
  }

  /**
   * The persona's reply to an MMS with pictures, or the service's text when one cannot be opened
   * (nothing of the MMS is kept then: the sender is asked to send it again). `personaReply` is the text
   * path's (replyOnChannel) with the pictures stored as the user's message.
   */
  async replyToPictures(
    mms: {
      user: UserRow;
      persona: PersonaDefinition;
      caption: string;
      media: readonly MmsMedia[];
      signal?: AbortSignal | undefined;
    },
    personaReply: (accept: (conversationId: string) => Promise<Message>) => Promise<Message>,
  ): Promise<Message | string> {
    const { sender, conversations, services } = this.options;
    try {
      return await personaReply((conversationId) =>
        acceptPictures({
          media: services.media,
          conversations,
          user: mms.user,
          conversationId,
          caption: mms.caption,
          pictures: mms.media.map((file) => ({
            contentType: file.content_type,
            download: async (maxBytes) =>
              (await sender.downloadMedia(file.url, { maxBytes, signal: mms.signal })).bytes,
          })),
        }),
      );
    } catch (error) {
      if (!(error instanceof UnreadablePictureError)) throw error;
      return pictureNotReadText(mms.persona.name, error.reason);
    }
  }

  /** The signed link Twilio fetches a ready picture or video from, or why it cannot go as MMS. */
  mediaUrl(media: MediaRow): string | { skipped: "no_public_url" | "unsupported_media" } {
    const { links } = this.options.services;
    if (!links.available) return { skipped: "no_public_url" };
    const type = media.content_type?.split(";")[0]?.trim().toLowerCase() ?? "";
    if (media.status !== "ready" || !MMS_MEDIA_TYPES.includes(type) || (media.size ?? 0) > MMS_MAX_BYTES) {
      return { skipped: "unsupported_media" };
    }
    return links.url({ kind: "media", tenantId: media.tenant_id, mediaId: media.id });
  }
}
