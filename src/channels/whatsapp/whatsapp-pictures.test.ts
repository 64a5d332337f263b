import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { whatsAppFileFor } from "./whatsapp-pictures.ts";

/** A two-frame animated WebP, like the offline placeholder's videos. */
async function animatedWebp(): Promise<Uint8Array> {
  const [width, height] = [32, 24];
  const frames = Buffer.concat([
    Buffer.alloc(width * height * 4, 0x40),
    Buffer.alloc(width * height * 4, 0xc0),
  ]);
  const bytes = await sharp(frames, { raw: { width, height: height * 2, channels: 4, pageHeight: height } })
    .webp({ loop: 0, delay: [100, 100] })
    .toBuffer();
  return new Uint8Array(bytes);
}

describe("what WhatsApp is sent of a picture or video", () => {
  it("sends PNG and JPEG pictures and MP4 videos as they are", async () => {
    const png = new Uint8Array(
      await sharp({ create: { width: 8, height: 8, channels: 3, background: "#f00" } })
        .png()
        .toBuffer(),
    );
    expect(await whatsAppFileFor({ bytes: png, contentType: "image/png" })).toEqual({
      type: "image",
      bytes: png,
      contentType: "image/png",
    });
    const mp4 = Uint8Array.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70]);
    expect(await whatsAppFileFor({ bytes: mp4, contentType: "video/mp4" })).toMatchObject({ type: "video" });
  });

  it("sends an animated WebP (the offline placeholder's video) as a still of its first frame", async () => {
    const video = await animatedWebp();
    expect((await sharp(Buffer.from(video)).metadata()).pages).toBe(2);
    const file = await whatsAppFileFor({ bytes: video, contentType: "image/webp" });
    expect(file).toMatchObject({ type: "image", contentType: expect.stringMatching(/^image\/(png|jpeg)$/) });
    const still = await sharp(Buffer.from((file as { bytes: Uint8Array }).bytes)).metadata();
    expect(still).toMatchObject({ width: 32, height: 24 });
    expect(still.pages ?? 1).toBe(1);
  });

  it("skips videos WhatsApp does not play", async () => {
    expect(await whatsAppFileFor({ bytes: new Uint8Array(8), contentType: "video/webm" })).toEqual({
      skipped: "video/webm cannot be sent on WhatsApp",
    });
  });
});
