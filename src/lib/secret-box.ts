import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const LEGACY_VERSION = "v1";
const VERSION = "v2";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Thrown when a sealed value cannot be opened: wrong key, wrong context (AAD), tampering, bad format. */
export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretBoxError";
  }
}

/**
 * Encrypts secrets at rest (provider API keys, push secrets) with AES-256-GCM.
 *
 * The stored form is `v2:<key id>:<base64 of iv | tag | ciphertext>`. The key id (the first 8 hex
 * characters of the key's SHA-256) names the key that sealed the value, so after a rotation
 * (DRAMATIS_SECRET_KEY_PREVIOUS) the right key is tried; the context (e.g.
 * `tenant_id:tenant_providers:row_id:api_key_sealed`) is bound as associated data, so a sealed value copied
 * to another tenant's row, another row or another column no longer opens. Values from before (`v1:…`, no
 * key id, no context) still open; `needsReseal` tells callers to write them again in the new form.
 *
 * @example
 * const box = new SecretBox(key);
 * box.open(box.seal("sk-…", "t1:tenant_providers:prv_1:api_key_sealed"), "t1:tenant_providers:prv_1:api_key_sealed")
 */
export class SecretBox {
  private readonly keys: { id: string; key: Buffer }[];

  /** `previous`: keys earlier values may be sealed with (opened, never used to seal). */
  constructor(key: Buffer, options: { previous?: readonly Buffer[] } = {}) {
    for (const candidate of [key, ...(options.previous ?? [])]) {
      if (candidate.length !== KEY_BYTES) throw new Error(`a secret key must be ${KEY_BYTES} bytes`);
    }
    this.keys = [key, ...(options.previous ?? [])].map((candidate) => ({
      id: keyIdOf(candidate),
      key: candidate,
    }));
  }

  /** The id of the key new values are sealed with. */
  get keyId(): string {
    return this.keys[0]!.id;
  }

  /** Seals `plaintext` with the current key, bound to `context` (tenant, table, row, column). */
  seal(plaintext: string, context: string): string {
    const { id, key } = this.keys[0]!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return `${VERSION}:${id}:${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString("base64")}`;
  }

  /** Opens a value sealed for `context`; legacy `v1:` values (sealed without context) open too. */
  open(sealed: string, context: string): string {
    const parts = sealed.split(":");
    if (parts[0] === LEGACY_VERSION && parts.length === 2) {
      for (const { key } of this.keys) {
        const plaintext = tryOpen(key, parts[1]!, undefined);
        if (plaintext !== undefined) return plaintext;
      }
      throw new SecretBoxError("the sealed value does not open with the configured secret keys");
    }
    if (parts[0] !== VERSION || parts.length !== 3) throw new SecretBoxError("unknown sealed value format");
    const entry = this.keys.find((candidate) => candidate.id === parts[1]);
    if (!entry) {
      throw new SecretBoxError(
        `the value was sealed with key ${parts[1]}, which is neither DRAMATIS_SECRET_KEY nor DRAMATIS_SECRET_KEY_PREVIOUS`,
      );
    }
    const plaintext = tryOpen(entry.key, parts[2]!, context);
    if (plaintext === undefined)
      throw new SecretBoxError("the sealed value does not open (tampered, or sealed for another row)");
    return plaintext;
  }

  /** True when `sealed` should be written again: an old format or a previous key. */
  needsReseal(sealed: string): boolean {
    return !sealed.startsWith(`${VERSION}:${this.keyId}:`);
  }

  /**
   * A signature of `data` (base64url HMAC-SHA256) with a key derived from the current one for `purpose`,
   * so a signature made for one purpose (a media link) never verifies for another.
   *
   * @example const signature = box.sign(payload, "media-link")
   */
  sign(data: string, purpose: string): string {
    return hmac(this.keys[0]!.key, data, purpose).toString("base64url");
  }

  /** True when `signature` is `sign(data, purpose)` under the current key or a previous one. */
  verify(data: string, signature: string, purpose: string): boolean {
    const presented = Buffer.from(signature, "base64url");
    return this.keys.some(({ key }) => {
      const expected = hmac(key, data, purpose);
      return presented.length === expected.length && timingSafeEqual(presented, expected);
    });
  }
}

function hmac(key: Buffer, data: string, purpose: string): Buffer {
  const derived = createHmac("sha256", key).update(`dramatis-signing:${purpose}`).digest();
  return createHmac("sha256", derived).update(data, "utf8").digest();
}

/** The context a secret in a tenant's row is sealed for: `tenant_id:table:row_id:column`. */
export function secretContext(parts: {
  tenantId: string;
  table: string;
  rowId: string;
  column: string;
}): string {
  return [parts.tenantId, parts.table, parts.rowId, parts.column].join(":");
}

function keyIdOf(key: Buffer): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 8);
}

function tryOpen(key: Buffer, body: string, context: string | undefined): string | undefined {
  const bytes = Buffer.from(body, "base64");
  if (bytes.length < IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, IV_BYTES));
    if (context !== undefined) decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      "utf8",
    );
  } catch {
    return undefined;
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
  let stored: string | undefined;
  try {
    stored = fs.readFileSync(file, "utf8").trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new Error(`no secret key: set DRAMATIS_SECRET_KEY, or make ${file} readable (${String(error)})`, {
        cause: error,
      });
    }
  }
  if (stored !== undefined) return decodeKey(stored);
  const key = randomBytes(KEY_BYTES);
  try {
    fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    // "wx" fails if another process created the file meanwhile; then that process's key wins.
    fs.writeFileSync(file, key.toString("hex"), { mode: 0o600, flag: "wx" });
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
      throw new Error(
        `no secret key: set DRAMATIS_SECRET_KEY, or let ${file} be created (${String(error)})`,
        {
          cause: error,
        },
      );
    }
    return decodeKey(fs.readFileSync(file, "utf8").trim());
  }
}

/**
 * The secret box of this installation: the key from `loadSecretKey`, plus the previous key of a rotation
 * (DRAMATIS_SECRET_KEY_PREVIOUS) so values sealed before still open. The server and the CLI's admin
 * commands use the same one; there is no throwaway key.
 */
export function openSecretBox(options: {
  configured: string | undefined;
  previous: string | undefined;
  dataDir: string;
}): SecretBox {
  return new SecretBox(loadSecretKey(options), {
    previous: options.previous ? [decodeKey(options.previous)] : [],
  });
}

export function decodeKey(text: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, "hex") : Buffer.from(text, "base64");
  if (key.length !== KEY_BYTES)
    throw new Error("the secret key must be 64 hex characters or base64 of 32 bytes");
  return key;
}
