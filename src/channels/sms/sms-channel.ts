import type { JobQueue } from "../../jobs/job-queue.ts";
import type { Clock } from "../../lib/clock.ts";
import type { ConversationService } from "../../services/conversation-service.ts";
import type { PersonaService } from "../../services/persona-service.ts";
import type { Store } from "../../store/store.ts";
import type { DeliveryRecorder } from "../delivery-recorder.ts";
import { PersonaPhoneNumbers } from "./persona-phone-numbers.ts";
import { SenderVerification } from "./sender-verification.ts";
import type { CallRequest } from "./sms-call-back.ts";
import { SmsInbound } from "./sms-inbound.ts";
import { carriesMms, type SmsVoiceServices } from "./sms-voice.ts";
import { SmsPictures, type SmsPictureServices } from "./sms-pictures.ts";
import type { MediaRow } from "../../store/media-repository.ts";
import { SmsSender } from "./sms-sender.ts";
import { TwilioClient, type SmsTransport, type TwilioSettings } from "./twilio-client.ts";
import { mediaDeliveryRequest } from "../channel-pictures.ts";

/** What a proactive message needs to go out by SMS. */
export interface SmsDeliveryRequest {
  tenantId: string;
  userId: string;
  personaId: string;
  conversationId: string;
  text: string;
  /** the stored message the text carries, for the usage record */
  messageId?: string | null;
  signal?: AbortSignal;
}

/** Why a proactive message (or a persona's picture) did not go out by SMS; none is worth retrying. */
export type SmsSkipReason =
  | "not_configured"
  | "not_sms_conversation"
  | "sms_disabled"
  | "no_verified_number"
  | "no_persona_number"
  | "opted_out"
  /** a picture: DRAMATIS_PUBLIC_URL is not set, so Twilio could not fetch it */
  | "no_public_url"
  /** a picture: Twilio carries MMS between US and Canadian numbers only */
  | "mms_not_carried"
  /** a picture or video of a type or size MMS does not carry */
  | "unsupported_media";

export type SmsDelivery =
  | { status: "sent"; sid: string; segments: number; from: string; to: string }
  | { status: "skipped"; reason: SmsSkipReason };

/**
 * SMS through Twilio: the persona numbers, the verified phones of users, the inbound webhook and
 * outbound delivery. Works without Twilio configured except where a text must be sent or received.
 */
export class SmsChannel {
  readonly personaNumbers: PersonaPhoneNumbers;
  readonly senders: SenderVerification;
  readonly inbound: SmsInbound;
  private readonly sender: SmsSender;
  private pictures: SmsPictures | undefined;

  constructor(
    private readonly options: {
      store: Store;
      clock: Clock;
      queue: JobQueue;
      personas: PersonaService;
      conversations: ConversationService;
      /** Twilio's account; undefined: SMS is off */
      settings?: TwilioSettings | undefined;
      /** replaces the Twilio REST client (tests) */
      transport?: SmsTransport | undefined;
      /** counts every text sent and logs every failed one */
      deliveries: DeliveryRecorder;
    },
  ) {
    const { store, clock, personas, settings } = options;
    const transport = options.transport ?? (settings ? new TwilioClient(settings) : undefined);
    this.sender = new SmsSender({ store, clock, transport, deliveries: options.deliveries });
    this.personaNumbers = new PersonaPhoneNumbers({ store, clock, personas });
    this.senders = new SenderVerification({ store, clock, personas, sender: this.sender });
    this.inbound = new SmsInbound({ ...options, sender: this.sender, settings });
  }

  /** See SmsInbound.useVoice: replies of personas with auto speech also go as audio (MMS). */
  useVoice(services: SmsVoiceServices): void {
    this.inbound.useVoice(services);
  }

  /**
   * The pictures of an inbound MMS reach the persona with its text (see SmsPictures), and the pictures
   * and videos it makes for a reply are sent back as MMS (deliverMedia).
   */
  usePictures(services: SmsPictureServices): void {
    const { conversations } = this.options;
    this.pictures = new SmsPictures({ conversations, sender: this.sender, services });
    this.inbound.usePictures(this.pictures);
  }

