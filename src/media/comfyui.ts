import { createHash, randomUUID } from "node:crypto";
import { z } from "zod";
import { joinUrl } from "../lib/service-http.ts";
import {
  ComfyProgressSocket,
  describeExecutionError,
  type ComfyWebSocketConstructor,
} from "./comfyui-socket.ts";
import {
  defaultComfyWorkflow,
  fillComfyWorkflow,
  readComfyWorkflow,
  type ComfyWorkflow,
} from "./comfyui-workflow.ts";
import type { MediaProviderConfig } from "./media-config.ts";
import { toGeneratedImage } from "./generated-images.ts";
import { createMediaHttp, type CloudMediaOptions, type MediaHttp } from "./media-http.ts";
import {
  CANCEL_TIMEOUT_MS,
  DEFAULT_POLL_INTERVAL_MS,
  pause,
  shortenUpstreamText,
  startGenerationDeadline,
} from "./media-jobs.ts";
import {
  MediaInputError,
  MediaProviderError,
  type GeneratedImage,
  type ImageGenerator,
  type ImageRequest,
  type MediaImage,
  type MediaProvider,
  type ReferenceUse,
} from "./media.ts";

/**
 * ComfyUI: a workflow in its API format (the operator's, or a built-in Stable Diffusion text-to-image
 * graph) filled with the request's values (comfyui-workflow.ts) and queued with `POST /prompt`. Its
 * WebSocket, opened first, reports the steps and the end (comfyui-socket.ts); where it cannot be opened
 * `/history/{id}` is polled. The pictures the workflow saved are read with `/view`. A reference picture
 * is uploaded to `/upload/image` and used by the configured `reference_workflow`.
 */

/** ComfyUI's own default address. */
export const COMFYUI_DEFAULT_BASE_URL = "http://127.0.0.1:8188";
/** How far to move from a reference picture when the request does not say (img2img `denoise`). */
const DEFAULT_REFERENCE_STRENGTH = 0.6;
/** `/prompt` only validates and queues: a minute is plenty. */
const QUEUE_TIMEOUT_MS = 60_000;

export interface ComfyUiOptions extends CloudMediaOptions {
  /** the WebSocket client; tests may pass one that fails */
  WebSocket?: ComfyWebSocketConstructor | undefined;
  /** the seed of a request that names none (ComfyUI needs one); tests fix it */
  randomSeed?: (() => number) | undefined;
}

const objectInfoSchema = z.record(
  z.string(),
  z.object({
    input: z.object({ required: z.record(z.string(), z.array(z.unknown())).optional() }).optional(),
  }),
);

const queuedSchema = z.object({
  prompt_id: z.string().optional(),
  number: z.number().optional(),
  error: z.unknown().optional(),
  node_errors: z.unknown().optional(),
});

const uploadSchema = z.object({ name: z.string().min(1), subfolder: z.string().optional() });

const imageReferenceSchema = z.object({
  filename: z.string().min(1),
  subfolder: z.string().default(""),
  type: z.string().default("output"),
});
type ComfyImageReference = z.infer<typeof imageReferenceSchema>;

const historyEntrySchema = z.object({
  outputs: z.record(z.string(), z.object({ images: z.array(z.unknown()).optional() }).loose()).default({}),
  status: z
    .object({ status_str: z.string().optional(), messages: z.array(z.unknown()).optional() })
    .loose()
    .optional(),
});
type ComfyHistoryEntry = z.infer<typeof historyEntrySchema>;
const historySchema = z.record(z.string(), historyEntrySchema);

/**
 * @example
 * const comfy = createComfyUi({ name: "comfy", kind: "comfyui", base_url: "http://gpu-box:8188" });
 * const [image] = await comfy.images!.generate({ model: "sd_xl_base_1.0.safetensors", prompt, width: 1024, height: 1024 });
 */
export function createComfyUi(config: MediaProviderConfig, options: ComfyUiOptions = {}): MediaProvider {
  return {
    name: config.name,
    images: config.image_models === null ? undefined : new ComfyUiImages(config, options),
  };
}

