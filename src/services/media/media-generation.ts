import { z } from "zod";
import { AppError, ConflictError, NotFoundError, ValidationError } from "../../errors/app-error.ts";
import { readJobPayload } from "../../jobs/job-payload.ts";
import { RetryableJobError, type Job, type JobContext, type JobQueue } from "../../jobs/job-queue.ts";
import type { Clock } from "../../lib/clock.ts";
import { TypedEvents } from "../../lib/typed-events.ts";
import { newId } from "../../lib/ids.ts";
import {
  asksForAdultContent,
  SEND_MEDIA_DESCRIPTION,
  SEND_MEDIA_PARAMETERS,
  SEND_MEDIA_TOOL,
  type SendMediaResult,
} from "../../domain/media-request.ts";
import {
  personaPicturePrompt,
  scenePicturePrompt,
  personaSeed,
  type PicturePersona,
  type PicturePrompt,
} from "../../domain/picture-prompt.ts";
import type { PersonaDefinition } from "../../domain/persona-definition.ts";
import {
  MediaProviderError,
  type ImageGenerator,
  type MediaImage,
  type MediaProgress,
  type ReferenceUse,
} from "../../media/media.ts";
import type { MediaModelInfo, MediaRegistry } from "../../media/media-registry.ts";
import type { BlobStore } from "../../store/blob-store.ts";
import type { MediaRow } from "../../store/media-repository.ts";
import type { UserRow } from "../../store/schema.ts";
import type { Store } from "../../store/store.ts";
import type { RateLimits } from "../../rate-limits/rate-limits.ts";
import type { PersonaAvatarService } from "../persona-avatar-service.ts";
import type { PersonaEditor, PersonaViewer } from "../persona-editor.ts";
import type { PersonaService } from "../persona-service.ts";
import type { ServerTools } from "../reply-generator.ts";
import type { MediaService } from "./media-service.ts";
import { toMediaView, type MediaView } from "./media-views.ts";

export const MEDIA_GENERATION_JOB = "media-generation";

const generationPayloadSchema = z.object({
  media_id: z.string(),
  user_id: z.string(),
  of_persona: z.boolean(),
  edit: z.boolean(),
});

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

