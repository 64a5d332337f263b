import { crc32, inflateSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createPlaceholderPng,
  isPng,
  PngFormatError,
  readPngChunks,
  readPngTextChunks,
  writePngTextChunks,
} from "./png-text-chunks.ts";

const placeholder = () => createPlaceholderPng({ width: 4, height: 3, rgb: [10, 20, 30] });

function readError(bytes: Uint8Array, limits = {}): PngFormatError {
  try {
    readPngTextChunks(bytes, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(PngFormatError);
    return error as PngFormatError;
  }
  throw new Error("expected the PNG to be rejected");
}

describe("createPlaceholderPng", () => {
  it("draws a solid RGB image with IHDR, IDAT and IEND", () => {
    const png = createPlaceholderPng({ width: 4, height: 3, rgb: [10, 20, 30] });
    expect(isPng(png)).toBe(true);
    const chunks = readPngChunks(png);
    expect(chunks.map((chunk) => chunk.type)).toEqual(["IHDR", "IDAT", "IEND"]);
    const header = Buffer.from(chunks[0]!.data);
    expect([header.readUInt32BE(0), header.readUInt32BE(4), header[8], header[9]]).toEqual([4, 3, 8, 2]);
    const pixels = inflateSync(chunks[1]!.data);
    const row = [0, ...Array.from({ length: 4 }, () => [10, 20, 30]).flat()];
    expect([...pixels]).toEqual([...row, ...row, ...row]);
  });

  it("rejects sizes and colours it cannot draw", () => {
    expect(() => createPlaceholderPng({ width: 0, height: 1, rgb: [0, 0, 0] })).toThrow(RangeError);
    expect(() => createPlaceholderPng({ width: 1, height: 5000, rgb: [0, 0, 0] })).toThrow(/height/);
    expect(() => createPlaceholderPng({ width: 1, height: 1, rgb: [0, 256, 0] })).toThrow(/rgb/);
  });
});

describe("writePngTextChunks and readPngTextChunks", () => {
  it("round-trips latin1 text and keeps the image chunks", () => {
    const png = writePngTextChunks(placeholder(), { chara: "eyJhIjoxfQ==", Comment: "café ÿ" });
    expect(Object.fromEntries(readPngTextChunks(png))).toEqual({ chara: "eyJhIjoxfQ==", Comment: "café ÿ" });
    expect(readPngChunks(png).map((chunk) => chunk.type)).toEqual(["IHDR", "IDAT", "tEXt", "tEXt", "IEND"]);
  });

  it("replaces chunks with the same keyword instead of adding a second one", () => {
    const once = writePngTextChunks(placeholder(), { chara: "old", other: "kept" });
    const twice = writePngTextChunks(once, { chara: "new" });
    expect(Object.fromEntries(readPngTextChunks(twice))).toEqual({ other: "kept", chara: "new" });
    expect(readPngChunks(twice)).toHaveLength(5);
  });

  it("keeps the first chunk when a keyword repeats in a file", () => {
    const first = writePngTextChunks(placeholder(), { chara: "first" });
    const second = Buffer.from(writePngTextChunks(placeholder(), { chara: "second" }));
    const secondChunk = second.subarray(second.indexOf("chara") - 8, second.length - 12);
    const both = Buffer.concat([first.subarray(0, first.length - 12), secondChunk, first.subarray(-12)]);
    expect(readPngTextChunks(both).get("chara")).toBe("first");
  });

  it("reads from a view into a larger buffer and ignores bytes after IEND", () => {
    const png = writePngTextChunks(placeholder(), { chara: "x" });
    const padded = new Uint8Array(png.length + 20);
    padded.set(png, 7);
    expect(readPngTextChunks(padded.subarray(7)).get("chara")).toBe("x");
  });

  it("refuses keywords and text a tEXt chunk cannot hold", () => {
    expect(() => writePngTextChunks(placeholder(), { "": "x" })).toThrow(RangeError);
    expect(() => writePngTextChunks(placeholder(), { ["k".repeat(80)]: "x" })).toThrow(RangeError);
    expect(() => writePngTextChunks(placeholder(), { chara: "snow ☃" })).toThrow(/latin1/);
  });

  it("round-trips any latin1 keywords and text (property)", () => {
    const latin1 = (minLength: number, maxLength: number) =>
      fc
        .array(fc.integer({ min: 0x20, max: 0xff }), { minLength, maxLength })
        .map((codes) => String.fromCharCode(...codes));
    const keyword = latin1(1, 79).filter((text) => text.trim() === text && !/[\u007f-\u00a0]/.test(text));
    fc.assert(
      fc.property(fc.dictionary(keyword, latin1(0, 300), { maxKeys: 5 }), (entries) => {
        const png = writePngTextChunks(placeholder(), entries);
        expect(Object.fromEntries(readPngTextChunks(png))).toEqual({ ...entries });
      }),
    );
  });
});

describe("readPngTextChunks on damaged files", () => {
  const png = writePngTextChunks(placeholder(), { chara: "eyJhIjoxfQ==" });

  it("rejects a file without the PNG signature", () => {
    expect(readError(Buffer.from('{"spec":"chara_card_v2"}')).message).toMatch(/not a PNG file/);
    expect(readError(png.subarray(0, 5)).message).toMatch(/not a PNG file/);
  });

  it("names the chunk whose CRC is wrong", () => {
    const damaged = Buffer.from(png);
    const at = damaged.indexOf("eyJ");
    damaged.writeUInt8(damaged.readUInt8(at) ^ 0x01, at);
    expect(readError(damaged).message).toBe("chunk 3 (tEXt) has a bad CRC");
  });

  it("rejects truncated files", () => {
    expect(readError(png.subarray(0, png.length - 20)).message).toMatch(/^truncated chunk 3 \(tEXt\)/);
    expect(readError(png.subarray(0, png.length - 6)).message).toMatch(/^truncated chunk 4/);
    expect(readError(png.subarray(0, png.length - 12)).message).toMatch(/no IEND/);
    expect(readError(png.subarray(0, 8)).message).toMatch(/no chunks/);
  });

  it("requires IHDR first", () => {
    const withoutHeader = Buffer.concat([png.subarray(0, 8), png.subarray(8 + 25)]);
    expect(readError(withoutHeader).message).toMatch(/first chunk is chunk 1 \(IDAT\), expected IHDR/);
  });

  it("rejects impossible chunk types and lengths", () => {
    const badType = Buffer.from(png);
    badType[8 + 4] = 0x31;
    expect(readError(badType).message).toMatch(/invalid chunk type/);
    const hugeLength = Buffer.from(png);
    hugeLength.writeUInt32BE(0xffffffff, 8);
    expect(readError(hugeLength).message).toMatch(/impossible length/);
  });

  it("enforces the chunk count and size limits", () => {
    expect(readError(png, { maxChunks: 3 }).message).toMatch(/more than 3 chunks/);
    expect(readError(png, { maxBytes: 50 }).message).toMatch(/larger than 50 bytes/);
  });

  it("rejects a tEXt chunk without a keyword", () => {
    const broken = writePngTextChunks(placeholder(), { chara: "x" });
    const keywordAt = broken.indexOf("chara");
    // Rewrite the chunk as "\0chara..." then fix its CRC so only the keyword is wrong.
    broken.copyWithin(keywordAt + 1, keywordAt, keywordAt + 5);
    broken[keywordAt] = 0;
    const length = broken.readUInt32BE(keywordAt - 8);
    broken.writeUInt32BE(crc32(broken.subarray(keywordAt - 4, keywordAt + length)), keywordAt + length);
    expect(readError(broken).message).toBe("chunk 3 (tEXt) has no valid keyword");
  });
});
