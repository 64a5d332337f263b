import { z } from "zod";
import { sniffMediaType } from "../lib/file-signatures.ts";
import { redactSecrets } from "../lib/redact.ts";
import { joinUrl, readUpstreamMessage, type ServiceHttpAnswer } from "../lib/service-http.ts";
import type { MediaProviderConfig } from "./media-config.ts";
import { toGeneratedImage } from "./generated-images.ts";
import { createMediaHttp, type CloudMediaOptions, type MediaHttp } from "./media-http.ts";
import {
  CANCEL_TIMEOUT_MS,
  DEFAULT_POLL_INTERVAL_MS,
  decodeDataUri,
  pause,
  shortenUpstreamText,
  startGenerationDeadline,
} from "./media-jobs.ts";
import {
  MediaInputError,
  MediaProviderError,
  MediaRefusedError,
  type GeneratedImage,
  type GeneratedVideo,
  type ImageGenerator,
  type ImageRequest,
  type MediaProgress,
  type MediaProvider,
  type ReferenceUse,
  type VideoGenerator,
  type VideoRequest,
} from "./media.ts";
import { buildImageInputs, buildVideoInput, replicateReferenceUses } from "./replicate-models.ts";

/**
 * Replicate (and services with its predictions API): a prediction is created for a model, `POST
 * /v1/models/{owner}/{name}/predictions`, or for a version, `POST /v1/predictions` with `version`; then
 * polled (`GET /v1/predictions/{id}`) until it `succeeded`, `failed` or was `canceled`, its progress read
 * from the model's log (tqdm bars: ` 50%|█████     | 14/28`). Its output is a file URL or a list of them
 * (or `data:` URIs), read with the same HTTP. A given-up generation cancels its predictions. Each model
 * takes its own inputs: replicate-models.ts.
 */

export const REPLICATE_DEFAULT_BASE_URL = "https://api.replicate.com";
/** Offered when the operator names no picture models: quick and cheap. */
export const REPLICATE_DEFAULT_IMAGE_MODELS = ["black-forest-labs/flux-schnell"];
/** Creating a prediction answers at once (without `Prefer: wait`). */
const CREATE_TIMEOUT_MS = 60_000;
const TERMINAL_STATUSES = new Set(["succeeded", "failed", "canceled", "aborted"]);
/** The ways models word a refusal by their safety checker (flux, SD, Kling, Replicate's own E005). */
const REFUSAL =
  /nsfw|safety (checker|filter|system)|flagged as sensitive|sensitive (content|information)|inappropriate content|content (policy|moderation)|\bE005\b/i;
const MODEL_ID = /^([a-z0-9][\w.-]*)\/([a-z0-9][\w.-]*)(?::([a-z0-9]+))?$/i;

export interface ReplicateOptions extends CloudMediaOptions {
  /**
   * Seconds a picture's creation may wait for the result (`Prefer: wait=N`) before polling: fewer round
   * trips for quick models. While it waits there is no progress and an abort takes effect only after.
   * Absent: no waiting.
   */
  waitSeconds?: number | undefined;
}

const predictionSchema = z
  .object({
    id: z.string().min(1),
    status: z.string(),
    output: z.unknown().optional(),
    error: z.unknown().optional(),
    logs: z.string().nullable().optional(),
    urls: z.object({ get: z.string().optional(), cancel: z.string().optional() }).loose().optional(),
  })
  .loose();
type Prediction = z.infer<typeof predictionSchema>;

/**
 * @example
 * const replicate = createReplicate({ name: "replicate", kind: "replicate", api_key: key, video_models: ["kwaivgi/kling-v1.6-standard"] }, {});
 * const [image] = await replicate.images!.generate({ model: "black-forest-labs/flux-schnell", prompt, width: 1024, height: 1024 });
 */
