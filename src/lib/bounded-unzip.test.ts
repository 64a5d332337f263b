import { describe, expect, it } from "vitest";
import { zipArchive } from "../../test/zip-archive.ts";
import { readZipFiles, ZipArchiveError, type ZipLimits } from "./bounded-unzip.ts";

const LIMITS: ZipLimits = {
  maxEntries: 10,
  maxEntryBytes: 1_000_000,
  maxTotalBytes: 2_000_000,
  maxRatio: 200,
};

function refusal(read: () => unknown): ZipArchiveError {
  try {
    read();
  } catch (error) {
    if (error instanceof ZipArchiveError) return error;
    throw error;
  }
  throw new Error("the archive was read");
}

describe("readZipFiles", () => {
  it("reads stored and deflated files, only the wanted ones", () => {
    const archive = zipArchive([
      { name: "card.json", content: '{"spec":"chara_card_v3"}' },
      { name: "assets/icon/main.png", content: new Uint8Array([1, 2, 3, 4]), store: true },
      { name: "assets/", content: "" },
    ]);
    const all = readZipFiles(archive, LIMITS);
    expect([...all.keys()]).toEqual(["card.json", "assets/icon/main.png"]);
    expect(Buffer.from(all.get("card.json")!).toString()).toBe('{"spec":"chara_card_v3"}');
    expect([...readZipFiles(archive, LIMITS, (name) => name.endsWith(".png")).keys()]).toEqual([
      "assets/icon/main.png",
    ]);
  });

  it("refuses a zip bomb by its declared size or ratio before inflating it", () => {
    const bomb = zipArchive([{ name: "a.txt", content: Buffer.alloc(5_000_000) }]);
    expect(refusal(() => readZipFiles(bomb, LIMITS))).toMatchObject({ reason: "too_large" });
    const ratio = zipArchive([{ name: "a.txt", content: Buffer.alloc(900_000) }]);
    expect(refusal(() => readZipFiles(ratio, LIMITS)).message).toMatch(/compresses \d+:1/);
  });

  it("stops inflating at the declared size when the headers lie", () => {
    const liar = zipArchive([{ name: "a.txt", content: Buffer.alloc(600_000, 7), declaredSize: 5_000 }]);
    const error = refusal(() => readZipFiles(liar, { ...LIMITS, maxRatio: 10_000 }));
    expect(error).toMatchObject({ reason: "too_large" });
    expect(error.message).toMatch(/inflates beyond its declared 5000 bytes/);
  });

  it("refuses too many entries, and damaged archives as invalid", () => {
    const many = zipArchive(
      Array.from({ length: 11 }, (_, index) => ({ name: `${index}.txt`, content: "x" })),
    );
    expect(refusal(() => readZipFiles(many, LIMITS))).toMatchObject({ reason: "too_large" });
    const archive = zipArchive([{ name: "card.json", content: "{}".repeat(100) }]);
    expect(refusal(() => readZipFiles(archive.subarray(0, 40), LIMITS))).toMatchObject({ reason: "invalid" });
    const corrupted = Uint8Array.from(archive);
    corrupted[41] = corrupted[41]! ^ 0xff; // inside the deflated data
    expect(refusal(() => readZipFiles(corrupted, LIMITS))).toMatchObject({ reason: "invalid" });
  });
});
