import { describe, expect, it } from "vitest";
import { computeWhatsAppSignature, isValidWhatsAppSignature } from "./whatsapp-signature.ts";

// A webhook body exactly as Meta sends it, and its X-Hub-Signature-256 under this app secret (computed
// once with `openssl dgst -sha256 -hmac`, kept as a literal so the code is checked against it).
const APP_SECRET = "mock-whatsapp-app-secret-0123456789";
const BODY =
  '{"object":"whatsapp_business_account","entry":[{"id":"WABA_ID","changes":[{"field":"messages","value":' +
  '{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550100","phone_number_id":' +
  '"106540352242922"},"messages":[{"from":"14155550111","id":"wamid.VECTOR1","timestamp":"1700000000",' +
  '"type":"text","text":{"body":"Hello"}}]}}]}]}';
const SIGNATURE = "sha256=7027febb6e0095f4784a94bd488edcf8d5e705939b2abd3d30a6355bdabd0d34";

describe("X-Hub-Signature-256", () => {
  it("matches the known signature of a known body, as text or as bytes", () => {
    expect(computeWhatsAppSignature(APP_SECRET, BODY)).toBe(SIGNATURE);
    expect(computeWhatsAppSignature(APP_SECRET, Buffer.from(BODY))).toBe(SIGNATURE);
    expect(isValidWhatsAppSignature({ appSecret: APP_SECRET, body: BODY, signature: SIGNATURE })).toBe(true);
    expect(
      isValidWhatsAppSignature({
        appSecret: APP_SECRET,
        body: BODY,
        signature: ` ${SIGNATURE.toUpperCase()} `,
      }),
    ).toBe(true); // hex digits in either case, surrounding spaces ignored
  });

  it("refuses a tampered body, another secret, a truncated or a prefix-less signature", () => {
    const check = (body: string, signature: string, appSecret = APP_SECRET) =>
      isValidWhatsAppSignature({ appSecret, body, signature });
    expect(check(BODY.replace("Hello", "Hellp"), SIGNATURE)).toBe(false);
    expect(check(BODY, SIGNATURE, "another-secret")).toBe(false);
    expect(check(BODY, SIGNATURE.slice(0, -1))).toBe(false);
    expect(check(BODY, SIGNATURE.slice("sha256=".length))).toBe(false);
    expect(check(BODY, "")).toBe(false);
  });
});
