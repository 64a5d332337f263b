import { setTimeout as delay } from "node:timers/promises";
import { z } from "zod";
import { joinUrl } from "../lib/service-http.ts";
import { checkImageSize, decodeBase64Image, imageCountOf, toGeneratedImage } from "./generated-images.ts";
import type { MediaProviderConfig } from "./media-config.ts";
import { createMediaHttp, type CloudMediaOptions, type MediaHttp } from "./media-http.ts";
import {
  MediaInputError,
  MediaProviderError,
  type GeneratedImage,
  type ImageGenerator,
  type ImageRequest,
  type MediaProgress,
  type MediaProvider,
  type ReferenceUse,
} from "./media.ts";

/**
 * The Stable Diffusion web UIs that share AUTOMATIC1111's API (AUTOMATIC1111, Forge, SD.Next):
 * `/sdapi/v1/txt2img`, `/sdapi/v1/img2img` with the reference as `init_images`, the checkpoints from
 * `/sdapi/v1/sd-models`, and `/sdapi/v1/progress` polled while a picture is drawn.
 */

/** Where the web UI listens when started without `--port`. */
export const AUTOMATIC1111_DEFAULT_BASE_URL = "http://127.0.0.1:7860";
const DEFAULT_STEPS = 28;
const DEFAULT_CFG_SCALE = 7;
/**
 * How far an edit moves from the reference when the request does not say. `ImageRequest.reference.strength`
 * already means "how far to move", which is exactly img2img's `denoising_strength`, so it is sent as it
 * is; 0.6 keeps the reference's composition and colours while following the new prompt.
 */
export const DEFAULT_EDIT_STRENGTH = 0.6;
/** img2img's "crop and resize": the reference keeps its proportions instead of being stretched. */
const RESIZE_MODE_CROP = 1;
/** A progress poll is small; one that hangs this long is given up (the generation goes on). */
const PROGRESS_TIMEOUT_MS = 30_000;

const generationAnswerSchema = z.object({
  images: z.array(z.string()),
  /** a JSON document as a string: `{"seed": 1, "all_seeds": [1, 2], ...}` */
  info: z.string().nullish(),
});

const generationInfoSchema = z.object({
  seed: z.number().nullish(),
  all_seeds: z.array(z.number()).nullish(),
});

const progressAnswerSchema = z.object({
  progress: z.number().nullish(),
  eta_relative: z.number().nullish(),
  state: z
    .object({
      sampling_step: z.number().nullish(),
      sampling_steps: z.number().nullish(),
      job_count: z.number().nullish(),
    })
    .nullish(),
});
type ProgressAnswer = z.infer<typeof progressAnswerSchema>;

const checkpointListSchema = z.array(z.object({ title: z.string(), model_name: z.string() }));

/**
 * @example
 * const forge = createAutomatic1111({ name: "forge", kind: "automatic1111", base_url: "http://gpu:7860" });
 * const [picture] = await forge.images!.generate({ model: "sd_xl_base_1.0", prompt, width: 832, height: 1216 });
 */
export function createAutomatic1111(
  config: MediaProviderConfig,
  options: CloudMediaOptions = {},
): MediaProvider {
  return {
    name: config.name,
    images: config.image_models === null ? undefined : new Automatic1111Generator(config, options),
  };
}

class Automatic1111Generator implements ImageGenerator {
  readonly name: string;
  readonly label: string;
  readonly offline = false;
  /** img2img edits a picture; keeping a likeness needs an extension (IP-Adapter) this API does not name. */
  readonly references: readonly ReferenceUse[] = ["edit"];
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly http: MediaHttp;
  private readonly configuredModels: readonly string[];

  constructor(
    config: MediaProviderConfig,
    private readonly options: CloudMediaOptions,
  ) {
    this.name = config.name;
    this.label = `${config.name} (Stable Diffusion web UI)`;
    this.base = config.base_url ?? AUTOMATIC1111_DEFAULT_BASE_URL;
    this.headers = { ...config.headers };
    const authorization = authorizationOf(config.api_key);
    if (authorization) this.headers.Authorization = authorization;
    this.configuredModels = config.image_models ?? [];
    this.http = createMediaHttp({
      provider: config.name,
      fetch: options.fetch,
      secrets: [config.api_key],
      timeoutMs: options.timeoutMs,
    });
  }

  /** The configured names first (the first is the default), then the checkpoints the server has. */
  async listModels(signal?: AbortSignal): Promise<string[]> {
    const checkpoints = await this.http.json(
      { url: joinUrl(this.base, "sdapi/v1/sd-models"), headers: this.headers, signal },
      checkpointListSchema,
    );
    return [
      ...new Set([...this.configuredModels, ...checkpoints.map((checkpoint) => checkpoint.model_name)]),
    ];
  }

