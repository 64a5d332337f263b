import { escapeXml } from "../lib/escape-xml.ts";
import { hashSeed } from "../lib/hash-seed.ts";
import sharp from "sharp";
import { checkImageSize, imageCountOf } from "./generated-images.ts";
import {
  MediaInputError,
  type GeneratedImage,
  type GeneratedVideo,
  type ImageGenerator,
  type ImageRequest,
  type MediaImage,
  type MediaProvider,
  type ReferenceUse,
  type VideoGenerator,
  type VideoRequest,
} from "./media.ts";

/**
 * The embedded renderer, for tests and for a first run before any image service is configured. It
 * draws placeholder cards (a colour from the seed, the reference picture in a circle, the prompt's
 * start) and animated stills (a slow pan over a picture), each labelled so nobody takes it for a real
 * generation. Same request, same bytes.
 */

export const OFFLINE_PROVIDER_NAME = "offline";
export const OFFLINE_IMAGE_MODEL = "card";
export const OFFLINE_VIDEO_MODEL = "animated-still";
/** Written across every offline picture. */
export const OFFLINE_IMAGE_LABEL = "Placeholder · no image model configured";
/** Written across every frame of an offline video. */
export const OFFLINE_VIDEO_LABEL = "Placeholder · no video model configured";

const CARD_MIN_SIDE = 256;
const CARD_MAX_SIDE = 1024;
/** Videos hold every frame in memory while they are encoded: smaller than cards. */
const VIDEO_MAX_SIDE = 512;
const VIDEO_FRAMES_PER_SECOND = 8;
const VIDEO_MIN_SECONDS = 1;
const VIDEO_MAX_SECONDS = 6;
/** The still is drawn this much larger than a frame, and the frames pan across the difference. */
const VIDEO_PAN_MARGIN = 1.12;
const PROGRESS_BAR_HEIGHT = 3;
/** How much of the prompt a card shows. */
const PROMPT_CHARACTERS = 120;
const PROMPT_LINES = 4;
/** The largest reference decoded (as for avatar uploads): decoding cost follows the pixel count. */
const REFERENCE_MAX_PIXELS = 4096 * 4096;
const FONT_FAMILY = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif";

/** @example const offline = createOfflineMedia(); const [card] = await offline.images!.generate({ model: "card", prompt, width: 512, height: 512 }); */
export function createOfflineMedia(): MediaProvider {
  return {
    name: OFFLINE_PROVIDER_NAME,
    images: new OfflineImageRenderer(),
    videos: new OfflineVideoRenderer(),
  };
}

class OfflineImageRenderer implements ImageGenerator {
  readonly name = OFFLINE_PROVIDER_NAME;
  readonly label = "Offline placeholder (no image model)";
  readonly offline = true;
  /** The reference is shown as it is, in the middle of the card: the only "likeness" a card can keep. */
  readonly references: readonly ReferenceUse[] = ["likeness"];

  async listModels(): Promise<string[]> {
    return [OFFLINE_IMAGE_MODEL];
  }

  async generate(request: ImageRequest): Promise<GeneratedImage[]> {
    checkModel(request.model, OFFLINE_IMAGE_MODEL);
    checkImageSize(request);
    const count = imageCountOf(request);
    request.signal?.throwIfAborted();
    const width = clampSide(request.width, CARD_MAX_SIDE);
    const height = clampSide(request.height, CARD_MAX_SIDE);
    const reference = request.reference ? await decodeReference(request.reference.image) : undefined;
    const firstSeed = request.seed ?? hashSeed(request.prompt);
    const cards: GeneratedImage[] = [];
    for (let index = 0; index < count; index++) {
      request.signal?.throwIfAborted();
      const seed = (firstSeed + index) >>> 0;
      const bytes = await renderCard({
        prompt: request.prompt,
        width,
        height,
        seed,
        reference,
        label: OFFLINE_IMAGE_LABEL,
      });
      cards.push({ bytes, contentType: "image/png", width, height, seed });
    }
    return cards;
  }
}

