import { createAvatar, type Style } from "@dicebear/core";
import { adventurer, notionists, personas } from "@dicebear/collection";
import sharp from "sharp";

/** What uploads may be; anything else (SVG, HTML, …) is refused before decoding. */
export const AVATAR_UPLOAD_TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif"] as const;
export const AVATAR_MAX_UPLOAD_BYTES = 5 * 1024 * 1024;
/** Stored and served size; big enough for a profile header on a high-density screen. */
export const AVATAR_SIZE = 512;

/**
 * Most pixels an upload may have. Decoding cost follows the pixel count, not the file size: a 6 KB PNG of
 * 7000×7000 one-bit pixels inflates to 49 million pixels and took seconds of CPU to decode and crop.
 * 4096×4096 holds a 12 MP phone photo and stays well under a second.
 */
export const AVATAR_MAX_INPUT_PIXELS = 4096 * 4096;
/** Most decoded bytes (pixels × channels × bytes per sample): 4096×4096 RGBA at 8 bits; 16-bit images count double. */
export const AVATAR_MAX_DECODED_BYTES = 4096 * 4096 * 4;

/** Bytes per sample of libvips' band formats, to size what decoding would allocate. */
const SAMPLE_BYTES: Record<string, number> = {
  uchar: 1,
  char: 1,
  ushort: 2,
  short: 2,
  uint: 4,
  int: 4,
  float: 4,
  complex: 8,
  double: 8,
  dpcomplex: 16,
};

export class UndecodableImageError extends Error {}

/** An image whose header declares more pixels than AVATAR_MAX_INPUT_PIXELS; refused before decoding. */
export class OversizedImageError extends Error {}

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
 * Longest side of a character card's art as stored. Card art is a portrait (commonly 400×600 or 512×768)
 * that other front ends show whole, so it keeps its proportions instead of being cropped to a square;
 * bigger art is scaled down to this, smaller art is never enlarged.
 */
export const CARD_ART_MAX_SIDE = 1536;

type Resize = (image: sharp.Sharp) => sharp.Sharp;

const toAvatarSquare: Resize = (image) =>
  image.resize(AVATAR_SIZE, AVATAR_SIZE, { fit: "cover", position: "attention" });
const toCardArt: Resize = (image) =>
  image.resize(CARD_ART_MAX_SIDE, CARD_ART_MAX_SIDE, { fit: "inside", withoutEnlargement: true });

/**
 * Decodes an uploaded picture and re-encodes it as a square PNG with no metadata, so what is served was
 * made by us: no embedded scripts, EXIF locations or polyglot payloads survive.
 */
export async function reencodeAvatar(bytes: Uint8Array): Promise<Uint8Array> {
  return reencodeImage(bytes, toAvatarSquare);
}

/**
 * Re-encodes a character card's picture like an avatar upload (same limits, no metadata, so the card's
 * own text chunks are gone too) but keeping its proportions, at most CARD_ART_MAX_SIDE on its longer side.
 */
export async function reencodeCardArt(bytes: Uint8Array): Promise<Uint8Array> {
  return reencodeImage(bytes, toCardArt);
}

/** Longest side of a photo sent in a chat as stored: vision models scale larger ones down anyway. */
export const PHOTO_MAX_SIDE = 2048;

export interface ReencodedPhoto {
  bytes: Uint8Array;
  contentType: "image/jpeg" | "image/png";
  width: number;
  height: number;
}

/**
 * A photo sent in a chat, decoded and re-encoded like an avatar upload (same limits; EXIF, locations and
 * every other metadata gone, turned upright first) at most PHOTO_MAX_SIDE on its longer side: JPEG, or
 * PNG when it has transparency (screenshots, stickers).
 */
export async function reencodePhoto(bytes: Uint8Array): Promise<ReencodedPhoto> {
  const toPhoto: Resize = (image) =>
    image.resize(PHOTO_MAX_SIDE, PHOTO_MAX_SIDE, { fit: "inside", withoutEnlargement: true });
  let hasAlpha = false;
  const encoded = await reencodeImage(bytes, toPhoto, async (image) => {
    hasAlpha = (await image.clone().metadata()).hasAlpha ?? false;
    return hasAlpha ? image.png({ compressionLevel: 9 }) : image.jpeg({ quality: 90, mozjpeg: true });
  });
  const { width = 0, height = 0 } = await sharp(encoded).metadata();
  return { bytes: encoded, contentType: hasAlpha ? "image/png" : "image/jpeg", width, height };
}

async function reencodeImage(
  bytes: Uint8Array,
  resize: Resize,
  encode: (image: sharp.Sharp) => Promise<sharp.Sharp> = async (image) => image.png({ compressionLevel: 9 }),
): Promise<Uint8Array> {
  let width: number;
  let height: number;
  let decodedBytes: number;
  try {
    // Reads the header only, so a decompression bomb is measured before any pixel is inflated.
    const metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
    ({ width, height } = metadata);
    decodedBytes = width * height * (metadata.channels ?? 4) * (SAMPLE_BYTES[metadata.depth ?? ""] ?? 4);
  } catch (error) {
    throw new UndecodableImageError(error instanceof Error ? error.message : String(error));
  }
  if (width * height > AVATAR_MAX_INPUT_PIXELS || decodedBytes > AVATAR_MAX_DECODED_BYTES) {
    throw new OversizedImageError(
      `the image is ${width}×${height} pixels (${decodedBytes} bytes decoded); an uploaded image may have at most ` +
        `${AVATAR_MAX_INPUT_PIXELS} pixels (4096×4096) and ${AVATAR_MAX_DECODED_BYTES} decoded bytes: scale it down`,
    );
  }
  try {
    // One frame of an animation only; the pixel limit again in case the header lied.
    const decoded = sharp(bytes, { limitInputPixels: AVATAR_MAX_INPUT_PIXELS, animated: false, pages: 1 });
    const encoded = await (await encode(resize(decoded.rotate()))).toBuffer();
    return new Uint8Array(encoded);
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

/** Longest side of a gallery thumbnail: a tile on a high-density screen. */
export const THUMBNAIL_SIDE = 384;

/**
 * A small WebP of a stored picture (its first frame for an animation), for grids of many: a fraction of
 * the bytes of the picture itself. Only ever made from pictures this server stored (already checked).
 */
export async function thumbnailOf(bytes: Uint8Array): Promise<Uint8Array> {
  const thumbnail = await sharp(bytes, {
    limitInputPixels: AVATAR_MAX_INPUT_PIXELS,
    animated: false,
    pages: 1,
  })
    .resize(THUMBNAIL_SIDE, THUMBNAIL_SIDE, { fit: "inside", withoutEnlargement: true })
    .webp({ quality: 75 })
    .toBuffer();
  return new Uint8Array(thumbnail);
}
