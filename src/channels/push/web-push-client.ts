import { ProviderHttpClient, type ProviderHttpClientOptions } from "../provider-http.ts";
import { vapidAuthorization, type VapidKeys } from "./vapid.ts";
import { encryptPushPayload } from "./web-push-encryption.ts";

/** How urgently the push service should wake the device (RFC 8030 section 5.3). */
export type PushUrgency = "very-low" | "low" | "normal" | "high";

/** One notification to one browser subscription. */
export interface OutgoingPush {
  endpoint: string;
  /** the subscription's P-256 public key (65 bytes) */
  p256dh: Uint8Array;
  /** the subscription's auth secret (16 bytes) */
  auth: Uint8Array;
  /** what the service worker receives, before encryption (at most 3993 bytes) */
  payload: Uint8Array;
  /** how long the push service keeps it for a device that is offline */
  ttlSeconds: number;
  urgency?: PushUrgency;
  signal?: AbortSignal | undefined;
}

/** Delivers push messages; the web push protocol (RFC 8030) in production. */
export interface PushTransport {
  /** Resolves when the push service accepted the message; throws a `ProviderHttpError` otherwise. */
  send(message: OutgoingPush): Promise<{ status: number; latencyMs: number }>;
}

export interface WebPushClientOptions {
  /** The server's VAPID keys (loaded from the database on first use). */
  keys: () => Promise<VapidKeys>;
  /** VAPID `sub`: the operator's contact, mailto: or https: (DRAMATIS_VAPID_SUBJECT). */
  subject: string;
  /** Retry and timeout overrides for the HTTP client (tests make backoff instant). */
  http?: Partial<Omit<ProviderHttpClientOptions, "provider" | "baseUrl" | "auth">> | undefined;
  /**
   * Real time in milliseconds, for the JWT's expiry: push services check it against their own clocks,
   * so it never comes from a simulated server clock. Default Date.now.
   */
  realNow?: (() => number) | undefined;
  /**
   * Fetches the endpoints (users supply them): the outbound guard's fetch, so a subscription can only
   * reach a public host, pinned to the address that was checked.
   */
  fetch: typeof globalThis.fetch;
}

/**
 * Sends web push messages: encrypts the payload for the subscription (RFC 8291, aes128gcm), signs a
 * VAPID token for the endpoint's origin (RFC 8292) and POSTs it through the provider HTTP client,
 * which retries 429 and 5xx (honouring Retry-After) and network failures. A 404 or 410 — the
 * subscription is gone — fails at once as a `ProviderHttpError` with that `providerStatus`.
 *
 * @example
 * const client = new WebPushClient({
 *   keys: () => vapid,
 *   subject: "mailto:ops@example.com",
 *   fetch: guard.fetcher({ schemes: ["https:"] }),
 * });
 * await client.send({ endpoint, p256dh, auth, payload: Buffer.from('{"title":"Hi"}'), ttlSeconds: 3600 });
 */
export class WebPushClient implements PushTransport {
  constructor(private readonly options: WebPushClientOptions) {}

  async send(message: OutgoingPush): Promise<{ status: number; latencyMs: number }> {
    const url = new URL(message.endpoint);
    const keys = await this.options.keys();
    const body = encryptPushPayload({
      plaintext: message.payload,
      userAgentPublicKey: message.p256dh,
      authSecret: message.auth,
    });
    // Each subscription names its own push service, so the client's base URL is the endpoint's origin.
    const http = new ProviderHttpClient({
      ...this.options.http,
      provider: "web push",
      baseUrl: url.origin,
      fetch: this.options.fetch,
      // The endpoint is the user's choice: what its host answers is never relayed, only the status.
      hideProviderMessages: true,
    });
    const response = await http.request({
      call: `notification to ${url.host}`,
      method: "POST",
      path: `${url.pathname}${url.search}`,
      binary: { contentType: "application/octet-stream", bytes: body },
      headers: {
        authorization: vapidAuthorization({
          keys,
          endpoint: message.endpoint,
          subject: this.options.subject,
          nowMs: (this.options.realNow ?? Date.now)(),
        }),
        "content-encoding": "aes128gcm",
        ttl: String(Math.max(0, Math.round(message.ttlSeconds))),
        urgency: message.urgency ?? "normal",
      },
      signal: message.signal,
    });
    return { status: response.status, latencyMs: response.latencyMs };
  }
}