class ComfyUiImages implements ImageGenerator {
  readonly name: string;
  readonly label = "ComfyUI";
  readonly offline = false;
  readonly references: readonly ReferenceUse[];
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly http: MediaHttp;
  private readonly workflows = new Map<string, Promise<ComfyWorkflow>>();

  constructor(
    private readonly config: MediaProviderConfig,
    private readonly options: ComfyUiOptions,
  ) {
    this.name = config.name;
    this.base = config.base_url ?? COMFYUI_DEFAULT_BASE_URL;
    // ComfyUI has no keys of its own; one configured is for the proxy in front of it.
    this.headers = {
      ...config.headers,
      ...(config.api_key ? { Authorization: `Bearer ${config.api_key}` } : {}),
    };
    this.http = createMediaHttp({ provider: config.name, fetch: options.fetch, secrets: [config.api_key] });
    // What the reference picture does is up to the operator's workflow: img2img or IP-Adapter.
    this.references = config.reference_workflow ? ["edit", "likeness"] : [];
  }

  /** The configured models first, then the checkpoints ComfyUI has. */
  async listModels(signal?: AbortSignal): Promise<string[]> {
    const info = await this.http.json(
      { url: this.url("object_info/CheckpointLoaderSimple"), headers: this.headers, signal },
      objectInfoSchema,
    );
    const checkpoints = readChoices(info.CheckpointLoaderSimple?.input?.required?.ckpt_name);
    return [...new Set([...(this.config.image_models ?? []), ...checkpoints])];
  }

  async generate(request: ImageRequest): Promise<GeneratedImage[]> {
    const deadline = startGenerationDeadline(this.name, this.options.timeoutMs, request.signal);
    // Without a reference workflow `references` is empty and callers send none; one sent anyway is
    // left out rather than failing the picture.
    const reference = this.config.reference_workflow ? request.reference : undefined;
    const template = await this.loadWorkflow(
      reference ? this.config.reference_workflow : this.config.workflow,
    );
    let promptId: string | undefined;
    let socket: ComfyProgressSocket | undefined;
    try {
      const referenceImage = reference ? await this.upload(reference.image, deadline.signal) : undefined;
      const seed = request.seed ?? (this.options.randomSeed ?? randomSeed)();
      const workflow = fillComfyWorkflow(template, {
        prompt: request.prompt,
        negative_prompt: request.negativePrompt ?? "",
        seed,
        width: request.width,
        height: request.height,
        model: request.model,
        batch_size: request.count ?? 1,
        reference_image: referenceImage,
        strength: reference ? (reference.strength ?? DEFAULT_REFERENCE_STRENGTH) : undefined,
      });
      const clientId = randomUUID();
      socket = await ComfyProgressSocket.open(
        {
          provider: this.name,
          url: this.socketUrl(clientId),
          headers: this.headers,
          WebSocket: this.options.WebSocket,
          secrets: [this.config.api_key],
        },
        deadline.signal,
      );
      promptId = await this.queue(workflow, clientId);
      deadline.signal.throwIfAborted();
      request.onProgress?.({ fraction: 0, message: "queued" });
      if (socket) {
        // "lost": the socket closed before the end; the history tells instead.
        await socket.follow(promptId, { signal: deadline.signal, onProgress: request.onProgress });
      }
      const entry = await this.waitForHistory(promptId, deadline.signal);
      const images = await this.readImages(entry, deadline.signal);
      return images.map((image) => ({ ...image, seed }));
    } catch (error) {
      if (!deadline.signal.aborted) throw error;
      if (promptId) await this.cancel(promptId);
      throw deadline.failure();
    } finally {
      socket?.close();
    }
  }

  private async loadWorkflow(source: string | undefined): Promise<ComfyWorkflow> {
    if (!source) return defaultComfyWorkflow();
    let loading = this.workflows.get(source);
    if (!loading) {
      loading = readComfyWorkflow(source);
      this.workflows.set(source, loading);
      // A file the operator is still fixing is read again next time.
      loading.catch(() => this.workflows.delete(source));
    }
    try {
      return await loading;
    } catch (error) {
      throw new MediaProviderError(this.name, (error as Error).message);
    }
  }