  /** See SmsInbound.forwardCallRequests: texts asking for a call are answered with one. */
  forwardCallRequests(placeCall: (request: CallRequest) => Promise<unknown>): void {
    this.inbound.forwardCallRequests(placeCall);
  }

  get configured(): boolean {
    return this.sender.configured;
  }

  /**
   * Sends a message the persona wrote on its own (a good morning, a check-in) by SMS when the
   * conversation is an SMS one: from the persona number the user last texted (else the persona's
   * first), to the number verified to the user, never to a number that opted out. Resolves
   * `skipped` with the reason when SMS does not apply; throws a `ProviderHttpError` (with
   * `retryable`) when Twilio fails.
   *
   * @example
   * const delivery = await services.sms.deliver({ tenantId, userId, personaId, conversationId, text });
   * if (delivery.status === "skipped") logger.debug({ reason: delivery.reason }, "not sent by SMS");
   */
  async deliver(request: SmsDeliveryRequest): Promise<SmsDelivery> {
    const route = await this.route(request);
    if ("skipped" in route) return { status: "skipped", reason: route.skipped };
    const result = await this.sender.send({ ...this.meteredAs(request), ...route, body: request.text });
    if (result.status === "skipped") return result;
    return { ...result, ...route };
  }

  /**
   * Sends a picture or video a persona made for a reply (`media.message_id`) in an SMS conversation, the
   * way `deliver` sends text, as an MMS whose media Twilio fetches through a signed link: only where the
   * numbers carry MMS (+1) and DRAMATIS_PUBLIC_URL is set. Skipped until `usePictures` is called.
   */
  async deliverMedia(media: MediaRow, signal?: AbortSignal): Promise<SmsDelivery> {
    if (!this.pictures) return { status: "skipped", reason: "not_configured" };
    const request = mediaDeliveryRequest(media, signal);
    if (!request) return { status: "skipped", reason: "not_sms_conversation" };
    const route = await this.route(request);
    if ("skipped" in route) return { status: "skipped", reason: route.skipped };
    if (!carriesMms(route.from, route.to)) return { status: "skipped", reason: "mms_not_carried" };
    const url = this.pictures.mediaUrl(media);
    if (typeof url !== "string") return { status: "skipped", reason: url.skipped };
    const result = await this.sender.send({
      ...this.meteredAs(request),
      ...route,
      body: "",
      mediaUrls: [url],
    });
    if (result.status === "skipped") return result;
    return { ...result, ...route };
  }

  /**
   * Where a message of the persona in this conversation goes: from the persona number the user last
   * texted (else the persona's first) to the number verified to the user.
   */
  private async route(
    request: Omit<SmsDeliveryRequest, "text">,
  ): Promise<{ from: string; to: string } | { skipped: SmsSkipReason }> {
    const { store, personas } = this.options;
    if (!this.configured) return { skipped: "not_configured" };
    const conversation = await store.conversations.find(request.userId, request.conversationId);
    if (conversation?.channel !== "sms" || conversation.persona_id !== request.personaId) {
      return { skipped: "not_sms_conversation" };
    }
    const { definition } = await personas.getServingDefinition(request.tenantId, request.personaId);
    if (!definition.features.sms) return { skipped: "sms_disabled" };
    const contact = await store.sms.findVerifiedContactOfUser(request.tenantId, request.userId);
    if (!contact) return { skipped: "no_verified_number" };
    const from =
      (await store.sms.findLastPersonaNumberTexted(request.userId, request.personaId)) ??
      (await store.sms.listPhoneNumbers(request.tenantId, request.personaId))[0]?.phone_number;
    if (!from) return { skipped: "no_persona_number" };
    return { from, to: contact.phone_number };
  }

  /** What a sent message is metered and recorded with. */
  private meteredAs(request: Omit<SmsDeliveryRequest, "text">) {
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
