import sharp from "sharp";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { failure } from "../../test/rejection.ts";
import { MOCK_RANDOM_SEED, mockPicture, startMockImages, type MockImages } from "../../test/mock-images.ts";
import { createAutomatic1111, DEFAULT_EDIT_STRENGTH, describeProgress } from "./automatic1111.ts";
import type { MediaProviderConfig } from "./media-config.ts";
import { MediaInputError, MediaProviderError, type ImageGenerator, type MediaProgress } from "./media.ts";

let images: MockImages;

beforeAll(async () => {
  images = await startMockImages();
});
afterAll(() => images.close());
afterEach(() => {
  images.release();
  images.requests.length = 0;
  images.options.fail = undefined;
  images.options.a1111Auth = undefined;
  images.options.holdGenerations = undefined;
  images.options.releaseAfterPolls = undefined;
});

function generator(overrides: Partial<MediaProviderConfig> = {}): ImageGenerator {
  return createAutomatic1111(
    { name: "forge", kind: "automatic1111", base_url: images.baseUrl, ...overrides },
    { pollIntervalMs: 0 },
  ).images!;
}

const isProgressPoll = (request: { path: string }) => request.path === "/sdapi/v1/progress";

/**
 * The progress polls once every request already sent has surely arrived: a poll aborted mid-flight may
 * still land, so the count is read after a later request's full round trip.
 */
async function settledProgressPolls(forge: ImageGenerator): Promise<number> {
  await forge.listModels();
  return images.progressPolls;
}

