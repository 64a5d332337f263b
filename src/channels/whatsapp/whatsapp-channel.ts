import type { JobQueue } from "../../jobs/job-queue.ts";
import type { Clock } from "../../lib/clock.ts";
import type { ConversationService } from "../../services/conversation-service.ts";
import type { PersonaService } from "../../services/persona-service.ts";
import type { Store } from "../../store/store.ts";
import type { DeliveryRecorder } from "../delivery-recorder.ts";
import { PersonaWhatsAppNumbers } from "./persona-whatsapp-numbers.ts";
import { WhatsAppClient, type WhatsAppSettings, type WhatsAppTransport } from "./whatsapp-client.ts";
import { WhatsAppInbound } from "./whatsapp-inbound.ts";
import { WhatsAppLinks, type WhatsAppLinkCode } from "./whatsapp-links.ts";
import { WhatsAppNotConfiguredError, WhatsAppSender } from "./whatsapp-sender.ts";
import type { UserRow } from "../../store/schema.ts";
import type { WhatsAppVoiceServices } from "./whatsapp-voice.ts";
import { WhatsAppPictures } from "./whatsapp-pictures.ts";
import { mediaDeliveryRequest, type ChannelPictureServices } from "../channel-pictures.ts";
import type { MediaRow } from "../../store/media-repository.ts";

/** Meta lets a business write freely for this long after the user's last message; then only templates. */
export const CUSTOMER_SERVICE_WINDOW_MS = 24 * 60 * 60_000;

/** What a proactive message needs to go out over WhatsApp. */
export interface WhatsAppDeliveryRequest {
  tenantId: string;
  userId: string;
  personaId: string;
  conversationId: string;
  text: string;
  /** the stored message the text carries, for the usage record */
  messageId?: string | null;
  signal?: AbortSignal;
}

/** Why a proactive message (or a persona's picture) did not go out over WhatsApp; none is worth retrying. */
export type WhatsAppSkipReason =
  | "not_configured"
  | "not_whatsapp_conversation"
  /** the user has not written to this persona from a WhatsApp linked to them (or unlinked it since) */
  | "no_linked_number"
  | "outside_customer_service_window"
  /** a picture or video WhatsApp cannot show, or one not ready (see whatsAppFileFor) */
  | "unsupported_media";

export type WhatsAppDelivery =
  | { status: "sent"; id: string; from: string; to: string }
  | { status: "skipped"; reason: WhatsAppSkipReason };

/**
 * WhatsApp through Meta's Cloud API: the persona numbers, users' linked WhatsApp accounts, the webhook and
 * outbound delivery. Works without WhatsApp configured except where a message must be sent or received.
 */
export class WhatsAppChannel {
  readonly numbers: PersonaWhatsAppNumbers;
  readonly links: WhatsAppLinks;
  readonly inbound: WhatsAppInbound;
  private readonly sender: WhatsAppSender;
  private pictures: WhatsAppPictures | undefined;

  constructor(
    private readonly options: {
      store: Store;
      clock: Clock;
      queue: JobQueue;
      personas: PersonaService;
      conversations: ConversationService;
      /** Meta's app and token; undefined: WhatsApp is off */
      settings?: WhatsAppSettings | undefined;
      /** replaces the Graph API client (tests) */
      transport?: WhatsAppTransport | undefined;
      /** counts every message sent and logs every failed one */
      deliveries: DeliveryRecorder;
    },
  ) {
    const { store, clock, personas, settings } = options;
    const transport = options.transport ?? (settings ? new WhatsAppClient(settings) : undefined);
    this.sender = new WhatsAppSender({ store, clock, transport, deliveries: options.deliveries });
    this.numbers = new PersonaWhatsAppNumbers({ store, clock, personas });
    this.links = new WhatsAppLinks(store, clock);
    this.inbound = new WhatsAppInbound({ ...options, links: this.links, sender: this.sender, settings });
  }

  get configured(): boolean {
    return this.sender.configured;
  }

  /** Voice notes, replies read aloud and calls asked for on WhatsApp (see WhatsAppInbound.useVoice). */
  useVoice(services: WhatsAppVoiceServices): void {
    this.inbound.useVoice(services);
  }

