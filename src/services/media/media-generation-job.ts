import { z } from "zod";
import { AppError, NotFoundError } from "../../errors/app-error.ts";
import { readJobPayload } from "../../jobs/job-payload.ts";
import { RetryableJobError, type Job, type JobContext } from "../../jobs/job-queue.ts";
import type { Clock } from "../../lib/clock.ts";
import type { TypedEvents } from "../../lib/typed-events.ts";
import { newId } from "../../lib/ids.ts";
import { MediaProviderError, type ImageGenerator, type MediaProgress } from "../../media/media.ts";
import type { MediaRegistry } from "../../media/media-registry.ts";
import type { BlobStore } from "../../store/blob-store.ts";
import type { MediaRow } from "../../store/media-repository.ts";
import type { Store } from "../../store/store.ts";
import type { PersonaAvatarService } from "../persona-avatar-service.ts";
import type { PersonaService } from "../persona-service.ts";
import { negativePromptFor, referenceFor } from "./generation-prompts.ts";
import type { MediaGenerationEvents, MediaPrices } from "./media-generation.ts";
import type { MediaService } from "./media-service.ts";

/** What a `media-generation` job carries. */
export const generationPayloadSchema = z.object({
  media_id: z.string(),
  user_id: z.string(),
  of_persona: z.boolean(),
  edit: z.boolean(),
});

const PICTURE_SIDE = 1024;
const VIDEO_SIDES = { standard: 512, high: 768 } as const;
/** Progress is written to the row at most this often (every event still reaches the job's watchers). */
const PROGRESS_STEP = 0.05;

/**
 * The worker side of a generation (MediaGeneration.request queued it): the picture or video made by its
 * model with its reference, progress written and published, the result stored as a blob and metered,
 * failures told on the row (a service's failure retried while attempts last).
 */
export class MediaGenerationJob {
  constructor(
    private readonly options: {
      store: Store;
      blobs: BlobStore;
      clock: Clock;
      registry: MediaRegistry;
      personas: PersonaService;
      avatars: PersonaAvatarService;
      media: MediaService;
      prices: MediaPrices;
      events: TypedEvents<MediaGenerationEvents>;
    },
  ) {}

  /** Runs one job: makes the picture or video, stores and meters it, then tells the listeners. */
  async run(job: Job, context: JobContext): Promise<{ media_id: string; status: string }> {
    const payload = readJobPayload(job, generationPayloadSchema);
    const row = await this.options.store.media.findInTenant(job.tenantId, payload.media_id);
    if (!row) return { media_id: payload.media_id, status: "deleted" };
    if (row.status === "ready") {
      // Made on an earlier run whose delivery failed: deliver again, do not make it again.
      await this.options.events.emit("media-ready", { media: row });
      return { media_id: row.id, status: row.status };
    }
    await this.options.store.media.update(row.tenant_id, row.id, { status: "running", error: null });
    let lastWritten = 0;
    const onProgress = (progress: MediaProgress) => {
      void context.publish({
        media_id: row.id,
        progress: progress.fraction ?? null,
        message: progress.message ?? null,
      });
      const fraction = progress.fraction;
      if (fraction === undefined || fraction - lastWritten < PROGRESS_STEP) return;
      lastWritten = fraction;
      void this.options.store.media
        .update(row.tenant_id, row.id, { progress: fraction })
        .catch(() => undefined);
    };
    let ready: MediaRow;
    try {
      const made = await this.generate(row, payload, context.signal, onProgress);
      const blob = await this.options.blobs.put(made.bytes, {
        tenantId: row.tenant_id,
        contentType: made.contentType,
      });
      const now = this.options.clock.now().toISOString();
      await this.options.store.transaction(async (store) => {
        await store.media.update(row.tenant_id, row.id, {
          status: "ready",
          progress: 1,
          blob_id: blob.id,
          content_type: made.contentType,
          size: blob.size,
          width: made.width ?? null,
          height: made.height ?? null,
          duration_ms: made.durationSeconds === undefined ? null : Math.round(made.durationSeconds * 1000),
          ...(made.seed !== undefined ? { seed: made.seed } : {}),
          ...(made.revisedPrompt ? { prompt: made.revisedPrompt } : {}),
          completed_at: now,
        });
        await store.usage.insert({
          id: newId("use"),
          tenant_id: row.tenant_id,
          user_id: row.user_id,
          persona_id: row.persona_id,
          conversation_id: row.conversation_id,
          message_id: row.message_id,
          kind: row.kind === "image" ? "image_generation" : "video_generation",
          model: row.model ?? "",
          input_tokens: 0,
          output_tokens: 0,
          latency_ms: Math.max(0, Date.parse(now) - Date.parse(row.created_at)),
          cost_usd: this.costOf(row),
          created_at: now,
        });
      });
      // Deleted while it was being made: nothing owns the blob.
      const stored = await this.options.store.media.findInTenant(row.tenant_id, row.id);
      if (!stored) {
        await this.options.blobs.delete(row.tenant_id, blob.id);
        return { media_id: row.id, status: "deleted" };
      }
      ready = stored;
    } catch (error) {
      const retry =
        error instanceof MediaProviderError && job.attempts < job.maxAttempts && !context.signal.aborted;
      const message = context.signal.aborted
        ? "cancelled"
        : error instanceof Error
          ? error.message
          : String(error);
      await this.options.store.media.update(row.tenant_id, row.id, {
        status: retry ? "queued" : "failed",
        error: message,
        ...(retry ? {} : { completed_at: this.options.clock.now().toISOString() }),
      });
      if (retry) throw new RetryableJobError(message, { cause: error });
      // The expected failures (a refusal, a service down for good, bad input) are the row's story; anything
      // else is a bug, for the job's log too.
      if (!(error instanceof AppError) && !context.signal.aborted) throw error;
      return { media_id: row.id, status: "failed" };
    }
    // Outside the try: the picture is stored whatever its listeners (channel deliveries) do; a listener's
    // error fails the job run, which retries delivery only (the row is ready, so it is not made again).
    await this.options.events.emit("media-ready", { media: ready });
    return { media_id: row.id, status: "ready" };
  }

