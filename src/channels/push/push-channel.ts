import type { Logger } from "pino";
import type { Clock } from "../../lib/clock.ts";
import { OutboundGuard, type OutboundScheme } from "../../lib/outbound-guard.ts";
import { secretContext, type SecretBox } from "../../lib/secret-box.ts";
import { PersonaNames } from "../../services/proactive/scheduled-message-service.ts";
import type { ScheduledMessageRow } from "../../store/schema.ts";
import type { Store } from "../../store/store.ts";
import type { ProviderHttpClientOptions } from "../provider-http.ts";
import { decodeBase64Url, encodeBase64Url } from "./base64url.ts";
import { deliveryLogFields, type DeliveryRecorder } from "../delivery-recorder.ts";
import { InboxPresence } from "./inbox-presence.ts";
import { shortenNotificationText } from "./notification-payload.ts";
import { PushDevices } from "./push-devices.ts";
import { PushSender, type PushSendResult } from "./push-sender.ts";
import { PLACEHOLDER_VAPID_SUBJECT, generateVapidKeys, vapidKeysFrom, type VapidKeys } from "./vapid.ts";
import { WebPushClient, type PushTransport } from "./web-push-client.ts";

/** How the server sends web push (DRAMATIS_VAPID_SUBJECT, DRAMATIS_PUSH_ALLOW_HTTP). */
export interface PushSettings {
  /** VAPID `sub`: a mailto: or https: contact for the push services */
  subject: string;
  /** accept plain-http endpoints on loopback hosts (local push servers, tests) */
  allowHttp: boolean;
  /** Retry and timeout overrides for the HTTP client (tests make backoff instant). */
  http?: Partial<Omit<ProviderHttpClientOptions, "provider" | "baseUrl" | "auth">> | undefined;
  /** Real time for VAPID expiry (default Date.now); never the simulated server clock. */
  realNow?: (() => number) | undefined;
}

/** Used when nothing is configured (tests, createServices without settings). */
export const DEFAULT_PUSH_SETTINGS: PushSettings = {
  subject: PLACEHOLDER_VAPID_SUBJECT,
  allowHttp: false,
};

/** Conversations whose messages go out on their own channel, not as notifications. */
const OWN_CHANNELS = new Set(["sms", "whatsapp"]);

/** How long a push service keeps a persona's message for a device that is offline. */
const MESSAGE_TIME_TO_LIVE_SECONDS = 24 * 60 * 60;

const VAPID_KEY_NAME = "vapid";

/** The server-wide VAPID private key belongs to no tenant; it is bound to its own table and column. */
const VAPID_SECRET_CONTEXT = secretContext({
  tenantId: "server",
  table: "server_keys",
  rowId: VAPID_KEY_NAME,
  column: "private_key",
});

/** Why a proactive message was not pushed. */
export type PushSkipReason = "own_channel" | "no_devices" | "connected";

export type PushDelivery =
  | { status: "skipped"; reason: PushSkipReason }
  | { status: "sent"; devices: { id: string; outcome: PushSendResult["outcome"] }[] };

/**
 * Web push: the server's VAPID keys, the devices users register, which users have the app open,
 * and a notification to every device for each message a persona sends on its own while its user is
 * not connected.
 */
export class PushChannel {
  readonly devices: PushDevices;
  readonly presence: InboxPresence;
  private readonly sender: PushSender;
  private vapidKeys: Promise<VapidKeys> | undefined;

  constructor(
    private readonly options: {
      store: Store;
      clock: Clock;
      /** seals the VAPID private key and the subscriptions' auth secrets */
      secrets: SecretBox;
      settings?: PushSettings | undefined;
      /**
       * Checks endpoints at registration and carries every notification (users supply the URLs);
       * default: the strict policy.
       */
      outbound?: OutboundGuard | undefined;
      /** replaces the web push protocol client (tests of what is sent, not how) */
      transport?: PushTransport | undefined;
      /** counts every notification sent and logs every failed one */
      deliveries: DeliveryRecorder;
      /** told when a device's notification could not even be tried (its database writes failed) */
      logger: Logger;
    },
  ) {
    const { store, clock, secrets } = options;
    const settings = options.settings ?? DEFAULT_PUSH_SETTINGS;
    const outbound = options.outbound ?? new OutboundGuard();
    const schemes: OutboundScheme[] = settings.allowHttp ? ["https:", "http:"] : ["https:"];
    const transport =
      options.transport ??
      new WebPushClient({
        keys: () => this.ensureVapidKeys(),
        subject: settings.subject,
        http: settings.http,
        realNow: settings.realNow,
        // Push services answer at once; a slow or huge answer is not one.
        fetch: outbound.fetcher({ schemes, timeoutMs: 15_000, maxResponseBytes: 64 * 1024, maxRedirects: 0 }),
      });
    this.presence = new InboxPresence(store, clock, { logger: options.logger });
    this.sender = new PushSender({ store, clock, secrets, transport, deliveries: options.deliveries });
    this.devices = new PushDevices({
      store,
      clock,
      secrets,
      sender: this.sender,
      allowHttp: settings.allowHttp,
      outbound,
      schemes,
    });
  }

