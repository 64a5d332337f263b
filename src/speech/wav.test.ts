import { describe, expect, it } from "vitest";
import { chunkText, parseVoiceList, toBcp47 } from "./espeak-synthesizer.ts";
import { decodeMuLaw, decodeWav, encodeMuLaw, encodeWav, resample, WavFormatError } from "./wav.ts";

describe("WAV", () => {
  it("round-trips mono and stereo 16-bit PCM", () => {
    const samples = Float32Array.from({ length: 800 }, (_, index) => Math.sin(index / 10) * 0.5);
    const mono = decodeWav(encodeWav({ samples, sampleRate: 16_000 }));
    expect(mono.sampleRate).toBe(16_000);
    expect(mono.samples.length).toBe(800);
    expect(Math.abs(mono.samples[123]! - samples[123]!)).toBeLessThan(1e-4);
    const stereo = decodeWav(encodeWav({ left: samples, right: new Float32Array(800), sampleRate: 8_000 }));
    // Channels are averaged into mono.
    expect(Math.abs(stereo.samples[123]! - samples[123]! / 2)).toBeLessThan(1e-4);
  });

  it("reads streamed WAVs whose data size was never filled in", () => {
    const bytes = encodeWav({ samples: new Float32Array(100).fill(0.25), sampleRate: 22_050 });
    new DataView(bytes.buffer).setUint32(40, 0xffffffff, true);
    expect(decodeWav(bytes).samples.length).toBe(100);
  });

  it("refuses what is not a WAV it reads, saying why", () => {
    expect(() => decodeWav(new TextEncoder().encode("hello world, not audio"))).toThrow(WavFormatError);
    const bytes = encodeWav({ samples: new Float32Array(10), sampleRate: 16_000 });
    new DataView(bytes.buffer).setUint16(34, 12, true);
    expect(() => decodeWav(bytes)).toThrow(/12 bits/);
  });

  it("resamples by the ratio of the rates", () => {
    expect(resample(new Float32Array(22_050), 22_050, 16_000).length).toBe(16_000);
    expect(resample(new Float32Array(8_000), 8_000, 16_000).length).toBe(16_000);
  });

  it("encodes and decodes G.711 mu-law within its quantisation error", () => {
    const samples = Float32Array.from({ length: 400 }, (_, index) => Math.sin(index / 7) * 0.8);
    const decoded = decodeMuLaw(encodeMuLaw(samples));
    for (let index = 0; index < samples.length; index++) {
      expect(Math.abs(decoded[index]! - samples[index]!)).toBeLessThan(0.03);
    }
    expect(encodeMuLaw(new Float32Array([0]))[0]).toBe(0xff);
  });
});

describe("eSpeak helpers", () => {
  it("turns eSpeak's language codes into BCP 47 tags", () => {
    expect(toBcp47("en-us")).toBe("en-US");
    expect(toBcp47("de")).toBe("de");
    expect(toBcp47("vi-vn-x-south")).toBe("vi-VN-x-south");
    expect(toBcp47("en-gb-x-rp")).toBe("en-GB-x-rp");
  });

  it("parses the voice list, one entry per language", () => {
    const voices = parseVoiceList([
      "Pty Language       Age/Gender VoiceName          File                 Other Languages",
      " 5  af              --/M      Afrikaans          gmw/af               ",
      " 2  en-us           --/M      English_(America)  gmw/en-US            (en 3)",
      " 5  en-us           --/M      Other              x                    ",
    ]);
    expect(voices).toEqual([
      { code: "af", name: "Afrikaans" },
      { code: "en-us", name: "English (America)" },
    ]);
  });

  it("cuts long text at sentence ends into pieces within the limit", () => {
    const text = Array.from({ length: 40 }, (_, index) => `Sentence number ${index} is here.`).join(" ");
    const chunks = chunkText(text, 200);
    expect(chunks.every((chunk) => chunk.length <= 200)).toBe(true);
    expect(chunks.every((chunk) => chunk.endsWith("."))).toBe(true);
    expect(chunks.join(" ")).toBe(text);
  });
});
