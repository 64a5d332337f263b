import sharp from "sharp";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { failure } from "../../test/rejection.ts";
import {
  mockPicture,
  startMockImages,
  type MockImages,
  type RecordedUpload,
} from "../../test/mock-images.ts";
import type { MediaProviderConfig } from "./media-config.ts";
import type { CloudMediaOptions } from "./media-http.ts";
import { MediaInputError, MediaProviderError, MediaRefusedError, type ImageGenerator } from "./media.ts";
import { chooseOpenAISize, createOpenAIImages } from "./openai-images.ts";

let images: MockImages;

beforeAll(async () => {
  images = await startMockImages();
});
afterAll(() => images.close());
afterEach(() => {
  images.requests.length = 0;
  images.options.fail = undefined;
  images.options.refuse = undefined;
  images.options.answerWithUrl = undefined;
});

function generator(
  overrides: Partial<MediaProviderConfig> = {},
  options: CloudMediaOptions = {},
): ImageGenerator {
  const provider = createOpenAIImages(
    {
      name: "openai",
      kind: "openai-compatible",
      base_url: `${images.baseUrl}/v1`,
      api_key: images.key,
      ...overrides,
    },
    options,
  );
  return provider.images!;
}

const referencePng = () =>
  sharp({ create: { width: 64, height: 64, channels: 3, background: "#c04020" } })
    .png()
    .toBuffer()
    .then((buffer) => new Uint8Array(buffer));

