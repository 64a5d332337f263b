import { createCipheriv, createECDH, hkdfSync, randomBytes } from "node:crypto";

/*
 * Message encryption for web push (RFC 8291) in the aes128gcm content coding (RFC 8188): an ephemeral
 * ECDH P-256 key agreement with the browser's subscription key, HKDF-SHA256 keyed with the
 * subscription's auth secret, and one AES-128-GCM record. Only node:crypto.
 */

/** The record size announced in the header: one record always fits, since push messages are at most 4096 octets. */
export const PUSH_RECORD_SIZE = 4096;

const SALT_BYTES = 16;
const PUBLIC_KEY_BYTES = 65;
const AUTH_SECRET_BYTES = 16;
const TAG_BYTES = 16;
/** salt (16) | rs (4) | idlen (1) | keyid: the sender's public key (65) */
const HEADER_BYTES = SALT_BYTES + 4 + 1 + PUBLIC_KEY_BYTES;
/** Ends the last (here: only) record; RFC 8188 section 2. */
const LAST_RECORD_DELIMITER = 0x02;

/**
 * The most plaintext one notification carries: push services accept 4096 octets of body, less the
 * header, the tag and the delimiter (RFC 8291 section 4 gives the same 3993).
 */
export const MAX_PUSH_PLAINTEXT_BYTES = PUSH_RECORD_SIZE - HEADER_BYTES - TAG_BYTES - 1;

export interface PushEncryptionInput {
  plaintext: Uint8Array;
  /** The subscription's `keys.p256dh`: an uncompressed P-256 point (65 bytes). */
  userAgentPublicKey: Uint8Array;
  /** The subscription's `keys.auth` (16 bytes). */
  authSecret: Uint8Array;
  /** The sender's ephemeral private key (32 bytes); fixed only to reproduce test vectors, fresh otherwise. */
  senderPrivateKey?: Uint8Array;
  /** 16 bytes; fixed only to reproduce test vectors, random otherwise. */
  salt?: Uint8Array;
}

/**
 * The body of a push message: the RFC 8188 header (salt, rs 4096, the sender's public key as keyid)
 * followed by the one encrypted record (plaintext, delimiter 0x02, no further padding).
 *
 * @example
 * const body = encryptPushPayload({
 *   plaintext: Buffer.from(JSON.stringify({ title: "Mira", body: "Good morning!" })),
 *   userAgentPublicKey: decodeBase64Url(subscription.keys.p256dh)!,
 *   authSecret: decodeBase64Url(subscription.keys.auth)!,
 * });
 */
export function encryptPushPayload(input: PushEncryptionInput): Buffer {
  if (input.plaintext.length > MAX_PUSH_PLAINTEXT_BYTES) {
    throw new RangeError(
      `a push message carries at most ${MAX_PUSH_PLAINTEXT_BYTES} bytes, got ${input.plaintext.length}`,
    );
  }
  if (input.userAgentPublicKey.length !== PUBLIC_KEY_BYTES || input.userAgentPublicKey[0] !== 0x04) {
    throw new RangeError("the subscription key must be an uncompressed P-256 point (65 bytes)");
  }
  if (input.authSecret.length !== AUTH_SECRET_BYTES) {
    throw new RangeError(`the auth secret must be ${AUTH_SECRET_BYTES} bytes`);
  }
  const sender = createECDH("prime256v1");
  if (input.senderPrivateKey) sender.setPrivateKey(input.senderPrivateKey);
  else sender.generateKeys();
  const senderPublicKey = sender.getPublicKey(); // uncompressed: 0x04 | x | y
  const sharedSecret = sender.computeSecret(input.userAgentPublicKey);
  const salt = input.salt ?? randomBytes(SALT_BYTES);
  if (salt.length !== SALT_BYTES) throw new RangeError(`the salt must be ${SALT_BYTES} bytes`);

  // RFC 8291 section 3.4: IKM = HKDF(salt = auth_secret, ikm = ecdh_secret, info = key_info, 32).
  const keyInfo = Buffer.concat([
    Buffer.from("WebPush: info\0", "latin1"),
    input.userAgentPublicKey,
    senderPublicKey,
  ]);
  const inputKey = Buffer.from(hkdfSync("sha256", sharedSecret, input.authSecret, keyInfo, 32));
  // RFC 8188 section 2.2 and 2.3: the content encryption key and the nonce, from the message's salt.
  const contentKey = Buffer.from(
    hkdfSync("sha256", inputKey, salt, Buffer.from("Content-Encoding: aes128gcm\0", "latin1"), 16),
  );
  const nonce = Buffer.from(
    hkdfSync("sha256", inputKey, salt, Buffer.from("Content-Encoding: nonce\0", "latin1"), 12),
  );

  const cipher = createCipheriv("aes-128-gcm", contentKey, nonce);
  const record = Buffer.concat([
    cipher.update(input.plaintext),
    cipher.update(Uint8Array.of(LAST_RECORD_DELIMITER)),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  const header = Buffer.alloc(SALT_BYTES + 5);
  header.set(salt, 0);
  header.writeUInt32BE(PUSH_RECORD_SIZE, SALT_BYTES);
  header[SALT_BYTES + 4] = PUBLIC_KEY_BYTES;
  return Buffer.concat([header, senderPublicKey, record]);
}
