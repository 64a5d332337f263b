/*
 * How many SMS segments a text costs. Text that fits the GSM-7 alphabet travels in 7-bit units
 * (septets): 160 in one segment, 153 per part once it needs several (the rest of each part carries
 * the concatenation header). One character outside that alphabet makes the whole message UCS-2:
 * 70 UTF-16 code units in one segment, 67 per part. Carriers never split a two-septet escape
 * sequence or a surrogate pair across parts, so parts are filled character by character.
 */

/** The GSM 03.38 default alphabet (3GPP TS 23.038), one septet each. */
const GSM7_BASIC = new Set(
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
);

/** The extension table: each costs two septets (an escape, then the character). */
const GSM7_EXTENSION = new Set("^{}\\[~]|€\f");

export type SmsEncoding = "GSM-7" | "UCS-2";

export interface SmsSegmentCount {
  encoding: SmsEncoding;
  /** septets (GSM-7) or UTF-16 code units (UCS-2) */
  units: number;
  segments: number;
}

const LIMITS: Record<SmsEncoding, { single: number; perPart: number }> = {
  "GSM-7": { single: 160, perPart: 153 },
  "UCS-2": { single: 70, perPart: 67 },
};

/**
 * Counts the segments of one SMS. An empty message still costs one.
 *
 * @example
 * countSmsSegments("a".repeat(161)); // { encoding: "GSM-7", units: 161, segments: 2 }
 * countSmsSegments("héllo ☀");        // { encoding: "UCS-2", units: 7, segments: 1 }
 */
export function countSmsSegments(text: string): SmsSegmentCount {
  const characters = [...text];
  const encoding: SmsEncoding = characters.every((character) => isGsm7(character)) ? "GSM-7" : "UCS-2";
  const sizes = characters.map((character) => unitsOf(character, encoding));
  const units = sizes.reduce((total, size) => total + size, 0);
  const limits = LIMITS[encoding];
  if (units <= limits.single) return { encoding, units, segments: 1 };
  let segments = 1;
  let filled = 0;
  for (const size of sizes) {
    if (filled + size > limits.perPart) {
      segments += 1;
      filled = 0;
    }
    filled += size;
  }
  return { encoding, units, segments };
}

/** True when the character can be sent in GSM-7 (possibly as an escape sequence). */
export function isGsm7(character: string): boolean {
  return GSM7_BASIC.has(character) || GSM7_EXTENSION.has(character);
}

function unitsOf(character: string, encoding: SmsEncoding): number {
  if (encoding === "UCS-2") return character.length; // astral characters are surrogate pairs: 2 units
  return GSM7_EXTENSION.has(character) ? 2 : 1;
}
