/**
 * Recognises common file types from their first bytes ("magic numbers"), and lists a ZIP archive's entry
 * names from its central directory without inflating anything, so an upload of the wrong kind can be
 * refused with an error that says what it is.
 */

export type SniffedFileType = "zip" | "gzip" | "7z" | "rar" | "pdf" | "jpeg" | "gif" | "webp" | "tiff";

const SIGNATURES: ReadonlyArray<[SniffedFileType, number[]]> = [
  // Local file header, empty archive, and spanned archive: all start with "PK".
  ["zip", [0x50, 0x4b, 0x03, 0x04]],
  ["zip", [0x50, 0x4b, 0x05, 0x06]],
  ["zip", [0x50, 0x4b, 0x07, 0x08]],
  ["gzip", [0x1f, 0x8b]],
  ["7z", [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]],
  ["rar", [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07]],
  ["pdf", [0x25, 0x50, 0x44, 0x46, 0x2d]],
  ["jpeg", [0xff, 0xd8, 0xff]],
  ["gif", [0x47, 0x49, 0x46, 0x38]],
  ["tiff", [0x49, 0x49, 0x2a, 0x00]],
  ["tiff", [0x4d, 0x4d, 0x00, 0x2a]],
];

/** The file type the bytes start like, or undefined for anything else (text, PNG, unknown binary). */
export function sniffFileType(bytes: Uint8Array): SniffedFileType | undefined {
  const startsWith = (signature: number[]) => signature.every((byte, index) => bytes[index] === byte);
  const riff = startsWith([0x52, 0x49, 0x46, 0x46]);
  if (riff && Buffer.from(bytes.subarray(8, 12)).toString("latin1") === "WEBP") return "webp";
  return SIGNATURES.find(([, signature]) => startsWith(signature))?.[0];
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_ENTRY = 0x02014b50;
/** The end record is 22 bytes plus a comment of at most 65,535 bytes, so it sits in the last 65,557. */
const END_RECORD_SEARCH = 22 + 0xffff;

/**
 * The entry names of a ZIP archive (at most `limit`), read from its central directory; empty when the
 * archive has none or is too damaged to read. Nothing is decompressed, so this is safe on a zip bomb.
 * @example listZipEntryNames(bytes).includes("card.json")
 */
export function listZipEntryNames(bytes: Uint8Array, limit = 1_000): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = -1;
  for (let offset = bytes.length - 22; offset >= Math.max(0, bytes.length - END_RECORD_SEARCH); offset--) {
    if (view.getUint32(offset, true) === END_OF_CENTRAL_DIRECTORY) {
      end = offset;
      break;
    }
  }
  if (end < 0) return [];
  const count = Math.min(view.getUint16(end + 10, true), limit);
  let offset = view.getUint32(end + 16, true);
  const names: string[] = [];
  for (let index = 0; index < count; index++) {
    if (offset + 46 > bytes.length || view.getUint32(offset, true) !== CENTRAL_DIRECTORY_ENTRY) break;
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    if (offset + 46 + nameLength > bytes.length) break;
    names.push(Buffer.from(bytes.subarray(offset + 46, offset + 46 + nameLength)).toString("utf8"));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

/** Media types a browser may be handed inline: images and sound, never HTML, SVG or anything scriptable. */
const MEDIA_SIGNATURES: ReadonlyArray<[string, number, number[]]> = [
  ["image/png", 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ["image/jpeg", 0, [0xff, 0xd8, 0xff]],
  ["image/gif", 0, [0x47, 0x49, 0x46, 0x38]],
  ["audio/ogg", 0, [0x4f, 0x67, 0x67, 0x53]],
  ["audio/flac", 0, [0x66, 0x4c, 0x61, 0x43]],
  ["audio/mpeg", 0, [0x49, 0x44, 0x33]],
  ["video/webm", 0, [0x1a, 0x45, 0xdf, 0xa3]],
];

/**
 * The media type of an image, sound or video file from its first bytes (PNG, JPEG, GIF, WebP, AVIF, Ogg,
 * FLAC, MP3, WAV, MP4/M4A, WebM), or undefined for anything else, which is then served as a download.
 * @example sniffMediaType(bytes) ?? "application/octet-stream"
 */
export function sniffMediaType(bytes: Uint8Array): string | undefined {
  const at = (offset: number, signature: number[]) =>
    signature.every((byte, index) => bytes[offset + index] === byte);
  const ascii = (start: number, end: number) => Buffer.from(bytes.subarray(start, end)).toString("latin1");
  const known = MEDIA_SIGNATURES.find(([, offset, signature]) => at(offset, signature));
  if (known) return known[0];
  if (ascii(0, 4) === "RIFF") {
    const form = ascii(8, 12);
    if (form === "WEBP") return "image/webp";
    if (form === "WAVE") return "audio/wav";
  }
  // MPEG audio frames without an ID3 tag start with 11 set bits.
  if (bytes[0] === 0xff && bytes[1] !== undefined && (bytes[1] & 0xe0) === 0xe0) return "audio/mpeg";
  if (ascii(4, 8) === "ftyp") {
    const brand = ascii(8, 12);
    if (brand === "avif" || brand === "avis") return "image/avif";
    if (brand.startsWith("M4A")) return "audio/mp4";
    return "video/mp4";
  }
  return undefined;
}
