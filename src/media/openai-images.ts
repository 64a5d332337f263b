import { z } from "zod";
import { redactSecrets } from "../lib/redact.ts";
import { joinUrl, readUpstreamMessage } from "../lib/service-http.ts";
import {
  checkImageSize,
  decodeBase64Image,
  imageCountOf,
  referenceFileName,
  toGeneratedImage,
} from "./generated-images.ts";
import type { MediaProviderConfig } from "./media-config.ts";
import { createMediaHttp, type CloudMediaOptions, type MediaHttp } from "./media-http.ts";
import {
  MediaInputError,
  MediaProviderError,
  MediaRefusedError,
  type GeneratedImage,
  type ImageGenerator,
  type ImageRequest,
  type MediaProvider,
  type ReferenceUse,
} from "./media.ts";

/**
 * OpenAI's Images API (`/images/generations`, `/images/edits`) and the local servers that copy it
 * (LocalAI, stable-diffusion.cpp's server, …). Model families differ in what they take: gpt-image
 * models always answer base64 and take `output_format`; DALL·E models take `response_format` and fixed
 * sizes, and DALL·E 3 draws one picture per request. Names it does not know (a local server's) are sent
 * the size asked for as `WxH`.
 */

export const OPENAI_IMAGES_DEFAULT_BASE_URL = "https://api.openai.com/v1";
const DEFAULT_IMAGE_MODELS = ["gpt-image-1"];
/** OpenAI's safety system answers 400 with one of these codes: the prompt was refused, nothing broke. */
const REFUSAL_CODES = new Set(["content_policy_violation", "moderation_blocked"]);
/** An error body is read this far to find its code; a refusal is a short JSON document. */
const REFUSAL_READ_BYTES = 64 * 1024;
/**
 * Below this strength (how far to move from the reference) an edit asks gpt-image for high input
 * fidelity, as a likeness does: OpenAI's edits take no strength, but they can be told to keep the face.
 */
const HIGH_FIDELITY_BELOW_STRENGTH = 0.5;

type ModelFamily = "gpt-image" | "dall-e-3" | "dall-e-2" | "other";

/** The sizes each family draws; "other" draws what it is asked. */
const FAMILY_SIZES: Record<Exclude<ModelFamily, "other">, readonly string[]> = {
  "gpt-image": ["1024x1024", "1536x1024", "1024x1536"],
  "dall-e-3": ["1024x1024", "1792x1024", "1024x1792"],
  "dall-e-2": ["256x256", "512x512", "1024x1024"],
};

const imagesAnswerSchema = z.object({
  data: z
    .array(
      z.object({
        b64_json: z.string().nullish(),
        url: z.string().nullish(),
        revised_prompt: z.string().nullish(),
      }),
    )
    .min(1, "no images"),
});
type ImagesAnswer = z.infer<typeof imagesAnswerSchema>;

/**
 * @example
 * const openai = createOpenAIImages({ name: "openai", kind: "openai-compatible", api_key: key });
 * const [picture] = await openai.images!.generate({ model: "gpt-image-1", prompt, width: 1024, height: 1536 });
 */
export function createOpenAIImages(
  config: MediaProviderConfig,
  options: CloudMediaOptions = {},
): MediaProvider {
  return {
    name: config.name,
    images: config.image_models === null ? undefined : new OpenAIImageGenerator(config, options),
  };
}

class OpenAIImageGenerator implements ImageGenerator {
  readonly name: string;
  readonly label: string;
  readonly offline = false;
  /**
   * Both: a reference goes to `/images/edits`, which restyles it ("edit") and, with gpt-image's
   * `input_fidelity: "high"`, keeps its face and features ("likeness"). DALL·E models refuse either.
   */
  readonly references: readonly ReferenceUse[] = ["edit", "likeness"];
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly models: readonly string[];
  /** the key, kept out of every message */
  private readonly secrets: ReadonlyArray<string | undefined>;

