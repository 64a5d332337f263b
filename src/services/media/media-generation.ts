import { AppError, ConflictError, NotFoundError, ValidationError } from "../../errors/app-error.ts";
import type { Job, JobContext, JobQueue } from "../../jobs/job-queue.ts";
import type { Clock } from "../../lib/clock.ts";
import { TypedEvents } from "../../lib/typed-events.ts";
import { newId } from "../../lib/ids.ts";
import { asksForAdultContent } from "../../domain/media-request.ts";
import type { MediaModelInfo, MediaRegistry } from "../../media/media-registry.ts";
import type { BlobStore } from "../../store/blob-store.ts";
import type { MediaRow } from "../../store/media-repository.ts";
import type { UserRow } from "../../store/schema.ts";
import type { Store } from "../../store/store.ts";
import type { RateLimits } from "../../rate-limits/rate-limits.ts";
import type { PersonaAvatarService } from "../persona-avatar-service.ts";
import type { PersonaEditor, PersonaViewer } from "../persona-editor.ts";
import type { PersonaService } from "../persona-service.ts";
import type { MediaService } from "./media-service.ts";
import { adultAllowed, picturePrompt } from "./generation-prompts.ts";
import { toMediaView, type MediaView } from "./media-views.ts";
import { MediaGenerationJob } from "./media-generation-job.ts";

export const MEDIA_GENERATION_JOB = "media-generation";

/** What a picture or video costs (usage events of kinds image_generation and video_generation), in USD. */
export interface MediaPrices {
  image: number;
  video: number;
  priorityVideo: number;
}

export const DEFAULT_MEDIA_PRICES: MediaPrices = Object.freeze({
  image: 0.005,
  video: 0.05,
  priorityVideo: 0.1,
});

export interface MediaLimits {
  /** pictures and videos one user may ask for in 24 hours */
  perUserPerDay: number;
}

export const DEFAULT_MEDIA_LIMITS: MediaLimits = Object.freeze({ perUserPerDay: 200 });

/** What is asked for: a picture or video, of the persona or not, new or from a photo. */
export interface MediaAsk {
  personaId: string;
  conversationId?: string | null | undefined;
  /** the persona's reply it is attached to */
  messageId?: string | null | undefined;
  kind: "image" | "video";
  /** of the persona itself: prompted from its appearance, its profile picture as the reference */
  ofPersona: boolean;
  description: string;
  /** change a photo (the reference) instead of making a new picture */
  edit?: boolean | undefined;
  /** a video made from a photo (the reference) */
  fromPhoto?: boolean | undefined;
  /** the photo to edit or animate; default: the newest picture of the conversation */
  referenceMediaId?: string | null | undefined;
  /** `provider/model`; default the persona's, else the server's */
  model?: string | null | undefined;
  /** a priority video (billed as one) */
  priority?: boolean | undefined;
  /** a candidate for the persona's profile picture: made whatever the media setting says, seed varied */
  avatarCandidate?: number | undefined;
}

/** How many profile picture candidates one request may ask for. */
export const MAX_AVATAR_CANDIDATES = 4;
const AVATAR_PORTRAIT = "head and shoulders portrait, looking at the camera, plain background";

/**
 * Making pictures and videos: a request is checked (the persona's media setting, adult content, the
 * user's daily limit, the photo to start from), stored as a queued media row and run as a background job
 * (`media-generation`) that reports progress, stores the result as a blob and meters it. The chat reaches
 * it through the persona's `send_media` tool (toolsFor).
 */
export interface MediaGenerationEvents extends Record<string, unknown> {
  /** A picture or video is stored and ready: channels send it where its conversation lives. */
  "media-ready": { media: MediaRow };
}

export class MediaGeneration {
  /** What happened to generations; the composition root subscribes (channels deliver pictures). */
  readonly events = new TypedEvents<MediaGenerationEvents>();

