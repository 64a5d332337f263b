import { describe, expect, it } from "vitest";
import { PayloadTooLargeError } from "../../errors/app-error.ts";
import { embeddedPath, readCardAssets } from "./card-assets.ts";

const limits = { maxCount: 4, maxBytes: 8, maxTotalBytes: 12 };
const cardWith = (assets: unknown) => ({ spec: "chara_card_v3", data: { assets } });

describe("readCardAssets", () => {
  it("reads embeded:// files, data: URIs and remote URLs in card order, skipping ccdefault:", () => {
    const files = new Map([["assets/emotion/images/joy.png", new Uint8Array([1, 2, 3])]]);
    const { assets, warnings } = readCardAssets(
      cardWith([
        { type: "emotion", uri: "embeded://assets/emotion/images/joy.png", name: "joy" },
        { type: "icon", uri: "ccdefault:", name: "main", ext: "png" },
        { type: "background", uri: "data:image/png;base64,AAEC", name: "sky", ext: "PNG" },
        { type: "emotion", uri: "https://example.com/sad.webp?x=1", name: "sad" },
      ]),
      limits,
      (path) => files.get(path),
    );
    expect(warnings).toEqual([]);
    expect(assets).toEqual([
      { type: "emotion", name: "joy", ext: "png", bytes: new Uint8Array([1, 2, 3]) },
      { type: "background", name: "sky", ext: "png", bytes: new Uint8Array([0, 1, 2]) },
      { type: "emotion", name: "sad", ext: "webp", remoteUri: "https://example.com/sad.webp?x=1" },
    ]);
  });

  it("warns about assets it cannot read and ignores entries that are not assets", () => {
    const { assets, warnings } = readCardAssets(
      cardWith([
        { type: "emotion", uri: "embeded://missing.png", name: "gone" },
        { type: "emotion", uri: "file:///etc/passwd", name: "local" },
        { type: "emotion", name: "no uri" },
        "not an object",
      ]),
      limits,
    );
    expect(assets).toEqual([]);
    expect(warnings).toEqual([
      "asset emotion/gone was not kept: the archive has no file missing.png",
      'asset emotion/local was not kept: its uri scheme "file" is not embeded://, data:, http(s) or ccdefault:',
    ]);
    expect(readCardAssets({ data: { assets: "nope" } }, limits).assets).toEqual([]);
  });

  it("refuses a card past the count, per-asset or total limits with a 413", () => {
    const remote = { type: "emotion", uri: "https://example.com/a.png", name: "a" };
    expect(() => readCardAssets(cardWith([remote, remote, remote, remote, remote]), limits)).toThrow(
      PayloadTooLargeError,
    );
    const big = `data:application/octet-stream;base64,${Buffer.alloc(9).toString("base64")}`;
    expect(() => readCardAssets(cardWith([{ type: "other", uri: big }]), limits)).toThrow(
      /larger than 8 bytes/,
    );
    const seven = `data:application/octet-stream;base64,${Buffer.alloc(7).toString("base64")}`;
    expect(() =>
      readCardAssets(
        cardWith([
          { type: "other", uri: seven },
          { type: "other", uri: seven },
        ]),
        limits,
      ),
    ).toThrow(/exceed 12 bytes/);
  });

  it("reads both spellings of embedded uris", () => {
    expect(embeddedPath("embeded://a/b.png")).toBe("a/b.png");
    expect(embeddedPath("embedded://a/b.png")).toBe("a/b.png");
    expect(embeddedPath("https://a/b.png")).toBeUndefined();
  });
});
