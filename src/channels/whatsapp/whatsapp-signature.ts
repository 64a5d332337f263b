import { createHmac } from "node:crypto";
import { equalInConstantTime } from "../../lib/constant-time.ts";

/*
 * Meta signs every webhook it posts: X-Hub-Signature-256 is "sha256=" followed by the hex HMAC-SHA256 of
 * the request body exactly as sent, keyed by the app secret.
 * https://developers.facebook.com/docs/graph-api/webhooks/getting-started#validate-payloads
 */

/** The header Meta sends for this body. */
export function computeWhatsAppSignature(appSecret: string, body: Uint8Array | string): string {
  return `sha256=${createHmac("sha256", appSecret).update(body).digest("hex")}`;
}

/** True when `signature` is Meta's signature of this body; compared in constant time. */
export function isValidWhatsAppSignature(options: {
  appSecret: string;
  body: Uint8Array | string;
  signature: string;
}): boolean {
  return equalInConstantTime(
    computeWhatsAppSignature(options.appSecret, options.body),
    options.signature.trim().toLowerCase(),
  );
}
