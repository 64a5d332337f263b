import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const VERSION = "v1";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts secrets at rest (provider API keys) with AES-256-GCM. The stored form is
 * `v1:<base64 of iv | tag | ciphertext>`; tampering or a wrong key fails decryption loudly.
 *
 * @example const box = new SecretBox(key); box.decrypt(box.encrypt("sk-…")) // "sk-…"
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error(`a secret key must be ${KEY_BYTES} bytes`);
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString("base64")}`;
  }

  decrypt(sealed: string): string {
    const [version, body] = sealed.split(":", 2);
    if (version !== VERSION || body === undefined) throw new Error("unknown secret format");
    const bytes = Buffer.from(body, "base64");
    const decipher = createDecipheriv("aes-256-gcm", this.key, bytes.subarray(0, IV_BYTES));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      "utf8",
    );
  }
}

/**
 * The key for secrets at rest: DRAMATIS_SECRET_KEY (64 hex characters or base64 of 32 bytes) when set,
 * else `<data dir>/secret.key`, created with owner-only permissions on first start. Several hosts sharing
 * one PostgreSQL database must share the key, so they should set DRAMATIS_SECRET_KEY.
 */
export function loadSecretKey(options: { configured: string | undefined; dataDir: string }): Buffer {
  if (options.configured) return decodeKey(options.configured);
  const file = path.join(options.dataDir, "secret.key");
  try {
    return decodeKey(fs.readFileSync(file, "utf8").trim());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  fs.mkdirSync(options.dataDir, { recursive: true });
  const key = randomBytes(KEY_BYTES);
  try {
    // "wx" fails if another process created the file meanwhile; then that process's key wins.
    fs.writeFileSync(file, key.toString("hex"), { mode: 0o600, flag: "wx" });
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return decodeKey(fs.readFileSync(file, "utf8").trim());
  }
}

export function decodeKey(text: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, "hex") : Buffer.from(text, "base64");
  if (key.length !== KEY_BYTES)
    throw new Error("the secret key must be 64 hex characters or base64 of 32 bytes");
  return key;
}
