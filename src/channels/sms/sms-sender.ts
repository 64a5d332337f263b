import type { Clock } from "../../lib/clock.ts";
import { newId } from "../../lib/ids.ts";
import { AppError } from "../../errors/app-error.ts";
import type { Store } from "../../store/store.ts";
import { capMessageText } from "../cap-message-text.ts";
import { ProviderHttpError } from "../provider-http-errors.ts";
import { countSmsSegments } from "./sms-segments.ts";
import {
  TWILIO_UNSUBSCRIBED_RECIPIENT,
  type DownloadedMmsMedia,
  type SmsTransport,
} from "./twilio-client.ts";
import { recordChannelUsage } from "../channel-usage.ts";
import type { DeliveryRecorder } from "../delivery-recorder.ts";

/** Twilio refuses bodies longer than this many characters. */
export const SMS_MAX_CHARACTERS = 1600;

/** 404 for anything SMS while Twilio is not configured: the feature does not exist on this server. */
export class SmsNotConfiguredError extends AppError {
  constructor() {
    super(
      404,
      "Not Found",
      "SMS is not configured on this server: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN",
    );
  }
}

export interface SmsSendInput {
  tenantId: string;
  /** the persona's number */
  from: string;
  to: string;
  body: string;
  /** media Twilio fetches and sends as an MMS (US and Canadian numbers only: see carriesMms) */
  mediaUrls?: readonly string[] | undefined;
  userId?: string | null;
  personaId?: string | null;
  conversationId?: string | null;
  /** the stored message this text carries */
  messageId?: string | null;
  signal?: AbortSignal;
}

export type SmsSendResult =
  { status: "sent"; sid: string; segments: number } | { status: "skipped"; reason: "opted_out" };

/**
 * Every outbound SMS goes through here: nothing is sent to a number that opted out (STOP), texts are
 * capped at Twilio's length limit, and each sent text is recorded as an `sms_outbound` usage event
 * with its segment count (an MMS as `mms_outbound`), and every provider call's outcome reported to `deliveries`.
 */
export class SmsSender {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly transport: SmsTransport | undefined;
  private readonly deliveries: DeliveryRecorder;

  constructor(dependencies: {
    store: Store;
    clock: Clock;
    transport: SmsTransport | undefined;
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

  /**
   * @example await sender.send({ tenantId, from: "+14155550100", to: "+14155550111", body: "Hi!" })
   */
  async send(input: SmsSendInput): Promise<SmsSendResult> {
    if (!this.transport) throw new SmsNotConfiguredError();
    const contact = await this.store.sms.findContact(input.tenantId, input.to);
    if (contact?.opted_out_at) return { status: "skipped", reason: "opted_out" };
    const body = capSmsBody(input.body);
    let sent: { sid: string; latencyMs: number };
    try {
      sent = await this.transport.send(
        { from: input.from, to: input.to, body, mediaUrls: input.mediaUrls },
        input.signal,
      );
    } catch (error) {
      // Twilio keeps its own opt-out list (a STOP it handled itself); learn from it and stop trying.
      if (error instanceof ProviderHttpError && error.providerCode === TWILIO_UNSUBSCRIBED_RECIPIENT) {
        await this.markOptedOut(input.tenantId, input.to);
        return { status: "skipped", reason: "opted_out" };
      }
      if (!input.signal?.aborted) this.deliveries.failed("sms", error, input);
      throw error;
    }
    this.deliveries.sent("sms");
    // An MMS is billed as one message, not by segments.
    const mms = (input.mediaUrls?.length ?? 0) > 0;
    const segments = mms ? 0 : countSmsSegments(body).segments;
    await recordChannelUsage(this.store, {
      tenantId: input.tenantId,
      kind: mms ? "mms_outbound" : "sms_outbound",
      provider: "twilio",
      userId: input.userId,
      personaId: input.personaId,
      conversationId: input.conversationId,
      messageId: input.messageId,
      latencyMs: sent.latencyMs,
      smsSegments: segments,
      at: this.clock.now().toISOString(),
    });
    return { status: "sent", sid: sent.sid, segments };
  }

  /** A file of an inbound MMS (a picture); throws ProviderDownloadTooLargeError past `maxBytes`. */
  async downloadMedia(
    url: string,
    options: { maxBytes: number; signal?: AbortSignal | undefined },
  ): Promise<DownloadedMmsMedia> {
    if (!this.transport) throw new SmsNotConfiguredError();
    return this.transport.downloadMedia(url, options);
  }

  private async markOptedOut(tenantId: string, phoneNumber: string): Promise<void> {
    const now = this.clock.now().toISOString();
    const contact = await this.store.sms.ensureContact({
      id: newId("smc"),
      tenant_id: tenantId,
      phone_number: phoneNumber,
      created_at: now,
      updated_at: now,
    });
    await this.store.sms.updateContact(contact.id, { opted_out_at: now, updated_at: now });
  }
}

/** The text cut to Twilio's limit (see capMessageText). */
export function capSmsBody(text: string): string {
  return capMessageText(text, SMS_MAX_CHARACTERS);
}
