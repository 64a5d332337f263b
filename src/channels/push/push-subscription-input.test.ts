import { createECDH, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../errors/app-error.ts";
import { isLoopbackHost, validateSubscription } from "./push-subscription-input.ts";

function browserKeys() {
  const browser = createECDH("prime256v1");
  browser.generateKeys();
  return {
    p256dh: browser.getPublicKey().toString("base64url"),
    auth: randomBytes(16).toString("base64url"),
  };
}

function fieldsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.errors.map((problem) => problem.field);
    throw error;
  }
  return [];
}

describe("validateSubscription", () => {
  it("accepts a browser's subscription, padded or not, and keeps its key bytes", () => {
    const keys = browserKeys();
    const valid = validateSubscription(
      { endpoint: "https://fcm.googleapis.com/fcm/send/abc", keys: { ...keys, auth: `${keys.auth}==` } },
      { allowHttp: false },
    );
    expect(valid.p256dh).toHaveLength(65);
    expect(valid.auth).toHaveLength(16);
    expect(valid.expirationTime).toBeNull();
    expect(
      validateSubscription(
        { endpoint: "https://push.example.com/x", keys, expirationTime: 0 },
        { allowHttp: false },
      ).expirationTime,
    ).toBe("1970-01-01T00:00:00.000Z");
  });

  it("accepts plain http only to loopback hosts, and only when allowed", () => {
    const keys = browserKeys();
    for (const endpoint of ["http://127.0.0.1:8080/push/1", "http://localhost/push/1", "http://[::1]:9/p"]) {
      expect(
        fieldsOf(() => validateSubscription({ endpoint, keys }, { allowHttp: false })),
        endpoint,
      ).toEqual(["endpoint"]);
      expect(validateSubscription({ endpoint, keys }, { allowHttp: true }).endpoint).toBe(
        new URL(endpoint).href,
      );
    }
    for (const endpoint of [
      "http://10.0.0.1/push",
      "http://push.example.com/push",
      "http://127.0.0.1.nip.io/x",
    ]) {
      expect(
        fieldsOf(() => validateSubscription({ endpoint, keys }, { allowHttp: true })),
        endpoint,
      ).toEqual(["endpoint"]);
    }
  });

  it("names every field at fault at once", () => {
    expect(
      fieldsOf(() =>
        validateSubscription(
          {
            endpoint: "javascript:alert(1)",
            keys: { p256dh: "BAAA+/", auth: randomBytes(15).toString("base64url") },
            expirationTime: -1,
          },
          { allowHttp: true },
        ),
      ),
    ).toEqual(["endpoint", "keys.p256dh", "keys.auth", "expirationTime"]);
    // A 65-byte string that starts like a point but is not on the curve.
    const offCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)]).toString("base64url");
    expect(
      fieldsOf(() =>
        validateSubscription(
          { endpoint: "https://push.example.com/x", keys: { ...browserKeys(), p256dh: offCurve } },
          { allowHttp: false },
        ),
      ),
    ).toEqual(["keys.p256dh"]);
  });

  it("knows the loopback hosts", () => {
    expect(
      ["localhost", "app.localhost", "127.0.0.1", "127.9.9.9", "[::1]", "::1"].every(isLoopbackHost),
    ).toBe(true);
    expect(["10.0.0.1", "example.com", "localhost.example.com", "128.0.0.1"].some(isLoopbackHost)).toBe(
      false,
    );
  });
});