describe("OpenAI Images: generations", () => {
  it("asks gpt-image-1 for PNGs at the nearest size it draws, with the key and extra headers", async () => {
    const openai = generator({ headers: { "OpenAI-Organization": "org-1" } });
    const pictures = await openai.generate({
      model: "gpt-image-1",
      prompt: "Mara at the harbour",
      width: 832,
      height: 1216,
      count: 2,
      seed: 7,
    });
    expect(images.requests).toHaveLength(1);
    const request = images.requests[0]!;
    expect(request).toMatchObject({ method: "POST", path: "/v1/images/generations" });
    expect(request.headers).toMatchObject({
      authorization: `Bearer ${images.key}`,
      "content-type": "application/json",
      "openai-organization": "org-1",
    });
    // gpt-image refuses response_format; the seed has no field in this API.
    expect(request.json).toEqual({
      model: "gpt-image-1",
      prompt: "Mara at the harbour",
      n: 2,
      size: "1024x1536",
      output_format: "png",
    });
    expect(pictures).toHaveLength(2);
    expect(pictures[0]).toMatchObject({ contentType: "image/png", width: 1024, height: 1536 });
    expect(pictures[0]!.bytes).toEqual(await mockPicture(1024, 1536));
    expect(openai).toMatchObject({ name: "openai", label: "openai (OpenAI-compatible)", offline: false });
    expect(openai.references).toEqual(["edit", "likeness"]);
  });

  it("asks DALL·E 3 once per picture, as base64, and keeps its revised prompts", async () => {
    const pictures = await generator().generate({
      model: "dall-e-3",
      prompt: "a lighthouse",
      width: 1600,
      height: 900,
      count: 2,
    });
    expect(images.requests).toHaveLength(2);
    for (const request of images.requests) {
      expect(request.json).toEqual({
        model: "dall-e-3",
        prompt: "a lighthouse",
        n: 1,
        size: "1792x1024",
        response_format: "b64_json",
      });
    }
    expect(pictures.map((picture) => [picture.width, picture.height])).toEqual([
      [1792, 1024],
      [1792, 1024],
    ]);
    expect(pictures[0]!.revisedPrompt).toBe("A detailed rendering of: a lighthouse (1)");
  });

  it("maps sizes to each model's nearest shape, then nearest area; other models get WxH as asked", () => {
    expect(chooseOpenAISize("dall-e-3", 1024, 1024)).toBe("1024x1024");
    expect(chooseOpenAISize("dall-e-3", 800, 1200)).toBe("1024x1792");
    expect(chooseOpenAISize("dall-e-3", 1100, 1000)).toBe("1024x1024");
    expect(chooseOpenAISize("gpt-image-1", 1920, 1080)).toBe("1536x1024");
    expect(chooseOpenAISize("gpt-image-1-mini", 512, 768)).toBe("1024x1536");
    expect(chooseOpenAISize("dall-e-2", 600, 600)).toBe("512x512");
    expect(chooseOpenAISize("dall-e-2", 200, 300)).toBe("256x256");
    expect(chooseOpenAISize("dall-e-2", 2000, 900)).toBe("1024x1024");
    expect(chooseOpenAISize("sd-turbo", 768, 512)).toBe("768x512");
  });

  it("sends a local server's model the size asked for and asks for base64", async () => {
    const local = generator({ name: "local", image_models: ["sdxl-turbo"] });
    const [picture] = await local.generate({ model: "sdxl-turbo", prompt: "a cat", width: 640, height: 448 });
    expect(images.requests[0]!.json).toEqual({
      model: "sdxl-turbo",
      prompt: "a cat",
      n: 1,
      size: "640x448",
      response_format: "b64_json",
    });
    expect(picture).toMatchObject({ contentType: "image/png", width: 640, height: 448 });
    expect(await local.listModels()).toEqual(["sdxl-turbo"]);
  });

  it("fetches pictures answered as links, sending the key only back to the service itself", async () => {
    images.options.answerWithUrl = "other-origin";
    const [fromCdn] = await generator().generate({
      model: "dall-e-2",
      prompt: "a boat",
      width: 512,
      height: 512,
    });
    expect(fromCdn).toMatchObject({ contentType: "image/png", width: 512, height: 512 });
    const download = images.requests.find((request) => request.path.startsWith("/files/"))!;
    expect(download).toMatchObject({ method: "GET", origin: "other" });
    expect(download.headers.authorization).toBeUndefined();

    images.requests.length = 0;
    images.options.answerWithUrl = "relative";
    const [fromService] = await generator().generate({
      model: "dall-e-2",
      prompt: "a boat",
      width: 256,
      height: 256,
    });
    expect(fromService).toMatchObject({ width: 256, height: 256 });
    const own = images.requests.find((request) => request.path.startsWith("/files/"))!;
    expect(own).toMatchObject({ origin: "service" });
    expect(own.headers.authorization).toBe(`Bearer ${images.key}`);
  });

  it("reads the type from the bytes: a JPEG is a JPEG whatever was asked", async () => {
    const pictures = await generator(
      {},
      {
        fetch: async () =>
          Response.json({
            data: [{ b64_json: Buffer.from(await mockPicture(64, 32, "jpeg")).toString("base64") }],
          }),
      },
    ).generate({ model: "gpt-image-1", prompt: "x", width: 64, height: 32 });
    expect(pictures[0]).toMatchObject({ contentType: "image/jpeg", width: 64, height: 32 });
  });

  it("refuses an answer that is not a picture, or has none", async () => {
    const answering = (body: unknown) => generator({}, { fetch: async () => Response.json(body) });
    const text = await failure(
      answering({ data: [{ b64_json: Buffer.from("<svg onload=alert(1)>").toString("base64") }] }).generate({
        model: "gpt-image-1",
        prompt: "x",
        width: 64,
        height: 64,
      }),
    );
    expect(text).toBeInstanceOf(MediaProviderError);
    expect(text.message).toBe("media provider openai: answered something that is not an image");
    const empty = await failure(
      answering({ data: [] }).generate({ model: "gpt-image-1", prompt: "x", width: 64, height: 64 }),
    );
    expect(empty.message).toMatch(/unexpected shape \(data: no images\)/);
  });

  it("lists gpt-image-1 unless models are configured; image_models null offers no pictures", async () => {
    expect(await generator().listModels()).toEqual(["gpt-image-1"]);
    expect(await generator({ image_models: ["dall-e-3", "gpt-image-1"] }).listModels()).toEqual([
      "dall-e-3",
      "gpt-image-1",
    ]);
    expect(
      createOpenAIImages({ name: "openai", kind: "openai-compatible", image_models: null }).images,
    ).toBeUndefined();
    expect(
      createOpenAIImages({ name: "openai", kind: "openai-compatible", api_key: "k" }).images!.label,
    ).toBe("OpenAI Images");
  });

  it("refuses bad counts and sizes before sending anything", async () => {
    const openai = generator();
    const tooMany = await failure(
      openai.generate({ model: "gpt-image-1", prompt: "x", width: 64, height: 64, count: 5 }),
    );
    expect(tooMany).toBeInstanceOf(MediaInputError);
    expect(tooMany.status).toBe(400);
    const zero = await failure(openai.generate({ model: "gpt-image-1", prompt: "x", width: 0, height: 64 }));
    expect(zero).toBeInstanceOf(MediaInputError);
    expect(images.requests).toHaveLength(0);
  });
});

