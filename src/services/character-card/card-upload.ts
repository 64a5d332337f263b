import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from "../../errors/app-error.ts";
import { listZipEntryNames, sniffFileType } from "../../lib/file-signatures.ts";
import { isPng } from "../../lib/png-text-chunks.ts";
import { decodeUtf8, MAX_CARD_BYTES, parseCardJson } from "./card-json.ts";
import { readCharx } from "./charx-card.ts";
import { readPngCard } from "./png-card.ts";

/**
 * An uploaded file to card JSON: a PNG card, a CHARX archive or JSON text; any other known format is
 * refused with a message naming it.
 */

export interface CardUpload {
  bytes: Uint8Array;
  contentType?: string | undefined;
  /** The uploaded file's name, when it came in a form: a hint for archives (`.charx`, `.byaf`). */
  fileName?: string | undefined;
}

const SUPPORTED = "Dramatis imports Character Cards as PNG (V1/V2/V3), JSON or CHARX";

/** What a ZIP upload most likely is, from its name and its entries (nothing is decompressed). */
function describeZip(bytes: Uint8Array, fileName: string | undefined): string {
  const extension = fileName?.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1];
  const entries = listZipEntryNames(bytes);
  if (extension === "charx") {
    return `this looks like a CHARX card, but the archive holds no card.json at its root; ${SUPPORTED}`;
  }
  const isByaf =
    extension === "byaf" ||
    (entries.includes("manifest.json") && entries.some((entry) => entry.endsWith("character.json")));
  if (isByaf) {
    return (
      "this looks like a BYAF archive (Backyard AI), not a Character Card: export the character from " +
      `Backyard AI as a PNG card, or convert the archive with a tool that reads BYAF; ${SUPPORTED}`
    );
  }
  return `this looks like a ZIP archive (BYAF or CHARX?) with neither card.json nor manifest.json; ${SUPPORTED}`;
}

const OTHER_FORMATS: Record<string, string> = {
  gzip: "a gzip archive",
  "7z": "a 7-Zip archive",
  rar: "a RAR archive",
  pdf: "a PDF document",
  jpeg: "a JPEG image",
  gif: "a GIF image",
  webp: "a WebP image",
  tiff: "a TIFF image",
};

/**
 * A 415 naming what the upload looks like when it is a known format that holds no card, so people learn
 * they sent a BYAF, a CHARX or a JPEG instead of reading "not valid UTF-8".
 */
function refuseOtherFormat(bytes: Uint8Array, fileName: string | undefined): void {
  const type = sniffFileType(bytes);
  if (type === undefined) return;
  if (type === "zip") throw new UnsupportedMediaTypeError(describeZip(bytes, fileName));
  const what = OTHER_FORMATS[type] ?? type;
  const imageHint = what.endsWith("image") ? " (only PNG images carry a card)" : "";
  throw new UnsupportedMediaTypeError(
    `this looks like ${what}, not a Character Card${imageHint}; ${SUPPORTED}`,
  );
}

/** Text starting like JSON is a broken card; anything else is some binary file that is no card at all. */
function decodeCardText(bytes: Uint8Array): string {
  const first = bytes.find((byte) => ![0x20, 0x09, 0x0a, 0x0d, 0xef, 0xbb, 0xbf].includes(byte));
  const looksLikeJson = first === 0x7b || first === 0x5b;
  if (looksLikeJson) return decodeUtf8(bytes, "the card");
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const start = Buffer.from(bytes.subarray(0, 8))
      .toString("hex")
      .replace(/(..)(?!$)/g, "$1 ");
    throw new UnsupportedMediaTypeError(
      `this is binary data of an unknown format (it starts with bytes ${start}), not a Character Card; ${SUPPORTED}`,
    );
  }
}

/** The upload's card JSON, with a PNG card's picture and a CHARX card's picture and files. */
export function readCardJson({ bytes, contentType, fileName }: CardUpload): {
  json: unknown;
  image?: Uint8Array;
  files?: Map<string, Uint8Array>;
} {
  if (bytes.length > MAX_CARD_BYTES) throw new PayloadTooLargeError(MAX_CARD_BYTES);
  const mediaType = contentType?.split(";")[0]?.trim().toLowerCase();
  if (isPng(bytes)) {
    const { text, image } = readPngCard(bytes);
    return { json: parseCardJson(text, "PNG card"), image };
  }
  if (sniffFileType(bytes) === "zip" && listZipEntryNames(bytes).includes("card.json"))
    return readCharx(bytes);
  refuseOtherFormat(bytes, fileName);
  if (mediaType === "image/png")
    throw new BadRequestError("invalid PNG card: not a PNG file (bad signature)");
  if (mediaType?.startsWith("image/")) {
    throw new UnsupportedMediaTypeError(`${mediaType} cards are not supported; use a PNG or JSON card`);
  }
  return { json: parseCardJson(decodeCardText(bytes), "the card") };
}
