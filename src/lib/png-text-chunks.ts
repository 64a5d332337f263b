import { crc32, deflateSync } from "node:zlib";

/**
 * A minimal PNG codec: just enough to read and write `tEXt` chunks (where Character Cards live) and to
 * draw a solid placeholder image. Pixel data is never decoded; chunks are checked for framing and CRC only.
 */

const PNG_SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Length (4) + type (4) before the data, CRC (4) after it. */
const CHUNK_OVERHEAD = 12;
/** The PNG specification caps a chunk length at 2^31 - 1. */
const MAX_CHUNK_LENGTH = 0x7fffffff;
const TEXT_CHUNK_TYPES = new Set(["tEXt", "zTXt", "iTXt"]);
const MAX_KEYWORD_LENGTH = 79;
const MAX_PLACEHOLDER_SIDE = 4096;

export class PngFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PngFormatError";
  }
}

export interface PngLimits {
  /** Chunks read before giving up; real images have a handful, so a huge count means a hostile file. */
  maxChunks?: number;
  /** Largest file accepted, in bytes. */
  maxBytes?: number;
}

export interface PngChunk {
  type: string;
  data: Uint8Array;
}

const DEFAULT_LIMITS: Required<PngLimits> = { maxChunks: 10_000, maxBytes: 64 * 1024 * 1024 };

/** True when `bytes` starts with the 8-byte PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= PNG_SIGNATURE.length && PNG_SIGNATURE.every((byte, index) => bytes[index] === byte);
}

function readChunkType(view: DataView, offset: number): string {
  let type = "";
  for (let index = 0; index < 4; index++) type += String.fromCharCode(view.getUint8(offset + index));
  return type;
}

function isLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

function checkChunkCrc(bytes: Uint8Array, offset: number, length: number, label: string): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stored = view.getUint32(offset + 8 + length);
  const computed = crc32(bytes.subarray(offset + 4, offset + 8 + length));
  if (stored !== computed) throw new PngFormatError(`${label} has a bad CRC`);
}

/**
 * Splits a PNG into its chunks, validating the signature, every chunk's framing and CRC, that IHDR comes
 * first and that IEND ends the stream. Bytes after IEND are ignored, as image viewers do.
 */
