/**
 * A loopback push service (what FCM, Mozilla autopush or Apple's web.push.apple.com are to a browser),
 * so web push tests never reach the internet and prove the real wire format: like a real one it checks
 * the VAPID `Authorization` (the ES256 signature with the key in `k`, the audience, the expiry, the
 * subject, and that `k` is the applicationServerKey the browser subscribed with), and then — unlike a
 * real one, which only forwards ciphertext — it DECRYPTS the aes128gcm body with the subscription's
 * private key, which `subscribe()` generated the way a browser does (an ECDH P-256 key pair and 16
 * random auth bytes). Each subscription can be scripted to answer 404, 410, 429, 500, ...
 *
 * @example
 * const push = await startMockPushService();
 * const browser = push.subscribe({ applicationServerKey: vapidPublicKey });
 * await app.request("/v1/push/subscriptions", { method: "POST", user: "alice", json: browser.subscription });
 * const [notification] = await push.waitForDeliveries(1);
 * expect(notification.json).toMatchObject({ title: "Mira" });
 */
import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { waitForCount } from "./wait-for-count.ts";

/** What a browser's PushSubscription.toJSON() gives the page. */
export interface PushSubscriptionJson {
  endpoint: string;
  expirationTime: number | null;
  keys: { p256dh: string; auth: string };
}

/** A scripted answer: a status, optionally with Retry-After (seconds). 201 is a normal acceptance. */
export type MockPushStep = number | { status: number; retryAfter?: string; body?: string };

export interface MockPushRequest {
  subscriptionId: string;
  status: number;
  /** why the request was refused, when the mock refused it on its own (bad VAPID, bad encryption) */
  problem?: string;
  headers: http.IncomingHttpHeaders;
  /** the decrypted payload, when it decrypted */
  plaintext?: string;
  /** the VAPID JWT's claims, when it verified */
  claims?: { aud: string; exp: number; sub: string };
}

export interface MockPushDelivery {
  subscriptionId: string;
  plaintext: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  ttl: number;
  urgency: string | undefined;
  claims: { aud: string; exp: number; sub: string };
}

export interface MockBrowserSubscription {
  id: string;
  /** the JSON the page posts to the server */
  subscription: PushSubscriptionJson;
  /** answers for the next requests to this subscription; when it runs out every request is accepted */
  script: MockPushStep[];
  /** the browser unsubscribed (or the subscription expired): every request is answered 410 */
  gone: boolean;
}

export interface MockPushService {
  baseUrl: string;
  /** every request, accepted or not, in order */
  requests: MockPushRequest[];
  /** accepted (201) notifications, decrypted, in order */
  deliveries: MockPushDelivery[];
  /** A new subscription, as PushManager.subscribe({ applicationServerKey }) makes one. */
  subscribe(options: { applicationServerKey: string }): MockBrowserSubscription;
  /** Resolves once `count` notifications were accepted in all; rejects after `timeoutMs`. */
  waitForDeliveries(count: number, timeoutMs?: number): Promise<MockPushDelivery[]>;
  close(): Promise<void>;
}

/**
 * The browser's side of RFC 8291: reads the RFC 8188 header (salt, record size, the sender's key),
 * derives the same keys with the subscription's private key and auth secret, decrypts the single
 * record and strips the padding down to the 0x02 delimiter. Throws when anything does not fit.
 */
