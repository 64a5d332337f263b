import { createHmac } from "node:crypto";
import { equalInConstantTime } from "../../lib/constant-time.ts";

/*
 * Twilio signs every webhook: X-Twilio-Signature is base64(HMAC-SHA1(auth token, data)), where data
 * is the full URL Twilio requested (scheme, host, path and query) followed by each POST parameter,
 * sorted by name, as its name immediately followed by its value. A repeated name contributes each of
 * its values, in sorted order, as Twilio's own libraries do.
 * https://www.twilio.com/docs/usage/webhooks/webhooks-security
 */

/** POST parameters in the order they arrived; names may repeat. */
export type SignedParameters = ReadonlyArray<readonly [name: string, value: string]>;

/**
 * The signature Twilio sends for a request to `url` with these POST parameters.
 *
 * @example
 * computeTwilioSignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", [["Digits", "1234"]]);
 */
export function computeTwilioSignature(authToken: string, url: string, parameters: SignedParameters): string {
  const valuesByName = new Map<string, string[]>();
  for (const [name, value] of parameters) valuesByName.set(name, [...(valuesByName.get(name) ?? []), value]);
  let data = url;
  for (const name of [...valuesByName.keys()].sort(compareCodeUnits)) {
    for (const value of (valuesByName.get(name) ?? []).sort(compareCodeUnits)) data += name + value;
  }
  return createHmac("sha1", authToken).update(data, "utf8").digest("base64");
}

/**
 * True when `signature` is Twilio's signature of this request. Compared in constant time, so a
 * forger learns nothing from how long a wrong guess took.
 */
export function isValidTwilioSignature(options: {
  authToken: string;
  url: string;
  parameters: SignedParameters;
  signature: string;
}): boolean {
  return equalInConstantTime(
    computeTwilioSignature(options.authToken, options.url, options.parameters),
    options.signature.trim(),
  );
}

/** Unix-style, case-sensitive order (what Twilio sorts by), independent of the locale. */
function compareCodeUnits(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}
