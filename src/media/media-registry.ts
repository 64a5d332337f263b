import type { ImageGenerator, MediaProvider, ReferenceUse, VideoGenerator } from "./media.ts";
import { MediaInputError } from "./media.ts";

/** One model as the API lists it: `provider/model`, who serves it, and what it can do. */
export interface MediaModelInfo {
  /** `provider/model` (Replicate's models carry their own slash: `replicate/owner/name`) */
  id: string;
  provider: string;
  model: string;
  kind: "image" | "video";
  /** the provider's label (`OpenAI Images`, `Offline placeholder (no image model)`) */
  label: string;
  /** the embedded renderer: a labelled placeholder */
  offline: boolean;
  /** what a reference picture can do with it (pictures only) */
  references: readonly ReferenceUse[];
}

/** A model id resolved to the generator that runs it. */
export interface ResolvedModel<G> {
  id: string;
  generator: G;
  /** the provider's own model name */
  model: string;
}

/**
 * Resolves `provider/model` names to generators, and picks the default: the operator's
 * (DRAMATIS_IMAGE_MODEL / DRAMATIS_VIDEO_MODEL), else the first configured service's first model, else the
 * embedded placeholder, so a fresh install always answers (and says it is a placeholder).
 *
 * @example
 * const registry = new MediaRegistry({ providers: [createOfflineMedia(), ...configured] });
 * const { generator, model } = await registry.image("openai/gpt-image-1");
 */
export class MediaRegistry {
  private readonly providers: readonly MediaProvider[];

  constructor(
    private readonly options: {
      providers: readonly MediaProvider[];
      defaultImageModel?: string | undefined;
      defaultVideoModel?: string | undefined;
    },
  ) {
    // Configured services first: the embedded placeholder is only the default when nothing else is.
    this.providers = [...options.providers].sort((a, b) => Number(isOffline(a)) - Number(isOffline(b)));
  }

  /** Every model of every provider; a provider whose listing fails is left out (its generations say why). */
  async listModels(kind?: "image" | "video", signal?: AbortSignal): Promise<MediaModelInfo[]> {
    const lists = await Promise.all(
      this.providers.flatMap((provider) => [
        ...(kind !== "video" && provider.images
          ? [this.describe(provider.name, "image", provider.images, signal)]
          : []),
        ...(kind !== "image" && provider.videos
          ? [this.describe(provider.name, "video", provider.videos, signal)]
          : []),
      ]),
    );
    return lists.flat();
  }

  /** The picture generator for `modelId` (`provider/model`), or the default one. */
  async image(modelId?: string | undefined): Promise<ResolvedModel<ImageGenerator>> {
    return this.resolve("image", modelId ?? this.options.defaultImageModel);
  }

  /** The video generator for `modelId`, or the default one. */
  async video(modelId?: string | undefined): Promise<ResolvedModel<VideoGenerator>> {
    return this.resolve("video", modelId ?? this.options.defaultVideoModel);
  }

  private async resolve<K extends "image" | "video">(
    kind: K,
    modelId: string | undefined,
  ): Promise<ResolvedModel<K extends "image" ? ImageGenerator : VideoGenerator>> {
    type G = K extends "image" ? ImageGenerator : VideoGenerator;
    const generatorOf = (provider: MediaProvider) =>
      (kind === "image" ? provider.images : provider.videos) as G | undefined;
    if (modelId) {
      const slash = modelId.indexOf("/");
      const providerName = slash > 0 ? modelId.slice(0, slash) : "";
      const model = slash > 0 ? modelId.slice(slash + 1) : "";
      const provider = this.providers.find((candidate) => candidate.name === providerName);
      const generator = provider && generatorOf(provider);
      if (!generator || !model) {
        throw new MediaInputError(
          `model: no ${kind} model ${JSON.stringify(modelId)} on this server (GET /v1/media/models lists them)`,
        );
      }
      return { id: modelId, generator, model };
    }
    for (const provider of this.providers) {
      const generator = generatorOf(provider);
      if (!generator) continue;
      const [model] = await generator.listModels().catch(() => []);
      if (model) return { id: `${provider.name}/${model}`, generator, model };
    }
    throw new MediaInputError(`no ${kind} model is configured on this server`);
  }

  private async describe(
    provider: string,
    kind: "image" | "video",
    generator: ImageGenerator | VideoGenerator,
    signal: AbortSignal | undefined,
  ): Promise<MediaModelInfo[]> {
    const models = await generator.listModels(signal).catch(() => []);
    return models.map((model) => ({
      id: `${provider}/${model}`,
      provider,
      model,
      kind,
      label: generator.label,
      offline: generator.offline,
      references: "references" in generator ? generator.references : [],
    }));
  }
}

function isOffline(provider: MediaProvider): boolean {
  return (provider.images ?? provider.videos)?.offline ?? false;
}
