import { describe, expect, it } from "vitest";
import { readZipFiles } from "./bounded-unzip.ts";
import { zipArchive } from "./zip-archive.ts";

const LIMITS = { maxEntries: 10, maxEntryBytes: 1_000_000, maxTotalBytes: 1_000_000, maxRatio: 200 };

describe("zipArchive", () => {
  it("writes stored and deflated entries that read back byte for byte, UTF-8 names included", () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const archive = zipArchive([
      { name: "card.json", content: JSON.stringify({ name: "Zoë" }) },
      { name: "assets/icon/image/mäin.png", content: png, store: true },
    ]);
    const files = readZipFiles(archive, LIMITS);
    expect(Buffer.from(files.get("card.json")!).toString("utf8")).toBe('{"name":"Zoë"}');
    expect(files.get("assets/icon/image/mäin.png")).toEqual(png);
  });

  it("dates every entry 1980-01-01, a date zip tools accept (month 0 is not one)", () => {
    const archive = Buffer.from(zipArchive([{ name: "a.txt", content: "a" }]));
    const date = archive.readUInt16LE(12);
    expect({ year: 1980 + (date >> 9), month: (date >> 5) & 0xf, day: date & 0x1f }).toEqual({
      year: 1980,
      month: 1,
      day: 1,
    });
  });
});