  async generate(request: ImageRequest): Promise<GeneratedImage[]> {
    checkImageSize(request);
    const count = imageCountOf(request);
    const reference = request.reference;
    if (reference && reference.use !== "edit") {
      throw new MediaInputError(
        `${this.name} can only edit a reference picture (img2img), not keep its likeness`,
      );
    }
    const body: Record<string, unknown> = {
      prompt: request.prompt,
      negative_prompt: request.negativePrompt ?? "",
      seed: request.seed ?? -1,
      width: toLatentSide(request.width),
      height: toLatentSide(request.height),
      batch_size: count,
      n_iter: 1,
      steps: DEFAULT_STEPS,
      cfg_scale: DEFAULT_CFG_SCALE,
      send_images: true,
      save_images: false,
    };
    if (request.model) {
      body.override_settings = { sd_model_checkpoint: request.model };
      // Loading a checkpoint takes seconds to minutes: the one asked for stays loaded for the next picture.
      body.override_settings_restore_afterwards = false;
    }
    if (reference) {
      body.init_images = [Buffer.from(reference.image.bytes).toString("base64")];
      body.denoising_strength = Math.min(1, Math.max(0, reference.strength ?? DEFAULT_EDIT_STRENGTH));
      body.resize_mode = RESIZE_MODE_CROP;
    }

    const stopPolling = new AbortController();
    // Progress only informs: a failed poll or a throwing listener never decides the generation's outcome.
    const polling = this.reportProgress(request, stopPolling.signal).catch(() => undefined);
    let answer: z.infer<typeof generationAnswerSchema>;
    try {
      answer = await this.http.json(
        {
          url: joinUrl(this.base, reference ? "sdapi/v1/img2img" : "sdapi/v1/txt2img"),
          method: "POST",
          headers: { ...this.headers, "Content-Type": "application/json" },
          body: JSON.stringify(body),
          signal: request.signal,
        },
        generationAnswerSchema,
      );
    } finally {
      stopPolling.abort();
      await polling;
    }
    // Extensions (ControlNet) append their own pictures after the batch: only the batch is kept.
    const images = answer.images.slice(0, count);
    if (images.length === 0) throw new MediaProviderError(this.name, "answered no images");
    const seeds = readSeeds(answer.info);
    return Promise.all(
      images.map((base64, index) =>
        toGeneratedImage(this.name, decodeBase64Image(this.name, base64), {
          seed: seeds.all?.[index] ?? (seeds.first === undefined ? undefined : seeds.first + index),
        }),
      ),
    );
  }

  /**
   * Polls `/sdapi/v1/progress` until `stop` (the generation settled) or the caller's abort. The web UI
   * draws one job at a time and reports only the current one: while this request waits in its queue,
   * the numbers are another job's.
   */
  private async reportProgress(request: ImageRequest, stop: AbortSignal): Promise<void> {
    const report = request.onProgress;
    if (!report) return;
    const signal = request.signal ? AbortSignal.any([request.signal, stop]) : stop;
    const interval = this.options.pollIntervalMs ?? 1000;
    let last = "";
    while (!signal.aborted) {
      try {
        await delay(interval, undefined, { signal });
      } catch {
        return;
      }
      let answer: ProgressAnswer;
      try {
        answer = await this.http.json(
          {
            url: joinUrl(this.base, "sdapi/v1/progress?skip_current_image=true"),
            headers: this.headers,
            signal,
            timeoutMs: PROGRESS_TIMEOUT_MS,
          },
          progressAnswerSchema,
        );
      } catch {
        // A server without the endpoint, or one too busy to answer: the pictures still come.
        return;
      }
      if (signal.aborted) return;
      const progress = describeProgress(answer);
      const key = JSON.stringify(progress);
      if (key !== last) {
        last = key;
        report(progress);
      }
    }
  }
}

/** `user:password` is `--api-auth`'s HTTP basic; anything else a bearer token (a proxy in front). */
function authorizationOf(key: string | undefined): string | undefined {
  if (!key) return undefined;
  return key.includes(":") ? `Basic ${Buffer.from(key).toString("base64")}` : `Bearer ${key}`;
}

/** Stable Diffusion draws in 8-pixel latent cells: sides are rounded to a multiple of 8. */
function toLatentSide(side: number): number {
  return Math.max(64, Math.round(side / 8) * 8);
}

function readSeeds(info: string | null | undefined): {
  first?: number | undefined;
  all?: number[] | undefined;
} {
  if (!info) return {};
  try {
    const parsed = generationInfoSchema.safeParse(JSON.parse(info));
    if (!parsed.success) return {};
    return { first: parsed.data.seed ?? undefined, all: parsed.data.all_seeds ?? undefined };
  } catch {
    return {};
  }
}

/** `{progress: 0.4, state: {sampling_step: 11, sampling_steps: 28}}` -> `{fraction: 0.4, message: "step 11/28"}`. */
export function describeProgress(answer: ProgressAnswer): MediaProgress {
  const state = answer.state ?? {};
  const fraction = Math.min(1, Math.max(0, answer.progress ?? 0));
  if (!state.job_count && fraction === 0) return { fraction: 0, message: "waiting" };
  const steps = state.sampling_steps ? `step ${state.sampling_step ?? 0}/${state.sampling_steps}` : "working";
  const eta =
    answer.eta_relative && answer.eta_relative > 0 ? `, about ${Math.ceil(answer.eta_relative)} s left` : "";
  return { fraction, message: `${steps}${eta}` };
}
