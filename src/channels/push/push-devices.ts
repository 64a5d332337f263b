import type { Clock } from "../../lib/clock.ts";
import { newId } from "../../lib/ids.ts";
import { OUTBOUND_REFUSED_MESSAGE, OutboundRefusedError } from "../../lib/outbound-errors.ts";
import type { OutboundGuard, OutboundScheme } from "../../lib/outbound-guard.ts";
import { secretContext, type SecretBox } from "../../lib/secret-box.ts";
import { ConflictError, NotFoundError, ValidationError } from "../../errors/app-error.ts";
import type { PushSubscriptionRow, UserRow } from "../../store/schema.ts";
import type { Store } from "../../store/store.ts";
import { decodeBase64Url, encodeBase64Url } from "./base64url.ts";
import { nameDevice } from "./device-name.ts";
import type { PushSender } from "./push-sender.ts";
import { validateSubscription, type PushSubscriptionInput } from "./push-subscription-input.ts";

/** A registered device as the API shows it: never its keys, nor its endpoint (a bearer capability). */
export interface PushDevice {
  id: string;
  name: string;
  /** the push service it is reached through, e.g. `https://fcm.googleapis.com` */
  endpoint_origin: string;
  /** when the browser said the subscription ends; null: no end set */
  expiration_time: string | null;
  created_at: string;
  updated_at: string;
  last_success_at: string | null;
  last_failure: { at: string; status: number | null; detail: string } | null;
}

/** What a test notification came to. */
export type PushTestResult =
  | { outcome: "delivered"; push_service_status: number; device: PushDevice }
  | { outcome: "removed"; push_service_status: number; detail: string; device: PushDevice };

/** Longest device name. */
export const MAX_DEVICE_NAME_CHARACTERS = 100;

/** How long a push service keeps a test notification for a device that is offline: a late one only confuses. */
const TEST_TIME_TO_LIVE_SECONDS = 5 * 60;

export function toPushDevice(row: PushSubscriptionRow): PushDevice {
  return {
    id: row.id,
    name: row.name,
    endpoint_origin: new URL(row.endpoint).origin,
    expiration_time: row.expiration_time,
    created_at: row.created_at,
    updated_at: row.updated_at,
    last_success_at: row.last_success_at,
    last_failure: row.last_failure_at
      ? { at: row.last_failure_at, status: row.last_failure_status, detail: row.last_failure_detail ?? "" }
      : null,
  };
}

/**
 * The devices (browsers) a user registered for web push: register, list, rename, remove, and send a
 * test notification. Another user's device, or another tenant's, is not found.
 */
export class PushDevices {
  constructor(
    private readonly options: {
      store: Store;
      clock: Clock;
      secrets: SecretBox;
      sender: PushSender;
      /** accept http endpoints on loopback hosts (DRAMATIS_PUSH_ALLOW_HTTP) */
      allowHttp: boolean;
      /** the policy every endpoint must pass before it is stored */
      outbound: OutboundGuard;
      schemes: readonly OutboundScheme[];
    },
  ) {}

  /**
   * Registers the browser's subscription for the user; `created` is false when the user had it
   * already (its keys, expiry and, when given, name are updated). An endpoint is one browser's, so
   * when another user registers it with the same auth secret — the browser, now signed in as someone
   * else — it moves to them; with another secret it is refused (409): whoever sends it is not that
   * browser.
   *
   * @example await devices.register(user, { endpoint, keys: { p256dh, auth }, name: "Work laptop" })
   */
  async register(
    user: UserRow,
    input: PushSubscriptionInput & { name?: string | undefined },
    userAgent?: string,
  ): Promise<{ device: PushDevice; created: boolean }> {
    const { store, clock, secrets } = this.options;
    const subscription = validateSubscription(input, { allowHttp: this.options.allowHttp });
    await this.checkEndpoint(subscription.endpoint);
    const name = input.name === undefined ? nameDevice(userAgent) : this.checkName(input.name);
    const now = clock.now().toISOString();
    const sealAuth = (id: string) =>
      secrets.seal(encodeBase64Url(subscription.auth), pushAuthContext({ tenant_id: user.tenant_id, id }));
    const fresh = (id = newId("dev", clock.now().getTime())): PushSubscriptionRow => ({
      id,
      tenant_id: user.tenant_id,
      user_id: user.id,
      name,
      endpoint: subscription.endpoint,
      p256dh: encodeBase64Url(subscription.p256dh),
      auth: sealAuth(id),
      expiration_time: subscription.expirationTime,
      created_at: now,
      updated_at: now,
      last_success_at: null,
      last_failure_at: null,
      last_failure_status: null,
      last_failure_detail: null,
    });
    return store.transaction(async (transaction) => {
      // Twice at most: an endpoint another request stored between our look and our insert is read back.
      for (let attempt = 0; attempt < 2; attempt++) {
        const existing = await transaction.pushSubscriptions.findByEndpoint(subscription.endpoint);
        if (!existing) {
          const row = fresh();
          if (await transaction.pushSubscriptions.insert(row))
            return { device: toPushDevice(row), created: true };
          continue;
        }
        if (existing.tenant_id === user.tenant_id && existing.user_id === user.id) {
          const changes = {
            p256dh: encodeBase64Url(subscription.p256dh),
            auth: sealAuth(existing.id),
            expiration_time: subscription.expirationTime,
            updated_at: now,
            ...(input.name === undefined ? {} : { name }),
          };
          await transaction.pushSubscriptions.update(existing.id, changes);
          return { device: toPushDevice({ ...existing, ...changes }), created: false };
        }
        if (!this.sameAuthSecret(existing, subscription.auth)) {
          throw new ConflictError(
            "endpoint: this push subscription is registered with other keys; subscribe again in the browser",
          );
        }
        await transaction.pushSubscriptions.deleteById(existing.id);
        const row = fresh();
        if (await transaction.pushSubscriptions.insert(row))
          return { device: toPushDevice(row), created: true };
      }
      throw new ConflictError("endpoint: registered by another request at the same moment; try again");
    });
  }

