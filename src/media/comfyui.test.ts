import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { failure } from "../../test/rejection.ts";
import { MOCK_CHECKPOINTS, mockPng, startMockComfyUi, type MockComfyUi } from "../../test/mock-comfyui.ts";
import { createComfyUi, type ComfyUiOptions } from "./comfyui.ts";
import { defaultComfyWorkflow, fillComfyWorkflow, parseComfyWorkflow } from "./comfyui-workflow.ts";
import type { MediaProviderConfig } from "./media-config.ts";
import {
  MediaInputError,
  MediaProviderError,
  type ImageGenerator,
  type ImageRequest,
  type MediaProgress,
} from "./media.ts";

let comfy: MockComfyUi;
let directory: string;

beforeAll(async () => {
  comfy = await startMockComfyUi();
  directory = await mkdtemp(path.join(tmpdir(), "dramatis-comfy-"));
});
afterAll(async () => {
  await comfy.close();
  await rm(directory, { recursive: true, force: true });
});
afterEach(() => comfy.reset());

const SEED = 1234;

function images(overrides: Partial<MediaProviderConfig> = {}, options: ComfyUiOptions = {}): ImageGenerator {
  return createComfyUi(
    { name: "comfy", kind: "comfyui", base_url: comfy.baseUrl, ...overrides },
    { pollIntervalMs: 0, randomSeed: () => SEED, ...options },
  ).images!;
}

function request(overrides: Partial<ImageRequest> = {}): ImageRequest {
  return {
    model: MOCK_CHECKPOINTS[0]!,
    prompt: "a lighthouse at dusk",
    width: 512,
    height: 768,
    ...overrides,
  };
}

const requestsTo = (method: string, pathname: string) =>
  comfy.requests.filter((recorded) => recorded.method === method && recorded.path === pathname);

/** img2img: the uploaded picture encoded, sampled from `{{strength}}` of the way. */
const REFERENCE_WORKFLOW = JSON.stringify({
  "4": { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: "{{model}}" } },
  "10": { class_type: "LoadImage", inputs: { image: "{{reference_image}}" } },
  "11": { class_type: "VAEEncode", inputs: { pixels: ["10", 0], vae: ["4", 2] } },
  "6": { class_type: "CLIPTextEncode", inputs: { text: "{{prompt}}", clip: ["4", 1] } },
  "7": { class_type: "CLIPTextEncode", inputs: { text: "{{negative_prompt}}", clip: ["4", 1] } },
  "3": {
    class_type: "KSampler",
    inputs: {
      seed: "{{seed}}",
      steps: 20,
      cfg: 7,
      sampler_name: "euler",
      scheduler: "normal",
      denoise: "{{strength}}",
      model: ["4", 0],
      positive: ["6", 0],
      negative: ["7", 0],
      latent_image: ["11", 0],
    },
  },
  "8": { class_type: "VAEDecode", inputs: { samples: ["3", 0], vae: ["4", 2] } },
  "9": { class_type: "SaveImage", inputs: { filename_prefix: "dramatis", images: ["8", 0] } },
});

describe("ComfyUI workflows", () => {
  it("fills placeholders in the parsed JSON: numbers stay numbers, prompts stay exactly as written", () => {
    const prompt = `she said "hi" {braces} \\ back-slash {{seed}} and {{unknown}}`;
    const template = defaultComfyWorkflow();
    const filled = fillComfyWorkflow(template, {
      prompt,
      negative_prompt: "blurry",
      seed: 7,
      width: 640,
      height: 480,
      model: "model.safetensors",
      batch_size: 2,
    });
    expect(filled["6"]!.inputs.text).toBe(prompt);
    expect(filled["7"]!.inputs.text).toBe("blurry");
    expect(filled["3"]!.inputs.seed).toBe(7);
    expect(filled["5"]!.inputs).toEqual({ width: 640, height: 480, batch_size: 2 });
    expect(filled["4"]!.inputs.ckpt_name).toBe("model.safetensors");
    // Links and the template itself are untouched.
    expect(filled["3"]!.inputs.model).toEqual(["4", 0]);
    expect(template["3"]!.inputs.seed).toBe("{{seed}}");
    // Inside longer text a number is text; a missing value leaves its placeholder.
    const mixed = fillComfyWorkflow(
      { "1": { class_type: "Note", inputs: { text: "seed {{ seed }}, ref {{reference_image}}" } } },
      { prompt: "", negative_prompt: "", seed: 3, width: 1, height: 1, model: "", batch_size: 1 },
    );
    expect(mixed["1"]!.inputs.text).toBe("seed 3, ref {{reference_image}}");
  });

  it("refuses workflows that are not in ComfyUI's API format, saying what is wrong", () => {
    expect(() => parseComfyWorkflow("{not json")).toThrow(/not valid JSON/);
    expect(() => parseComfyWorkflow(`{"nodes": [], "links": []}`)).toThrow(/editor format/);
    expect(() => parseComfyWorkflow(`{"3": {"inputs": {}}}`)).toThrow(/node 3/);
    expect(() => parseComfyWorkflow("{}")).toThrow(/no nodes/);
  });
});

