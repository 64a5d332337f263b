import type { Clock } from "../../lib/clock.ts";
import type { SecretBox } from "../../lib/secret-box.ts";
import { pushAuthContext } from "./push-devices.ts";
import type { PushSubscriptionRow } from "../../store/schema.ts";
import type { Store } from "../../store/store.ts";
import { ProviderHttpError } from "../provider-http-errors.ts";
import { decodeBase64Url } from "./base64url.ts";
import type { NotificationPayload } from "./notification-payload.ts";
import type { PushTransport, PushUrgency } from "./web-push-client.ts";
import { recordChannelUsage } from "../channel-usage.ts";
import type { DeliveryRecorder } from "../delivery-recorder.ts";

/** What became of one notification to one device. */
export type PushSendResult =
  | { outcome: "delivered"; status: number }
  /** the push service no longer knows the subscription (404 or 410): the device was removed */
  | { outcome: "removed"; status: number; detail: string }
  | { outcome: "failed"; error: ProviderHttpError };

export interface PushSendInput {
  device: PushSubscriptionRow;
  payload: NotificationPayload;
  ttlSeconds: number;
  urgency?: PushUrgency;
  /** for the usage record */
  personaId?: string | null;
  conversationId?: string | null;
  messageId?: string | null;
  signal?: AbortSignal | undefined;
}

/** Statuses with which a push service says the subscription is gone for good (RFC 8030 section 7.3). */
const GONE_STATUSES = new Set([404, 410]);

/**
 * Every notification goes through here: one device, one send, and the outcome recorded on the device
 * (last success or last failure), a `push_notification` usage event for each delivered one, and the
 * device removed when the push service answers 404 or 410; each outcome is reported to `deliveries`.
 */
export class PushSender {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly secrets: SecretBox;
  private readonly transport: PushTransport;
  private readonly deliveries: DeliveryRecorder;

  constructor(dependencies: {
    store: Store;
    clock: Clock;
    secrets: SecretBox;
    transport: PushTransport;
    deliveries: DeliveryRecorder;
  }) {
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.secrets = dependencies.secrets;
    this.transport = dependencies.transport;
    this.deliveries = dependencies.deliveries;
  }

  /** Never throws for a push service's refusal: that is the `failed` outcome, recorded on the device. */
  async send(input: PushSendInput): Promise<PushSendResult> {
    const { device } = input;
    let sent: { status: number; latencyMs: number };
    try {
      const auth = this.secrets.open(device.auth, pushAuthContext(device));
      if (this.secrets.needsReseal(device.auth)) {
        // Read old, write new: sealed before a key rotation (or in the old format), sealed again now.
        await this.store.pushSubscriptions.update(device.id, {
          auth: this.secrets.seal(auth, pushAuthContext(device)),
        });
      }
      sent = await this.transport.send({
        endpoint: device.endpoint,
        p256dh: decodeBase64Url(device.p256dh) ?? Buffer.alloc(0),
        auth: decodeBase64Url(auth) ?? Buffer.alloc(0),
        payload: Buffer.from(JSON.stringify(input.payload)),
        ttlSeconds: input.ttlSeconds,
        urgency: input.urgency ?? "normal",
        signal: input.signal,
      });
    } catch (error) {
      if (input.signal?.aborted) throw error;
      const failure: ProviderHttpError =
        error instanceof ProviderHttpError
          ? error
          : new ProviderHttpError({
              provider: "web push",
              call: `notification to ${new URL(device.endpoint).host}`,
              detail: error instanceof Error ? error.message : String(error),
              retryable: false,
              attempts: 1,
              cause: error,
            });
      this.deliveries.failed("push", failure, {
        tenantId: device.tenant_id,
        userId: device.user_id,
        personaId: input.personaId,
        conversationId: input.conversationId,
        messageId: input.messageId,
        deviceId: device.id,
      });
      if (failure.providerStatus !== undefined && GONE_STATUSES.has(failure.providerStatus)) {
        await this.store.pushSubscriptions.deleteById(device.id);
        return { outcome: "removed", status: failure.providerStatus, detail: failure.message };
      }
      await this.store.pushSubscriptions.update(device.id, {
        last_failure_at: this.clock.now().toISOString(),
        last_failure_status: failure.providerStatus ?? null,
        last_failure_detail: failure.message.slice(0, 500),
      });
      return { outcome: "failed", error: failure };
    }
    this.deliveries.sent("push");
    const now = this.clock.now().toISOString();
    await this.store.pushSubscriptions.update(device.id, { last_success_at: now });
    await recordChannelUsage(this.store, {
      tenantId: device.tenant_id,
      kind: "push_notification",
      provider: "web-push",
      userId: device.user_id,
      personaId: input.personaId,
      conversationId: input.conversationId,
      messageId: input.messageId,
      latencyMs: sent.latencyMs,
      at: now,
    });
    return { outcome: "delivered", status: sent.status };
  }
}
