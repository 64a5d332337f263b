import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { escapeXml } from "../lib/escape-xml.ts";
import { sniffMediaType } from "../lib/file-signatures.ts";
import { MediaInputError, type ImageRequest } from "./media.ts";
import {
  createOfflineMedia,
  OFFLINE_IMAGE_MODEL,
  OFFLINE_VIDEO_MODEL,
  wrapPrompt,
} from "./offline-renderer.ts";

const offline = createOfflineMedia();
const images = offline.images!;
const videos = offline.videos!;

const card = (overrides: Partial<ImageRequest> = {}) =>
  images.generate({
    model: OFFLINE_IMAGE_MODEL,
    prompt: "Mara on a rainy pier at dusk",
    width: 512,
    height: 384,
    ...overrides,
  });

/** The mean brightness (0-255) of a band of rows. */
async function brightness(bytes: Uint8Array, top: number, height: number): Promise<number> {
  const { width } = await sharp(bytes).metadata();
  // stats() reads its input, not the pipeline: the band is cut out first.
  const band = await sharp(bytes).extract({ left: 0, top, width: width!, height }).png().toBuffer();
  const stats = await sharp(band).stats();
  return (stats.channels[0]!.mean + stats.channels[1]!.mean + stats.channels[2]!.mean) / 3;
}

/** The colour at the picture's point (x, y). */
async function pixelAt(bytes: Uint8Array, x: number, y: number): Promise<number[]> {
  const { data } = await sharp(bytes)
    .extract({ left: x, top: y, width: 1, height: 1 })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return [...data.subarray(0, 3)];
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown as Error,
  );
  if (!error) throw new Error("expected a rejection");
  return error;
}

