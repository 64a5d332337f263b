import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { listZipEntryNames, sniffFileType, sniffMediaType } from "./file-signatures.ts";

describe("sniffFileType", () => {
  it("knows archives and images by their first bytes, and nothing else", () => {
    expect(sniffFileType(Buffer.from("PK\x03\x04rest"))).toBe("zip");
    expect(sniffFileType(Buffer.from("RIFF\x10\x00\x00\x00WEBPVP8 "))).toBe("webp");
    expect(sniffFileType(Buffer.from("RIFF\x10\x00\x00\x00WAVEfmt "))).toBeUndefined();
    expect(sniffFileType(Buffer.from('{"spec": "chara_card_v2"}'))).toBeUndefined();
    expect(sniffFileType(new Uint8Array())).toBeUndefined();
  });
});

describe("listZipEntryNames", () => {
  it("reads nothing from damaged or foreign bytes, and never throws (property)", () => {
    const endRecord = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 30 }), (head, tail) => {
        const names = listZipEntryNames(Buffer.concat([head, endRecord, tail]));
        expect(Array.isArray(names)).toBe(true);
      }),
    );
    expect(listZipEntryNames(Buffer.from("PK\x03\x04 truncated"))).toEqual([]);
  });
});

describe("sniffMediaType", () => {
  it("names images, sound and video from their bytes, and nothing scriptable", () => {
    expect(sniffMediaType(Buffer.from("\x89PNG\r\n\x1a\n....", "latin1"))).toBe("image/png");
    expect(sniffMediaType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe("image/jpeg");
    expect(sniffMediaType(Buffer.from("RIFF\x10\x00\x00\x00WEBPVP8 "))).toBe("image/webp");
    expect(sniffMediaType(Buffer.from("RIFF\x10\x00\x00\x00WAVEfmt "))).toBe("audio/wav");
    expect(sniffMediaType(Buffer.from("ID3\x04\x00"))).toBe("audio/mpeg");
    expect(sniffMediaType(Buffer.from([0xff, 0xfb, 0x90, 0x00]))).toBe("audio/mpeg");
    expect(sniffMediaType(Buffer.from("OggS\x00\x02"))).toBe("audio/ogg");
    expect(sniffMediaType(Buffer.from("\x00\x00\x00\x1cftypavif"))).toBe("image/avif");
    expect(sniffMediaType(Buffer.from("\x00\x00\x00\x1cftypM4A "))).toBe("audio/mp4");
    expect(sniffMediaType(Buffer.from("\x00\x00\x00\x1cftypisom"))).toBe("video/mp4");
    expect(sniffMediaType(Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81]))).toBe("video/webm");
    for (const text of [
      "<svg xmlns='http://www.w3.org/2000/svg'/>",
      "<!doctype html><script>",
      "%PDF-1.7",
      "",
    ]) {
      expect(sniffMediaType(Buffer.from(text))).toBeUndefined();
    }
  });
});
