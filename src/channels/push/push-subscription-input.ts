import { createECDH } from "node:crypto";
import { ValidationError, type FieldError } from "../../errors/app-error.ts";
import { decodeBase64Url } from "./base64url.ts";

/** Longest endpoint accepted; real ones (FCM, Mozilla, Apple, Microsoft) are a few hundred characters. */
export const MAX_ENDPOINT_LENGTH = 1024;

/** A browser's PushSubscription as the page sends it (PushSubscription.toJSON()). */
export interface PushSubscriptionInput {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  /** milliseconds since the epoch, or null (most browsers) */
  expirationTime?: number | null | undefined;
}

/** A subscription whose every part was checked. */
export interface ValidSubscription {
  endpoint: string;
  /** the browser's uncompressed P-256 public key (65 bytes) */
  p256dh: Buffer;
  /** the auth secret (16 bytes) */
  auth: Buffer;
  expirationTime: string | null;
}

/**
 * Checks a subscription before anything is stored, naming every field at fault (`endpoint`,
 * `keys.p256dh`, `keys.auth`, `expirationTime`) in one 422.
 *
 * The server later POSTs to the endpoint, a URL a user supplied: so it must be https (the request
 * carries a VAPID token, and a plain-http URL would also let anyone aim the server at internal
 * services that speak http). Plain http is accepted only for loopback hosts and only when
 * `allowHttp` is set (DRAMATIS_PUSH_ALLOW_HTTP): a push server on the same machine, in development
 * and tests.
 *
 * @example validateSubscription(body, { allowHttp: false }).endpoint // "https://fcm.googleapis.com/fcm/send/…"
 */
export function validateSubscription(
  input: PushSubscriptionInput,
  options: { allowHttp: boolean },
): ValidSubscription {
  const errors: FieldError[] = [];
  const endpoint = checkEndpoint(input.endpoint, options.allowHttp);
  if ("problem" in endpoint) errors.push({ field: "endpoint", message: endpoint.problem });
  const p256dh = decodeBase64Url(input.keys.p256dh);
  if (!p256dh || !isUncompressedP256Point(p256dh)) {
    errors.push({
      field: "keys.p256dh",
      message: "must be base64url of the browser's 65-byte uncompressed P-256 public key",
    });
  }
  const auth = decodeBase64Url(input.keys.auth);
  if (!auth || auth.length !== 16) {
    errors.push({ field: "keys.auth", message: "must be base64url of the browser's 16-byte auth secret" });
  }
  let expirationTime: string | null = null;
  if (input.expirationTime !== undefined && input.expirationTime !== null) {
    const date = new Date(input.expirationTime);
    if (!Number.isInteger(input.expirationTime) || input.expirationTime < 0 || Number.isNaN(date.getTime())) {
      errors.push({ field: "expirationTime", message: "must be milliseconds since the epoch, or null" });
    } else {
      expirationTime = date.toISOString();
    }
  }
  if (errors.length > 0 || "problem" in endpoint || !p256dh || !auth) throw new ValidationError(errors);
  return { endpoint: endpoint.url, p256dh, auth, expirationTime };
}

function checkEndpoint(text: string, allowHttp: boolean): { url: string } | { problem: string } {
  if (text.length > MAX_ENDPOINT_LENGTH)
    return { problem: `must be at most ${MAX_ENDPOINT_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problem: "must be an absolute https URL (the push service's, from PushSubscription.endpoint)" };
  }
  if (url.username || url.password) return { problem: "must not carry a user name or password" };
  if (url.hash) return { problem: "must not have a #fragment" };
  if (url.protocol === "https:") return { url: url.toString() };
  if (url.protocol === "http:") {
    if (allowHttp && isLoopbackHost(url.hostname)) return { url: url.toString() };
    return {
      problem: allowHttp
        ? "must be an https URL (plain http only to a loopback host such as 127.0.0.1)"
        : "must be an https URL",
    };
  }
  return { problem: "must be an https URL" };
}

/** localhost, 127.0.0.0/8 and ::1: the machine itself. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    host === "::1" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

/** A 65-byte 0x04 point that lies on P-256 (an ECDH agreement with it succeeds). */
function isUncompressedP256Point(bytes: Buffer): boolean {
  if (bytes.length !== 65 || bytes[0] !== 0x04) return false;
  try {
    const probe = createECDH("prime256v1");
    probe.generateKeys();
    probe.computeSecret(bytes);
    return true;
  } catch {
    return false;
  }
}
