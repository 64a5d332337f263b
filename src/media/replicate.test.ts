import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { failure } from "../../test/rejection.ts";
import { mockPng } from "../../test/mock-comfyui.ts";
import {
  MOCK_MP4,
  MOCK_SDXL_VERSION,
  startMockReplicate,
  type MockReplicate,
} from "../../test/mock-replicate.ts";
import type { MediaProviderConfig } from "./media-config.ts";
import {
  MediaInputError,
  MediaProviderError,
  MediaRefusedError,
  type ImageRequest,
  type MediaProgress,
  type MediaProvider,
} from "./media.ts";
import { describeProgress, createReplicate, type ReplicateOptions } from "./replicate.ts";
import { nearestAspectRatio } from "./replicate-models.ts";

let replicate: MockReplicate;

beforeAll(async () => {
  replicate = await startMockReplicate();
});
afterAll(() => replicate.close());
afterEach(() => replicate.reset());

function provider(
  overrides: Partial<MediaProviderConfig> = {},
  options: ReplicateOptions = {},
): MediaProvider {
  return createReplicate(
    {
      name: "replicate",
      kind: "replicate",
      base_url: replicate.baseUrl,
      api_key: replicate.key,
      ...overrides,
    },
    { pollIntervalMs: 0, ...options },
  );
}

function request(overrides: Partial<ImageRequest> = {}): ImageRequest {
  return {
    model: "black-forest-labs/flux-schnell",
    prompt: `a "quiet" harbour`,
    width: 1024,
    height: 576,
    ...overrides,
  };
}

const requestsTo = (method: string, pattern: RegExp) =>
  replicate.requests.filter((recorded) => recorded.method === method && pattern.test(recorded.path));
const isPng = (bytes: Uint8Array) => Buffer.from(bytes.subarray(1, 4)).toString("latin1") === "PNG";

