import type { PersonaDefinition } from "../../domain/persona-definition.ts";
import { reencodePhoto } from "../../lib/avatar-images.ts";
import type { ConversationService } from "../../services/conversation-service.ts";
import type { Message } from "../../services/conversation-views.ts";
import type { MediaRow } from "../../store/media-repository.ts";
import type { UserRow } from "../../store/schema.ts";
import {
  replySent,
  acceptPictures,
  pictureNotReadText,
  UnreadablePictureError,
  type ChannelPictureServices,
} from "../channel-pictures.ts";
import type { OutgoingWhatsAppFile, WhatsAppSender } from "./whatsapp-sender.ts";

/** Meta's limits for what it shows as a picture (JPEG, PNG) and as a video (MP4). */
const WHATSAPP_IMAGE_TYPES = ["image/jpeg", "image/png"];
const WHATSAPP_MAX_IMAGE_BYTES = 5 * 1024 * 1024;
const WHATSAPP_VIDEO_TYPES = ["video/mp4"];
const WHATSAPP_MAX_VIDEO_BYTES = 16 * 1024 * 1024;

/**
 * Pictures on WhatsApp: photos users send become their message (with the caption as its text), and the
 * pictures and videos a persona makes for a reply are turned into what WhatsApp shows (see
 * whatsAppFileFor).
 */
export class WhatsAppPictures {
  constructor(
    private readonly options: {
      conversations: ConversationService;
      sender: WhatsAppSender;
      services: ChannelPictureServices;
    },
  ) {}

  /** The persona's reply went out: see `replySent` in channel-pictures.ts. */
  async replySent(messageId: string): Promise<void> {
    await replySent(this.options.services, messageId);
  }

  /**
   * The persona's reply to a photo, or the service's text when it cannot be opened (nothing of it is
   * kept then). `personaReply` is the text path's (replyOnChannel, resumable from the receipt) with the
   * photo stored as the user's message.
   */
  async replyToPicture(
    picture: {
      user: UserRow;
      persona: PersonaDefinition;
      mediaId: string;
      caption: string;
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
          user: picture.user,
          conversationId,
          caption: picture.caption,
          pictures: [
            {
              download: async (maxBytes) =>
                (await sender.downloadMedia(picture.mediaId, { maxBytes, signal: picture.signal })).bytes,
            },
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof UnreadablePictureError)) throw error;
      return pictureNotReadText(picture.persona.name, error.reason);
    }
  }

  /** A ready picture or video of the gallery as WhatsApp shows it, or why it cannot go. */
  async outgoingFile(media: MediaRow): Promise<OutgoingWhatsAppFile | { skipped: string }> {
    const read = await this.options.services.media.readBytes(media.tenant_id, media);
    if (!read) return { skipped: "not_ready" };
    return whatsAppFileFor(read);
  }
}

/**
 * What WhatsApp shows of a stored picture or video: JPEG and PNG as they are (up to 5 MB), MP4 as a
 * video (up to 16 MB). Any other picture — WebP, GIF, a larger PNG, and the animated WebP the offline
 * placeholder makes for a video, which WhatsApp takes as neither a video nor a picture — goes as its
 * first frame re-encoded to JPEG or PNG: the user asked for it, and a still (the placeholder's frames
 * carry its label) tells them more than silence. Other videos (WebM) cannot go.
 */
export async function whatsAppFileFor(file: {
  bytes: Uint8Array;
  contentType: string;
}): Promise<OutgoingWhatsAppFile | { skipped: string }> {
  const type = file.contentType.split(";")[0]!.trim().toLowerCase();
  const size = file.bytes.length;
  if (WHATSAPP_VIDEO_TYPES.includes(type)) {
    if (size > WHATSAPP_MAX_VIDEO_BYTES) return { skipped: "video_too_large" };
    return { type: "video", bytes: file.bytes, contentType: type };
  }
  if (WHATSAPP_IMAGE_TYPES.includes(type) && size <= WHATSAPP_MAX_IMAGE_BYTES) {
    return { type: "image", bytes: file.bytes, contentType: type };
  }
  if (!type.startsWith("image/")) return { skipped: `${type} cannot be sent on WhatsApp` };
  const still = await reencodePhoto(file.bytes);
  if (still.bytes.length > WHATSAPP_MAX_IMAGE_BYTES) return { skipped: "image_too_large" };
  return { type: "image", bytes: still.bytes, contentType: still.contentType };
}
