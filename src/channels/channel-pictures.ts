import type { Logger } from "pino";
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from "../errors/app-error.ts";
import type { ConversationService } from "../services/conversation-service.ts";
import type { Message } from "../services/conversation-views.ts";
import { ATTACHMENT_MAX_BYTES, type MediaService } from "../services/media/media-service.ts";
import type { MediaRow } from "../store/media-repository.ts";
import type { UserRow } from "../store/schema.ts";
import { ProviderDownloadTooLargeError, ProviderHttpError } from "./provider-http-errors.ts";

/** The most a picture a user sends on a channel may weigh: what a photo sent in the app may. */
export const CHANNEL_PICTURE_MAX_BYTES = ATTACHMENT_MAX_BYTES;

/** What SMS and WhatsApp need to take pictures in and send the personas' out (wired after construction). */
export interface ChannelPictureServices {
  /** stores the photos users send (checked, re-encoded, EXIF gone) and reads the personas' pictures */
  media: MediaService;
  logger?: Logger | undefined;
  /** called once a persona's reply went out on the channel: its pictures follow (ReplyMediaDelivery) */
  replySent?: ((messageId: string) => Promise<void>) | undefined;
}

/** Why a picture a user sent got the service's answer instead of the persona's. */
export type UnreadablePictureReason = "too_large" | "not_a_picture" | "unavailable";

/** A picture the persona cannot look at; `reason` picks what the sender is told. */
export class UnreadablePictureError extends Error {
  constructor(readonly reason: UnreadablePictureReason) {
    super(`the picture could not be read: ${reason}`);
    this.name = "UnreadablePictureError";
  }
}

/** What the persona's number says about a picture it could not open (nothing of it was kept). */
export function pictureNotReadText(personaName: string, reason: UnreadablePictureReason): string {
  if (reason === "too_large") {
    const limitMb = Math.round(CHANNEL_PICTURE_MAX_BYTES / (1024 * 1024));
    return `That picture is too large for ${personaName} to open; please send a smaller one (up to ${limitMb} MB).`;
  }
  if (reason === "unavailable") {
    return `Sorry, ${personaName} couldn't get that picture; please send it again.`;
  }
  return `Sorry, ${personaName} couldn't open that; please send pictures as JPEG, PNG, WebP or GIF.`;
}

/** One picture a user sent: how to download it, and the type the provider announced. */
export interface IncomingPicture {
  /** the type the provider named; anything but an image is refused without downloading */
  contentType?: string | undefined;
  download: (maxBytes: number) => Promise<Uint8Array>;
}

/**
 * Stores what a user sent on a channel with pictures as their message, the way the app sends photos:
 * each downloaded, checked and re-encoded (MediaService.upload, EXIF gone), then the message stored with
 * them attached and the caption (possibly empty) as its text. Throws UnreadablePictureError when one is
 * too large, not a picture, or gone at the provider; a failure worth retrying propagates (the job
 * retries). Pictures uploaded before a failure are never sent and are swept after a day.
 *
 * @example await acceptPictures({ media, conversations, user, conversationId, caption, pictures })
 */
export async function acceptPictures(options: {
  media: MediaService;
  conversations: ConversationService;
  user: UserRow;
  conversationId: string;
  caption: string;
  pictures: readonly IncomingPicture[];
}): Promise<Message> {
  const { media, user, conversationId } = options;
  const attachmentIds: string[] = [];
  for (const picture of options.pictures) {
    if (picture.contentType !== undefined && !/^image\//i.test(picture.contentType)) {
      throw new UnreadablePictureError("not_a_picture");
    }
    try {
      const bytes = await picture.download(CHANNEL_PICTURE_MAX_BYTES);
      attachmentIds.push((await media.upload(user, conversationId, { bytes })).id);
    } catch (error) {
      throw unreadable(error) ?? error;
    }
  }
  return options.conversations.accept(user, conversationId, { content: options.caption, attachmentIds });
}

/** The reason a download or upload failure amounts to, or undefined when it is worth retrying. */
function unreadable(error: unknown): UnreadablePictureError | undefined {
  // ValidationError: more pixels than a photo may have.
  if (
    error instanceof ProviderDownloadTooLargeError ||
    error instanceof PayloadTooLargeError ||
    error instanceof ValidationError
  ) {
    return new UnreadablePictureError("too_large");
  }
  if (error instanceof UnsupportedMediaTypeError) return new UnreadablePictureError("not_a_picture");
  if (error instanceof ProviderHttpError && !error.retryable)
    return new UnreadablePictureError("unavailable");
  return undefined;
}

/**
 * A persona's reply went out on a channel: its pictures and videos may follow it now (those not ready yet
 * follow when they are). Never throws: the text is sent whatever happens to the pictures.
 */
export async function replySent(services: ChannelPictureServices, messageId: string): Promise<void> {
  try {
    await services.replySent?.(messageId);
  } catch (error) {
    services.logger?.warn({ err: error, message_id: messageId }, "a reply's pictures were not sent");
  }
}

/**
 * Where a persona's picture or video goes on a channel: its reply's conversation, addressed as the channel
 * addresses a text (without the text). Undefined for an item outside a persona's conversation.
 */
export function mediaDeliveryRequest(media: MediaRow, signal?: AbortSignal) {
  if (media.persona_id === null || media.conversation_id === null) return undefined;
  return {
    tenantId: media.tenant_id,
    userId: media.user_id,
    personaId: media.persona_id,
    conversationId: media.conversation_id,
    messageId: media.message_id,
    signal,
  };
}