const PICTURE_SIDE = 1024;
const VIDEO_SIDES = { standard: 512, high: 768 } as const;
/** How much of an edited photo's picture img2img keeps: low enough to follow the instruction. */
const EDIT_STRENGTH = 0.6;
/** A likeness through img2img (no reference workflow): keep the face, change the scene. */
const LIKENESS_STRENGTH = 0.45;
/** Progress is written to the row at most this often (every event still reaches the job's watchers). */
const PROGRESS_STEP = 0.05;

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

  /**
   * The persona's media tool for one reply in a chat: offered when the persona makes media. A call
   * starts the picture attached to the reply (`context.replyId`) and answers the model at once.
   */
  toolsFor(
    user: UserRow,
    conversation: { id: string; persona_id: string },
    persona: PersonaDefinition,
  ): ServerTools | undefined {
    if (!persona.features.media_generation) return undefined;
    return {
      definitions: [
        {
          name: SEND_MEDIA_TOOL,
          description: SEND_MEDIA_DESCRIPTION,
          parameters: { ...SEND_MEDIA_PARAMETERS },
        },
      ],
      run: async (call, context) => {
        const result = await this.runTool(user, conversation, call.arguments, context.replyId);
        return JSON.stringify(result);
      },
    };
  }

  private async runTool(
    user: UserRow,
    conversation: { id: string; persona_id: string },
    argumentsJson: string,
    replyId: string | null,
  ): Promise<SendMediaResult> {
    const parsed = toolArgumentsSchema.safeParse(parseJson(argumentsJson));
    if (!parsed.success) return { status: "refused", reason: "the request for a picture was unclear" };
    const args = parsed.data;
    try {
      const started = await this.request(user, user.tenant_id, {
        personaId: conversation.persona_id,
        conversationId: conversation.id,
        messageId: replyId,
        kind: args.kind,
        ofPersona: args.of_persona,
        description: args.description,
        edit: args.kind === "image" && (args.edit_photo ?? false),
        fromPhoto: args.kind === "video" && (args.from_photo ?? false),
      });
      return { status: "started", media_id: started.id, kind: args.kind, description: started.request };
    } catch (error) {
      if (error instanceof AppError && error.status < 500)
        return { status: "refused", reason: error.message };
      throw error;
    }
  }

  /** Runs a media-generation job: the worker side of `request`. */
  async run(job: Job, context: JobContext): Promise<{ media_id: string; status: string }> {
    const payload = readJobPayload(job, generationPayloadSchema);
    const row = await this.store.media.findInTenant(job.tenantId, payload.media_id);
    if (!row) return { media_id: payload.media_id, status: "deleted" };
    if (row.status === "ready") {
      // Made on an earlier run whose delivery failed: deliver again, do not make it again.
      await this.events.emit("media-ready", { media: row });
      return { media_id: row.id, status: row.status };
    }
    await this.store.media.update(row.tenant_id, row.id, { status: "running", error: null });
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
      void this.store.media.update(row.tenant_id, row.id, { progress: fraction }).catch(() => undefined);
    };
    let ready: MediaRow;
    try {
      const made = await this.generate(row, payload, context.signal, onProgress);
      const blob = await this.blobs.put(made.bytes, {
        tenantId: row.tenant_id,
        contentType: made.contentType,
      });
      const now = this.clock.now().toISOString();
      await this.store.transaction(async (store) => {
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
      const stored = await this.store.media.findInTenant(row.tenant_id, row.id);
      if (!stored) {
        await this.blobs.delete(row.tenant_id, blob.id);
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
      await this.store.media.update(row.tenant_id, row.id, {
        status: retry ? "queued" : "failed",
        error: message,
        ...(retry ? {} : { completed_at: this.clock.now().toISOString() }),
      });
      if (retry) throw new RetryableJobError(message, { cause: error });
      // The expected failures (a refusal, a service down for good, bad input) are the row's story; anything
      // else is a bug, for the job's log too.
      if (!(error instanceof AppError) && !context.signal.aborted) throw error;
      return { media_id: row.id, status: "failed" };
    }
    // Outside the try: the picture is stored whatever its listeners (channel deliveries) do; a listener's
    // error fails the job run, which retries delivery only (the row is ready, so it is not made again).
    await this.events.emit("media-ready", { media: ready });
    return { media_id: row.id, status: "ready" };
  }

  /** The placeholder costs nothing; a generation costs its kind's price. */
  private costOf(row: MediaRow): number {
    if (row.offline) return 0;
    if (row.kind === "image") return this.prices.image;
    return row.priority ? this.prices.priorityVideo : this.prices.video;
  }

  private async generate(
    row: MediaRow,
    payload: z.infer<typeof generationPayloadSchema>,
    signal: AbortSignal,
    onProgress: (progress: MediaProgress) => void,
  ): Promise<MadeMedia> {
    const user = await this.store.users.findById(row.tenant_id, row.user_id);
    if (!user || !row.persona_id) throw new NotFoundError(`the user or persona of media ${row.id}`);
    const { definition: persona } = await this.personas.getServingDefinition(row.tenant_id, row.persona_id);
    const referenceRow = row.reference_media_id
      ? await this.store.media.findInTenant(row.tenant_id, row.reference_media_id)
      : undefined;
    const photo = referenceRow ? await this.media.readBytes(row.tenant_id, referenceRow) : undefined;
    if (row.reference_media_id && !photo) {
      throw new NotFoundError(`the picture ${row.reference_media_id} this was to start from`);
    }
    const prompt = {
      prompt: row.prompt,
      negativePrompt: negativePromptFor(row.persona_id, persona, payload.of_persona),
      seed: row.seed ?? undefined,
    };
    if (row.kind === "video") {
      const { generator, model } = await this.registry.video(row.model ?? undefined);
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
    const { generator, model } = await this.registry.image(row.model ?? undefined);
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
    const avatar = await this.avatars.get(tenantId, personaId).catch(() => undefined);
    if (!avatar || (avatar.source !== "upload" && !generator.offline)) return undefined;
    return referenceFor(generator, { bytes: avatar.png, contentType: "image/png" }, "likeness");
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

const toolArgumentsSchema = z.object({
  kind: z.enum(["image", "video"]),
  of_persona: z.boolean().default(false),
  description: z.string().max(2000).default(""),
  edit_photo: z.boolean().optional(),
  from_photo: z.boolean().optional(),
});

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function adultAllowed(persona: PersonaDefinition): boolean {
  return persona.modifiers.nsfw && (persona.identity.age === null || persona.identity.age >= 18);
}

function picturePersonaOf(personaId: string, persona: PersonaDefinition): PicturePersona {
  return {
    id: personaId,
    name: persona.name,
    age: persona.identity.age,
    sex: persona.identity.sex,
    appearance: { description: persona.appearance.description, art_style: persona.appearance.art_style },
    nsfw: persona.modifiers.nsfw,
  };
}

/** The prompt of a request: the persona's likeness in its art style, a scene in that style, or an edit. */
function picturePrompt(
  personaId: string,
  persona: PersonaDefinition,
  ask: Pick<MediaAsk, "kind" | "ofPersona" | "description" | "edit" | "fromPhoto">,
): PicturePrompt {
  if (ask.edit || (ask.kind === "video" && ask.fromPhoto && !ask.ofPersona)) {
    return {
      prompt: ask.description || "keep the picture as it is",
      negativePrompt: "",
      seed: personaSeed(personaId),
      adult: adultAllowed(persona),
    };
  }
  if (ask.ofPersona) return personaPicturePrompt(picturePersonaOf(personaId, persona), ask.description);
  return scenePicturePrompt(
    persona.appearance.art_style,
    ask.description || persona.name,
    adultAllowed(persona),
  );
}

function negativePromptFor(personaId: string, persona: PersonaDefinition, ofPersona: boolean): string {
  return ofPersona
    ? personaPicturePrompt(picturePersonaOf(personaId, persona)).negativePrompt
    : scenePicturePrompt(persona.appearance.art_style, "", adultAllowed(persona)).negativePrompt;
}

/** The reference as the generator can take it: the wanted use, else the other one, else none. */
function referenceFor(generator: ImageGenerator, image: MediaImage, wanted: ReferenceUse) {
  const uses = generator.references;
  const use = uses.includes(wanted) ? wanted : uses.includes("edit") ? "edit" : uses[0];
  if (!use) return undefined;
  if (wanted === "edit" && use !== "edit" && !generator.offline) return undefined;
  return {
    image,
    use,
    strength: use === "edit" ? (wanted === "edit" ? EDIT_STRENGTH : LIKENESS_STRENGTH) : undefined,
  };
}
