import { describe, expect, it } from "vitest";
import { oggOpusSilence } from "../../test/ogg-opus-file.ts";
import { AudioCodecError, decodeOggOpus, encodeMp3, isOgg } from "./audio-codecs.ts";

/** An MP3 frame starts with 11 set sync bits; layer III is `01` in bits 2-1 of the second byte. */
function firstMp3FrameHeader(bytes: Uint8Array): { version: number; layer: number } | undefined {
  for (let index = 0; index + 1 < bytes.length; index++) {
    if (bytes[index] === 0xff && (bytes[index + 1]! & 0xe0) === 0xe0) {
      return { version: (bytes[index + 1]! >> 3) & 0x03, layer: (bytes[index + 1]! >> 1) & 0x03 };
    }
  }
  return undefined;
}

describe("audio codecs", () => {
  it("decodes an Ogg Opus file to mono samples at 48 kHz", async () => {
    const file = oggOpusSilence({ seconds: 1, channels: 2 });
    expect(isOgg(file)).toBe(true);
    const audio = await decodeOggOpus(file);
    expect(audio.sampleRate).toBe(48_000);
    // One second less the 312-sample pre-skip, give or take the decoder's trimming.
    expect(audio.samples.length).toBeGreaterThan(40_000);
    expect(audio.samples.length).toBeLessThanOrEqual(48_000);
  });

  it("refuses bytes that are not Ogg Opus", async () => {
    await expect(decodeOggOpus(new TextEncoder().encode("not an ogg file at all"))).rejects.toThrow(
      AudioCodecError,
    );
  });

  it("encodes mono samples as MPEG layer III, resampling a rate LAME does not take", () => {
    const samples = new Float32Array(15_000);
    for (let index = 0; index < samples.length; index++) samples[index] = Math.sin(index / 4) * 0.5;
    const mp3 = encodeMp3({ samples, sampleRate: 15_000 });
    expect(mp3.length).toBeGreaterThan(500);
    expect(firstMp3FrameHeader(mp3)).toEqual({ version: 2, layer: 1 }); // MPEG 2 (16 kHz), layer III
  });
});