  private readonly store: Store;
  private readonly blobs: BlobStore;
  private readonly clock: Clock;
  private readonly queue: JobQueue;
  private readonly registry: MediaRegistry;
  private readonly personas: PersonaService;
  private readonly avatars: PersonaAvatarService;
  private readonly media: MediaService;
  private readonly prices: MediaPrices;
  private readonly limits: MediaLimits;
  private readonly rateLimits: RateLimits;
  private readonly job: MediaGenerationJob;

  constructor(dependencies: {
    store: Store;
    blobs: BlobStore;
    clock: Clock;
    queue: JobQueue;
    registry: MediaRegistry;
    personas: PersonaService;
    avatars: PersonaAvatarService;
    media: MediaService;
    prices?: MediaPrices | undefined;
    limits?: MediaLimits | undefined;
    /** where the daily allowance is counted (Redis or the database, like every other limit) */
    rateLimits: RateLimits;
  }) {
    this.rateLimits = dependencies.rateLimits;
    this.store = dependencies.store;
    this.blobs = dependencies.blobs;
    this.clock = dependencies.clock;
    this.queue = dependencies.queue;
    this.registry = dependencies.registry;
    this.personas = dependencies.personas;
    this.avatars = dependencies.avatars;
    this.media = dependencies.media;
    this.prices = dependencies.prices ?? DEFAULT_MEDIA_PRICES;
    this.limits = dependencies.limits ?? DEFAULT_MEDIA_LIMITS;
    this.job = new MediaGenerationJob({ ...dependencies, prices: this.prices, events: this.events });
  }

  /** Every picture and video model of the server (configured services first, the placeholder last). */
  async listModels(kind?: "image" | "video"): Promise<MediaModelInfo[]> {
    return this.registry.listModels(kind);
  }

  /**
   * Checks the request and starts it: the queued media row (its job streams progress). Refusals are 4xx
   * errors whose message says why (they become the tool's answer in a chat).
   */
  async request(user: UserRow, viewer: PersonaViewer, ask: MediaAsk): Promise<MediaView> {
    const { definition: persona } = await this.personas.getServingDefinition(viewer, ask.personaId);
    if (!persona.features.media_generation && ask.avatarCandidate === undefined) {
      throw new ConflictError(
        `media generation is turned off for ${persona.name} (turn on features.media_generation)`,
      );
    }
    const description = ask.description.trim();
    if (ask.edit && ask.kind === "video") {
      throw new ValidationError([
        { field: "edit", message: "only pictures are edited; ask for a video from_photo" },
      ]);
    }
    if (asksForAdultContent(description) && !adultAllowed(persona)) {
      throw new AppError(
        422,
        "Unprocessable Content",
        persona.identity.age !== null && persona.identity.age < 18
          ? `${persona.name} is under 18: adult pictures are never made`
          : `adult content is off for ${persona.name} (its NSFW setting)`,
      );
    }
    const reference = ask.edit || ask.fromPhoto ? await this.referenceFor(user, ask) : undefined;
    const modelId =
      ask.model ?? (ask.kind === "image" ? persona.media.image_model : persona.media.video_model);
    const resolved =
      ask.kind === "image"
        ? await this.registry.image(modelId ?? undefined)
        : await this.registry.video(modelId ?? undefined);
    const prompt = picturePrompt(ask.personaId, persona, { ...ask, description });
    // Counted once the request is known to be good: a refusal costs nothing.
    await this.rateLimits.consumeMediaGeneration(user.id, this.limits.perUserPerDay);
    // Candidates differ by seed; every other picture of the persona keeps its one seed (its face).
    if (ask.avatarCandidate) prompt.seed = (prompt.seed + ask.avatarCandidate * 7919) & 0x7fffffff;
    const now = this.clock.now().toISOString();
    const row: MediaRow = {
      id: newId("med"),
      tenant_id: user.tenant_id,
      user_id: user.id,
      persona_id: ask.personaId,
      conversation_id: ask.conversationId ?? null,
      message_id: ask.messageId ?? null,
      kind: ask.kind,
      source: "generated",
      status: "queued",
      request: description,
      prompt: prompt.prompt,
      model: resolved.id,
      offline: resolved.generator.offline ? 1 : 0,
      priority: ask.kind === "video" && (ask.priority ?? persona.media.priority_video) ? 1 : 0,
      reference_media_id: reference?.id ?? null,
      job_id: null,
      blob_id: null,
      content_type: null,
      size: null,
      width: null,
      height: null,
      duration_ms: null,
      seed: prompt.seed,
      progress: 0,
      error: null,
      file_name: null,
      reply_sent_at: null,
      channel_sent_at: null,
      created_at: now,
      completed_at: null,
    };
    await this.store.media.insert(row);
    let job: Awaited<ReturnType<JobQueue["enqueue"]>>;
    try {
      job = await this.queue.enqueue({
        tenantId: user.tenant_id,
        kind: MEDIA_GENERATION_JOB,
        payload: {
          media_id: row.id,
          user_id: user.id,
          // A new profile picture is drawn from the description alone, not from the picture it replaces.
          of_persona: ask.ofPersona && ask.avatarCandidate === undefined,
          edit: ask.edit ?? false,
        },
        idempotencyKey: `media:${row.id}`,
        // A priority video jumps the queue: that is what its price buys.
        priority: row.priority === 1,
      });
    } catch (error) {
      // Never a row waiting for a job that does not exist: it says why it will not come.
      await this.store.media.update(user.tenant_id, row.id, {
        status: "failed",
        error: "the generation could not be queued",
        completed_at: this.clock.now().toISOString(),
      });
      throw error;
    }
    await this.store.media.update(user.tenant_id, row.id, { job_id: job.id });
    return toMediaView({ ...row, job_id: job.id }, persona.name);
  }