  /** Uploads a reference picture; its name as LoadImage takes it (`subfolder/name.png`). */
  private async upload(image: MediaImage, signal: AbortSignal): Promise<string> {
    const extension = { "image/jpeg": "jpg", "image/webp": "webp" }[image.contentType] ?? "png";
    // Named by content: the same reference sent twice is one file on the server.
    const digest = createHash("sha256").update(image.bytes).digest("hex").slice(0, 24);
    const form = new FormData();
    form.append(
      "image",
      new Blob([image.bytes], { type: image.contentType }),
      `dramatis-${digest}.${extension}`,
    );
    form.append("overwrite", "true");
    const uploaded = await this.http.json(
      { url: this.url("upload/image"), method: "POST", headers: this.headers, body: form, signal },
      uploadSchema,
    );
    return uploaded.subfolder ? `${uploaded.subfolder}/${uploaded.name}` : uploaded.name;
  }

  /**
   * Queues the workflow; a refusal (an unknown checkpoint, a bad input) is the request's fault: a 400.
   * Not cut short by the caller: ComfyUI answers at once, and a prompt queued by a request given up
   * half-way would run unseen, without the id to stop it.
   */
  private async queue(workflow: ComfyWorkflow, clientId: string): Promise<string> {
    const answer = await this.http.json(
      {
        url: this.url("prompt"),
        method: "POST",
        headers: { ...this.headers, "Content-Type": "application/json" },
        body: JSON.stringify({ prompt: workflow, client_id: clientId }),
        timeoutMs: QUEUE_TIMEOUT_MS,
        okStatuses: [400],
      },
      queuedSchema,
    );
    const refusal = describeRefusal(answer);
    if (refusal) {
      // Some outputs were valid: ComfyUI queued the prompt anyway and would run part of it.
      if (answer.prompt_id) await this.cancel(answer.prompt_id);
      throw new MediaInputError(`${this.name} refused the workflow: ${refusal}`);
    }
    if (!answer.prompt_id) throw new MediaProviderError(this.name, "queued the workflow without a prompt_id");
    return answer.prompt_id;
  }

  /** The prompt's history entry, polled until ComfyUI stored it (it does once the prompt ended). */
  private async waitForHistory(promptId: string, signal: AbortSignal): Promise<ComfyHistoryEntry> {
    for (;;) {
      const history = await this.http.json(
        { url: this.url(`history/${encodeURIComponent(promptId)}`), headers: this.headers, signal },
        historySchema,
      );
      const entry = history[promptId];
      if (entry) {
        if (entry.status?.status_str === "error")
          throw new MediaProviderError(this.name, describeFailure(entry));
        return entry;
      }
      await pause(this.options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS, signal);
    }
  }

  /** The saved pictures' bytes; previews (`temp`) only when the workflow saved none. */
  private async readImages(entry: ComfyHistoryEntry, signal: AbortSignal): Promise<GeneratedImage[]> {
    const references = Object.values(entry.outputs).flatMap((output) =>
      (output.images ?? []).flatMap((image) => {
        const parsed = imageReferenceSchema.safeParse(image);
        return parsed.success ? [parsed.data] : [];
      }),
    );
    const saved = references.filter((image) => image.type === "output");
    const chosen = saved.length > 0 ? saved : references;
    if (chosen.length === 0) {
      throw new MediaProviderError(
        this.name,
        "the workflow produced no pictures (does it end in SaveImage?)",
      );
    }
    return Promise.all(chosen.map((image) => this.view(image, signal)));
  }

  private async view(image: ComfyImageReference, signal: AbortSignal): Promise<GeneratedImage> {
    const query = new URLSearchParams({
      filename: image.filename,
      subfolder: image.subfolder,
      type: image.type,
    });
    const answer = await this.http.bytes({
      url: `${this.url("view")}?${query}`,
      headers: this.headers,
      signal,
    });
    return toGeneratedImage(this.name, answer.bytes);
  }