export function createReplicate(config: MediaProviderConfig, options: ReplicateOptions = {}): MediaProvider {
  const predictions = new ReplicatePredictions(config, options);
  return {
    name: config.name,
    images:
      config.image_models === null
        ? undefined
        : new ReplicateImages(predictions, config.image_models ?? REPLICATE_DEFAULT_IMAGE_MODELS, options),
    videos: config.video_models?.length
      ? new ReplicateVideos(predictions, config.video_models, options)
      : undefined,
  };
}

/** A model id taken apart: `owner/name` and, when pinned, its version. */
interface ReplicateModel {
  owner: string;
  name: string;
  version: string | undefined;
}

function parseModel(model: string): ReplicateModel {
  const match = MODEL_ID.exec(model);
  if (!match)
    throw new MediaInputError(`"${model}" is not a Replicate model (owner/name or owner/name:version)`);
  return { owner: match[1]!, name: match[2]!, version: match[3] };
}

interface RunOptions {
  signal: AbortSignal;
  onProgress?: ((progress: MediaProgress) => void) | undefined;
  waitSeconds?: number | undefined;
}

/** The predictions API of one configured service: create, poll, read the output, cancel. */
class ReplicatePredictions {
  readonly name: string;
  private readonly base: string;
  private readonly auth: Record<string, string>;
  private readonly http: MediaHttp;

  constructor(
    private readonly config: MediaProviderConfig,
    private readonly options: CloudMediaOptions,
  ) {
    this.name = config.name;
    // The root, with or without the `/v1` the docs write into every path.
    this.base = (config.base_url ?? REPLICATE_DEFAULT_BASE_URL).replace(/\/+$/, "").replace(/\/v1$/, "");
    this.auth = {
      ...config.headers,
      ...(config.api_key ? { Authorization: `Bearer ${config.api_key}` } : {}),
    };
    this.http = createMediaHttp({ provider: config.name, fetch: options.fetch, secrets: [config.api_key] });
  }

  /** Runs one prediction to its end; the output files' bytes, or the failure as the layer's error. */
  async run(
    model: ReplicateModel,
    input: Record<string, unknown>,
    options: RunOptions,
  ): Promise<ServiceHttpAnswer[]> {
    const { signal, onProgress } = options;
    let prediction = await this.create(model, input, options.waitSeconds);
    try {
      signal.throwIfAborted();
      let reported = "";
      while (!TERMINAL_STATUSES.has(prediction.status)) {
        const progress = describeProgress(prediction);
        if (JSON.stringify(progress) !== reported) {
          reported = JSON.stringify(progress);
          onProgress?.(progress);
        }
        await pause(this.options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS, signal);
        prediction = await this.get(prediction, signal);
      }
      return await this.readOutput(prediction, signal);
    } catch (error) {
      if (signal.aborted && !TERMINAL_STATUSES.has(prediction.status)) await this.cancel(prediction);
      throw error;
    }
  }

  /**
   * Not cut short by the caller: the answer names the prediction, and one created by a request given
   * up half-way would run (and be paid for) without the id to cancel it.
   */
  private async create(
    model: ReplicateModel,
    input: Record<string, unknown>,
    waitSeconds?: number,
  ): Promise<Prediction> {
    const url = model.version
      ? this.url("v1/predictions")
      : this.url(
          `v1/models/${encodeURIComponent(model.owner)}/${encodeURIComponent(model.name)}/predictions`,
        );
    const answer = await this.http.bytes({
      url,
      method: "POST",
      headers: {
        ...this.auth,
        "Content-Type": "application/json",
        ...(waitSeconds ? { Prefer: `wait=${Math.round(waitSeconds)}` } : {}),
      },
      body: JSON.stringify(model.version ? { version: model.version, input } : { input }),
      timeoutMs: CREATE_TIMEOUT_MS + (waitSeconds ?? 0) * 1000,
      okStatuses: [404, 422],
    });
    const id = `${model.owner}/${model.name}`;
    if (answer.status === 404) throw new MediaInputError(`${this.name} has no model ${id}`);
    if (answer.status === 422) {
      const reason = readUpstreamMessage(answer.bytes, answer.contentType) || "invalid input";
      throw new MediaInputError(`${this.name} refused the input for ${id}: ${this.clean(reason)}`);
    }
    return this.parse(answer);
  }