export function readPngChunks(bytes: Uint8Array, limits: PngLimits = {}): PngChunk[] {
  const { maxChunks, maxBytes } = { ...DEFAULT_LIMITS, ...limits };
  if (bytes.length > maxBytes) throw new PngFormatError(`PNG file is larger than ${maxBytes} bytes`);
  if (!isPng(bytes)) throw new PngFormatError("not a PNG file (bad signature)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: PngChunk[] = [];
  let offset = PNG_SIGNATURE.length;
  while (offset < bytes.length) {
    const number = chunks.length + 1;
    if (number > maxChunks) throw new PngFormatError(`PNG file has more than ${maxChunks} chunks`);
    if (bytes.length - offset < CHUNK_OVERHEAD) throw new PngFormatError(`truncated chunk ${number}`);
    const length = view.getUint32(offset);
    const type = readChunkType(view, offset + 4);
    const label = `chunk ${number} (${JSON.stringify(type).slice(1, -1)})`;
    if (![0, 1, 2, 3].every((index) => isLetter(type.charCodeAt(index)))) {
      throw new PngFormatError(`${label} has an invalid chunk type`);
    }
    if (length > MAX_CHUNK_LENGTH) throw new PngFormatError(`${label} declares an impossible length`);
    if (bytes.length - offset - CHUNK_OVERHEAD < length) throw new PngFormatError(`truncated ${label}`);
    checkChunkCrc(bytes, offset, length, label);
    if (number === 1 && type !== "IHDR") throw new PngFormatError(`first chunk is ${label}, expected IHDR`);
    chunks.push({ type, data: bytes.subarray(offset + 8, offset + 8 + length) });
    offset += CHUNK_OVERHEAD + length;
    if (type === "IEND") return chunks;
  }
  throw new PngFormatError(chunks.length === 0 ? "PNG file has no chunks" : "PNG file has no IEND chunk");
}

/** Keyword of a tEXt/zTXt/iTXt chunk: the latin1 bytes before the first NUL, or null when there is none. */
function readKeyword(data: Uint8Array): string | null {
  const separator = data.indexOf(0);
  if (separator < 1 || separator > MAX_KEYWORD_LENGTH) return null;
  return Buffer.from(data.subarray(0, separator)).toString("latin1");
}

/**
 * Reads every `tEXt` chunk of a PNG as keyword -> text (both latin1). When a keyword repeats, the first
 * chunk wins, matching SillyTavern's reader.
 * @example readPngTextChunks(bytes).get("chara") // base64 of the card JSON
 */
export function readPngTextChunks(
  bytes: Uint8Array,
  limits: PngLimits & {
    /** Only these keywords are decoded; the text of other chunks (possibly megabytes) is never copied. */
    keywords?: ReadonlySet<string>;
  } = {},
): Map<string, string> {
  const entries = new Map<string, string>();
  readPngChunks(bytes, limits).forEach((chunk, index) => {
    if (chunk.type !== "tEXt") return;
    const keyword = readKeyword(chunk.data);
    if (keyword === null) throw new PngFormatError(`chunk ${index + 1} (tEXt) has no valid keyword`);
    if (entries.has(keyword) || (limits.keywords && !limits.keywords.has(keyword))) return;
    entries.set(keyword, Buffer.from(chunk.data.subarray(keyword.length + 1)).toString("latin1"));
  });
  return entries;
}

function encodeChunk(type: string, data: Uint8Array): Buffer {
  const chunk = Buffer.alloc(CHUNK_OVERHEAD + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, "latin1");
  chunk.set(data, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return chunk;
}

function isLatin1(text: string): boolean {
  for (let index = 0; index < text.length; index++) if (text.charCodeAt(index) > 0xff) return false;
  return true;
}

function encodeTextChunk(keyword: string, text: string): Buffer {
  const validKeyword = /^[\u0020-\u007e\u00a1-\u00ff]{1,79}$/.test(keyword) && keyword.trim() === keyword;
  if (!validKeyword) throw new RangeError(`invalid PNG text keyword ${JSON.stringify(keyword)}`);
  if (!isLatin1(text)) throw new RangeError(`PNG text for ${keyword} must be latin1; encode it first`);
  return encodeChunk("tEXt", Buffer.from(`${keyword}\u0000${text}`, "latin1"));
}

/**
 * Returns a copy of `png` with one `tEXt` chunk per entry inserted before IEND. Existing text chunks
 * (tEXt, zTXt or iTXt) with the same keywords are dropped, so readers cannot pick up a stale value.
 * @example writePngTextChunks(png, { chara: base64Json })
 */
export function writePngTextChunks(
  png: Uint8Array,
  entries: Record<string, string> | Map<string, string>,
  limits: PngLimits = {},
): Buffer {
  const replacements = new Map(entries instanceof Map ? entries : Object.entries(entries));
  const kept = readPngChunks(png, limits).filter(
    (chunk) => !(TEXT_CHUNK_TYPES.has(chunk.type) && replacements.has(readKeyword(chunk.data) ?? "")),
  );
  const textChunks = [...replacements].map(([keyword, text]) => encodeTextChunk(keyword, text));
  const body = kept.flatMap((chunk) =>
    chunk.type === "IEND"
      ? [...textChunks, encodeChunk("IEND", chunk.data)]
      : [encodeChunk(chunk.type, chunk.data)],
  );
  return Buffer.concat([PNG_SIGNATURE, ...body]);
}

/**
 * Returns a copy of `png` without any text chunk (tEXt, zTXt or iTXt): the picture alone, for instance a
 * card's art without the megabytes of card JSON it carries.
 */
export function removePngTextChunks(png: Uint8Array, limits: PngLimits = {}): Buffer {
  const kept = readPngChunks(png, limits).filter((chunk) => !TEXT_CHUNK_TYPES.has(chunk.type));
  return Buffer.concat([PNG_SIGNATURE, ...kept.map((chunk) => encodeChunk(chunk.type, chunk.data))]);
}

export interface PlaceholderPngOptions {
  width: number;
  height: number;
  /** Red, green and blue, each 0-255. */
  rgb: readonly [number, number, number];
}

function checkPlaceholderOptions({ width, height, rgb }: PlaceholderPngOptions): void {
  for (const [name, side] of [["width", width] as const, ["height", height] as const]) {
    if (!Number.isInteger(side) || side < 1 || side > MAX_PLACEHOLDER_SIDE) {
      throw new RangeError(`${name} must be a whole number from 1 to ${MAX_PLACEHOLDER_SIDE}`);
    }
  }
  if (!rgb.every((channel) => Number.isInteger(channel) && channel >= 0 && channel <= 255)) {
    throw new RangeError("rgb channels must be whole numbers from 0 to 255");
  }
}

/**
 * Draws a solid-colour 8-bit RGB PNG, used as the card image when a persona has no avatar.
 * @example createPlaceholderPng({ width: 256, height: 256, rgb: [90, 120, 200] })
 */
export function createPlaceholderPng(options: PlaceholderPngOptions): Buffer {
  checkPlaceholderOptions(options);
  const { width, height, rgb } = options;
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type 2 (RGB), deflate, adaptive filter, no interlace
  const row = Buffer.alloc(1 + width * 3); // leading 0 = filter type "None"
  for (let pixel = 0; pixel < width; pixel++) row.set(rgb, 1 + pixel * 3);
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    PNG_SIGNATURE,
    encodeChunk("IHDR", header),
    encodeChunk("IDAT", deflateSync(pixels)),
    encodeChunk("IEND", new Uint8Array(0)),
  ]);
}
