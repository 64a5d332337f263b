import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { computeTwilioSignature, isValidTwilioSignature } from "./twilio-signature.ts";

const DOCUMENTED_URL = "https://mycompany.com/myapp.php?foo=1&bar=2";

describe("Twilio webhook signatures", () => {
  it("matches the example of Twilio's security documentation", () => {
    const parameters: Array<[string, string]> = [
      ["CallSid", "CA1234567890ABCDE"],
      ["Caller", "+12349013030"],
      ["Digits", "1234"],
      ["From", "+12349013030"],
      ["To", "+18005551212"],
    ];
    expect(computeTwilioSignature("12345", DOCUMENTED_URL, parameters)).toBe("0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
  });

  it("matches the older edition of that example (caller +14158675310), given in any order", () => {
    const parameters: Array<[string, string]> = [
      ["To", "+18005551212"],
      ["From", "+14158675310"],
      ["Digits", "1234"],
      ["Caller", "+14158675310"],
      ["CallSid", "CA1234567890ABCDE"],
    ];
    const signature = "GvWf1cFY/Q7PnoempGyD5oXAezc=";
    expect(computeTwilioSignature("12345", DOCUMENTED_URL, parameters)).toBe(signature);
    expect(isValidTwilioSignature({ authToken: "12345", url: DOCUMENTED_URL, parameters, signature })).toBe(
      true,
    );
  });

  it("agrees with HMAC-SHA1 computed by hand over the URL and the sorted name-value pairs", () => {
    const url = "https://chat.example.com/v1/channels/twilio/sms";
    const parameters: Array<[string, string]> = [
      ["To", "+14155550100"],
      ["Body", "Hé {there} 😀"],
      ["MessageSid", "SM0123"],
      ["From", "+14155550111"],
      ["AccountSid", "AC99"],
    ];
    const data = `${url}AccountSid${"AC99"}Body${"Hé {there} 😀"}From+14155550111MessageSidSM0123To+14155550100`;
    const byHand = createHmac("sha1", "s3cret").update(Buffer.from(data, "utf8")).digest("base64");
    expect(computeTwilioSignature("s3cret", url, parameters)).toBe(byHand);
  });

  it("sorts names case-sensitively (upper case first) and includes each value of a repeated name, sorted", () => {
    const url = "https://example.com/hook";
    const parameters: Array<[string, string]> = [
      ["b", "1"],
      ["MediaUrl", "https://m/2"],
      ["A", "x"],
      ["MediaUrl", "https://m/1"],
    ];
    const data = `${url}AxMediaUrlhttps://m/1MediaUrlhttps://m/2b1`;
    expect(computeTwilioSignature("t", url, parameters)).toBe(
      createHmac("sha1", "t").update(data).digest("base64"),
    );
  });

  it("refuses a tampered parameter, URL, token or signature", () => {
    const parameters: Array<[string, string]> = [
      ["Body", "hi"],
      ["From", "+14155550111"],
    ];
    const url = "https://example.com/hook";
    const signature = computeTwilioSignature("token", url, parameters);
    const valid = (changes: Partial<Parameters<typeof isValidTwilioSignature>[0]>) =>
      isValidTwilioSignature({ authToken: "token", url, parameters, signature, ...changes });
    expect(valid({})).toBe(true);
    expect(valid({ parameters: [["Body", "hi!"], parameters[1]!] })).toBe(false);
    expect(valid({ parameters: [...parameters, ["Extra", ""]] })).toBe(false);
    expect(valid({ url: "https://example.com/hook?x=1" })).toBe(false);
    expect(valid({ url: "http://example.com/hook" })).toBe(false);
    expect(valid({ authToken: "other" })).toBe(false);
    expect(valid({ signature: signature.slice(0, -2) })).toBe(false);
    expect(valid({ signature: "" })).toBe(false);
    expect(valid({ signature: signature.toLowerCase() })).toBe(signature === signature.toLowerCase());
  });
});
