import { createPublicKey, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decodeBase64Url, encodeBase64Url } from "./base64url.ts";
import {
  VAPID_TOKEN_SECONDS,
  generateVapidKeys,
  isVapidSubject,
  vapidAuthorization,
  vapidKeysFrom,
} from "./vapid.ts";

/** Verifies a VAPID header the way a push service does, with nothing but the header itself. */
function verifyVapid(header: string): { header: unknown; claims: Record<string, unknown>; valid: boolean } {
  const match = /^vapid t=([\w-]+)\.([\w-]+)\.([\w-]+), k=([\w-]+)$/.exec(header);
  if (!match) throw new Error(`not a vapid header: ${header}`);
  const [, head, body, signature, key] = match as unknown as [string, string, string, string, string];
  const point = decodeBase64Url(key)!;
  const publicKey = createPublicKey({
    format: "jwk",
    key: {
      kty: "EC",
      crv: "P-256",
      x: encodeBase64Url(point.subarray(1, 33)),
      y: encodeBase64Url(point.subarray(33)),
    },
  });
  const valid = verify(
    "sha256",
    Buffer.from(`${head}.${body}`),
    { key: publicKey, dsaEncoding: "ieee-p1363" },
    decodeBase64Url(signature)!,
  );
  return {
    header: JSON.parse(Buffer.from(head, "base64url").toString()),
    claims: JSON.parse(Buffer.from(body, "base64url").toString()) as Record<string, unknown>,
    valid,
  };
}

describe("VAPID (RFC 8292)", () => {
  it("signs an ES256 JWT for the endpoint's origin that verifies with the public key in k", () => {
    const keys = generateVapidKeys();
    expect(keys.publicKey).toHaveLength(65);
    expect(keys.publicKey[0]).toBe(0x04);
    const nowMs = Date.parse("2026-03-01T12:00:00.000Z");
    const header = vapidAuthorization({
      keys,
      endpoint: "https://fcm.googleapis.com/fcm/send/abc:def?x=1",
      subject: "mailto:ops@example.com",
      nowMs,
    });
    const token = verifyVapid(header);
    expect(token.valid).toBe(true);
    expect(token.header).toEqual({ typ: "JWT", alg: "ES256" });
    expect(token.claims).toEqual({
      aud: "https://fcm.googleapis.com",
      exp: nowMs / 1000 + VAPID_TOKEN_SECONDS,
      sub: "mailto:ops@example.com",
    });
    expect(header.endsWith(`k=${encodeBase64Url(keys.publicKey)}`)).toBe(true);
    // Another key pair's k does not verify this signature.
    const forged = header.replace(/k=[\w-]+$/, `k=${encodeBase64Url(generateVapidKeys().publicKey)}`);
    expect(verifyVapid(forged).valid).toBe(false);
  });

  it("never issues a token for more than 24 hours", () => {
    const keys = generateVapidKeys();
    const token = verifyVapid(
      vapidAuthorization({
        keys,
        endpoint: "https://updates.push.services.mozilla.com/wpush/v2/x",
        subject: "https://chat.example.com",
        nowMs: 0,
        lifetimeSeconds: 7 * 86_400,
      }),
    );
    expect(token.claims.exp).toBe(86_400);
    expect(token.claims.aud).toBe("https://updates.push.services.mozilla.com");
  });

  it("derives the same public key from a stored private key", () => {
    const keys = generateVapidKeys();
    const restored = vapidKeysFrom(keys.privateKey);
    expect(restored.publicKey.equals(keys.publicKey)).toBe(true);
    expect(() => vapidKeysFrom(Buffer.alloc(31))).toThrow(/32 bytes/);
  });

  it("accepts mailto: and https: subjects push services can use, and not localhost ones", () => {
    for (const subject of [
      "mailto:ops@example.com",
      "https://chat.example.com",
      "https://chat.example.com/about",
    ]) {
      expect(isVapidSubject(subject), subject).toBe(true);
    }
    for (const subject of [
      "ops@example.com",
      "mailto:ops",
      "mailto:ops@localhost",
      "http://chat.example.com",
      "https://localhost:8787",
      "https://127.0.0.1",
      "",
    ]) {
      expect(isVapidSubject(subject), subject).toBe(false);
    }
  });
});