  constructor(
    config: MediaProviderConfig,
    private readonly options: CloudMediaOptions,
  ) {
    this.name = config.name;
    this.base = config.base_url ?? OPENAI_IMAGES_DEFAULT_BASE_URL;
    this.label = isOpenAI(this.base) ? "OpenAI Images" : `${config.name} (OpenAI-compatible)`;
    this.headers = { ...config.headers };
    if (config.api_key) this.headers.Authorization = `Bearer ${config.api_key}`;
    this.secrets = [config.api_key];
    this.models = config.image_models ?? DEFAULT_IMAGE_MODELS;
  }

  /** No list endpoint names image models apart from chat ones: the configured names. */
  async listModels(): Promise<string[]> {
    return [...this.models];
  }

  async generate(request: ImageRequest): Promise<GeneratedImage[]> {
    checkImageSize(request);
    const count = imageCountOf(request);
    const family = modelFamily(request.model);
    const size = chooseOpenAISize(request.model, request.width, request.height);
    if (request.reference) {
      return this.edit(request, { family, size, count, reference: request.reference });
    }
    const body = (n: number): string => {
      const fields: Record<string, unknown> = { model: request.model, prompt: request.prompt, n, size };
      if (family === "gpt-image") fields.output_format = "png";
      else fields.response_format = "b64_json";
      return JSON.stringify(fields);
    };
    const headers = { ...this.headers, "Content-Type": "application/json" };
    if (family !== "dall-e-3") {
      return this.post("images/generations", { body: body(count), headers, count, signal: request.signal });
    }
    // DALL·E 3 draws one picture per request: several are asked for side by side, and a failure of
    // one gives up the others.
    const stop = new AbortController();
    const signal = request.signal ? AbortSignal.any([request.signal, stop.signal]) : stop.signal;
    try {
      const batches = await Promise.all(
        Array.from({ length: count }, () =>
          this.post("images/generations", { body: body(1), headers, count: 1, signal }),
        ),
      );
      return batches.flat();
    } catch (error) {
      stop.abort();
      throw error;
    }
  }

  private async edit(
    request: ImageRequest,
    plan: {
      family: ModelFamily;
      size: string;
      count: number;
      reference: NonNullable<ImageRequest["reference"]>;
    },
  ): Promise<GeneratedImage[]> {
    const { family, size, count, reference } = plan;
    // DALL·E 3 has no edits; DALL·E 2's only fill a picture's transparent parts, which an avatar has none of.
    if (family === "dall-e-3" || family === "dall-e-2") {
      throw new MediaInputError(
        `${request.model} cannot start from a reference picture; use gpt-image-1 for that`,
      );
    }
    const fileName = referenceFileName(reference.image.bytes);
    if (!fileName) throw new MediaInputError("the reference picture must be a PNG, JPEG or WebP image");
    const form = new FormData();
    form.append("image", new Blob([reference.image.bytes], { type: reference.image.contentType }), fileName);
    form.append("prompt", request.prompt);
    form.append("model", request.model);
    form.append("n", String(count));
    form.append("size", size);
    if (family === "gpt-image") {
      form.append("output_format", "png");
      const keepFeatures =
        reference.use === "likeness" || (reference.strength ?? 1) < HIGH_FIDELITY_BELOW_STRENGTH;
      // gpt-image-1-mini refuses the field.
      if (keepFeatures && !request.model.includes("mini")) form.append("input_fidelity", "high");
    } else {
      form.append("response_format", "b64_json");
    }
    return this.post("images/edits", { body: form, headers: this.headers, count, signal: request.signal });
  }

  /** One call to `path`; its pictures read from base64 or fetched from their URLs. */
  private async post(
    path: string,
    call: {
      body: string | FormData;
      headers: Record<string, string>;
      count: number;
      signal?: AbortSignal | undefined;
    },
  ): Promise<GeneratedImage[]> {
    // A refusal is told from other 400s by its code, which the shared HTTP helper does not pass on:
    // this request's own fetch notes it on the way through.
    let refusal: string | undefined;
    const network = this.options.fetch ?? fetch;
    const noteRefusal: typeof fetch = async (input, init) => {
      const response = await network(input, init);
      if (response.status === 400) refusal = await readRefusal(response.clone(), this.secrets);
      return response;
    };
    const http = createMediaHttp({
      provider: this.name,
      fetch: noteRefusal,
      secrets: this.secrets,
      timeoutMs: this.options.timeoutMs,
    });
    let answer: ImagesAnswer;
    try {
      answer = await http.json(
        {
          url: joinUrl(this.base, path),
          method: "POST",
          headers: call.headers,
          body: call.body,
          signal: call.signal,
        },
        imagesAnswerSchema,
      );
    } catch (error) {
      if (refusal !== undefined) throw new MediaRefusedError(this.name, refusal);
      throw error;
    }
    return Promise.all(
      answer.data.slice(0, call.count).map(async (item) => {
        const bytes = item.b64_json
          ? decodeBase64Image(this.name, item.b64_json)
          : item.url
            ? await this.download(http, item.url, call.signal)
            : undefined;
        if (!bytes)
          throw new MediaProviderError(this.name, "answered an image with neither b64_json nor url");
        return toGeneratedImage(this.name, bytes, { revisedPrompt: item.revised_prompt ?? undefined });
      }),
    );
  }

