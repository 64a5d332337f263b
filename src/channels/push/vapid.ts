import { createECDH, createPrivateKey, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { decodeBase64Url, encodeBase64Url } from "./base64url.ts";

/*
 * VAPID (RFC 8292): the server proves to push services that it is the sender a browser subscribed
 * for, with an ES256 JWT signed by the key pair whose public half the browser was given as
 * applicationServerKey.
 */

/** A JWT lives 12 hours; RFC 8292 allows at most 24. */
export const VAPID_TOKEN_SECONDS = 12 * 60 * 60;

/** The server's VAPID key pair (ECDSA P-256). */
export interface VapidKeys {
  /** uncompressed point (65 bytes): what PushManager.subscribe takes as applicationServerKey */
  readonly publicKey: Buffer;
  /** the private scalar (32 bytes) */
  readonly privateKey: Buffer;
  readonly signingKey: KeyObject;
}

/** A fresh key pair. */
export function generateVapidKeys(): VapidKeys {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const jwk = privateKey.export({ format: "jwk" });
  const d = decodeBase64Url(jwk.d ?? "");
  if (!d) throw new Error("node:crypto exported an EC key without its private part");
  return vapidKeysFrom(d);
}

/** The key pair of a stored private key; its public key is derived, so the two always match. */
export function vapidKeysFrom(privateKey: Uint8Array): VapidKeys {
  if (privateKey.length !== 32) throw new RangeError("a VAPID private key is 32 bytes");
  const ecdh = createECDH("prime256v1");
  ecdh.setPrivateKey(privateKey);
  const publicKey = ecdh.getPublicKey();
  const signingKey = createPrivateKey({
    format: "jwk",
    key: {
      kty: "EC",
      crv: "P-256",
      d: encodeBase64Url(privateKey),
      x: encodeBase64Url(publicKey.subarray(1, 33)),
      y: encodeBase64Url(publicKey.subarray(33, 65)),
    },
  });
  return { publicKey, privateKey: Buffer.from(privateKey), signingKey };
}

/**
 * The `Authorization` header of one push request: `vapid t=<JWT>, k=<public key>`, with the JWT's
 * audience the origin of the endpoint, its expiry `lifetimeSeconds` after `nowMs` (real time: push
 * services check it against their own clocks), and `sub` the operator's contact.
 *
 * @example
 * headers.authorization = vapidAuthorization({ keys, endpoint, subject: "mailto:ops@example.com", nowMs: Date.now() });
 */
export function vapidAuthorization(options: {
  keys: VapidKeys;
  endpoint: string;
  subject: string;
  nowMs: number;
  lifetimeSeconds?: number;
}): string {
  const claims = {
    aud: new URL(options.endpoint).origin,
    exp: Math.floor(options.nowMs / 1000) + Math.min(options.lifetimeSeconds ?? VAPID_TOKEN_SECONDS, 86_400),
    sub: options.subject,
  };
  const unsigned = `${encodeJson({ typ: "JWT", alg: "ES256" })}.${encodeJson(claims)}`;
  // JWS wants the raw r | s (64 bytes), not DER.
  const signature = sign("sha256", Buffer.from(unsigned), {
    key: options.keys.signingKey,
    dsaEncoding: "ieee-p1363",
  });
  return `vapid t=${unsigned}.${encodeBase64Url(signature)}, k=${encodeBase64Url(options.keys.publicKey)}`;
}

function encodeJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/**
 * The VAPID `sub` when neither DRAMATIS_VAPID_SUBJECT nor an https DRAMATIS_PUBLIC_URL is set: valid in
 * form (Apple's push service refuses localhost ones), but nobody reads it; operators should set theirs.
 */
export const PLACEHOLDER_VAPID_SUBJECT = "mailto:webpush@example.com";

/**
 * Whether `value` can be a VAPID subject: a mailto: address or an https: URL (RFC 8292 section 2.1),
 * not on localhost, which Apple's push service refuses.
 */
export function isVapidSubject(value: string): boolean {
  const mailto = /^mailto:[^\s@/]+@((?:[^\s@.]+\.)+[^\s@.]+)$/i.exec(value);
  if (mailto) return !/(^|\.)localhost$/i.test(mailto[1]!);
  try {
    const url = new URL(value);
    return (
      url.protocol === "https:" && !/^(localhost|.*\.localhost|127\.[\d.]+|\[::1\])$/i.test(url.hostname)
    );
  } catch {
    return false;
  }
}