  /**
   * The server's VAPID key pair: generated and stored (private key sealed) on first start, read back
   * ever after. Several processes starting at once store one pair: each inserts only if absent, then
   * all read the row that won. Fails when the stored key was sealed with another secret key.
   *
   * @example await services.push.ensureVapidKeys(); // at start-up, next to installPresets
   */
  ensureVapidKeys(): Promise<VapidKeys> {
    this.vapidKeys ??= this.loadVapidKeys().catch((error: unknown) => {
      this.vapidKeys = undefined;
      throw error;
    });
    return this.vapidKeys;
  }

  /** The public key browsers subscribe with (applicationServerKey): base64url of the uncompressed point. */
  async vapidPublicKey(): Promise<string> {
    return encodeBase64Url((await this.ensureVapidKeys()).publicKey);
  }

  /**
   * Notifies every device of the user of a message the persona sent on its own — unless the
   * conversation has its own channel (SMS, WhatsApp), the user has no device, or the user has the app
   * open (an inbox event stream in any process), where the message appears anyway. Each device is
   * tried on its own: one failing never stops the others.
   *
   * @example proactive.onSent(async (message) => { await push.deliver(message); });
   */
  async deliver(message: ScheduledMessageRow, signal?: AbortSignal): Promise<PushDelivery> {
    const { store } = this.options;
    const conversation = await store.conversations.find(message.user_id, message.conversation_id);
    if (!conversation || OWN_CHANNELS.has(conversation.channel))
      return { status: "skipped", reason: "own_channel" };
    const devices = await store.pushSubscriptions.listForUser(message.tenant_id, message.user_id);
    if (devices.length === 0) return { status: "skipped", reason: "no_devices" };
    if (await this.presence.isConnected(message.user_id)) return { status: "skipped", reason: "connected" };
    const title = await new PersonaNames(store).of(message.tenant_id, message.persona_id);
    const payload = {
      title,
      body: shortenNotificationText(message.content ?? ""),
      url: `/chat/${encodeURIComponent(message.conversation_id)}`,
      tag: message.id,
      persona_id: message.persona_id,
      conversation_id: message.conversation_id,
      message_id: message.message_id,
      kind: message.kind,
    };
    const results = await Promise.all(
      devices.map(async (device) => {
        const result = await this.sender
          .send({
            device,
            payload,
            ttlSeconds: MESSAGE_TIME_TO_LIVE_SECONDS,
            personaId: message.persona_id,
            conversationId: message.conversation_id,
            messageId: message.message_id,
            signal,
          })
          .catch((error: unknown): PushSendResult["outcome"] => {
            // One device's failure never stops the others; the sender reported the push service's
            // refusals, so what arrives here is this server's own failure (a database write).
            this.options.logger.error(
              {
                channel: "push",
                ...deliveryLogFields({
                  tenantId: message.tenant_id,
                  userId: message.user_id,
                  personaId: message.persona_id,
                  conversationId: message.conversation_id,
                  messageId: message.message_id,
                  deviceId: device.id,
                }),
                err: error,
              },
              "notifying a device failed",
            );
            return "failed";
          });
        return { id: device.id, outcome: typeof result === "string" ? result : result.outcome };
      }),
    );
    return { status: "sent", devices: results };
  }

  private async loadVapidKeys(): Promise<VapidKeys> {
    const { store, clock, secrets } = this.options;
    let row = await store.serverKeys.find(VAPID_KEY_NAME);
    if (!row) {
      const generated = generateVapidKeys();
      await store.serverKeys.insertIfAbsent({
        name: VAPID_KEY_NAME,
        public_key: encodeBase64Url(generated.publicKey),
        private_key: secrets.seal(encodeBase64Url(generated.privateKey), VAPID_SECRET_CONTEXT),
        created_at: clock.now().toISOString(),
      });
      row = await store.serverKeys.find(VAPID_KEY_NAME);
      if (!row) throw new Error("the VAPID key vanished right after it was stored");
    }
    let privateKey: Buffer | undefined;
    try {
      privateKey = decodeBase64Url(secrets.open(row.private_key, VAPID_SECRET_CONTEXT));
    } catch (error) {
      throw new Error(
        "cannot open the web push (VAPID) key stored in the database: it was sealed with another secret " +
          "key. Give every server process sharing this database the same DRAMATIS_SECRET_KEY.",
        { cause: error },
      );
    }
    const keys = privateKey?.length === 32 ? vapidKeysFrom(privateKey) : undefined;
    if (!keys || encodeBase64Url(keys.publicKey) !== row.public_key) {
      throw new Error("the web push (VAPID) key stored in the database is damaged: its halves do not match");
    }
    if (secrets.needsReseal(row.private_key)) {
      // Read old, write new: sealed before a key rotation (or in the old format), sealed again now.
      await store.serverKeys.resealPrivateKey(
        VAPID_KEY_NAME,
        row.private_key,
        secrets.seal(encodeBase64Url(keys.privateKey), VAPID_SECRET_CONTEXT),
      );
    }
    return keys;
  }
}