  /**
   * Profile picture candidates for the persona builder: `count` portraits from the appearance description
   * in the art style, each with its own seed, queued like any picture (the gallery keeps them). The editor
   * picks one (PersonaAvatarService.useMedia). Only whoever may edit the persona asks.
   */
  async avatarCandidates(
    user: UserRow,
    editor: PersonaEditor,
    personaId: string,
    options: { count: number; description?: string | undefined; model?: string | undefined },
  ): Promise<MediaView[]> {
    await this.personas.getEditable(editor, personaId);
    const candidates: MediaView[] = [];
    for (let index = 0; index < Math.min(options.count, MAX_AVATAR_CANDIDATES); index++) {
      candidates.push(
        await this.request(user, editor, {
          personaId,
          kind: "image",
          ofPersona: true,
          description: options.description?.trim() || AVATAR_PORTRAIT,
          model: options.model,
          avatarCandidate: index,
        }),
      );
    }
    return candidates;
  }

  /** Runs a media-generation job: the worker side of `request`. */
  async run(job: Job, context: JobContext): Promise<{ media_id: string; status: string }> {
    return this.job.run(job, context);
  }

  private async referenceFor(user: UserRow, ask: MediaAsk): Promise<MediaRow> {
    if (ask.referenceMediaId) {
      const row = await this.store.media.find(user.id, ask.referenceMediaId);
      if (!row || row.kind !== "image" || row.status !== "ready") {
        throw new NotFoundError(`picture ${ask.referenceMediaId}`);
      }
      return row;
    }
    const [newest] = ask.conversationId
      ? await this.store.media.list({
          userId: user.id,
          conversationId: ask.conversationId,
          kind: "image",
          limit: 5,
        })
      : [];
    const ready = newest && newest.status === "ready" ? newest : undefined;
    if (!ready) {
      throw new AppError(
        422,
        "Unprocessable Content",
        ask.edit
          ? "there is no photo to edit: attach one to your message"
          : "there is no picture to make the video from: attach a photo or ask for a picture first",
      );
    }
    return ready;
  }
}