describe("offline placeholder pictures", () => {
  it("presents itself as the offline placeholder", async () => {
    expect(offline.name).toBe("offline");
    expect(images).toMatchObject({
      name: "offline",
      label: "Offline placeholder (no image model)",
      offline: true,
    });
    expect(images.references).toEqual(["likeness"]);
    expect(await images.listModels()).toEqual(["card"]);
    expect(videos).toMatchObject({ name: "offline", offline: true });
    expect(await videos.listModels()).toEqual(["animated-still"]);
  });

  it("draws a PNG card of the requested size, clamped to 256-1024 a side", async () => {
    const [picture] = await card();
    expect(picture).toMatchObject({ contentType: "image/png", width: 512, height: 384 });
    expect(sniffMediaType(picture!.bytes)).toBe("image/png");
    expect(await sharp(picture!.bytes).metadata()).toMatchObject({ format: "png", width: 512, height: 384 });

    const [clamped] = await card({ width: 100, height: 2000 });
    expect(await sharp(clamped!.bytes).metadata()).toMatchObject({ width: 256, height: 1024 });
    expect(clamped).toMatchObject({ width: 256, height: 1024 });
  });

  it("labels every card with a dark band across the top", async () => {
    const [picture] = await card();
    // The band's left end holds no text: darker there than the card just below the band.
    const band = await pixelAt(picture!.bytes, 2, 4);
    const below = await pixelAt(picture!.bytes, 2, 40);
    expect(band.reduce((sum, value) => sum + value, 0)).toBeLessThan(
      below.reduce((sum, value) => sum + value, 0) / 2,
    );
  });

  it("gives the same bytes for the same request and different ones for a different prompt or seed", async () => {
    const [first] = await card({ seed: 5 });
    const [again] = await card({ seed: 5 });
    const [otherPrompt] = await card({ seed: 5, prompt: "Mara in a sunlit kitchen" });
    const [otherSeed] = await card({ seed: 6 });
    expect(Buffer.from(again!.bytes).equals(Buffer.from(first!.bytes))).toBe(true);
    expect(Buffer.from(otherPrompt!.bytes).equals(Buffer.from(first!.bytes))).toBe(false);
    expect(Buffer.from(otherSeed!.bytes).equals(Buffer.from(first!.bytes))).toBe(false);
    expect(first!.seed).toBe(5);
  });

  it("draws a batch of different cards with consecutive seeds", async () => {
    const batch = await card({ seed: 10, count: 3 });
    expect(batch.map((picture) => picture.seed)).toEqual([10, 11, 12]);
    expect(new Set(batch.map((picture) => Buffer.from(picture.bytes).toString("base64"))).size).toBe(3);
    const [unseeded] = await card();
    expect(unseeded!.seed).toEqual(expect.any(Number));
  });

  it("shows the reference picture in the middle", async () => {
    const red = new Uint8Array(
      await sharp({ create: { width: 200, height: 300, channels: 3, background: "#ff0000" } })
        .png()
        .toBuffer(),
    );
    const [picture] = await card({
      reference: { image: { bytes: red, contentType: "image/png" }, use: "likeness" },
    });
    const [r, g, b] = await pixelAt(picture!.bytes, 256, Math.round(384 * 0.46));
    expect(r).toBeGreaterThan(240);
    expect(g).toBeLessThan(15);
    expect(b).toBeLessThan(15);
  });

  it("draws prompts full of markup and control characters as text", async () => {
    const [picture] = await card({ prompt: `</text><script>alert("x")</script> & 'quotes' \u0001 ]]> 🙂` });
    expect(picture!.contentType).toBe("image/png");
    expect(escapeXml(`<a href="x">&'\u0000`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&apos;");
  });

  it("wraps the prompt's start into a few lines and marks what was cut", () => {
    expect(wrapPrompt("a short prompt", 40)).toEqual(["a short prompt"]);
    expect(wrapPrompt("one two three four", 9)).toEqual(["one two", "three", "four"]);
    expect(wrapPrompt("supercalifragilistic", 8)).toEqual(["supercal", "ifragili", "stic"]);
    const long = wrapPrompt("word ".repeat(60), 20);
    expect(long).toHaveLength(4);
    expect(long[3]!.endsWith("…")).toBe(true);
    expect(long.join(" ").length).toBeLessThanOrEqual(122);
  });

  it("refuses other models, bad sizes and references that are no picture", async () => {
    expect(await rejection(card({ model: "sdxl" }))).toBeInstanceOf(MediaInputError);
    expect(await rejection(card({ width: Number.NaN }))).toBeInstanceOf(MediaInputError);
    const broken = { bytes: new TextEncoder().encode("not a picture"), contentType: "image/png" };
    const error = await rejection(card({ reference: { image: broken, use: "likeness" } }));
    expect(error).toBeInstanceOf(MediaInputError);
    expect(error.message).toBe("the reference picture could not be read as an image");
  });
});

describe("offline animated stills", () => {
  it("pans across a card of the prompt in an animated WebP, eight frames a second", async () => {
    const request = {
      model: OFFLINE_VIDEO_MODEL,
      prompt: "Mara waves",
      durationSeconds: 2,
      width: 320,
      height: 256,
    };
    const video = await videos.generate(request);
    expect(video).toMatchObject({ contentType: "image/webp", durationSeconds: 2, width: 320, height: 256 });
    expect(sniffMediaType(video.bytes)).toBe("image/webp");
    const metadata = await sharp(video.bytes).metadata();
    expect(metadata).toMatchObject({ format: "webp", width: 320, loop: 0 });
    expect(metadata.pages).toBeGreaterThan(1);
    expect(metadata.pages).toBe(16);
    const again = await videos.generate(request);
    expect(Buffer.from(again.bytes).equals(Buffer.from(video.bytes))).toBe(true);
  });

  it("animates the still it is given, labelled on every frame, for 1-6 seconds", async () => {
    const still = new Uint8Array(
      await sharp({ create: { width: 640, height: 480, channels: 3, background: "#f0e0a0" } })
        .png()
        .toBuffer(),
    );
    const video = await videos.generate({
      model: OFFLINE_VIDEO_MODEL,
      prompt: "",
      image: { bytes: still, contentType: "image/png" },
      durationSeconds: 30,
      width: 2000,
      height: 300,
    });
    expect(video).toMatchObject({ durationSeconds: 6, width: 512, height: 300 });
    const metadata = await sharp(video.bytes).metadata();
    expect(metadata.pages).toBe(48);
    const lastFrame = new Uint8Array(await sharp(video.bytes, { page: 47 }).png().toBuffer());
    expect(await brightness(lastFrame, 0, 20)).toBeLessThan((await brightness(lastFrame, 60, 20)) - 50);

    const short = await videos.generate({
      model: OFFLINE_VIDEO_MODEL,
      prompt: "x",
      durationSeconds: 0.2,
      width: 256,
      height: 256,
    });
    expect(short.durationSeconds).toBe(1);
    expect(
      await rejection(
        videos.generate({
          model: OFFLINE_VIDEO_MODEL,
          prompt: "x",
          durationSeconds: 0,
          width: 256,
          height: 256,
        }),
      ),
    ).toBeInstanceOf(MediaInputError);
  });
});