  private async get(prediction: Prediction, signal: AbortSignal): Promise<Prediction> {
    const url =
      this.ownUrl(prediction.urls?.get) ?? this.url(`v1/predictions/${encodeURIComponent(prediction.id)}`);
    return this.parse(await this.http.bytes({ url, headers: this.auth, signal }));
  }

  /** Best effort, with its own time limit: the caller's rejection follows whatever it answers. */
  private async cancel(prediction: Prediction): Promise<void> {
    const url =
      this.ownUrl(prediction.urls?.cancel) ??
      this.url(`v1/predictions/${encodeURIComponent(prediction.id)}/cancel`);
    await this.http
      .bytes({ url, method: "POST", headers: this.auth, signal: AbortSignal.timeout(CANCEL_TIMEOUT_MS) })
      .catch(() => undefined);
  }

  private async readOutput(prediction: Prediction, signal: AbortSignal): Promise<ServiceHttpAnswer[]> {
    if (prediction.status === "canceled")
      throw new MediaProviderError(this.name, "the prediction was canceled");
    if (prediction.status !== "succeeded") {
      const reason = this.clean(describeError(prediction.error) || "the prediction failed");
      throw REFUSAL.test(reason)
        ? new MediaRefusedError(this.name, reason)
        : new MediaProviderError(this.name, reason);
    }
    const output = prediction.output;
    const files = typeof output === "string" ? [output] : Array.isArray(output) ? output : [];
    if (files.length === 0 || !files.every((file): file is string => typeof file === "string")) {
      throw new MediaProviderError(this.name, "the prediction succeeded without a file in its output");
    }
    return Promise.all(files.map((file) => this.download(file, signal)));
  }

  private async download(file: string, signal: AbortSignal): Promise<ServiceHttpAnswer> {
    const inline = decodeDataUri(file);
    if (inline) return { ...inline, status: 200 };
    if (!/^https?:\/\//i.test(file))
      throw new MediaProviderError(this.name, "answered an output that is not a URL");
    // Files live on a delivery host that needs no key; the key goes only to the service itself.
    return this.http.bytes({ url: file, headers: this.ownUrl(file) ? this.auth : {}, signal });
  }

  private parse(answer: ServiceHttpAnswer): Prediction {
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(answer.bytes));
    } catch {
      throw new MediaProviderError(this.name, "answered something that is not JSON");
    }
    const result = predictionSchema.safeParse(parsed);
    if (!result.success)
      throw new MediaProviderError(this.name, "answered a prediction in an unexpected shape");
    return result.data;
  }

  private url(path: string): string {
    return joinUrl(this.base, path);
  }

  /** `url` when it is on the configured service (where the key may go), else undefined. */
  private ownUrl(url: string | undefined): string | undefined {
    if (!url) return undefined;
    try {
      return new URL(url).origin === new URL(this.base).origin ? url : undefined;
    } catch {
      return undefined;
    }
  }

  private clean(text: string): string {
    return shortenUpstreamText(redactSecrets(text, [this.config.api_key]));
  }
}

class ReplicateImages implements ImageGenerator {
  readonly name: string;
  readonly label = "Replicate";
  readonly offline = false;
  readonly references: readonly ReferenceUse[];

  constructor(
    private readonly predictions: ReplicatePredictions,
    private readonly models: readonly string[],
    private readonly options: ReplicateOptions,
  ) {
    this.name = predictions.name;
    this.references = replicateReferenceUses(models);
  }

  async listModels(): Promise<string[]> {
    return [...this.models];
  }

