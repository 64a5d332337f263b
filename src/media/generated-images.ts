import sharp from "sharp";
import { sniffMediaType } from "../lib/file-signatures.ts";
import { MediaInputError, MediaProviderError, type GeneratedImage, type ImageRequest } from "./media.ts";

/**
 * What the image providers share: checking a request's count and size before anything is sent, and
 * turning an answer's bytes (often base64 in JSON) into a `GeneratedImage` whose type was read from the
 * bytes, never taken from what the service claims.
 */

/** Pictures a request may ask for at once (`ImageRequest.count`). */
export const MAX_IMAGE_COUNT = 4;
/** Largest side a request may name; every service here tops out well below it. */
export const MAX_IMAGE_SIDE = 4096;
/** What a generated picture may be; a service answering anything else (SVG, HTML) failed. */
const IMAGE_TYPES = new Set(["image/png", "image/jpeg", "image/webp", "image/gif", "image/avif"]);

/** `request.count` checked: 1 when absent, a `MediaInputError` outside 1-4. */
export function imageCountOf(request: Pick<ImageRequest, "count">): number {
  const count = request.count ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > MAX_IMAGE_COUNT) {
    throw new MediaInputError(`count must be a whole number from 1 to ${MAX_IMAGE_COUNT}, not ${count}`);
  }
  return count;
}

/** Width and height checked to be whole numbers of pixels a service could draw. */
export function checkImageSize(size: { width: number; height: number }): void {
  for (const [name, value] of [
    ["width", size.width],
    ["height", size.height],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > MAX_IMAGE_SIDE) {
      throw new MediaInputError(`${name} must be a whole number of pixels from 1 to ${MAX_IMAGE_SIDE}`);
    }
  }
}

/** Base64 as services send it, with or without a `data:image/png;base64,` prefix. */
export function decodeBase64Image(provider: string, text: string): Uint8Array {
  const payload = text.startsWith("data:") ? text.slice(text.indexOf(",") + 1) : text;
  const bytes = new Uint8Array(Buffer.from(payload, "base64"));
  if (bytes.length === 0) throw new MediaProviderError(provider, "answered an empty image");
  return bytes;
}

/**
 * The bytes as a generated image: their type sniffed, their size read from the image's header (a
 * service may ignore the size asked for). Bytes that are no image a browser shows are the provider's
 * failure.
 */
export async function toGeneratedImage(
  provider: string,
  bytes: Uint8Array,
  extra: Pick<GeneratedImage, "seed" | "revisedPrompt"> = {},
): Promise<GeneratedImage> {
  const contentType = sniffMediaType(bytes);
  if (!contentType || !IMAGE_TYPES.has(contentType)) {
    throw new MediaProviderError(provider, "answered something that is not an image");
  }
  let width: number | undefined;
  let height: number | undefined;
  try {
    // Reads the header only: no pixels are decoded here.
    ({ width, height } = await sharp(bytes).metadata());
  } catch {
    throw new MediaProviderError(provider, `answered a damaged ${contentType} image`);
  }
  const image: GeneratedImage = { bytes, contentType, width, height };
  if (extra.seed !== undefined) image.seed = extra.seed;
  if (extra.revisedPrompt) image.revisedPrompt = extra.revisedPrompt;
  return image;
}

const REFERENCE_EXTENSIONS: Record<string, string> = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/webp": "webp",
};

/** The file name an uploaded reference goes by: services pick the decoder from its extension. */
export function referenceFileName(bytes: Uint8Array): string | undefined {
  const extension = REFERENCE_EXTENSIONS[sniffMediaType(bytes) ?? ""];
  return extension ? `reference.${extension}` : undefined;
}
