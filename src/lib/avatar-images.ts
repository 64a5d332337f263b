import { createAvatar, type Style } from "@dicebear/core";
import { adventurer, notionists, personas } from "@dicebear/collection";
import sharp from "sharp";

/** What uploads may be; anything else (SVG, HTML, …) is refused before decoding. */
export const AVATAR_UPLOAD_TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif"] as const;
export const AVATAR_MAX_UPLOAD_BYTES = 5 * 1024 * 1024;
/** Stored and served size; big enough for a profile header on a high-density screen. */
export const AVATAR_SIZE = 512;

export class UndecodableImageError extends Error {}

/** File signatures: the declared type must match the bytes, so a renamed SVG or HTML file is refused. */
function sniffType(bytes: Uint8Array): string | undefined {
  const starts = (...signature: number[]) => signature.every((byte, index) => bytes[index] === byte);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return "image/png";
  if (starts(0xff, 0xd8, 0xff)) return "image/jpeg";
  if (starts(0x47, 0x49, 0x46, 0x38)) return "image/gif";
  if (starts(0x52, 0x49, 0x46, 0x46) && String.fromCharCode(...bytes.slice(8, 12)) === "WEBP")
    return "image/webp";
  return undefined;
}

/** The image type the bytes really are, or undefined when they are none of the accepted ones. */
export function detectUploadType(bytes: Uint8Array): (typeof AVATAR_UPLOAD_TYPES)[number] | undefined {
  const sniffed = sniffType(bytes);
  return AVATAR_UPLOAD_TYPES.find((type) => type === sniffed);
}

/**
 * Decodes an uploaded picture and re-encodes it as a square PNG with no metadata, so what is served was
 * made by us: no embedded scripts, EXIF locations or polyglot payloads survive.
 */
export async function reencodeAvatar(bytes: Uint8Array): Promise<Uint8Array> {
  try {
    const png = await sharp(bytes, { limitInputPixels: 50_000_000, animated: false })
      .rotate()
      .resize(AVATAR_SIZE, AVATAR_SIZE, { fit: "cover", position: "attention" })
      .png({ compressionLevel: 9 })
      .toBuffer();
    return new Uint8Array(png);
  } catch (error) {
    throw new UndecodableImageError(error instanceof Error ? error.message : String(error));
  }
}

// Each style has its own option types; only the shared ones (seed, size, background) are used here.
const STYLES: Record<string, Style<object>> = {
  realistic: personas as Style<object>,
  semi_realistic: notionists as Style<object>,
  anime: adventurer as Style<object>,
};

/**
 * A deterministic DiceBear picture for a persona without an upload, rasterised to PNG so that the
 * avatar endpoint only ever serves PNG.
 */
export async function generateAvatar(options: { seed: string; artStyle: string }): Promise<Uint8Array> {
  const style = STYLES[options.artStyle] ?? (personas as Style<object>);
  const svg = createAvatar(style, {
    seed: options.seed,
    size: 256,
    backgroundColor: ["e8e4ff", "d9f2e6", "ffe9d6"],
  });
  const png = await sharp(Buffer.from(svg.toString())).png().toBuffer();
  return new Uint8Array(png);
}