  /**
   * Photos users send reach the persona (see WhatsAppInbound.usePictures), and the pictures and videos
   * it makes for a reply are sent back (deliverMedia).
   */
  usePictures(services: ChannelPictureServices): void {
    const { conversations } = this.options;
    this.pictures = new WhatsAppPictures({ conversations, sender: this.sender, services });
    this.inbound.usePictures(this.pictures);
  }

  /** A link code for the user (see WhatsAppLinks); 404 while WhatsApp is off, since nobody could send it. */
  async createLinkCode(user: UserRow): Promise<WhatsAppLinkCode> {
    if (!this.configured) throw new WhatsAppNotConfiguredError();
    return this.links.createCode(user);
  }

  /**
   * Sends a message the persona wrote on its own over WhatsApp when the conversation is a WhatsApp one:
   * back the way the user last wrote (from that persona number to that WhatsApp, while it is still
   * linked to the user) — and only within 24 hours of the user's last message there (Meta's customer-service
   * window; later, Meta accepts approved templates only). Throws a ProviderHttpError when Meta fails.
   *
   * @example await services.whatsapp.deliver({ tenantId, userId, personaId, conversationId, text })
   */
  async deliver(request: WhatsAppDeliveryRequest): Promise<WhatsAppDelivery> {
    const route = await this.route(request);
    if ("skipped" in route) return { status: "skipped", reason: route.skipped };
    const sent = await this.sender.send({
      ...this.meteredAs(request),
      ...route,
      body: request.text,
    });
    return { status: "sent", id: sent.id, from: route.phoneNumberId, to: route.to };
  }

  /**
   * Sends a picture or video a persona made for a reply (`media.message_id`) in a WhatsApp conversation,
   * the way `deliver` sends text (same route, same 24-hour window): uploaded, then sent as an image or
   * video message (see whatsAppFileFor for what WhatsApp takes). Skipped until `usePictures` is called.
   */
  async deliverMedia(media: MediaRow, signal?: AbortSignal): Promise<WhatsAppDelivery> {
    if (!this.pictures) return { status: "skipped", reason: "not_configured" };
    const request = mediaDeliveryRequest(media, signal);
    if (!request) return { status: "skipped", reason: "not_whatsapp_conversation" };
    const route = await this.route(request);
    if ("skipped" in route) return { status: "skipped", reason: route.skipped };
    const file = await this.pictures.outgoingFile(media);
    if ("skipped" in file) return { status: "skipped", reason: "unsupported_media" };
    const sent = await this.sender.sendMedia({ ...this.meteredAs(request), ...route, media: file });
    return { status: "sent", id: sent.id, from: route.phoneNumberId, to: route.to };
  }

  /**
   * Where a message of the persona in this conversation goes: back the way the user last wrote, while
   * that WhatsApp is still linked to them and Meta's customer-service window is open.
   */
  private async route(
    request: Omit<WhatsAppDeliveryRequest, "text">,
  ): Promise<{ phoneNumberId: string; to: string } | { skipped: WhatsAppSkipReason }> {
    const { store, clock } = this.options;
    if (!this.configured) return { skipped: "not_configured" };
    const conversation = await store.conversations.find(request.userId, request.conversationId);
    if (conversation?.channel !== "whatsapp" || conversation.persona_id !== request.personaId) {
      return { skipped: "not_whatsapp_conversation" };
    }
    const last = await store.whatsapp.findLastReceipt(request.userId, request.personaId);
    if (!last) return { skipped: "no_linked_number" };
    const contact = await store.whatsapp.findContact(request.tenantId, last.wa_id);
    if (contact?.user_id !== request.userId) return { skipped: "no_linked_number" };
    const lastInbound = contact.last_inbound_at ? Date.parse(contact.last_inbound_at) : Number.NaN;
    if (!(clock.now().getTime() - lastInbound < CUSTOMER_SERVICE_WINDOW_MS)) {
      return { skipped: "outside_customer_service_window" };
    }
    return { phoneNumberId: last.phone_number_id, to: contact.wa_id };
  }

  /** What a sent message is metered and recorded with. */
  private meteredAs(request: Omit<WhatsAppDeliveryRequest, "text">) {
    return {
      tenantId: request.tenantId,
      userId: request.userId,
      personaId: request.personaId,
      conversationId: request.conversationId,
      messageId: request.messageId ?? null,
      signal: request.signal,
    };
  }
}