describe("Replicate", () => {
  it("offers pictures unless image_models is null, and videos only when video_models are set", async () => {
    const plain = provider();
    expect(await plain.images!.listModels()).toEqual(["black-forest-labs/flux-schnell"]);
    expect(plain.images).toMatchObject({
      name: "replicate",
      label: "Replicate",
      offline: false,
      references: [],
    });
    expect(plain.videos).toBeUndefined();

    const both = provider({
      image_models: ["black-forest-labs/flux-kontext-pro", "black-forest-labs/flux-1.1-pro"],
      video_models: ["kwaivgi/kling-v1.6-standard"],
    });
    expect(both.images!.references).toEqual(["edit", "likeness"]);
    expect(await both.videos!.listModels()).toEqual(["kwaivgi/kling-v1.6-standard"]);
    expect(provider({ image_models: null, video_models: ["minimax/video-01"] }).images).toBeUndefined();
  });

  it("creates a model's prediction with its inputs, reports progress from the log and downloads the output files", async () => {
    const progress: MediaProgress[] = [];
    const images = await provider().images!.generate(
      request({ count: 2, seed: 7, negativePrompt: "fog", onProgress: (update) => progress.push(update) }),
    );

    const create = requestsTo("POST", /^\/v1\/models\/black-forest-labs\/flux-schnell\/predictions$/)[0]!;
    expect(create.headers.authorization).toBe(`Bearer ${replicate.key}`);
    expect(create.headers["content-type"]).toBe("application/json");
    expect(create.headers.prefer).toBeUndefined();
    // flux-schnell takes an aspect ratio and no negative prompt.
    expect(create.json).toEqual({
      input: { prompt: `a "quiet" harbour`, aspect_ratio: "16:9", seed: 7, num_outputs: 2 },
    });

    const id = replicate.predictions[0]!.id;
    expect(requestsTo("GET", new RegExp(`^/v1/predictions/${id}$`))).toHaveLength(3);
    expect(progress).toEqual([
      { message: "starting" },
      { fraction: 0, message: "step 0/4" },
      { fraction: 0.5, message: "step 2/4" },
    ]);

    expect(images).toHaveLength(2);
    expect(images.map((image) => [image.contentType, isPng(image.bytes), image.seed])).toEqual([
      ["image/png", true, 7],
      ["image/png", true, 7],
    ]);
    const downloads = requestsTo("GET", /^\/files\//);
    expect(downloads.map((download) => download.path)).toEqual([
      `/files/${id}/out-0.png`,
      `/files/${id}/out-1.png`,
    ]);
  });

  it("pins a version through /v1/predictions, with pixel sizes, a negative prompt and a reference picture", async () => {
    const reference = { bytes: await mockPng(), contentType: "image/png" };
    const images = await provider({
      image_models: [`stability-ai/sdxl:${MOCK_SDXL_VERSION}`],
    }).images!.generate(
      request({
        model: `stability-ai/sdxl:${MOCK_SDXL_VERSION}`,
        negativePrompt: "fog",
        reference: { image: reference, use: "edit", strength: 0.4 },
      }),
    );
    expect(images).toHaveLength(1);
    const create = requestsTo("POST", /^\/v1\/predictions$/)[0]!;
    expect(create.json).toEqual({
      version: MOCK_SDXL_VERSION,
      input: {
        prompt: `a "quiet" harbour`,
        width: 1024,
        height: 576,
        negative_prompt: "fog",
        num_outputs: 1,
        image: `data:image/png;base64,${Buffer.from(reference.bytes).toString("base64")}`,
        prompt_strength: 0.4,
      },
    });
  });

  it("takes a single URL or data: URIs as output, and runs one prediction per picture where a model makes one", async () => {
    const [single] = await provider().images!.generate(request({ model: "acme/portrait" }));
    expect(isPng(single!.bytes)).toBe(true);
    expect(requestsTo("POST", /^\/v1\/models\/acme\/portrait\/predictions$/)[0]!.json).toMatchObject({
      input: { width: 1024, height: 576, num_outputs: 1 },
    });

    replicate.options.dataUris = true;
    const images = await provider().images!.generate(
      request({ model: "black-forest-labs/flux-kontext-pro", count: 2, seed: 10 }),
    );
    expect(images.map((image) => [image.contentType, image.seed])).toEqual([
      ["image/png", 10],
      ["image/png", 11],
    ]);
    const inputs = replicate.predictions.slice(-2).map((prediction) => prediction.input);
    expect(inputs).toEqual([
      { prompt: `a "quiet" harbour`, aspect_ratio: "16:9", seed: 10 },
      { prompt: `a "quiet" harbour`, aspect_ratio: "16:9", seed: 11 },
    ]);
  });

  it("waits for quick models with Prefer: wait when asked, without polling", async () => {
    const images = await provider({}, { waitSeconds: 30 }).images!.generate(request());
    expect(images).toHaveLength(1);
    expect(requestsTo("POST", /predictions$/)[0]!.headers.prefer).toBe("wait=30");
    expect(requestsTo("GET", /^\/v1\/predictions\//)).toHaveLength(0);
  });

  it("turns a failed prediction into a 502 with its error, and a safety refusal into a 422", async () => {
    replicate.options.failWith = "CUDA error: out of memory";
    const failed = await failure(provider().images!.generate(request()));
    expect(failed).toBeInstanceOf(MediaProviderError);
    expect(failed.status).toBe(502);
    expect(failed.message).toBe("media provider replicate: CUDA error: out of memory");

    replicate.options.failWith = undefined;
    replicate.options.nsfw = true;
    const refused = await failure(provider().images!.generate(request()));
    expect(refused).toBeInstanceOf(MediaRefusedError);
    expect(refused.status).toBe(422);
    expect(refused.message).toContain("refused the request: All generated images contained NSFW content");
  });

  it("answers 400 for a model it does not have or input it refuses, and 502 for a refused key", async () => {
    const missing = await failure(provider().images!.generate(request({ model: "nobody/nothing" })));
    expect(missing).toBeInstanceOf(MediaInputError);
    expect(missing.message).toBe("replicate has no model nobody/nothing");

    const version = await failure(
      provider().images!.generate(request({ model: `stability-ai/sdxl:${"0".repeat(64)}` })),
    );
    expect(version).toBeInstanceOf(MediaInputError);
    expect(version.message).toContain(
      "refused the input for stability-ai/sdxl: The specified version does not exist",
    );

    const malformed = await failure(provider().images!.generate(request({ model: "flux" })));
    expect(malformed).toBeInstanceOf(MediaInputError);

    const wrongKey = "r8_wrongkeywrongkeywrongkey";
    const unauthorized = await failure(provider({ api_key: wrongKey }).images!.generate(request()));
    expect(unauthorized).toBeInstanceOf(MediaProviderError);
    expect(unauthorized.upstreamStatus).toBe(401);
    expect(unauthorized.message).not.toContain(wrongKey);
  });

  it("cancels the prediction when the caller aborts, and rejects with the caller's reason", async () => {
    replicate.options.hold = true;
    const controller = new AbortController();
    const reason = new Error("the user left");
    const generation = provider().images!.generate(
      request({
        signal: controller.signal,
        onProgress: (update) => {
          if (update.message === "step 2/4") controller.abort(reason);
        },
      }),
    );
    expect(await failure(generation)).toBe(reason);
    const id = replicate.predictions[0]!.id;
    expect(requestsTo("POST", new RegExp(`^/v1/predictions/${id}/cancel$`))).toHaveLength(1);
    expect(replicate.predictions[0]!.status).toBe("canceled");
  });

  it("gives up after timeoutMs with a 502, cancelling the prediction", async () => {
    replicate.options.hold = true;
    const error = await failure(provider({}, { timeoutMs: 50 }).images!.generate(request()));
    expect(error).toBeInstanceOf(MediaProviderError);
    expect(error.message).toBe("media provider replicate: no result within 50 ms");
    expect(replicate.predictions[0]!.status).toBe("canceled");
  });

  it("makes a video from a still, with the model's own fields, and returns its bytes as video/mp4", async () => {
    const still = { bytes: await mockPng(), contentType: "image/png" };
    const progress: MediaProgress[] = [];
    const videos = provider({ video_models: ["kwaivgi/kling-v1.6-standard", "minimax/video-01"] }).videos!;
    const video = await videos.generate({
      model: "kwaivgi/kling-v1.6-standard",
      prompt: "she turns and smiles",
      image: still,
      durationSeconds: 4,
      width: 720,
      height: 1280,
      seed: 3,
      onProgress: (update) => progress.push(update),
    });
    expect(video.contentType).toBe("video/mp4");
    expect(Buffer.from(video.bytes).equals(Buffer.from(MOCK_MP4))).toBe(true);
    expect(video.durationSeconds).toBe(5);
    expect(requestsTo("POST", /kling-v1\.6-standard\/predictions$/)[0]!.json).toEqual({
      input: {
        prompt: "she turns and smiles",
        aspect_ratio: "9:16",
        duration: 5,
        seed: 3,
        start_image: `data:image/png;base64,${Buffer.from(still.bytes).toString("base64")}`,
      },
    });
    expect(progress.at(-1)).toEqual({ fraction: 0.5, message: "step 2/4" });

    const minimax = await videos.generate({
      model: "minimax/video-01",
      prompt: "waves",
      image: still,
      durationSeconds: 5,
      width: 1280,
      height: 720,
    });
    expect(minimax).toMatchObject({ contentType: "video/mp4", durationSeconds: 6 });
    expect(Object.keys(replicate.predictions.at(-1)!.input).sort()).toEqual(["first_frame_image", "prompt"]);
  });

  it("reads progress from tqdm bars, percentages, or only the status", () => {
    expect(describeProgress({ status: "starting", logs: null })).toEqual({ message: "starting" });
    expect(
      describeProgress({
        status: "processing",
        logs: "Using seed: 1\n 50%|█████     | 14/28 [00:02<00:02,  6.50it/s]\r 54%|█████▎    | 15/28 [00:02<00:02]\n",
      }),
    ).toEqual({ fraction: 15 / 28, message: "step 15/28" });
    expect(describeProgress({ status: "processing", logs: "loading\n 30%|███" })).toEqual({
      fraction: 0.3,
      message: "30%",
    });
    expect(describeProgress({ status: "processing", logs: "Loading weights" })).toEqual({
      message: "processing",
    });
  });

  it("picks the nearest aspect ratio a model allows", () => {
    const ratios = ["1:1", "16:9", "9:16", "4:3"];
    expect(nearestAspectRatio(1024, 1024, ratios)).toBe("1:1");
    expect(nearestAspectRatio(1920, 1000, ratios)).toBe("16:9");
    expect(nearestAspectRatio(600, 1100, ratios)).toBe("9:16");
    expect(nearestAspectRatio(1100, 800, ratios)).toBe("4:3");
  });
});
