import { createECDH, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decryptPushMessage } from "../../../test/mock-push-service.ts";
import { decodeBase64Url, encodeBase64Url } from "./base64url.ts";
import { MAX_PUSH_PLAINTEXT_BYTES, encryptPushPayload } from "./web-push-encryption.ts";

/** RFC 8291 Appendix A, line breaks removed. */
const RFC_8291 = {
  plaintext: "When I grow up, I want to be a watermelon",
  senderPublicKey: "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8",
  senderPrivateKey: "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw",
  userAgentPublicKey:
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
  userAgentPrivateKey: "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94",
  salt: "DGv6ra1nlYgDCS1FRnbzlw",
  authSecret: "BTBZMqHH6r4Tts7J_aSIgg",
  message:
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN",
};

const bytes = (text: string) => {
  const decoded = decodeBase64Url(text);
  if (!decoded) throw new Error(`not base64url: ${text}`);
  return decoded;
};

describe("encryptPushPayload (RFC 8291, aes128gcm)", () => {
  it("reproduces the RFC 8291 Appendix A message byte for byte from its keys and salt", () => {
    const message = encryptPushPayload({
      plaintext: Buffer.from(RFC_8291.plaintext),
      userAgentPublicKey: bytes(RFC_8291.userAgentPublicKey),
      authSecret: bytes(RFC_8291.authSecret),
      senderPrivateKey: bytes(RFC_8291.senderPrivateKey),
      salt: bytes(RFC_8291.salt),
    });
    expect(encodeBase64Url(message)).toBe(RFC_8291.message);
    // The header: salt, rs = 4096, idlen = 65, keyid = the sender's public key.
    expect(message.readUInt32BE(16)).toBe(4096);
    expect(message[20]).toBe(65);
    expect(encodeBase64Url(message.subarray(21, 86))).toBe(RFC_8291.senderPublicKey);
  });

  it("uses a fresh sender key and salt per message, which the subscription's private key decrypts", () => {
    const browser = createECDH("prime256v1");
    browser.generateKeys();
    const auth = randomBytes(16);
    const plaintext = Buffer.from(JSON.stringify({ title: "Mira", body: "Good morning ☀️" }));
    const first = encryptPushPayload({
      plaintext,
      userAgentPublicKey: browser.getPublicKey(),
      authSecret: auth,
    });
    const second = encryptPushPayload({
      plaintext,
      userAgentPublicKey: browser.getPublicKey(),
      authSecret: auth,
    });
    expect(first.subarray(0, 86).equals(second.subarray(0, 86))).toBe(false);
    for (const message of [first, second]) {
      expect(decryptPushMessage(message, { privateKey: browser.getPrivateKey(), auth }).toString()).toBe(
        plaintext.toString(),
      );
    }
    expect(() =>
      decryptPushMessage(first, { privateKey: browser.getPrivateKey(), auth: randomBytes(16) }),
    ).toThrow();
  });

  it("decrypts the RFC message with the user agent's private key (the mock push service's decryption is right)", () => {
    const message = bytes(RFC_8291.message);
    const plaintext = decryptPushMessage(message, {
      privateKey: bytes(RFC_8291.userAgentPrivateKey),
      auth: bytes(RFC_8291.authSecret),
    });
    expect(plaintext.toString()).toBe(RFC_8291.plaintext);
  });

  it("refuses what cannot be a push message: too long, a bad key, a short auth secret", () => {
    const browser = createECDH("prime256v1");
    browser.generateKeys();
    const key = browser.getPublicKey();
    const auth = randomBytes(16);
    expect(
      encryptPushPayload({
        plaintext: Buffer.alloc(MAX_PUSH_PLAINTEXT_BYTES),
        userAgentPublicKey: key,
        authSecret: auth,
      }).length,
    ).toBe(4096);
    expect(() =>
      encryptPushPayload({
        plaintext: Buffer.alloc(MAX_PUSH_PLAINTEXT_BYTES + 1),
        userAgentPublicKey: key,
        authSecret: auth,
      }),
    ).toThrow(/at most 3993 bytes/);
    expect(() =>
      encryptPushPayload({
        plaintext: Buffer.from("x"),
        userAgentPublicKey: key.subarray(1),
        authSecret: auth,
      }),
    ).toThrow(/uncompressed P-256 point/);
    expect(() =>
      encryptPushPayload({
        plaintext: Buffer.from("x"),
        userAgentPublicKey: key,
        authSecret: auth.subarray(1),
      }),
    ).toThrow(/16 bytes/);
  });
});
