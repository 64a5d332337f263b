import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

/** scrypt's cost parameters; stored with each hash so the cost can rise without breaking old hashes. */
export interface ScryptCost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/**
 * OWASP's minimum for scrypt (Password Storage Cheat Sheet): N=2^17, r=8, p=1, 128 MiB per hash, about
 * 0.2 s on one core here. Tests inject a lower cost through the services' options instead of lowering this.
 */
export const DEFAULT_PASSWORD_COST: ScryptCost = { N: 2 ** 17, r: 8, p: 1 };

/** Stored hashes above this are refused unread: a damaged row must not make a sign-in allocate gigabytes. */
const MAXIMUM_N = 2 ** 20;
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, cost: ScryptOptions & ScryptCost): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize("NFKC"),
      salt,
      KEY_LENGTH,
      // scrypt needs 128 * N * r bytes; node's default limit (32 MiB) is below OWASP's cost.
      { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r + 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

/**
 * Hashes a password as `scrypt$N$r$p$salt$hash` (base64url parts).
 *
 * @example const stored = await hashPassword("correct horse battery");
 */
export async function hashPassword(
  password: string,
  cost: ScryptCost = DEFAULT_PASSWORD_COST,
): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, cost);
  return ["scrypt", cost.N, cost.r, cost.p, salt.toString("base64url"), key.toString("base64url")].join("$");
}

/** True when `password` produces `stored`; compares in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const actual = await derive(password, parsed.salt, parsed.cost);
  return actual.length === parsed.hash.length && timingSafeEqual(actual, parsed.hash);
}

/**
 * True when `stored` was made with less work than `cost` asks for (an older default), so a sign-in that
 * just proved the password should store a fresh hash.
 *
 * @example needsRehash("scrypt$32768$8$1$…") // true: below N=2^17
 */
export function needsRehash(stored: string, cost: ScryptCost = DEFAULT_PASSWORD_COST): boolean {
  const parsed = parseHash(stored);
  if (!parsed) return true;
  return parsed.cost.N < cost.N || parsed.cost.r < cost.r || parsed.cost.p < cost.p;
}

function parseHash(stored: string): { cost: ScryptCost; salt: Buffer; hash: Buffer } | undefined {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !n || !r || !p || !salt || !hash) return undefined;
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  const valid =
    Number.isInteger(cost.N) &&
    cost.N >= 2 &&
    cost.N <= MAXIMUM_N &&
    (cost.N & (cost.N - 1)) === 0 &&
    Number.isInteger(cost.r) &&
    cost.r >= 1 &&
    cost.r <= 32 &&
    Number.isInteger(cost.p) &&
    cost.p >= 1 &&
    cost.p <= 16;
  if (!valid) return undefined;
  return { cost, salt: Buffer.from(salt, "base64url"), hash: Buffer.from(hash, "base64url") };
}
