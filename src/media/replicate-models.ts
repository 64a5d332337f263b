import { toDataUri } from "./media-jobs.ts";
import type { ImageRequest, ReferenceUse, VideoRequest } from "./media.ts";

/**
 * Each Replicate model has its own input schema. A few well-known ones are described here (how they take
 * a size, how many pictures one prediction makes, where a picture goes); any other model gets the
 * common Stable Diffusion convention: `width`/`height`, `negative_prompt`, `num_outputs`, `image`.
 */

export interface ReplicateModelShape {
  /** the size as one of these `aspect_ratio`s instead of `width`/`height` */
  aspectRatios?: readonly string[];
  /** takes no size at all (its clips have one) */
  fixedSize?: boolean;
  /** pictures one prediction can make (`num_outputs`); absent: one, and more are more predictions */
  maxOutputs?: number;
  negativePrompt?: boolean;
  /** where a picture goes: a reference for pictures, the still to animate for videos */
  image?: { field: string; use: ReferenceUse; strengthField?: string };
  /** the clip lengths a video model makes, seconds; absent: `duration` is sent as asked */
  durations?: readonly number[];
}

const FLUX_RATIOS = ["1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4", "3:4", "4:3", "9:16", "9:21"];
const FLUX_PRO_RATIOS = ["1:1", "16:9", "3:2", "2:3", "4:5", "5:4", "9:16", "3:4", "4:3"];
const KONTEXT_RATIOS = [...FLUX_RATIOS, "2:1", "1:2"];
const SD_IMG2IMG = { field: "image", use: "edit", strengthField: "prompt_strength" } as const;

export const WELL_KNOWN_REPLICATE_MODELS: Readonly<Record<string, ReplicateModelShape>> = {
  "black-forest-labs/flux-schnell": { aspectRatios: FLUX_RATIOS, maxOutputs: 4 },
  "black-forest-labs/flux-dev": { aspectRatios: FLUX_RATIOS, maxOutputs: 4, image: SD_IMG2IMG },
  "black-forest-labs/flux-1.1-pro": {
    aspectRatios: FLUX_PRO_RATIOS,
    image: { field: "image_prompt", use: "likeness" },
  },
  "black-forest-labs/flux-kontext-pro": {
    aspectRatios: KONTEXT_RATIOS,
    image: { field: "input_image", use: "edit" },
  },
  "black-forest-labs/flux-kontext-max": {
    aspectRatios: KONTEXT_RATIOS,
    image: { field: "input_image", use: "edit" },
  },
  "stability-ai/sdxl": { negativePrompt: true, maxOutputs: 4, image: SD_IMG2IMG },
  "kwaivgi/kling-v1.6-standard": {
    aspectRatios: ["16:9", "9:16", "1:1"],
    negativePrompt: true,
    image: { field: "start_image", use: "edit" },
    durations: [5, 10],
  },
  "minimax/video-01": {
    fixedSize: true,
    image: { field: "first_frame_image", use: "edit" },
    durations: [6],
  },
  "bytedance/seedance-1-lite": {
    aspectRatios: ["16:9", "4:3", "1:1", "3:4", "9:16", "21:9", "9:21"],
    image: { field: "image", use: "edit" },
    durations: [5, 10],
  },
};

/** What the convention assumes of a model not in the table. */
const UNKNOWN_MODEL: ReplicateModelShape = { negativePrompt: true, maxOutputs: 4, image: SD_IMG2IMG };

/** The shape of `owner/name` (without a `:version`). */
export function replicateModelShape(model: string): ReplicateModelShape {
  return WELL_KNOWN_REPLICATE_MODELS[model] ?? UNKNOWN_MODEL;
}

/** The ways of using a reference picture among these models (the first configured is the default). */
export function replicateReferenceUses(models: readonly string[]): ReferenceUse[] {
  const uses = new Set<ReferenceUse>();
  for (const model of models) {
    const use = replicateModelShape(model.split(":")[0]!).image?.use;
    if (use) uses.add(use);
  }
  return [...uses];
}

/** The allowed aspect ratio nearest to `width`:`height`. */
export function nearestAspectRatio(width: number, height: number, ratios: readonly string[]): string {
  const wanted = Math.log(width / height);
  let best = ratios[0] ?? "1:1";
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const ratio of ratios) {
    const [across = 1, down = 1] = ratio.split(":").map(Number);
    const distance = Math.abs(Math.log(across / down) - wanted);
    if (distance < bestDistance) {
      best = ratio;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * The inputs of the predictions a picture request needs: one, or several for a model that makes one
 * picture per prediction (their seeds counted up, so they differ).
 */
export function buildImageInputs(model: string, request: ImageRequest): Array<Record<string, unknown>> {
  const shape = replicateModelShape(model);
  const count = Math.max(1, request.count ?? 1);
  const perPrediction = Math.min(count, shape.maxOutputs ?? 1);
  const predictions = Math.ceil(count / perPrediction);
  return Array.from({ length: predictions }, (_, index) => {
    const input: Record<string, unknown> = { prompt: request.prompt };
    Object.assign(input, sizeInput(shape, request.width, request.height));
    if (shape.negativePrompt && request.negativePrompt) input.negative_prompt = request.negativePrompt;
    if (request.seed !== undefined) input.seed = request.seed + index;
    if (shape.maxOutputs) input.num_outputs = Math.min(perPrediction, count - index * perPrediction);
    const reference = request.reference;
    if (reference && shape.image) {
      input[shape.image.field] = toDataUri(reference.image.bytes, reference.image.contentType);
      // Replicate's prompt_strength: 1 is a new picture, as the request's strength.
      if (shape.image.strengthField && reference.strength !== undefined) {
        input[shape.image.strengthField] = reference.strength;
      }
    }
    return input;
  });
}

/** The input of a video prediction and the clip length it asks for. */
export function buildVideoInput(
  model: string,
  request: VideoRequest,
): { input: Record<string, unknown>; durationSeconds: number } {
  const shape = WELL_KNOWN_REPLICATE_MODELS[model] ?? { image: { field: "image", use: "edit" } };
  const durationSeconds = shape.durations
    ? nearest(request.durationSeconds, shape.durations)
    : request.durationSeconds;
  const input: Record<string, unknown> = {
    prompt: request.prompt,
    ...sizeInput(shape, request.width, request.height),
  };
  // A model with one clip length takes no duration at all.
  if (!shape.durations || shape.durations.length > 1) input.duration = durationSeconds;
  if (request.seed !== undefined) input.seed = request.seed;
  if (request.image && shape.image) {
    input[shape.image.field] = toDataUri(request.image.bytes, request.image.contentType);
  }
  return { input, durationSeconds };
}

function sizeInput(shape: ReplicateModelShape, width: number, height: number): Record<string, unknown> {
  if (shape.fixedSize) return {};
  return shape.aspectRatios
    ? { aspect_ratio: nearestAspectRatio(width, height, shape.aspectRatios) }
    : { width, height };
}

function nearest(value: number, choices: readonly number[]): number {
  return choices.reduce((best, choice) =>
    Math.abs(choice - value) < Math.abs(best - value) ? choice : best,
  );
}
