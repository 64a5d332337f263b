import { createCipheriv, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  SecretBox,
  SecretBoxError,
  decodeKey,
  loadSecretKey,
  openSecretBox,
  secretContext,
} from "./secret-box.ts";

const context = secretContext({
  tenantId: "ten_1",
  table: "tenant_providers",
  rowId: "prv_1",
  column: "api_key_sealed",
});

/** A value in the format of earlier versions: `v1:` and no associated data. */
function sealLegacy(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return `v1:${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString("base64")}`;
}

describe("SecretBox", () => {
  it("round-trips, never stores the plaintext, and refuses tampering or another key", () => {
    const box = new SecretBox(Buffer.alloc(32, 7));
    const sealed = box.seal("sk-very-secret", context);
    expect(sealed).toMatch(new RegExp(`^v2:${box.keyId}:`));
    expect(box.keyId).toMatch(/^[0-9a-f]{8}$/);
    expect(sealed).not.toContain("sk-very-secret");
    expect(box.seal("sk-very-secret", context)).not.toBe(sealed);
    expect(box.open(sealed, context)).toBe("sk-very-secret");
    const [version, keyId, body] = sealed.split(":");
    const flipped = Buffer.from(body!, "base64").map((byte, index) => (index === 20 ? byte ^ 1 : byte));
    const tampered = `${version}:${keyId}:${Buffer.from(flipped).toString("base64")}`;
    expect(() => box.open(tampered, context)).toThrow(SecretBoxError);
    expect(() => new SecretBox(Buffer.alloc(32, 8)).open(sealed, context)).toThrow(/sealed with key/);
    expect(() => box.open("v9:nope", context)).toThrow(/unknown sealed value format/);
  });

  it("binds a value to its tenant, row and column: copied anywhere else it does not open", () => {
    const box = new SecretBox(Buffer.alloc(32, 7));
    const sealed = box.seal("sk-tenant-one", context);
    for (const other of [
      secretContext({
        tenantId: "ten_2",
        table: "tenant_providers",
        rowId: "prv_1",
        column: "api_key_sealed",
      }),
      secretContext({
        tenantId: "ten_1",
        table: "tenant_providers",
        rowId: "prv_2",
        column: "api_key_sealed",
      }),
      secretContext({ tenantId: "ten_1", table: "push_subscriptions", rowId: "prv_1", column: "auth" }),
      "",
    ]) {
      expect(() => box.open(sealed, other)).toThrow(/sealed for another row/);
    }
  });

  it("opens legacy v1 values (no key id, no context) and asks for them to be resealed", () => {
    const key = Buffer.alloc(32, 7);
    const box = new SecretBox(key);
    const legacy = sealLegacy(key, "sk-from-last-year");
    expect(box.open(legacy, context)).toBe("sk-from-last-year");
    expect(box.needsReseal(legacy)).toBe(true);
    expect(box.needsReseal(box.seal("x", context))).toBe(false);
  });

  it("rotates: the previous key still opens old values, new values use the new key only", () => {
    const oldKey = Buffer.alloc(32, 1);
    const newKey = Buffer.alloc(32, 2);
    const before = new SecretBox(oldKey);
    const sealedBefore = before.seal("sk-rotating", context);
    const legacyBefore = sealLegacy(oldKey, "sk-legacy");

    expect(() => new SecretBox(newKey).open(sealedBefore, context)).toThrow(/DRAMATIS_SECRET_KEY_PREVIOUS/);
    const after = new SecretBox(newKey, { previous: [oldKey] });
    expect(after.open(sealedBefore, context)).toBe("sk-rotating");
    expect(after.open(legacyBefore, context)).toBe("sk-legacy");
    expect(after.needsReseal(sealedBefore)).toBe(true);

    const resealed = after.seal(after.open(sealedBefore, context), context);
    expect(after.needsReseal(resealed)).toBe(false);
    // Once everything is resealed the previous key can go.
    expect(new SecretBox(newKey).open(resealed, context)).toBe("sk-rotating");
    expect(() => before.open(resealed, context)).toThrow(SecretBoxError);
  });

  it("creates a key file once and reuses it; a configured key wins", () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-secret-"));
    const first = loadSecretKey({ configured: undefined, dataDir: directory });
    const second = loadSecretKey({ configured: undefined, dataDir: directory });
    expect(second.equals(first)).toBe(true);
    expect(fs.statSync(path.join(directory, "secret.key")).mode & 0o777).toBe(0o600);
    const configured = "ab".repeat(32);
    expect(loadSecretKey({ configured, dataDir: directory }).equals(decodeKey(configured))).toBe(true);
    expect(() => decodeKey("short")).toThrow(/64 hex characters/);
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it("fails naming DRAMATIS_SECRET_KEY when no key is configured and none can be kept", () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-secret-"));
    // A file where the data directory should be: nothing can be created under it.
    const blocked = path.join(directory, "not-a-directory");
    fs.writeFileSync(blocked, "");
    expect(() => openSecretBox({ configured: undefined, previous: undefined, dataDir: blocked })).toThrow(
      /no secret key: set DRAMATIS_SECRET_KEY/,
    );
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it("opens values sealed with the previous key of a rotation", () => {
    const previous = "cd".repeat(32);
    const sealed = new SecretBox(decodeKey(previous)).seal("sk-old", context);
    const box = openSecretBox({ configured: "ab".repeat(32), previous, dataDir: os.tmpdir() });
    expect(box.open(sealed, context)).toBe("sk-old");
  });

  it("signs for one purpose: other data, another purpose or another key do not verify; a rotated key does", () => {
    const box = new SecretBox(decodeKey("ab".repeat(32)));
    const signature = box.sign("payload", "media-link");
    expect(box.verify("payload", signature, "media-link")).toBe(true);
    expect(box.verify("payload2", signature, "media-link")).toBe(false);
    expect(box.verify("payload", signature, "other")).toBe(false);
    expect(box.verify("payload", signature.slice(0, -2), "media-link")).toBe(false);
    expect(box.verify("payload", "", "media-link")).toBe(false);
    expect(new SecretBox(decodeKey("cd".repeat(32))).verify("payload", signature, "media-link")).toBe(false);
    const rotated = new SecretBox(decodeKey("cd".repeat(32)), { previous: [decodeKey("ab".repeat(32))] });
    expect(rotated.verify("payload", signature, "media-link")).toBe(true);
  });
});