  /**
   * A picture answered as a link (DALL·E's `url`, a local server's `/generated/x.png`): fetched through
   * the same HTTP, with the key only when the link points back at the service itself.
   */
  private async download(
    http: MediaHttp,
    link: string,
    signal: AbortSignal | undefined,
  ): Promise<Uint8Array> {
    let url: URL;
    try {
      url = new URL(link, this.base);
    } catch {
      throw new MediaProviderError(this.name, "answered an image link that is not a URL");
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new MediaProviderError(this.name, "answered an image link that is not http or https");
    }
    const sameService = url.origin === new URL(this.base).origin;
    const answer = await http.bytes({ url: url.href, headers: sameService ? this.headers : {}, signal });
    return answer.bytes;
  }
}

function isOpenAI(base: string): boolean {
  try {
    return new URL(base).hostname === "api.openai.com";
  } catch {
    return false;
  }
}

function modelFamily(model: string): ModelFamily {
  if (model.startsWith("gpt-image-")) return "gpt-image";
  if (model === "dall-e-3") return "dall-e-3";
  if (model === "dall-e-2") return "dall-e-2";
  return "other";
}

/**
 * The size (`WxH`) sent for a picture of `width`×`height`: for OpenAI's models the one they draw whose
 * shape is nearest (then whose area is nearest), for other models what was asked.
 *
 * @example chooseOpenAISize("dall-e-3", 800, 1200) // "1024x1792"
 */
export function chooseOpenAISize(model: string, width: number, height: number): string {
  const family = modelFamily(model);
  if (family === "other") return `${width}x${height}`;
  const distance = (size: string) => {
    const [candidateWidth, candidateHeight] = size.split("x").map(Number) as [number, number];
    return {
      shape: Math.abs(Math.log(width / height / (candidateWidth / candidateHeight))),
      area: Math.abs(Math.log((width * height) / (candidateWidth * candidateHeight))),
    };
  };
  const sizes = FAMILY_SIZES[family];
  return sizes.reduce((best, size) => {
    const candidate = distance(size);
    const current = distance(best);
    const closerShape = candidate.shape < current.shape - 1e-9;
    const sameShape = Math.abs(candidate.shape - current.shape) <= 1e-9;
    return closerShape || (sameShape && candidate.area < current.area) ? size : best;
  }, sizes[0]!);
}

/** The safety system's message when a 400 answer carries a refusal code; undefined for other 400s. */
async function readRefusal(
  response: Response,
  secrets: ReadonlyArray<string | undefined>,
): Promise<string | undefined> {
  try {
    const bytes = await readPrefix(response, REFUSAL_READ_BYTES);
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { error?: { code?: unknown } };
    const code = parsed.error?.code;
    if (typeof code !== "string" || !REFUSAL_CODES.has(code)) return undefined;
    const message = readUpstreamMessage(bytes, "application/json") || "its safety system blocked the request";
    return redactSecrets(message, secrets);
  } catch {
    // not JSON, or cut short: an ordinary failure, reported by the HTTP helper
    return undefined;
  }
}

/** The first `limit` bytes of a body; the rest is not read. */
async function readPrefix(response: Response, limit: number): Promise<Uint8Array> {
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let length = 0;
  while (length < limit) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.byteLength;
  }
  await reader.cancel();
  return new Uint8Array(Buffer.concat(chunks));
}
