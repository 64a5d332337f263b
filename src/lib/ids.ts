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

/** The last id's time and random part: ids made in the same millisecond count up from it. */
let lastTime = -1;
let lastRandom = "";

/** The base32 text one greater than `text` (same length); undefined when it is all z's. */
function incrementBase32(text: string): string | undefined {
  const digits = [...text];
  for (let index = digits.length - 1; index >= 0; index--) {
    const value = ALPHABET.indexOf(digits[index]!);
    if (value < 31) {
      digits[index] = ALPHABET[value + 1]!;
      return digits.join("");
    }
    digits[index] = ALPHABET[0]!;
  }
  return undefined;
}

/**
 * A new identifier such as `psn_01jc8x7k3m9q2r4t6v8w0y2z4a`: a type prefix, then a time-ordered part
 * (milliseconds, 10 characters) and 16 random characters, so ids sort by creation time. Ids made in the
 * same millisecond (or while the clock steps back) count up from the previous one, so they sort in the
 * order they were made too, as monotonic ULIDs do.
 *
 * @example newId("psn")
 */
export function newId(prefix: string, now?: number): string {
  let time = now ?? Date.now();
  let random = randomToken(16);
  if (now === undefined) {
    if (time <= lastTime) {
      const next = incrementBase32(lastRandom);
      time = next === undefined ? lastTime + 1 : lastTime;
      random = next ?? random;
    }
    lastTime = time;
    lastRandom = random;
  }
  const bigTime = BigInt(time);
  let timePart = "";
  for (let shift = 45n; shift >= 0n; shift -= 5n) timePart += ALPHABET[Number((bigTime >> shift) & 31n)];
  return `${prefix}_${timePart}${random}`;
}
