import { createHash, randomBytes } from "node:crypto";

/** A browser's stream token is good for this long after the call is created. */
export const STREAM_TOKEN_TTL_MS = 120_000;

/** A phone's stream token: the phone may ring for a minute or two before it is answered. */
export const PHONE_STREAM_TOKEN_TTL_MS = 10 * 60_000;

/** A token's hash, as the call row keeps it (the token itself is only handed out). */
export function hashStreamToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** A new one-time stream token, its hash and when it expires. */
export function issueStreamToken(
  now: Date,
  ttlMs: number,
): { token: string; sha256: string; expiresAt: string } {
  const token = randomBytes(24).toString("base64url");
  return {
    token,
    sha256: hashStreamToken(token),
    expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
  };
}
