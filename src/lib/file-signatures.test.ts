import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { listZipEntryNames, sniffFileType } from "./file-signatures.ts";

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