  async generate(request: ImageRequest): Promise<GeneratedImage[]> {
    const model = parseModel(request.model);
    const inputs = buildImageInputs(`${model.owner}/${model.name}`, request);
    const deadline = startGenerationDeadline(this.name, this.options.timeoutMs, request.signal);
    // A model that makes one picture per prediction runs several; the first failure cancels the rest.
    const group = new AbortController();
    const signal = AbortSignal.any([deadline.signal, group.signal]);
    let firstFailure: unknown;
    const settled = await Promise.allSettled(
      inputs.map((input, index) =>
        this.predictions
          .run(model, input, {
            signal,
            onProgress: index === 0 ? request.onProgress : undefined,
            waitSeconds: this.options.waitSeconds,
          })
          .catch((error: unknown) => {
            if (!group.signal.aborted) {
              firstFailure = error;
              group.abort(error);
            }
            throw error;
          }),
      ),
    );
    if (deadline.signal.aborted) throw deadline.failure();
    if (firstFailure !== undefined) throw firstFailure;
    const count = Math.max(1, request.count ?? 1);
    const files = settled.flatMap((result, index) =>
      result.status === "fulfilled" ? result.value.map((file) => ({ file, index })) : [],
    );
    return Promise.all(
      files.slice(0, count).map(({ file, index }) =>
        toGeneratedImage(this.name, file.bytes, {
          seed: request.seed === undefined ? undefined : request.seed + index,
        }),
      ),
    );
  }
}

class ReplicateVideos implements VideoGenerator {
  readonly name: string;
  readonly label = "Replicate";
  readonly offline = false;

  constructor(
    private readonly predictions: ReplicatePredictions,
    private readonly models: readonly string[],
    private readonly options: ReplicateOptions,
  ) {
    this.name = predictions.name;
  }

  async listModels(): Promise<string[]> {
    return [...this.models];
  }

  async generate(request: VideoRequest): Promise<GeneratedVideo> {
    const model = parseModel(request.model);
    const { input, durationSeconds } = buildVideoInput(`${model.owner}/${model.name}`, request);
    const deadline = startGenerationDeadline(this.name, this.options.timeoutMs, request.signal);
    let files: ServiceHttpAnswer[];
    try {
      files = await this.predictions.run(model, input, {
        signal: deadline.signal,
        onProgress: request.onProgress,
      });
    } catch (error) {
      if (deadline.signal.aborted) throw deadline.failure();
      throw error;
    }
    const file = files[0]!;
    const contentType = sniffMediaType(file.bytes);
    // Some models answer an animated picture rather than a clip.
    if (
      !contentType ||
      !(contentType.startsWith("video/") || contentType === "image/gif" || contentType === "image/webp")
    ) {
      throw new MediaProviderError(
        this.name,
        `answered a file that is not a video (${file.contentType ?? "no type"})`,
      );
    }
    return { bytes: file.bytes, contentType, durationSeconds };
  }
}

/** `starting`; while processing, the last tqdm bar of the log (` 50%|█████     | 14/28 [...]`). */
export function describeProgress(prediction: Pick<Prediction, "status" | "logs">): MediaProgress {
  if (prediction.status !== "processing") return { message: prediction.status };
  const lines = (prediction.logs ?? "").split(/[\r\n]+/).filter((line) => line.trim());
  for (const line of lines.reverse()) {
    const steps = /\|\s*(\d+)\/(\d+)\b/.exec(line);
    if (steps && Number(steps[2]) > 0) {
      const [done, total] = [Number(steps[1]), Number(steps[2])];
      return { fraction: Math.min(1, done / total), message: `step ${done}/${total}` };
    }
    const percent = /(\d{1,3})%\|/.exec(line);
    if (percent) return { fraction: Math.min(1, Number(percent[1]) / 100), message: `${percent[1]}%` };
  }
  return { message: "processing" };
}

/** A prediction's `error`: usually a string; anything else as its JSON. */
function describeError(error: unknown): string {
  if (error === null || error === undefined) return "";
  if (typeof error === "string") return error;
  const message =
    (error as { message?: unknown; detail?: unknown }).message ?? (error as { detail?: unknown }).detail;
  return typeof message === "string" ? message : JSON.stringify(error);
}