export function decryptPushMessage(
  body: Uint8Array,
  keys: { privateKey: Uint8Array; auth: Uint8Array },
): Buffer {
  const message = Buffer.from(body);
  if (message.length < 21) throw new Error("shorter than an aes128gcm header");
  const salt = message.subarray(0, 16);
  const recordSize = message.readUInt32BE(16);
  const keyIdLength = message[20]!;
  if (keyIdLength !== 65)
    throw new Error(`keyid must be the sender's 65-byte public key, got ${keyIdLength} bytes`);
  const senderPublicKey = message.subarray(21, 21 + keyIdLength);
  const record = message.subarray(21 + keyIdLength);
  if (record.length > recordSize)
    throw new Error(`one record of ${record.length} bytes exceeds rs ${recordSize}`);
  if (record.length < 17) throw new Error("the record is shorter than its tag");
  const browser = createECDH("prime256v1");
  browser.setPrivateKey(keys.privateKey);
  const userAgentPublicKey = browser.getPublicKey();
  const sharedSecret = browser.computeSecret(senderPublicKey);
  const keyInfo = Buffer.concat([Buffer.from("WebPush: info\0"), userAgentPublicKey, senderPublicKey]);
  const inputKey = Buffer.from(hkdfSync("sha256", sharedSecret, keys.auth, keyInfo, 32));
  const contentKey = Buffer.from(
    hkdfSync("sha256", inputKey, salt, Buffer.from("Content-Encoding: aes128gcm\0"), 16),
  );
  const nonce = Buffer.from(hkdfSync("sha256", inputKey, salt, Buffer.from("Content-Encoding: nonce\0"), 12));
  const decipher = createDecipheriv("aes-128-gcm", contentKey, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end -= 1;
  if (end < 0 || padded[end] !== 0x02)
    throw new Error("the last record does not end with the 0x02 delimiter");
  return padded.subarray(0, end);
}

/** Checks a VAPID Authorization header as push services do; returns the claims or why it fails. */
function verifyVapid(
  header: string | undefined,
  expected: { origin: string; applicationServerKey: string },
): { claims: { aud: string; exp: number; sub: string } } | { problem: string } {
  const match = /^vapid\s+(.+)$/i.exec(header ?? "");
  if (!match) return { problem: "Authorization must be 'vapid t=<JWT>, k=<key>'" };
  const parameters = Object.fromEntries(
    match[1]!.split(",").map((part) => {
      const index = part.indexOf("=");
      return [part.slice(0, index).trim(), part.slice(index + 1).trim()];
    }),
  );
  const token = String(parameters.t ?? "").split(".");
  const key = String(parameters.k ?? "");
  if (token.length !== 3 || !key) return { problem: "t and k are both required" };
  if (key !== expected.applicationServerKey)
    return { problem: "k is not the key this subscription was made for" };
  const point = Buffer.from(key, "base64url");
  if (point.length !== 65 || point[0] !== 0x04) return { problem: "k is not an uncompressed P-256 point" };
  const [head, body, signature] = token as [string, string, string];
  const publicKey = createPublicKey({
    format: "jwk",
    key: {
      kty: "EC",
      crv: "P-256",
      x: point.subarray(1, 33).toString("base64url"),
      y: point.subarray(33).toString("base64url"),
    },
  });
  const valid = verify(
    "sha256",
    Buffer.from(`${head}.${body}`),
    { key: publicKey, dsaEncoding: "ieee-p1363" },
    Buffer.from(signature, "base64url"),
  );
  if (!valid) return { problem: "the JWT signature does not verify with k" };
  const jwtHeader = JSON.parse(Buffer.from(head, "base64url").toString()) as { alg?: string };
  if (jwtHeader.alg !== "ES256") return { problem: `alg must be ES256, got ${jwtHeader.alg}` };
  const claims = JSON.parse(Buffer.from(body, "base64url").toString()) as {
    aud: string;
    exp: number;
    sub: string;
  };
  const now = Math.floor(Date.now() / 1000);
  if (claims.aud !== expected.origin) return { problem: `aud ${claims.aud} is not ${expected.origin}` };
  if (!(claims.exp > now)) return { problem: "the JWT has expired" };
  if (claims.exp > now + 86_400) return { problem: "exp is more than 24 hours away" };
  if (!/^(mailto:.+@.+|https:\/\/.+)$/.test(claims.sub ?? ""))
    return { problem: "sub must be mailto: or https:" };
  return { claims };
}

export async function startMockPushService(): Promise<MockPushService> {
  const subscriptions = new Map<
    string,
    MockBrowserSubscription & { privateKey: Buffer; auth: Buffer; applicationServerKey: string }
  >();
  const requests: MockPushRequest[] = [];
  const deliveries: MockPushDelivery[] = [];
  let origin = "";

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const id = /^\/push\/([\w-]+)$/.exec(request.url ?? "")?.[1] ?? "";
      const record: MockPushRequest = { subscriptionId: id, status: 0, headers: request.headers };
      requests.push(record);
      const answer = (
        status: number,
        extra: { problem?: string; headers?: Record<string, string>; body?: string } = {},
      ) => {
        record.status = status;
        if (extra.problem) record.problem = extra.problem;
        response.writeHead(status, { "content-type": "text/plain", ...extra.headers });
        response.end(extra.body ?? extra.problem ?? "");
      };
      const subscription = subscriptions.get(id);
      if (request.method !== "POST" || !subscription) return answer(404, { problem: "no such subscription" });
      if (subscription.gone) return answer(410, { problem: "push subscription has unsubscribed or expired" });
      const vapid = verifyVapid(request.headers.authorization, {
        origin,
        applicationServerKey: subscription.applicationServerKey,
      });
      if ("problem" in vapid) return answer(403, { problem: vapid.problem });
      record.claims = vapid.claims;
      const ttl = request.headers.ttl;
      if (typeof ttl !== "string" || !/^\d+$/.test(ttl))
        return answer(400, { problem: "a TTL header is required" });
      if (request.headers["content-encoding"] !== "aes128gcm") {
        return answer(415, { problem: "Content-Encoding must be aes128gcm" });
      }
      const body = Buffer.concat(chunks);
      if (body.length > 4096) return answer(413, { problem: "payload larger than 4096 bytes" });
      let plaintext: string;
      try {
        plaintext = decryptPushMessage(body, subscription).toString("utf8");
      } catch (error) {
        return answer(400, { problem: `cannot decrypt: ${(error as Error).message}` });
      }
      record.plaintext = plaintext;
      const step = subscription.script.shift() ?? 201;
      const status = typeof step === "number" ? step : step.status;
      if (status === 404 || status === 410) subscription.gone = true;
      if (status !== 201) {
        return answer(status, {
          body: typeof step === "number" ? `scripted ${status}` : (step.body ?? `scripted ${status}`),
          headers: typeof step === "object" && step.retryAfter ? { "retry-after": step.retryAfter } : {},
        });
      }
      let json: unknown;
      try {
        json = JSON.parse(plaintext);
      } catch {
        json = undefined;
      }
      deliveries.push({
        subscriptionId: id,
        plaintext,
        json,
        ttl: Number(ttl),
        urgency: typeof request.headers.urgency === "string" ? request.headers.urgency : undefined,
        claims: vapid.claims,
      });
      answer(201, { headers: { location: `${origin}/message/${deliveries.length}` } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl: origin,
    requests,
    deliveries,
    subscribe({ applicationServerKey }) {
      const browser = createECDH("prime256v1");
      browser.generateKeys();
      const auth = randomBytes(16);
      const id = randomBytes(12).toString("base64url");
      const subscription = {
        id,
        subscription: {
          endpoint: `${origin}/push/${id}`,
          expirationTime: null,
          keys: { p256dh: browser.getPublicKey().toString("base64url"), auth: auth.toString("base64url") },
        },
        script: [] as MockPushStep[],
        gone: false,
        privateKey: browser.getPrivateKey(),
        auth,
        applicationServerKey,
      };
      subscriptions.set(id, subscription);
      return subscription;
    },
    waitForDeliveries: (count, timeoutMs = 10_000) =>
      waitForCount(deliveries, count, {
        what: "notifications at the mock push service",
        timeoutMs,
        describe: () =>
          JSON.stringify(requests.map((request) => ({ status: request.status, problem: request.problem }))),
      }),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