describe("ComfyUI", () => {
  it("lists the configured models first, then the checkpoints ComfyUI has, in either combo form", async () => {
    const generator = images({ image_models: ["flux-dev", MOCK_CHECKPOINTS[1]!] });
    expect(await generator.listModels()).toEqual(["flux-dev", MOCK_CHECKPOINTS[1], MOCK_CHECKPOINTS[0]]);
    comfy.options.comboV2 = true;
    expect(await images().listModels()).toEqual(MOCK_CHECKPOINTS);
    expect(requestsTo("GET", "/object_info/CheckpointLoaderSimple")).toHaveLength(2);
    expect(generator).toMatchObject({ name: "comfy", label: "ComfyUI", offline: false, references: [] });
  });

  it("queues the built-in workflow with the request's values, follows the socket and reads the saved pictures", async () => {
    const prompt = `"Quoted", {braced} and \\escaped\\ — {{seed}} stays`;
    const progress: MediaProgress[] = [];
    const result = await images().generate(
      request({ prompt, negativePrompt: `no "text"`, onProgress: (update) => progress.push(update) }),
    );

    expect(result).toHaveLength(1);
    expect(result[0]).toMatchObject({ contentType: "image/png", seed: SEED });
    expect(Buffer.from(result[0]!.bytes.subarray(1, 4)).toString("latin1")).toBe("PNG");

    const queued = comfy.prompts[0]!;
    expect(queued.socketOpen).toBe(true);
    expect(comfy.sockets[0]!.clientId).toBe(queued.clientId);
    const workflow = queued.prompt;
    expect(workflow["6"]!.inputs.text).toBe(prompt);
    expect(workflow["7"]!.inputs.text).toBe(`no "text"`);
    expect(workflow["4"]!.inputs.ckpt_name).toBe(MOCK_CHECKPOINTS[0]);
    expect(workflow["3"]!.inputs.seed).toBe(SEED);
    expect(workflow["5"]!.inputs).toEqual({ width: 512, height: 768, batch_size: 1 });

    expect(progress[0]).toEqual({ fraction: 0, message: "queued" });
    expect(progress.slice(1)).toEqual(
      [1, 2, 3, 4].map((step) => ({ fraction: step / 4, message: `step ${step}/4` })),
    );

    expect(requestsTo("GET", `/history/${queued.promptId}`)).toHaveLength(1);
    const views = requestsTo("GET", "/view");
    expect(views.map((view) => view.query)).toEqual([
      { filename: "ComfyUI_00001_.png", subfolder: "", type: "output" },
    ]);
  });

  it("takes several pictures as one batch, and keeps early socket messages until the prompt id is known", async () => {
    comfy.options.runBeforeAnswer = true;
    const progress: MediaProgress[] = [];
    const result = await images().generate(
      request({ count: 2, seed: 99, onProgress: (update) => progress.push(update) }),
    );
    expect(result.map((image) => image.seed)).toEqual([99, 99]);
    expect(comfy.prompts[0]!.prompt["5"]!.inputs.batch_size).toBe(2);
    expect(comfy.prompts[0]!.prompt["3"]!.inputs.seed).toBe(99);
    expect(progress.at(-1)).toEqual({ fraction: 1, message: "step 4/4" });
    expect(requestsTo("GET", "/view")).toHaveLength(2);
  });

  it("uses a configured workflow, as JSON text or from a file, with placeholders inside longer text", async () => {
    const workflow = defaultComfyWorkflow();
    workflow["6"]!.inputs.text = "portrait of {{prompt}}, {{width}}x{{height}}";
    const file = path.join(directory, "workflow.json");
    await writeFile(file, JSON.stringify(workflow));

    await images({ workflow: JSON.stringify(workflow) }).generate(request({ prompt: `a "fox"` }));
    await images({ workflow: file }).generate(request({ prompt: "an owl" }));

    expect(comfy.prompts.map((queued) => queued.prompt["6"]!.inputs.text)).toEqual([
      `portrait of a "fox", 512x768`,
      "portrait of an owl, 512x768",
    ]);
  });

  it("says what is wrong with a configured workflow it cannot use", async () => {
    const missing = await failure(
      images({ workflow: path.join(directory, "missing.json") }).generate(request()),
    );
    expect(missing).toBeInstanceOf(MediaProviderError);
    expect(missing.message).toContain("cannot be read (ENOENT)");
    const editor = await failure(images({ workflow: `{"nodes": [], "links": []}` }).generate(request()));
    expect(editor.message).toContain("editor format");
    expect(comfy.prompts).toHaveLength(0);
  });

  it("uploads a reference picture and runs the reference workflow with its name and strength", async () => {
    const generator = images({ reference_workflow: REFERENCE_WORKFLOW });
    expect(generator.references).toEqual(["edit", "likeness"]);
    const reference = { bytes: await mockPng({ r: 1, g: 2, b: 3 }), contentType: "image/png" };

    const result = await generator.generate(
      request({ reference: { image: reference, use: "edit", strength: 0.35 } }),
    );

    expect(result).toHaveLength(1);
    const upload = requestsTo("POST", "/upload/image")[0]!;
    expect(upload.form?.overwrite).toBe("true");
    const file = upload.form?.image as { fileName: string; type: string; bytes: Uint8Array };
    expect(file.type).toBe("image/png");
    expect(Buffer.from(file.bytes).equals(Buffer.from(reference.bytes))).toBe(true);
    expect(file.fileName).toMatch(/^dramatis-[0-9a-f]{24}\.png$/);
    const workflow = comfy.prompts[0]!.prompt;
    expect(workflow["10"]!.inputs.image).toBe(file.fileName);
    expect(workflow["3"]!.inputs.denoise).toBe(0.35);
  });

  it("sends no reference without a reference workflow", async () => {
    const reference = { bytes: await mockPng(), contentType: "image/png" };
    await images().generate(request({ reference: { image: reference, use: "likeness" } }));
    expect(requestsTo("POST", "/upload/image")).toHaveLength(0);
    expect(comfy.prompts[0]!.prompt["5"]!.class_type).toBe("EmptyLatentImage");
  });

  it("turns a refused workflow into a 400 naming the node and its reason", async () => {
    const error = await failure(images().generate(request({ model: "missing.safetensors" })));
    expect(error).toBeInstanceOf(MediaInputError);
    expect(error.status).toBe(400);
    expect(error.message).toContain(
      "comfy refused the workflow: CheckpointLoaderSimple (node 4): Value not in list",
    );
    expect(error.message).toContain("missing.safetensors");

    const broken = defaultComfyWorkflow();
    broken["3"]!.inputs.seed = "{{sead}}";
    const typo = await failure(images({ workflow: JSON.stringify(broken) }).generate(request()));
    expect(typo.message).toContain("KSampler (node 3): Failed to convert an input value to a INT value");
  });

  it("turns an error while running into a 502 naming the node, over the socket and when polling", async () => {
    comfy.options.executionError = "CUDA out of memory. Tried to allocate 2.00 GiB";
    const error = await failure(images().generate(request()));
    expect(error).toBeInstanceOf(MediaProviderError);
    expect((error as MediaProviderError).status).toBe(502);
    expect(error.message).toBe(
      "media provider comfy: KSampler (node 3): CUDA out of memory. Tried to allocate 2.00 GiB",
    );

    comfy.options.refuseSocket = true;
    const polled = await failure(images().generate(request()));
    expect(polled.message).toBe(error.message);
  });

  it("polls the history when the WebSocket is refused", async () => {
    comfy.options.refuseSocket = true;
    const progress: MediaProgress[] = [];
    const result = await images().generate(request({ onProgress: (update) => progress.push(update) }));
    expect(result).toHaveLength(1);
    expect(result[0]!.contentType).toBe("image/png");
    expect(comfy.sockets).toHaveLength(0);
    expect(comfy.prompts[0]!.socketOpen).toBe(false);
    expect(requestsTo("GET", `/history/${comfy.prompts[0]!.promptId}`).length).toBeGreaterThanOrEqual(1);
    expect(progress).toEqual([{ fraction: 0, message: "queued" }]);
  });

  it("interrupts its prompt on the server when the caller aborts, and rejects with the caller's reason", async () => {
    comfy.options.hold = true;
    for (const refuseSocket of [false, true]) {
      comfy.options.refuseSocket = refuseSocket;
      const controller = new AbortController();
      const generation = images().generate(request({ signal: controller.signal }));
      const promptId = await comfy.nextHeldRun();
      const reason = new Error("the user left");
      controller.abort(reason);
      expect(await failure(generation)).toBe(reason);
      expect(requestsTo("POST", "/interrupt").at(-1)!.json).toEqual({ prompt_id: promptId });
      expect(requestsTo("POST", "/queue").at(-1)!.json).toEqual({ delete: [promptId] });
    }
  });

  it("gives up after timeoutMs with a 502, interrupting the prompt", async () => {
    comfy.options.hold = true;
    const generation = images({}, { timeoutMs: 50 }).generate(request());
    const promptId = await comfy.nextHeldRun();
    const error = await failure(generation);
    expect(error).toBeInstanceOf(MediaProviderError);
    expect(error.message).toBe("media provider comfy: no result within 50 ms");
    expect(requestsTo("POST", "/interrupt").at(-1)!.json).toEqual({ prompt_id: promptId });
  });

  it("sends a configured key to the proxy in front, on HTTP and on the WebSocket", async () => {
    const key = "comfy-proxy-key-1234";
    await images({ api_key: key }).generate(request());
    expect(requestsTo("POST", "/prompt")[0]!.headers.authorization).toBe(`Bearer ${key}`);
    expect(comfy.sockets[0]!.headers.authorization).toBe(`Bearer ${key}`);
  });
});