  /**
   * Drops the prompt from the queue if it still waits, and stops it if it runs. ComfyUI since 2025 stops
   * only the prompt named; an older one stops whatever runs. Best effort: the caller's rejection follows.
   */
  private async cancel(promptId: string): Promise<void> {
    const signal = AbortSignal.timeout(CANCEL_TIMEOUT_MS);
    const post = (path: string, body: unknown) =>
      this.http
        .bytes({
          url: this.url(path),
          method: "POST",
          headers: { ...this.headers, "Content-Type": "application/json" },
          body: JSON.stringify(body),
          signal,
        })
        .catch(() => undefined);
    await post("queue", { delete: [promptId] });
    await post("interrupt", { prompt_id: promptId });
  }

  private url(path: string): string {
    return joinUrl(this.base, path);
  }

  private socketUrl(clientId: string): string {
    const url = new URL(this.url("ws"));
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.search = new URLSearchParams({ clientId }).toString();
    return url.toString();
  }
}

/**
 * A combo input's choices: `[["a.safetensors", ...], {...}]`, or the newer `["COMBO", {"options": [...]}]`.
 */
function readChoices(input: unknown[] | undefined): string[] {
  const [first, second] = input ?? [];
  const choices = Array.isArray(first)
    ? first
    : first === "COMBO" && second && typeof second === "object"
      ? (second as { options?: unknown }).options
      : undefined;
  return Array.isArray(choices)
    ? choices.filter((choice): choice is string => typeof choice === "string")
    : [];
}

/**
 * What `/prompt` refused, node by node: `CheckpointLoaderSimple (node 4): Value not in list: ckpt_name: ...`;
 * undefined when it accepted the whole workflow.
 */
function describeRefusal(answer: z.infer<typeof queuedSchema>): string | undefined {
  const nodes =
    answer.node_errors && typeof answer.node_errors === "object" && !Array.isArray(answer.node_errors)
      ? Object.entries(answer.node_errors as Record<string, unknown>)
      : [];
  const described = nodes.map(([id, value]) => {
    const node = (value ?? {}) as { class_type?: unknown; errors?: unknown };
    const errors = Array.isArray(node.errors) ? node.errors : [];
    const reasons = errors.map((error) => describeIssue(error)).filter(Boolean);
    const name = typeof node.class_type === "string" ? `${node.class_type} (node ${id})` : `node ${id}`;
    return `${name}: ${reasons.join("; ") || "invalid"}`;
  });
  if (described.length > 0) return shortenUpstreamText(described.join("; "));
  if (answer.error === undefined || answer.error === null) return undefined;
  return shortenUpstreamText(describeIssue(answer.error) || "the workflow is invalid");
}

/** `{"message": "Value not in list", "details": "ckpt_name: 'x' not in [...]"}` -> one line; or a plain string. */
function describeIssue(issue: unknown): string {
  if (typeof issue === "string") return issue;
  if (!issue || typeof issue !== "object") return "";
  const { message, details } = issue as { message?: unknown; details?: unknown };
  return [message, details].filter((part) => typeof part === "string" && part.trim()).join(": ");
}

/** Why a prompt in the history failed, from its status messages (`["execution_error", {...}]`). */
function describeFailure(entry: ComfyHistoryEntry): string {
  for (const message of entry.status?.messages ?? []) {
    if (!Array.isArray(message) || typeof message[0] !== "string") continue;
    const data = (message[1] && typeof message[1] === "object" ? message[1] : {}) as Record<string, unknown>;
    if (message[0] === "execution_error") return describeExecutionError(data);
    if (message[0] === "execution_interrupted") return "the run was interrupted on the server";
  }
  return "the run failed";
}

/** ComfyUI's seeds are unsigned 64-bit; a 32-bit one keeps every workflow and JSON number exact. */
function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}
