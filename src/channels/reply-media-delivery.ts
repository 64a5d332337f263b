import type { Logger } from "pino";
import type { Clock } from "../lib/clock.ts";
import type { MediaRow } from "../store/media-repository.ts";
import type { Store } from "../store/store.ts";

/** A channel that can send a persona's picture or video where its conversation lives. */
export interface MediaChannel {
  name: string;
  deliverMedia(media: MediaRow): Promise<{ status: string; reason?: string }>;
}

/**
 * Sends the pictures and videos a persona made for a reply on the reply's channel (SMS, WhatsApp), after
 * the reply's text and once each. A picture can be ready before its reply went out (the placeholder is
 * drawn in milliseconds), so two events meet here: the picture is ready (`mediaReady`) and the reply's
 * text was sent (`replySent`, from the channel's inbound answer). Whichever comes second sends it; the
 * store's claim (`claimChannelSend`) makes sure only one of them does. A failure is logged, never thrown:
 * the picture is in the gallery either way.
 */
export class ReplyMediaDelivery {
  constructor(
    private readonly options: {
      store: Store;
      clock: Clock;
      channels: readonly MediaChannel[];
      logger: Logger;
    },
  ) {}

  /** A generated item is stored: send it now if its reply's text is already out. */
  async mediaReady(item: MediaRow): Promise<void> {
    if (item.source !== "generated" || item.message_id === null) return;
    const current = await this.options.store.media.findInTenant(item.tenant_id, item.id);
    if (!current?.reply_sent_at) return; // the reply's text is not out yet: replySent sends it
    await this.send(current);
  }

  /** The reply `messageId` went out on its channel: send its pictures that are ready (the rest follow). */
  async replySent(messageId: string): Promise<void> {
    const { store, clock } = this.options;
    await store.media.markReplySent(messageId, clock.now().toISOString());
    for (const item of await store.media.listForMessages([messageId])) {
      if (item.source === "generated" && item.status === "ready") await this.send(item);
    }
  }

  private async send(item: MediaRow): Promise<void> {
    const { store, clock, channels, logger } = this.options;
    if (!(await store.media.claimChannelSend(item.tenant_id, item.id, clock.now().toISOString()))) return;
    for (const channel of channels) {
      try {
        const delivery = await channel.deliverMedia(item);
        if (delivery.status === "skipped" && !delivery.reason?.startsWith("not_")) {
          logger.debug(
            { media_id: item.id, channel: channel.name, reason: delivery.reason },
            "a picture was not sent",
          );
        }
      } catch (error) {
        logger.warn(
          { err: error, media_id: item.id, channel: channel.name },
          "a picture or video was not sent on its channel",
        );
      }
    }
  }
}