class OfflineVideoRenderer implements VideoGenerator {
  readonly name = OFFLINE_PROVIDER_NAME;
  readonly label = "Offline placeholder (no video model)";
  readonly offline = true;

  async listModels(): Promise<string[]> {
    return [OFFLINE_VIDEO_MODEL];
  }

  /** An animated WebP panning slowly across the still (or a card of the prompt), labelled on every frame. */
  async generate(request: VideoRequest): Promise<GeneratedVideo> {
    checkModel(request.model, OFFLINE_VIDEO_MODEL);
    checkImageSize(request);
    if (!Number.isFinite(request.durationSeconds) || request.durationSeconds <= 0) {
      throw new MediaInputError("durationSeconds must be a positive number");
    }
    request.signal?.throwIfAborted();
    const width = clampSide(request.width, VIDEO_MAX_SIDE);
    const height = clampSide(request.height, VIDEO_MAX_SIDE);
    const seconds = Math.min(VIDEO_MAX_SECONDS, Math.max(VIDEO_MIN_SECONDS, request.durationSeconds));
    const frameCount = Math.round(seconds * VIDEO_FRAMES_PER_SECOND);
    const stillWidth = Math.ceil(width * VIDEO_PAN_MARGIN);
    const stillHeight = Math.ceil(height * VIDEO_PAN_MARGIN);
    const still = request.image
      ? await sharp(await decodeReference(request.image))
          .resize(stillWidth, stillHeight, { fit: "cover" })
          .png()
          .toBuffer()
      : await renderCard({
          prompt: request.prompt,
          width: stillWidth,
          height: stillHeight,
          seed: request.seed ?? hashSeed(request.prompt),
        });
    request.signal?.throwIfAborted();
    const pixels = await sharp(still).ensureAlpha().raw().toBuffer();
    const frames = panFrames(pixels, { stillWidth, stillHeight, width, height, frameCount });
    const banner = Buffer.from(renderBannerSvg(width, height, OFFLINE_VIDEO_LABEL));
    const bytes = await sharp(frames, {
      raw: { width, height: height * frameCount, channels: 4, pageHeight: height },
    })
      .composite(
        Array.from({ length: frameCount }, (_, index): sharp.OverlayOptions[] => [
          { input: banner, left: 0, top: index * height },
          // A bar filling along the band's foot: shows time passing, and keeps every frame distinct (the
          // encoder merges identical frames, which would drop the timing of a still that does not move).
          {
            input: {
              create: {
                width: Math.max(1, Math.round((width * (index + 1)) / frameCount)),
                height: PROGRESS_BAR_HEIGHT,
                channels: 4,
                background: "#ffffffc0",
              },
            },
            left: 0,
            top: index * height + bannerHeight(height) - PROGRESS_BAR_HEIGHT,
          },
        ]).flat(),
      )
      .webp({
        loop: 0,
        delay: Array<number>(frameCount).fill(1000 / VIDEO_FRAMES_PER_SECOND),
        quality: 90,
        effort: 2,
      })
      .toBuffer();
    return {
      bytes: new Uint8Array(bytes),
      contentType: "image/webp",
      durationSeconds: frameCount / VIDEO_FRAMES_PER_SECOND,
      width,
      height,
    };
  }
}

function checkModel(model: string, known: string): void {
  if (model !== known)
    throw new MediaInputError(`${OFFLINE_PROVIDER_NAME} has no model ${model}; it has ${known}`);
}

function clampSide(side: number, max: number): number {
  return Math.min(max, Math.max(CARD_MIN_SIDE, Math.round(side)));
}

/**
 * The frames of a slow pan across `still` (RGBA pixels), stacked top to bottom: from its top-left corner
 * to its bottom-right and back, eased, so the loop has no jump.
 */
