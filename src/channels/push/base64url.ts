/*
 * Base64url (RFC 4648 section 5), the encoding of everything on the web push wire: the browser's
 * PushSubscription keys, the VAPID public key (applicationServerKey) and the JWT.
 */

/** Unpadded base64url of the bytes. */
export function encodeBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

/**
 * The bytes of strict base64url text (padding optional, as browsers omit it); undefined for anything
 * else, such as standard base64 with `+` and `/` or stray characters, which Buffer would skip silently.
 *
 * @example decodeBase64Url("BTBZMqHH6r4Tts7J_aSIgg")?.length // 16
 */
export function decodeBase64Url(text: string): Buffer | undefined {
  const unpadded = text.replace(/={1,2}$/, "");
  if (!/^[A-Za-z0-9_-]*$/.test(unpadded) || unpadded.length % 4 === 1) return undefined;
  return Buffer.from(unpadded, "base64url");
}
