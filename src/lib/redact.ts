/*
 * Redaction for text that may carry credentials: upstream error bodies (a hostile upstream can echo the
 * headers we sent it), connection strings and URLs in logs. Callers never see upstream text at all; these
 * helpers keep the server's own logs free of secrets too.
 */

const REDACTED = "[redacted]";

/** `scheme://user:password@host` -> `scheme://[redacted]@host` (the user name can be a secret too: Twilio's SID). */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi;
/** `Authorization: Bearer x`, `Basic x`, `x-api-key: x`, `api_key=x`, `"token": "x"` and the like. */
const CREDENTIAL_FIELDS =
  /\b(authorization|proxy-authorization|x-api-key|api[-_]?key|access[-_]?token|auth[-_]?token|token|secret|password|passwd)(["']?\s*[:=]\s*["']?)(?:(?:bearer|basic|token)\s+)?[^\s"',;}&]+/gi;
const AUTH_SCHEMES = /\b(bearer|basic)\s+[a-z0-9._~+/=-]{8,}/gi;

/**
 * Replaces credentials in `text`: URL user info, authorization headers, key/token fields, and every
 * string in `secrets` (the keys this process sent, so an echo of them is caught whatever its shape).
 *
 * @example redactSecrets("GET https://ac:tok@api.twilio.com Authorization: Basic QUM6dG9r") // "GET https://[redacted]@api.twilio.com Authorization: [redacted]"
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let result = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) {
      result = result.split(secret).join(REDACTED);
      // Basic auth and similar send the secret base64-encoded.
      const encoded = Buffer.from(secret).toString("base64").replace(/=+$/, "");
      if (encoded.length >= 8) result = result.split(encoded).join(REDACTED);
    }
  }
  return result
    .replace(URL_CREDENTIALS, `$1${REDACTED}@`)
    .replace(CREDENTIAL_FIELDS, `$1$2${REDACTED}`)
    .replace(AUTH_SCHEMES, `$1 ${REDACTED}`);
}

/**
 * A URL without its user info, for display and logs: `postgres://app:pw@db/x` -> `postgres://[redacted]@db/x`.
 * Text that is not a URL is redacted as text.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === "" && parsed.password === "") return url;
    return url.replace(URL_CREDENTIALS, `$1${REDACTED}@`);
  } catch {
    return redactSecrets(url);
  }
}

/** True when `url` carries a user name or password (`https://user:pass@host`). */
export function hasUrlCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== "" || parsed.password !== "";
  } catch {
    return false;
  }
}

/**
 * At most `limit` characters of `text`, marked when cut, for quoting rejected input back to a caller.
 *
 * @example excerpt("x".repeat(5_000_000)) // 80 characters ending in "…"
 */
export function excerpt(text: string, limit = 80): string {
  const characters = Array.from(text.length > limit * 4 ? text.slice(0, limit * 4) : text);
  return characters.length <= limit ? text : `${characters.slice(0, limit - 1).join("")}…`;
}

/**
 * A request id an upstream sent (e.g. `x-request-id`), when it looks like one: short, plain characters and
 * none of `secrets` inside, since a hostile upstream may put anything in a header.
 */
export function safeRequestId(
  headers: Headers | Record<string, string | undefined> | undefined,
  secrets: readonly (string | undefined)[] = [],
): string | undefined {
  if (!headers) return undefined;
  const read = (name: string) =>
    headers instanceof Headers ? (headers.get(name) ?? undefined) : headers[name.toLowerCase()];
  for (const name of REQUEST_ID_HEADERS) {
    const value = read(name)?.trim();
    if (!value || !/^[A-Za-z0-9._:-]{1,80}$/.test(value)) continue;
    if (
      secrets.some(
        (secret) => secret && secret.length >= 4 && (value.includes(secret) || secret.includes(value)),
      )
    )
      continue;
    return value;
  }
  return undefined;
}

const REQUEST_ID_HEADERS = [
  "x-request-id",
  "request-id",
  "twilio-request-id",
  "x-fb-trace-id",
  "x-fb-request-id",
  "cf-ray",
];