function panFrames(
  still: Buffer,
  size: { stillWidth: number; stillHeight: number; width: number; height: number; frameCount: number },
): Buffer {
  const { stillWidth, stillHeight, width, height, frameCount } = size;
  const rowBytes = width * 4;
  const frames = Buffer.alloc(rowBytes * height * frameCount);
  for (let frame = 0; frame < frameCount; frame++) {
    const travel = (1 - Math.cos((2 * Math.PI * frame) / frameCount)) / 2;
    const left = Math.round((stillWidth - width) * travel);
    const top = Math.round((stillHeight - height) * travel);
    for (let row = 0; row < height; row++) {
      const from = ((top + row) * stillWidth + left) * 4;
      still.copy(frames, (frame * height + row) * rowBytes, from, from + rowBytes);
    }
  }
  return frames;
}

/** A reference or still decoded, refused as bad input when it is no picture or far too large. */
async function decodeReference(image: MediaImage): Promise<Buffer> {
  try {
    return await sharp(image.bytes, { limitInputPixels: REFERENCE_MAX_PIXELS }).png().toBuffer();
  } catch {
    throw new MediaInputError("the reference picture could not be read as an image");
  }
}

interface CardOptions {
  prompt: string;
  width: number;
  height: number;
  seed: number;
  /** decoded reference (PNG), shown in the middle */
  reference?: Buffer | undefined;
  /** the banner; none when the caller labels the frames itself */
  label?: string | undefined;
}

async function renderCard(options: CardOptions): Promise<Uint8Array> {
  const { width, height } = options;
  // Even, so the portrait sits on whole pixels around the centre.
  const diameter = Math.round(Math.min(width, height) * 0.21) * 2;
  const centreX = Math.round(width / 2);
  const centreY = Math.round(height * 0.46);
  const svg = renderCardSvg({ ...options, diameter, centreX, centreY });
  const layers: sharp.OverlayOptions[] = [];
  if (options.reference) {
    const mask = Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${diameter}" height="${diameter}"><circle cx="${diameter / 2}" cy="${diameter / 2}" r="${diameter / 2}" fill="#fff"/></svg>`,
    );
    const portrait = await sharp(options.reference)
      .resize(diameter, diameter, { fit: "cover", position: "attention" })
      .ensureAlpha()
      .composite([{ input: mask, blend: "dest-in" }])
      .png()
      .toBuffer();
    layers.push({ input: portrait, left: centreX - diameter / 2, top: centreY - diameter / 2 });
  }
  if (options.label)
    layers.push({ input: Buffer.from(renderBannerSvg(width, height, options.label)), left: 0, top: 0 });
  const bytes = await sharp(Buffer.from(svg)).composite(layers).png().toBuffer();
  return new Uint8Array(bytes);
}

function renderCardSvg(
  options: CardOptions & { diameter: number; centreX: number; centreY: number },
): string {
  const { width, height, seed, diameter, centreX, centreY } = options;
  const radius = diameter / 2;
  const hue = mixSeed(seed) % 360;
  const light = hslToHex(hue, 0.45, 0.34);
  const dark = hslToHex((hue + 40) % 360, 0.5, 0.16);
  const fontSize = Math.max(10, Math.round(Math.min(width, height) * 0.045));
  const lines = wrapPrompt(options.prompt, Math.floor((width * 0.88) / (fontSize * 0.56)));
  const lineHeight = Math.round(fontSize * 1.3);
  const textTop = Math.min(
    height - lineHeight * lines.length - fontSize * 0.6,
    centreY + radius + fontSize * 2,
  );
  const text = lines
    .map(
      (line, index) =>
        `<tspan x="${centreX}" y="${Math.round(textTop + index * lineHeight)}">${escapeXml(line)}</tspan>`,
    )
    .join("");
  // Without a reference, a plain head-and-shoulders figure stands in for the persona.
  const figure = options.reference
    ? ""
    : `<clipPath id="portrait"><circle cx="${centreX}" cy="${centreY}" r="${radius}"/></clipPath>` +
      `<g clip-path="url(#portrait)" fill="#ffffff" fill-opacity="0.3">` +
      `<circle cx="${centreX}" cy="${centreY - radius * 0.18}" r="${radius * 0.3}"/>` +
      `<ellipse cx="${centreX}" cy="${centreY + radius * 0.72}" rx="${radius * 0.58}" ry="${radius * 0.42}"/></g>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<defs><linearGradient id="background" x1="0" y1="0" x2="1" y2="1">` +
    `<stop offset="0" stop-color="${light}"/><stop offset="1" stop-color="${dark}"/></linearGradient></defs>` +
    `<rect width="${width}" height="${height}" fill="url(#background)"/>` +
    `<circle cx="${centreX}" cy="${centreY}" r="${radius + Math.max(2, diameter * 0.02)}" fill="#ffffff" fill-opacity="0.16" stroke="#ffffff" stroke-opacity="0.6" stroke-width="${Math.max(2, Math.round(diameter * 0.015))}"/>` +
    figure +
    `<text text-anchor="middle" font-family="${FONT_FAMILY}" font-size="${fontSize}" fill="#ffffff" fill-opacity="0.92">${text}</text>` +
    `</svg>`
  );
}

