import { AppError } from "../errors/app-error.ts";

/**
 * Pictures and videos behind two small interfaces: an `ImageGenerator` turns a prompt (and optionally a
 * reference picture) into images, a `VideoGenerator` turns a prompt (and optionally a still) into a clip.
 * Models are named `provider/model` across the server (`openai/gpt-image-1`, `forge/sdxl`,
 * `comfy/flux-dev`, `replicate/black-forest-labs/flux-schnell`, `offline/card`); `MediaRegistry` resolves
 * the names. This layer knows wire formats only: prompts are composed by the services (a persona's
 * appearance, art style, seed), bytes are stored by them.
 */

/** Encoded image bytes with their media type (`image/png`, `image/jpeg`, `image/webp`). */
export interface MediaImage {
  bytes: Uint8Array;
  contentType: string;
}

/** How a reference picture is used: edited (img2img, OpenAI edits) or only kept alike (IP-Adapter). */
export type ReferenceUse = "edit" | "likeness";

/** Progress a provider reports while it works (ComfyUI's steps, A1111's progress, Replicate's logs). */
export interface MediaProgress {
  /** 0-1 when the provider says how far it is */
  fraction?: number | undefined;
  /** a short human line: "queued", "step 12/30" */
  message?: string | undefined;
}

export interface ImageRequest {
  /** the provider's own model name (the part after `provider/`) */
  model: string;
  prompt: string;
  /** what to keep out (Stable Diffusion kinds); ignored by providers without one */
  negativePrompt?: string | undefined;
  width: number;
  height: number;
  /** the same seed, prompt and model give the same picture where the provider honours seeds */
  seed?: number | undefined;
  /** pictures wanted, 1-4 */
  count?: number | undefined;
  /** a picture to start from (`edit`, with `strength` 0-1: how far to move from it) or to resemble (`likeness`) */
  reference?: { image: MediaImage; use: ReferenceUse; strength?: number | undefined } | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: MediaProgress) => void) | undefined;
}

export interface GeneratedImage extends MediaImage {
  width?: number | undefined;
  height?: number | undefined;
  /** the seed the provider used, when it says */
  seed?: number | undefined;
  /** the prompt as the provider rewrote it (OpenAI's `revised_prompt`) */
  revisedPrompt?: string | undefined;
}

export interface ImageGenerator {
  /** the provider part of model ids */
  readonly name: string;
  /** shown beside its models (`OpenAI Images`, `ComfyUI`, `Offline (placeholder)`) */
  readonly label: string;
  /** the embedded renderer: a labelled placeholder, never presented as a real generation */
  readonly offline: boolean;
  /** what a reference picture can do here; empty: references are not sent */
  readonly references: readonly ReferenceUse[];
  /** model names it offers (configured, or listed by the service) */
  listModels(signal?: AbortSignal): Promise<string[]>;
  generate(request: ImageRequest): Promise<GeneratedImage[]>;
}

export interface VideoRequest {
  model: string;
  prompt: string;
  /** the still to animate (image -> video); none: text -> video */
  image?: MediaImage | undefined;
  durationSeconds: number;
  width: number;
  height: number;
  seed?: number | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: MediaProgress) => void) | undefined;
}

export interface GeneratedVideo {
  bytes: Uint8Array;
  /** `video/mp4`, `video/webm`, or `image/gif` / `image/webp` for the offline engine's animated stills */
  contentType: string;
  durationSeconds?: number | undefined;
  width?: number | undefined;
  height?: number | undefined;
}

export interface VideoGenerator {
  readonly name: string;
  readonly label: string;
  readonly offline: boolean;
  listModels(signal?: AbortSignal): Promise<string[]>;
  generate(request: VideoRequest): Promise<GeneratedVideo>;
}

/** What one configured media service offers: pictures, videos, or both. */
export interface MediaProvider {
  name: string;
  images?: ImageGenerator | undefined;
  videos?: VideoGenerator | undefined;
}

/**
 * A media provider failed: refused the key, answered garbage, timed out, or could not be reached.
 * `upstreamStatus` is its HTTP status when there was one; callers show a 502 naming the provider.
 */
export class MediaProviderError extends AppError {
  constructor(
    readonly provider: string,
    message: string,
    readonly upstreamStatus?: number,
  ) {
    super(502, "Bad Gateway", `media provider ${provider}: ${message}`);
  }
}

/** The request names something the provider does not have or cannot take (a model, a size): a 400. */
export class MediaInputError extends AppError {
  constructor(message: string) {
    super(400, "Bad Request", message);
  }
}

/** The provider refused the content (its safety system): a 422 that says so, never retried. */
export class MediaRefusedError extends AppError {
  constructor(
    readonly provider: string,
    reason: string,
  ) {
    super(422, "Unprocessable Content", `media provider ${provider} refused the request: ${reason}`);
  }
}
