import { describe, expect, it } from "vitest";
import type { ImageGenerator, MediaProvider, VideoGenerator } from "./media.ts";
import { MediaInputError } from "./media.ts";
import { MediaRegistry } from "./media-registry.ts";

function images(name: string, models: string[] | Error, offline = false): ImageGenerator {
  return {
    name,
    label: `${name} images`,
    offline,
    references: offline ? ["likeness"] : ["edit"],
    listModels: async () => {
      if (models instanceof Error) throw models;
      return models;
    },
    generate: async () => [],
  };
}

function videos(name: string, models: string[]): VideoGenerator {
  return {
    name,
    label: `${name} videos`,
    offline: false,
    listModels: async () => models,
    generate: async () => ({ bytes: new Uint8Array(), contentType: "video/mp4" }),
  };
}

const offline: MediaProvider = { name: "offline", images: images("offline", ["card"], true) };

describe("MediaRegistry", () => {
  it("defaults to the first configured service's first model, the placeholder only when nothing else is", async () => {
    const configured: MediaProvider = { name: "forge", images: images("forge", ["sdxl", "flux"]) };
    const registry = new MediaRegistry({ providers: [offline, configured] });
    expect(await registry.image()).toMatchObject({ id: "forge/sdxl", model: "sdxl" });
    expect(await new MediaRegistry({ providers: [offline] }).image()).toMatchObject({ id: "offline/card" });
    const chosen = new MediaRegistry({ providers: [offline, configured], defaultImageModel: "forge/flux" });
    expect(await chosen.image()).toMatchObject({ id: "forge/flux", model: "flux" });
  });

  it("resolves provider/model names, Replicate's owner/name included, and refuses unknown ones with a 400", async () => {
    const replicate: MediaProvider = {
      name: "replicate",
      images: images("replicate", ["black-forest-labs/flux-schnell"]),
      videos: videos("replicate", ["wan-video/wan-2.2-i2v-fast"]),
    };
    const registry = new MediaRegistry({ providers: [offline, replicate] });
    expect(await registry.image("replicate/black-forest-labs/flux-schnell")).toMatchObject({
      model: "black-forest-labs/flux-schnell",
    });
    expect(await registry.video()).toMatchObject({ id: "replicate/wan-video/wan-2.2-i2v-fast" });
    await expect(registry.image("nobody/model")).rejects.toBeInstanceOf(MediaInputError);
    await expect(registry.image("replicate")).rejects.toThrow(/GET \/v1\/media\/models/);
    await expect(new MediaRegistry({ providers: [offline] }).video()).rejects.toThrow(/no video model/);
  });

  it("lists every model with what it can do, leaving out a provider whose listing fails", async () => {
    const broken: MediaProvider = { name: "comfy", images: images("comfy", new Error("unreachable")) };
    const forge: MediaProvider = { name: "forge", images: images("forge", ["sdxl"]) };
    const registry = new MediaRegistry({ providers: [offline, broken, forge] });
    const listed = await registry.listModels("image");
    expect(listed.map((model) => model.id)).toEqual(["forge/sdxl", "offline/card"]);
    expect(listed[1]).toMatchObject({ offline: true, references: ["likeness"], kind: "image" });
    expect(await registry.listModels("video")).toEqual([]);
  });
});