/** A dark band across the top with `label` in it: on every card and every video frame. */
function bannerHeight(height: number): number {
  return Math.max(24, Math.round(height * 0.085));
}

function renderBannerSvg(width: number, height: number, label: string): string {
  const bandHeight = bannerHeight(height);
  // The label fits the width at about 0.6 em per character.
  const fontSize = Math.max(
    9,
    Math.min(Math.round(bandHeight * 0.48), Math.floor((width * 0.92) / (label.length * 0.6))),
  );
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${bandHeight}">` +
    `<rect width="${width}" height="${bandHeight}" fill="#000000" fill-opacity="0.62"/>` +
    `<text x="${width / 2}" y="${Math.round(bandHeight / 2 + fontSize * 0.36)}" text-anchor="middle" font-family="${FONT_FAMILY}" font-size="${fontSize}" font-weight="bold" fill="#ffffff">${escapeXml(label)}</text>` +
    `</svg>`
  );
}

/**
 * The prompt's first PROMPT_CHARACTERS characters in lines of at most `perLine`, words kept whole unless
 * one is longer than a line; "…" marks what was left out.
 */
export function wrapPrompt(prompt: string, perLine: number): string[] {
  const characters = Array.from(prompt.replace(/\s+/g, " ").trim());
  const shortened = characters.length > PROMPT_CHARACTERS;
  const words = characters.slice(0, PROMPT_CHARACTERS).join("").split(" ").filter(Boolean);
  const lines: string[] = [];
  let line = "";
  for (const word of words) {
    let rest = word;
    while (Array.from(rest).length > perLine) {
      if (line) lines.push(line);
      line = "";
      lines.push(Array.from(rest).slice(0, perLine).join(""));
      rest = Array.from(rest).slice(perLine).join("");
    }
    const joined = line ? `${line} ${rest}` : rest;
    if (Array.from(joined).length > perLine) {
      lines.push(line);
      line = rest;
    } else {
      line = joined;
    }
  }
  if (line) lines.push(line);
  const kept = lines.slice(0, PROMPT_LINES);
  if ((shortened || lines.length > PROMPT_LINES) && kept.length > 0) {
    const last = Array.from(kept[kept.length - 1]!);
    kept[kept.length - 1] = `${last.slice(0, Math.max(0, perLine - 1)).join("")}…`;
  }
  return kept;
}

/** Neighbouring seeds (a batch) spread across the colour wheel instead of shading one hue. */
function mixSeed(seed: number): number {
  return Math.imul(seed >>> 0, 0x9e3779b1) >>> 0;
}

function hslToHex(hue: number, saturation: number, lightness: number): string {
  const amplitude = saturation * Math.min(lightness, 1 - lightness);
  const channel = (n: number) => {
    const k = (n + hue / 30) % 12;
    const value = lightness - amplitude * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(value * 255)
      .toString(16)
      .padStart(2, "0");
  };
  return `#${channel(0)}${channel(8)}${channel(4)}`;
}
