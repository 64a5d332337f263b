/**
 * One loopback stand-in for the picture services, so media tests never reach the internet. It answers
 * each service's own paths, auth and error shapes:
 * - OpenAI's Images API (`/v1/images/generations` JSON, `/v1/images/edits` multipart), with the rules the
 *   real one enforces (each model's sizes, DALL·E 3's n=1, gpt-image's refusal of `response_format`), a
 *   content-policy refusal switch, and pictures as base64 or as links served from a second origin;
 * - AUTOMATIC1111 / Forge (`/sdapi/v1/txt2img`, `img2img`, `sd-models`, `progress`), with `--api-auth`
 *   basic auth, and generations held open (`holdGenerations`) while the client polls progress, until the
 *   test calls `release()` or after `releaseAfterPolls` polls.
 * Every request is recorded with its parsed JSON or multipart fields. Pictures are real PNGs (JPEG or
 * WebP when asked) of the size requested.
 *
 * @example
 * const images = await startMockImages();
 * const openai = createOpenAIImages({ name: "openai", kind: "openai-compatible", base_url: `${images.baseUrl}/v1`, api_key: images.key });
 * expect(images.requests[0]).toMatchObject({ path: "/v1/images/generations" });
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import sharp from "sharp";
import { readRecordedRequest, type RecordedHttpRequest } from "./recorded-request.ts";

export type { RecordedUpload } from "./recorded-request.ts";

export interface MockImagesOptions {
  /** the OpenAI key expected; default `mock-images-key` */
  key?: string;
  /** `user:password`: the A1111 paths want HTTP basic auth, as behind `--api-auth` */
  a1111Auth?: string | undefined;
  /** every call answers this status, in the service's error shape */
  fail?: number | undefined;
  /** OpenAI refuses every generation and edit with this code (400), as its safety system does */
  refuse?: "content_policy_violation" | "moderation_blocked" | undefined;
  /** OpenAI answers links instead of base64, whatever `response_format` asked; "relative": `/files/…` */
  answerWithUrl?: "same-origin" | "other-origin" | "relative" | undefined;
  /**
   * A1111 generations are answered only on `release()`, or once `releaseAfterPolls` progress polls were
   * answered (on the poll after them, which the client sends only once it has read the last one)
   */
  holdGenerations?: boolean;
  releaseAfterPolls?: number | undefined;
  /** what `/sdapi/v1/sd-models` lists */
  checkpoints?: Array<{ title: string; model_name: string }>;
}

export interface RecordedImageRequest extends RecordedHttpRequest {
  /** which of the fake's two origins it reached: the service, or the one its links point at */
  origin: "service" | "other";
}

export interface MockImages {
  baseUrl: string;
  /** a second origin, where `answerWithUrl: "other-origin"` links point (a CDN in real life) */
  otherOrigin: string;
  key: string;
  /** change between tests: `images.options.refuse = "moderation_blocked"` */
  options: MockImagesOptions;
  requests: RecordedImageRequest[];
  /** A1111 progress polls so far */
  readonly progressPolls: number;
  /** answers the held A1111 generations */
  release(): void;
  /** resolves once `count` recorded requests match (at once if they already have) */
  waitForRequests(
    match: (request: RecordedImageRequest) => boolean,
    count?: number,
  ): Promise<RecordedImageRequest[]>;
  close(): Promise<void>;
}

export const MOCK_IMAGES_KEY = "mock-images-key";
/** The seed A1111 "chooses" when sent -1. */
export const MOCK_RANDOM_SEED = 1_234_567;
export const MOCK_CHECKPOINTS = [
  { title: "sd_xl_base_1.0.safetensors [31e35c80fc]", model_name: "sd_xl_base_1.0" },
  { title: "juggernautXL_v9.safetensors [c9e3e68f89]", model_name: "juggernautXL_v9" },
];

const OPENAI_SIZES: Record<string, string[]> = {
  "dall-e-2": ["256x256", "512x512", "1024x1024"],
  "dall-e-3": ["1024x1024", "1792x1024", "1024x1792"],
  "gpt-image": ["1024x1024", "1536x1024", "1024x1536", "auto"],
};
const REFUSAL_MESSAGES = {
  content_policy_violation:
    "Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.",
  moderation_blocked:
    "Your request was rejected by the safety system. If you believe this is an error, contact us at help.openai.com and include the request ID req_mock.",
};

type Answer = { status: number; type: string; body: Uint8Array | string; headers?: Record<string, string> };

const pictureCache = new Map<string, Promise<Uint8Array>>();