  /** The placeholder costs nothing; a generation costs its kind's price. */
  private costOf(row: MediaRow): number {
    if (row.offline) return 0;
    if (row.kind === "image") return this.options.prices.image;
    return row.priority ? this.options.prices.priorityVideo : this.options.prices.video;
  }

  private async generate(
    row: MediaRow,
    payload: z.infer<typeof generationPayloadSchema>,
    signal: AbortSignal,
    onProgress: (progress: MediaProgress) => void,
  ): Promise<MadeMedia> {
    const user = await this.options.store.users.findById(row.tenant_id, row.user_id);
    if (!user || !row.persona_id) throw new NotFoundError(`the user or persona of media ${row.id}`);
    const { definition: persona } = await this.options.personas.getServingDefinition(
      row.tenant_id,
      row.persona_id,
    );
    const referenceRow = row.reference_media_id
      ? await this.options.store.media.findInTenant(row.tenant_id, row.reference_media_id)
      : undefined;
    const photo = referenceRow ? await this.options.media.readBytes(row.tenant_id, referenceRow) : undefined;
    if (row.reference_media_id && !photo) {
      throw new NotFoundError(`the picture ${row.reference_media_id} this was to start from`);
    }
    const prompt = {
      prompt: row.prompt,
      negativePrompt: negativePromptFor(row.persona_id, persona, payload.of_persona),
      seed: row.seed ?? undefined,
    };
    if (row.kind === "video") {
      const { generator, model } = await this.options.registry.video(row.model ?? undefined);
      const side = VIDEO_SIDES[persona.media.video_quality];
      return generator.generate({
        model,
        prompt: prompt.prompt,
        ...(photo ? { image: photo } : {}),
        durationSeconds: persona.media.video_seconds,
        width: side,
        height: side,
        seed: prompt.seed,
        signal,
        onProgress,
      });
    }
    const { generator, model } = await this.options.registry.image(row.model ?? undefined);
    const reference = photo
      ? referenceFor(generator, photo, payload.edit ? "edit" : "likeness")
      : payload.of_persona
        ? await this.personaReference(generator, row.tenant_id, row.persona_id)
        : undefined;
    if (payload.edit && !reference) {
      throw new AppError(
        422,
        "Unprocessable Content",
        `${row.model} cannot edit pictures: choose a model that takes a reference picture`,
      );
    }
    const [image] = await generator.generate({
      model,
      prompt: prompt.prompt,
      negativePrompt: prompt.negativePrompt,
      width: PICTURE_SIDE,
      height: PICTURE_SIDE,
      seed: prompt.seed,
      count: 1,
      reference,
      signal,
      onProgress,
    });
    if (!image) throw new MediaProviderError(generator.name, "no picture came back");
    return { ...image, durationSeconds: undefined };
  }

  /**
   * The persona's profile picture as the likeness to keep: an uploaded one always; the generated
   * pattern only for the placeholder, which shows it (a real model would copy an abstract pattern).
   */
  private async personaReference(generator: ImageGenerator, tenantId: string, personaId: string) {
    const avatar = await this.options.avatars.get(tenantId, personaId).catch(() => undefined);
    if (!avatar || (avatar.source !== "upload" && !generator.offline)) return undefined;
    return referenceFor(generator, { bytes: avatar.png, contentType: "image/png" }, "likeness");
  }
}

/** What a generation made, picture or video. */
interface MadeMedia {
  bytes: Uint8Array;
  contentType: string;
  width?: number | undefined;
  height?: number | undefined;
  durationSeconds?: number | undefined;
  seed?: number | undefined;
  revisedPrompt?: string | undefined;
}
