/**
 * FNV-1a over the UTF-16 code units of a text: a stable 32-bit seed from any string, the same on every run
 * and machine (seeded randomness, a persona's picture seed, a placeholder's colour).
 *
 * @example hashSeed("Ana|34|Porto|nurse|7") // the same number on every run
 */
export function hashSeed(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