  async list(user: UserRow): Promise<PushDevice[]> {
    return (await this.options.store.pushSubscriptions.listForUser(user.tenant_id, user.id)).map(
      toPushDevice,
    );
  }

  async get(user: UserRow, id: string): Promise<PushDevice> {
    return toPushDevice(await this.find(user, id));
  }

  async rename(user: UserRow, id: string, name: string): Promise<PushDevice> {
    const device = await this.find(user, id);
    const changes = { name: this.checkName(name), updated_at: this.options.clock.now().toISOString() };
    await this.options.store.pushSubscriptions.update(device.id, changes);
    return toPushDevice({ ...device, ...changes });
  }

  async remove(user: UserRow, id: string): Promise<void> {
    if (!(await this.options.store.pushSubscriptions.delete(user.tenant_id, user.id, id))) {
      throw new NotFoundError(`push subscription ${id}`);
    }
  }

  /**
   * Sends a test notification to one device and says what happened: delivered, or removed because the
   * push service no longer knows it (404/410). Any other failure throws the `ProviderHttpError` (502).
   */
  async test(user: UserRow, id: string): Promise<PushTestResult> {
    const device = await this.find(user, id);
    const result = await this.options.sender.send({
      device,
      payload: {
        title: "Test notification",
        body: `Notifications from your personas will appear on ${device.name}.`,
        url: "/",
        tag: `test:${device.id}`,
        test: true,
      },
      ttlSeconds: TEST_TIME_TO_LIVE_SECONDS,
      urgency: "high",
    });
    if (result.outcome === "failed") throw result.error;
    const current = await this.options.store.pushSubscriptions.find(user.tenant_id, user.id, id);
    if (result.outcome === "delivered") {
      return {
        outcome: "delivered",
        push_service_status: result.status,
        device: toPushDevice(current ?? device),
      };
    }
    return {
      outcome: "removed",
      push_service_status: result.status,
      detail: result.detail,
      device: toPushDevice(device),
    };
  }

  private async find(user: UserRow, id: string): Promise<PushSubscriptionRow> {
    const device = await this.options.store.pushSubscriptions.find(user.tenant_id, user.id, id);
    if (!device) throw new NotFoundError(`push subscription ${id}`);
    return device;
  }

  /**
   * Refuses an endpoint on a loopback, private or metadata address (in any notation, or a name that
   * resolves to one) unless the operator allow-listed it, saying no more. A name that does not resolve
   * now is accepted: each send is checked again.
   */
  private async checkEndpoint(endpoint: string): Promise<void> {
    try {
      await this.options.outbound.checkUrl(endpoint, { schemes: this.options.schemes });
    } catch (error) {
      if (error instanceof OutboundRefusedError) {
        throw new ValidationError([{ field: "endpoint", message: OUTBOUND_REFUSED_MESSAGE }]);
      }
      // Anything else (the name does not resolve now) is accepted on purpose: each send checks again.
    }
  }

  private checkName(name: string): string {
    const trimmed = name.trim();
    if (trimmed === "" || [...trimmed].length > MAX_DEVICE_NAME_CHARACTERS) {
      throw new ValidationError([
        { field: "name", message: `must be 1-${MAX_DEVICE_NAME_CHARACTERS} characters` },
      ]);
    }
    return trimmed;
  }

  private sameAuthSecret(row: PushSubscriptionRow, auth: Buffer): boolean {
    try {
      return (
        decodeBase64Url(this.options.secrets.open(row.auth, pushAuthContext(row)))?.equals(auth) ?? false
      );
    } catch {
      return false; // sealed with a key this process does not hold: cannot be proven the same browser
    }
  }
}

/** What a device's sealed `auth` secret is bound to: its tenant and row. */
export function pushAuthContext(row: { tenant_id: string; id: string }): string {
  return secretContext({
    tenantId: row.tenant_id,
    table: "push_subscriptions",
    rowId: row.id,
    column: "auth",
  });
}