describe("OpenAI Images: edits", () => {
  it("sends the reference as a multipart file and asks gpt-image-1 to keep a likeness", async () => {
    const reference = await referencePng();
    const pictures = await generator().generate({
      model: "gpt-image-1",
      prompt: "the same woman, now in a winter coat",
      width: 1024,
      height: 1024,
      reference: { image: { bytes: reference, contentType: "image/png" }, use: "likeness" },
    });
    expect(pictures[0]).toMatchObject({ contentType: "image/png", width: 1024, height: 1024 });
    const request = images.requests[0]!;
    expect(request).toMatchObject({ method: "POST", path: "/v1/images/edits" });
    expect(request.headers.authorization).toBe(`Bearer ${images.key}`);
    expect(request.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    const { image, ...fields } = request.form!;
    expect(image as RecordedUpload).toEqual({
      fileName: "reference.png",
      type: "image/png",
      bytes: reference,
    });
    expect(fields).toEqual({
      prompt: "the same woman, now in a winter coat",
      model: "gpt-image-1",
      n: "1",
      size: "1024x1024",
      output_format: "png",
      input_fidelity: "high",
    });
  });

  it("asks for high fidelity only when an edit stays close, and never from gpt-image-1-mini", async () => {
    const reference = { bytes: await referencePng(), contentType: "image/png" };
    const openai = generator();
    const request = { prompt: "repaint as a watercolour", width: 1024, height: 1024 };
    await openai.generate({
      ...request,
      model: "gpt-image-1",
      reference: { image: reference, use: "edit", strength: 0.8 },
    });
    await openai.generate({
      ...request,
      model: "gpt-image-1",
      reference: { image: reference, use: "edit", strength: 0.2 },
    });
    await openai.generate({
      ...request,
      model: "gpt-image-1-mini",
      reference: { image: reference, use: "likeness" },
    });
    expect(images.requests.map((sent) => sent.form?.input_fidelity)).toEqual([undefined, "high", undefined]);
  });

  it("sends a local server's edit with response_format and the size asked for", async () => {
    const reference = await sharp({ create: { width: 32, height: 32, channels: 3, background: "#fff" } })
      .jpeg()
      .toBuffer();
    await generator({ image_models: ["flux-kontext"] }).generate({
      model: "flux-kontext",
      prompt: "at night",
      width: 768,
      height: 512,
      count: 2,
      reference: { image: { bytes: new Uint8Array(reference), contentType: "image/jpeg" }, use: "edit" },
    });
    const form = images.requests[0]!.form!;
    expect(form).toMatchObject({
      model: "flux-kontext",
      n: "2",
      size: "768x512",
      response_format: "b64_json",
    });
    expect((form.image as RecordedUpload).fileName).toBe("reference.jpg");
    expect(form.input_fidelity).toBeUndefined();
  });

  it("refuses references for DALL·E models and references that are no picture", async () => {
    const reference = { bytes: await referencePng(), contentType: "image/png" };
    const openai = generator();
    for (const model of ["dall-e-3", "dall-e-2"]) {
      const error = await failure(
        openai.generate({
          model,
          prompt: "x",
          width: 1024,
          height: 1024,
          reference: { image: reference, use: "edit" },
        }),
      );
      expect(error).toBeInstanceOf(MediaInputError);
      expect(error.message).toBe(`${model} cannot start from a reference picture; use gpt-image-1 for that`);
    }
    const svg = { bytes: new TextEncoder().encode("<svg/>"), contentType: "image/svg+xml" };
    const notPicture = await failure(
      openai.generate({
        model: "gpt-image-1",
        prompt: "x",
        width: 1024,
        height: 1024,
        reference: { image: svg, use: "edit" },
      }),
    );
    expect(notPicture).toBeInstanceOf(MediaInputError);
    expect(images.requests).toHaveLength(0);
  });
});

describe("OpenAI Images: failures", () => {
  it("turns the safety system's refusal into a MediaRefusedError (422), for generations and edits", async () => {
    images.options.refuse = "moderation_blocked";
    const refused = await failure(
      generator().generate({ model: "gpt-image-1", prompt: "something", width: 1024, height: 1024 }),
    );
    expect(refused).toBeInstanceOf(MediaRefusedError);
    expect(refused.status).toBe(422);
    expect(refused.message).toBe(
      "media provider openai refused the request: Your request was rejected by the safety system. If you believe this is an error, contact us at help.openai.com and include the request ID req_mock.",
    );

    images.options.refuse = "content_policy_violation";
    const edit = await failure(
      generator().generate({
        model: "gpt-image-1",
        prompt: "something",
        width: 1024,
        height: 1024,
        reference: { image: { bytes: await referencePng(), contentType: "image/png" }, use: "edit" },
      }),
    );
    expect(edit).toBeInstanceOf(MediaRefusedError);
    expect(edit.message).toMatch(/rejected as a result of our safety system/);
  });

  it("keeps other 400s provider errors", async () => {
    const error = await failure(
      generator().generate({ model: "gpt-image-1", prompt: "", width: 1024, height: 1024 }),
    );
    expect(error).toBeInstanceOf(MediaProviderError);
    expect(error.upstreamStatus).toBe(400);
    expect(error.message).toBe("media provider openai: 400: Missing required parameter: 'prompt'.");
  });

  it("turns a refused key into a 401 MediaProviderError without the key", async () => {
    const error = await failure(
      generator({ api_key: "sk-wrong-secret-key" }).generate({
        model: "gpt-image-1",
        prompt: "x",
        width: 1024,
        height: 1024,
      }),
    );
    expect(error).toBeInstanceOf(MediaProviderError);
    expect(error.status).toBe(502);
    expect(error.upstreamStatus).toBe(401);
    expect(error.message).toMatch(/^media provider openai: 401: Incorrect API key provided/);
    expect(error.message).not.toContain("sk-wrong-secret-key");
  });

  it("reports a server failure with its status, and an abort as the caller's", async () => {
    images.options.fail = 503;
    const error = await failure(
      generator().generate({ model: "gpt-image-1", prompt: "x", width: 1024, height: 1024 }),
    );
    expect(error).toMatchObject({
      upstreamStatus: 503,
      message: "media provider openai: 503: mock failure 503",
    });

    const aborted = await failure(
      generator().generate({
        model: "gpt-image-1",
        prompt: "x",
        width: 1024,
        height: 1024,
        signal: AbortSignal.abort(),
      }),
    );
    expect(aborted.name).toBe("AbortError");
  });
});
