import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lower case

function encodeBase32(bytes: Uint8Array): string {
  let output = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      output += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) output += ALPHABET[(buffer << (5 - bits)) & 31];
  return output;
}

/** Random bytes drawn from the OS in blocks: one call per id costs more than the rest of making it. */
const RANDOM_POOL_SIZE = 4096;
let randomPool = randomBytes(RANDOM_POOL_SIZE);
let randomPoolOffset = 0;

function pooledRandomBytes(count: number): Uint8Array {
  if (count > RANDOM_POOL_SIZE) return randomBytes(count);
  if (randomPoolOffset + count > RANDOM_POOL_SIZE) {
    randomPool = randomBytes(RANDOM_POOL_SIZE);
    randomPoolOffset = 0;
  }
  const bytes = randomPool.subarray(randomPoolOffset, randomPoolOffset + count);
  randomPoolOffset += count;
  return bytes;
}

/** Random base32 text of the given length (5 bits of entropy per character). */
export function randomToken(length: number): string {
  return encodeBase32(pooledRandomBytes(Math.ceil((length * 5) / 8))).slice(0, length);
}

/**
 * A new identifier such as `psn_01jc8x7k3m9q2r4t6v8w0y2z4a`: a type prefix, then a time-ordered part
 * (milliseconds, 10 characters) and 16 random characters, so ids sort by creation time.
 *
 * @example newId("psn")
 */
export function newId(prefix: string, now: number = Date.now()): string {
  const time = BigInt(now);
  let timePart = "";
  for (let shift = 45n; shift >= 0n; shift -= 5n) timePart += ALPHABET[Number((time >> shift) & 31n)];
  return `${prefix}_${timePart}${randomToken(16)}`;
}