/** A real picture of `width`×`height` in `format`, one colour, the same every time. */
export function mockPicture(
  width: number,
  height: number,
  format: "png" | "jpeg" | "webp" = "png",
): Promise<Uint8Array> {
  const key = `${width}x${height}.${format}`;
  let picture = pictureCache.get(key);
  if (!picture) {
    picture = sharp({ create: { width, height, channels: 3, background: { r: 40, g: 90, b: 160 } } })
      .toFormat(format)
      .toBuffer()
      .then((buffer) => new Uint8Array(buffer));
    pictureCache.set(key, picture);
  }
  return picture;
}

function openaiFamily(model: string): string | undefined {
  if (model.startsWith("gpt-image-")) return "gpt-image";
  return OPENAI_SIZES[model] ? model : undefined;
}

function openaiError(
  status: number,
  message: string,
  code: string | null = null,
  type = "invalid_request_error",
): Answer {
  return {
    status,
    type: "application/json",
    body: JSON.stringify({ error: { message, type, param: null, code } }),
  };
}

function json(body: unknown, status = 200): Answer {
  return { status, type: "application/json", body: JSON.stringify(body) };
}

function header(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

interface HeldGeneration {
  steps: number;
  polls: number;
  answer: () => void;
}

export async function startMockImages(initial: MockImagesOptions = {}): Promise<MockImages> {
  const options: MockImagesOptions = { ...initial };
  const requests: RecordedImageRequest[] = [];
  const key = options.key ?? MOCK_IMAGES_KEY;
  const files = new Map<string, Uint8Array>();
  const held = new Set<HeldGeneration>();
  const waiters: Array<() => void> = [];
  let progressPolls = 0;
  let baseUrl = "";
  let otherOrigin = "";

  async function record(
    request: http.IncomingMessage,
    body: Uint8Array,
    origin: RecordedImageRequest["origin"],
  ): Promise<RecordedImageRequest> {
    const recorded: RecordedImageRequest = { ...(await readRecordedRequest(request, body, baseUrl)), origin };
    requests.push(recorded);
    for (const waiter of [...waiters]) waiter();
    return recorded;
  }

  function link(name: string): string {
    switch (options.answerWithUrl) {
      case "relative":
        return `/files/${name}`;
      case "other-origin":
        return `${otherOrigin}/files/${name}`;
      default:
        return `${baseUrl}/files/${name}`;
    }
  }

  async function openaiPictures(
    request: RecordedImageRequest,
    fields: Record<string, unknown>,
    route: "generations" | "edits",
  ): Promise<Answer> {
    const model = typeof fields.model === "string" ? fields.model : "dall-e-2";
    const family = openaiFamily(model);
    if (typeof fields.prompt !== "string" || !fields.prompt)
      return openaiError(400, "Missing required parameter: 'prompt'.");
    const n = Number(fields.n ?? 1);
    if (family === "dall-e-3" && route === "edits") {
      return openaiError(
        400,
        "Invalid value: 'dall-e-3'. Supported values are: 'dall-e-2' and 'gpt-image-1'.",
      );
    }
    if (family === "dall-e-3" && n !== 1) return openaiError(400, "You must provide n=1 for this model.");
    if (family === "gpt-image" && fields.response_format !== undefined) {
      return openaiError(400, "Unknown parameter: 'response_format'.");
    }
    if (fields.input_fidelity !== undefined && (family !== "gpt-image" || model.includes("mini"))) {
      return openaiError(400, `input_fidelity is not supported for ${model}.`);
    }
    const size =
      typeof fields.size === "string" ? fields.size : family === "gpt-image" ? "auto" : "1024x1024";
    const allowed = family ? OPENAI_SIZES[family] : undefined;
    if (allowed && !allowed.includes(size)) {
      return openaiError(
        400,
        `'${size}' is not one of [${allowed.map((one) => `'${one}'`).join(", ")}] - 'size'`,
      );
    }
    const sizeMatch = /^(\d+)x(\d+)$/.exec(size);
    const [width, height] = sizeMatch ? [Number(sizeMatch[1]), Number(sizeMatch[2])] : [1024, 1024];
    if (route === "edits") {
      const image = request.form?.image ?? request.form?.["image[]"];
      if (typeof image !== "object") return openaiError(400, "Missing required parameter: 'image'.");
    }
    if (options.refuse) {
      const type =
        options.refuse === "moderation_blocked" ? "image_generation_user_error" : "invalid_request_error";
      return openaiError(400, REFUSAL_MESSAGES[options.refuse], options.refuse, type);
    }
    const format =
      family === "gpt-image" && typeof fields.output_format === "string" ? fields.output_format : "png";
    if (format !== "png" && format !== "jpeg" && format !== "webp") {
      return openaiError(400, `Invalid value: '${format}'. Supported values are: 'png', 'jpeg', and 'webp'.`);
    }
    const picture = await mockPicture(width, height, format);
    // Real DALL·E answers links unless asked for base64; gpt-image always answers base64.
    const asLink =
      options.answerWithUrl !== undefined ||
      (family !== "gpt-image" && fields.response_format !== "b64_json");
    const data = Array.from({ length: n }, (_, index) => {
      const item: Record<string, unknown> = {};
      if (asLink) {
        const name = `${files.size + 1}.${format === "jpeg" ? "jpg" : format}`;
        files.set(name, picture);
        item.url = link(name);
      } else {
        item.b64_json = Buffer.from(picture).toString("base64");
      }
      if (family === "dall-e-3")
        item.revised_prompt = `A detailed rendering of: ${String(fields.prompt)} (${index + 1})`;
      return item;
    });
    return json({ created: 1_700_000_000, data });
  }

  async function openaiAnswer(request: RecordedImageRequest): Promise<Answer> {
    const sent = header(request.headers, "authorization")?.replace(/^Bearer /, "");
    if (sent !== key) {
      // The real service echoes (a masked form of) the wrong key: clients must not repeat it.
      return openaiError(
        401,
        `Incorrect API key provided: ${sent ?? ""}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        "invalid_api_key",
      );
    }
    if (options.fail) return openaiError(options.fail, `mock failure ${options.fail}`);
    if (request.method === "POST" && request.path === "/v1/images/generations") {
      if (!request.json || typeof request.json !== "object")
        return openaiError(400, "We could not parse the JSON body of your request.");
      return openaiPictures(request, request.json as Record<string, unknown>, "generations");
    }
    if (request.method === "POST" && request.path === "/v1/images/edits") {
      if (!request.form)
        return openaiError(
          400,
          "Invalid Content-Type header (application/json), expected multipart/form-data.",
        );
      return openaiPictures(request, request.form, "edits");
    }
    return openaiError(404, `Invalid URL (${request.method} ${request.path})`);
  }

  function a1111Error(status: number, detail: string): Answer {
    return json({ detail }, status);
  }

  function progressAnswer(): Answer {
    const first = [...held][0];
    // Released on the poll after the last one counted: the client sends it only once it has read (and
    // reported) that one.
    if (first && options.releaseAfterPolls !== undefined && first.polls >= options.releaseAfterPolls) {
      first.answer();
    }
    const running = [...held][0];
    if (!running) {
      return json({
        progress: 0,
        eta_relative: 0,
        state: {
          skipped: false,
          interrupted: false,
          job: "",
          job_count: 0,
          job_timestamp: "0",
          job_no: 0,
          sampling_step: 0,
          sampling_steps: 0,
        },
        current_image: null,
        textinfo: null,
      });
    }
    running.polls += 1;
    const step = Math.min(running.polls, running.steps);
    return json({
      progress: step / running.steps,
      eta_relative: running.steps - step,
      state: {
        skipped: false,
        interrupted: false,
        job: "scripts_txt2img",
        job_count: 1,
        job_timestamp: "20250101000000",
        job_no: 0,
        sampling_step: step,
        sampling_steps: running.steps,
      },
      current_image: null,
      textinfo: null,
    });
  }

  async function a1111Generation(
    request: RecordedImageRequest,
    response: http.ServerResponse,
  ): Promise<Answer | undefined> {
    const fields = request.json as Record<string, unknown> | undefined;
    if (!fields || typeof fields.prompt !== "string") return a1111Error(422, "field required: prompt");
    const img2img = request.path === "/sdapi/v1/img2img";
    if (img2img) {
      const init = fields.init_images;
      if (!Array.isArray(init) || typeof init[0] !== "string") return a1111Error(404, "Init image not found");
      try {
        await sharp(Buffer.from(init[0], "base64")).metadata();
      } catch {
        return a1111Error(500, "cannot identify image file");
      }
    }
    const checkpoint = (fields.override_settings as { sd_model_checkpoint?: unknown } | undefined)
      ?.sd_model_checkpoint;
    if (
      checkpoint !== undefined &&
      !(options.checkpoints ?? MOCK_CHECKPOINTS).some(
        (known) => known.model_name === checkpoint || known.title === checkpoint,
      )
    ) {
      return a1111Error(404, "Model not found");
    }
    const width = Number(fields.width ?? 512);
    const height = Number(fields.height ?? 512);
    const batch = Number(fields.batch_size ?? 1);
    const seed = Number(fields.seed ?? -1) === -1 ? MOCK_RANDOM_SEED : Number(fields.seed);
    const picture = Buffer.from(await mockPicture(width, height)).toString("base64");
    const allSeeds = Array.from({ length: batch }, (_, index) => seed + index);
    const done = json({
      images: Array.from({ length: batch }, () => picture),
      parameters: fields,
      info: JSON.stringify({
        prompt: fields.prompt,
        seed,
        all_seeds: allSeeds,
        width,
        height,
        sampler_name: "Euler a",
      }),
    });
    if (!options.holdGenerations) return done;
    // Held: answered on release, or dropped when the client goes away first.
    const generation: HeldGeneration = {
      steps: Number(fields.steps ?? 20),
      polls: 0,
      answer: () => {
        held.delete(generation);
        if (!response.destroyed) send(response, done);
      },
    };
    held.add(generation);
    response.on("close", () => held.delete(generation));
    return undefined;
  }

  async function a1111Answer(
    request: RecordedImageRequest,
    response: http.ServerResponse,
  ): Promise<Answer | undefined> {
    if (options.a1111Auth) {
      const expected = `Basic ${Buffer.from(options.a1111Auth).toString("base64")}`;
      if (header(request.headers, "authorization") !== expected) {
        return {
          ...a1111Error(401, "Incorrect username or password"),
          headers: { "www-authenticate": "Basic" },
        };
      }
    }
    if (options.fail) return a1111Error(options.fail, `mock failure ${options.fail}`);
    const route = `${request.method} ${request.path}`;
    if (route === "GET /sdapi/v1/sd-models") {
      return json(
        (options.checkpoints ?? MOCK_CHECKPOINTS).map((checkpoint) => ({
          ...checkpoint,
          hash: null,
          sha256: null,
          filename: `/models/${checkpoint.title}`,
          config: null,
        })),
      );
    }
    if (route === "GET /sdapi/v1/progress") {
      progressPolls += 1;
      return progressAnswer();
    }
    if (route === "POST /sdapi/v1/txt2img" || route === "POST /sdapi/v1/img2img")
      return a1111Generation(request, response);
    return a1111Error(404, "Not Found");
  }

  function send(response: http.ServerResponse, answer: Answer): void {
    response.writeHead(answer.status, { "content-type": answer.type, ...answer.headers });
    response.end(answer.body);
  }

  const handle =
    (origin: RecordedImageRequest["origin"]) =>
    (request: http.IncomingMessage, response: http.ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        void (async () => {
          let answer: Answer | undefined;
          try {
            const recorded = await record(request, new Uint8Array(Buffer.concat(chunks)), origin);
            if (recorded.method === "GET" && recorded.path.startsWith("/files/")) {
              const file = files.get(recorded.path.slice("/files/".length));
              const type = recorded.path.endsWith(".jpg")
                ? "image/jpeg"
                : recorded.path.endsWith(".webp")
                  ? "image/webp"
                  : "image/png";
              answer = file
                ? { status: 200, type, body: file }
                : { status: 404, type: "text/plain", body: "no such file" };
            } else if (origin === "other") {
              answer = { status: 404, type: "text/plain", body: "only files here" };
            } else if (recorded.path.startsWith("/v1/images/")) {
              answer = await openaiAnswer(recorded);
            } else if (recorded.path.startsWith("/sdapi/v1/")) {
              answer = await a1111Answer(recorded, response);
            } else {
              answer = { status: 404, type: "text/plain", body: `no service at ${recorded.path}` };
            }
          } catch (error) {
            answer = { status: 400, type: "text/plain", body: `bad request: ${(error as Error).message}` };
          }
          if (answer) send(response, answer);
        })();
      });
    };

  const server = http.createServer(handle("service"));
  const other = http.createServer(handle("other"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;

  return {
    baseUrl,
    otherOrigin,
    key,
    options,
    requests,
    get progressPolls() {
      return progressPolls;
    },
    release() {
      for (const generation of [...held]) generation.answer();
    },
    waitForRequests(match, count = 1) {
      return new Promise((resolve) => {
        const check = () => {
          const found = requests.filter(match);
          if (found.length < count) return false;
          waiters.splice(waiters.indexOf(check), 1);
          resolve(found);
          return true;
        };
        waiters.push(check);
        check();
      });
    },
    async close() {
      held.clear();
      for (const one of [server, other]) {
        one.closeAllConnections();
        await new Promise((resolve) => one.close(resolve));
      }
    },
  };
}