describe("AUTOMATIC1111 / Forge", () => {
  it("lists the configured models first, then the server's checkpoints, once each", async () => {
    const forge = generator({ image_models: ["my-merge", "sd_xl_base_1.0"] });
    expect(await forge.listModels()).toEqual(["my-merge", "sd_xl_base_1.0", "juggernautXL_v9"]);
    expect(images.requests[0]).toMatchObject({ method: "GET", path: "/sdapi/v1/sd-models" });
    expect(forge).toMatchObject({ name: "forge", label: "forge (Stable Diffusion web UI)", offline: false });
    expect(forge.references).toEqual(["edit"]);
    expect(
      createAutomatic1111({ name: "forge", kind: "automatic1111", image_models: null }).images,
    ).toBeUndefined();
  });

  it("draws with txt2img: prompt, sizes rounded to 8, batch, checkpoint override, seeds from info", async () => {
    const pictures = await generator().generate({
      model: "sd_xl_base_1.0",
      prompt: "Mara, portrait, rim light",
      negativePrompt: "blurry",
      width: 830,
      height: 1216,
      seed: 42,
      count: 2,
    });
    const request = images.requests.find((sent) => sent.path === "/sdapi/v1/txt2img")!;
    expect(request.method).toBe("POST");
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers.authorization).toBeUndefined();
    expect(request.json).toEqual({
      prompt: "Mara, portrait, rim light",
      negative_prompt: "blurry",
      seed: 42,
      width: 832,
      height: 1216,
      batch_size: 2,
      n_iter: 1,
      steps: 28,
      cfg_scale: 7,
      send_images: true,
      save_images: false,
      override_settings: { sd_model_checkpoint: "sd_xl_base_1.0" },
      override_settings_restore_afterwards: false,
    });
    expect(
      pictures.map((picture) => [picture.contentType, picture.width, picture.height, picture.seed]),
    ).toEqual([
      ["image/png", 832, 1216, 42],
      ["image/png", 832, 1216, 43],
    ]);
    expect(pictures[0]!.bytes).toEqual(await mockPicture(832, 1216));
  });

  it("sends seed -1 when none is asked and reports the one the server chose", async () => {
    const [picture] = await generator().generate({ model: "", prompt: "a fox", width: 512, height: 512 });
    const sent = images.requests.find((request) => request.path === "/sdapi/v1/txt2img")!.json as Record<
      string,
      unknown
    >;
    expect(sent.seed).toBe(-1);
    expect(sent.negative_prompt).toBe("");
    expect(sent.override_settings).toBeUndefined();
    expect(picture!.seed).toBe(MOCK_RANDOM_SEED);
  });

  it("edits with img2img: the reference as init_images, strength as denoising_strength", async () => {
    const reference = new Uint8Array(
      await sharp({ create: { width: 48, height: 48, channels: 3, background: "#208040" } })
        .png()
        .toBuffer(),
    );
    const forge = generator();
    const [picture] = await forge.generate({
      model: "juggernautXL_v9",
      prompt: "same scene at night",
      width: 768,
      height: 768,
      reference: { image: { bytes: reference, contentType: "image/png" }, use: "edit", strength: 0.3 },
    });
    expect(picture).toMatchObject({ contentType: "image/png", width: 768, height: 768 });
    const request = images.requests.find((sent) => sent.method === "POST")!;
    expect(request.path).toBe("/sdapi/v1/img2img");
    const body = request.json as Record<string, unknown>;
    expect(body).toMatchObject({ denoising_strength: 0.3, resize_mode: 1, width: 768, height: 768 });
    expect(body.init_images).toEqual([Buffer.from(reference).toString("base64")]);

    images.requests.length = 0;
    await forge.generate({
      model: "juggernautXL_v9",
      prompt: "same scene at night",
      width: 768,
      height: 768,
      reference: { image: { bytes: reference, contentType: "image/png" }, use: "edit" },
    });
    expect((images.requests[0]!.json as Record<string, unknown>).denoising_strength).toBe(
      DEFAULT_EDIT_STRENGTH,
    );
  });

  it("refuses a likeness reference: img2img can only edit", async () => {
    const error = await failure(
      generator().generate({
        model: "",
        prompt: "x",
        width: 512,
        height: 512,
        reference: { image: { bytes: await mockPicture(8, 8), contentType: "image/png" }, use: "likeness" },
      }),
    );
    expect(error).toBeInstanceOf(MediaInputError);
    expect(images.requests).toHaveLength(0);
  });

  it("reports progress while a picture is drawn, and stops polling once it is done", async () => {
    images.options.holdGenerations = true;
    images.options.releaseAfterPolls = 3;
    const reports: MediaProgress[] = [];
    const forge = generator();
    const pictures = await forge.generate({
      model: "",
      prompt: "a fox",
      width: 512,
      height: 512,
      onProgress: (progress) => reports.push(progress),
    });
    expect(pictures).toHaveLength(1);
    expect(reports.slice(0, 3)).toEqual([
      { fraction: 1 / 28, message: "step 1/28, about 27 s left" },
      { fraction: 2 / 28, message: "step 2/28, about 26 s left" },
      { fraction: 3 / 28, message: "step 3/28, about 25 s left" },
    ]);
    const polls = images.requests.filter(isProgressPoll);
    expect(polls[0]!.query).toEqual({ skip_current_image: "true" });
    const reported = reports.length;
    const settled = await settledProgressPolls(forge);
    expect(await settledProgressPolls(forge)).toBe(settled);
    expect(reports).toHaveLength(reported);
  });

  it("does not poll when nobody listens", async () => {
    await generator().generate({ model: "", prompt: "a fox", width: 512, height: 512 });
    expect(images.requests.filter(isProgressPoll)).toHaveLength(0);
  });

  it("rejects with the caller's abort while the picture is being drawn, and stops polling", async () => {
    images.options.holdGenerations = true;
    const controller = new AbortController();
    const reports: MediaProgress[] = [];
    const forge = generator();
    const running = forge.generate({
      model: "",
      prompt: "a fox",
      width: 512,
      height: 512,
      signal: controller.signal,
      onProgress: (progress) => reports.push(progress),
    });
    await images.waitForRequests(isProgressPoll, 2);
    controller.abort();
    const error = await failure(running);
    expect(error.name).toBe("AbortError");
    const reported = reports.length;
    const settled = await settledProgressPolls(forge);
    expect(await settledProgressPolls(forge)).toBe(settled);
    expect(reports).toHaveLength(reported);
  });

  it("sends user:password keys as HTTP basic (--api-auth), other keys as bearer tokens", async () => {
    images.options.a1111Auth = "artist:s3cret-pass";
    const forge = generator({ api_key: "artist:s3cret-pass" });
    await forge.generate({ model: "", prompt: "a fox", width: 512, height: 512 });
    expect(images.requests[0]!.headers.authorization).toBe(
      `Basic ${Buffer.from("artist:s3cret-pass").toString("base64")}`,
    );

    const wrong = await failure(generator({ api_key: "artist:wrong-password" }).listModels());
    expect(wrong).toBeInstanceOf(MediaProviderError);
    expect(wrong.upstreamStatus).toBe(401);
    expect(wrong.message).toBe("media provider forge: 401: Incorrect username or password");

    images.options.a1111Auth = undefined;
    images.requests.length = 0;
    await generator({ api_key: "proxy-token-123" }).listModels();
    expect(images.requests[0]!.headers.authorization).toBe("Bearer proxy-token-123");
  });

  it("turns server failures into provider errors with their status", async () => {
    images.options.fail = 500;
    const error = await failure(generator().generate({ model: "", prompt: "x", width: 512, height: 512 }));
    expect(error).toBeInstanceOf(MediaProviderError);
    expect(error).toMatchObject({
      status: 502,
      upstreamStatus: 500,
      message: "media provider forge: 500: mock failure 500",
    });
    images.options.fail = undefined;
    const unknown = await failure(
      generator().generate({ model: "no-such-model", prompt: "x", width: 512, height: 512 }),
    );
    expect(unknown).toMatchObject({
      upstreamStatus: 404,
      message: "media provider forge: 404: Model not found",
    });
  });

  it("describes progress between jobs as waiting", () => {
    expect(describeProgress({ progress: 0, eta_relative: 0, state: { job_count: 0 } })).toEqual({
      fraction: 0,
      message: "waiting",
    });
    expect(describeProgress({ progress: 0.5, state: { job_count: 1 } })).toEqual({
      fraction: 0.5,
      message: "working",
    });
  });
});
