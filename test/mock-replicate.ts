/**
 * A loopback stand-in for Replicate's predictions API, so media tests never reach the internet:
 * `POST /v1/models/{owner}/{name}/predictions`, `POST /v1/predictions` (with `version`), `GET
 * /v1/predictions/{id}`, `POST /v1/predictions/{id}/cancel`, and the output files themselves (served
 * as replicate.delivery does, without a key). A prediction moves one step per poll: `starting`, then
 * `processing` with a tqdm log, then `succeeded`; or `failed` (switches: an error, a NSFW refusal), or
 * it holds at `processing` until cancelled. `Prefer: wait` answers the finished prediction at once.
 * Errors are Replicate's problem documents (`{"title", "detail", "status"}`). Pictures are real PNGs.
 *
 * @example
 * const replicate = await startMockReplicate();
 * const provider = createReplicate({ name: "replicate", kind: "replicate", base_url: replicate.baseUrl, api_key: replicate.key });
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { mockPng } from "./mock-comfyui.ts";

export interface MockReplicateOptions {
  /** predictions fail with this error */
  failWith?: string | undefined;
  /** predictions fail as flux-schnell does when its safety checker refuses every picture */
  nsfw?: boolean;
  /** predictions stay `processing` until cancelled */
  hold?: boolean;
  /** outputs as `data:` URIs instead of file URLs */
  dataUris?: boolean;
}

export interface RecordedReplicateRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  json?: unknown;
}

export interface MockPrediction {
  id: string;
  model: string;
  version: string;
  input: Record<string, unknown>;
  status: "starting" | "processing" | "succeeded" | "failed" | "canceled";
  logs: string;
  output: unknown;
  error: string | null;
  polls: number;
}

export interface MockReplicate {
  baseUrl: string;
  key: string;
  options: MockReplicateOptions;
  requests: RecordedReplicateRequest[];
  predictions: MockPrediction[];
  reset(): void;
  close(): Promise<void>;
}

export const MOCK_REPLICATE_KEY = "r8_mockreplicatekey0000000000000000000";
export const MOCK_SDXL_VERSION = "7762fd07cf82c948538e41f63f77d685e02b063e37e496e96eefd46c929f9bdc";

/** The start of an MP4: an `ftyp` box (brand isom) and an empty `mdat`: enough to be recognised. */
export const MOCK_MP4 = new Uint8Array(
  Buffer.concat([
    Buffer.from([0x00, 0x00, 0x00, 0x18]),
    Buffer.from("ftypisom", "latin1"),
    Buffer.from([0x00, 0x00, 0x02, 0x00]),
    Buffer.from("isomiso2", "latin1"),
    Buffer.from([0x00, 0x00, 0x00, 0x08]),
    Buffer.from("mdat", "latin1"),
  ]),
);

type ModelKind = "image" | "video";
interface MockModel {
  kind: ModelKind;
  /** the inputs it checks, as Replicate does against the model's schema */
  validate?: (input: Record<string, unknown>) => string | undefined;
  /** a list of files, or one */
  list: boolean;
  version: string;
}

const FLUX_RATIOS = ["1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4", "3:4", "4:3", "9:16", "9:21"];

const MODELS: Record<string, MockModel> = {
  "black-forest-labs/flux-schnell": {
    kind: "image",
    list: true,
    version: "c846a69991daf4c0e5d016514849d14ee5b2e6846ce6b9d6f21369e564cfe51e",
    validate: (input) => {
      if (input.aspect_ratio !== undefined && !FLUX_RATIOS.includes(String(input.aspect_ratio))) {
        return `- input.aspect_ratio: aspect_ratio must be one of the following: ${FLUX_RATIOS.map((ratio) => `"${ratio}"`).join(", ")}`;
      }
      const outputs = input.num_outputs;
      if (outputs !== undefined && (typeof outputs !== "number" || outputs < 1 || outputs > 4)) {
        return "- input.num_outputs: Must be less than or equal to 4";
      }
      return undefined;
    },
  },
  "black-forest-labs/flux-kontext-pro": { kind: "image", list: false, version: "kontext0000" },
  "stability-ai/sdxl": { kind: "image", list: true, version: MOCK_SDXL_VERSION },
  "acme/portrait": { kind: "image", list: false, version: "acme0000" },
  "kwaivgi/kling-v1.6-standard": {
    kind: "video",
    list: false,
    version: "kling0000",
    validate: (input) =>
      input.duration !== undefined && ![5, 10].includes(Number(input.duration))
        ? "- input.duration: duration must be one of the following: 5, 10"
        : undefined,
  },
  "minimax/video-01": { kind: "video", list: false, version: "minimax0000" },
};

const STEPS = 4;
const NSFW_ERROR =
  "All generated images contained NSFW content. Try running it again with a different prompt.";

function tqdm(done: number): string {
  const percent = Math.round((done / STEPS) * 100);
  const bar = "█".repeat(Math.round((done / STEPS) * 10)).padEnd(10, " ");
  return `${String(percent).padStart(3)}%|${bar}| ${done}/${STEPS} [00:0${done}<00:0${STEPS - done},  2.00it/s]`;
}

export async function startMockReplicate(initial: MockReplicateOptions = {}): Promise<MockReplicate> {
  const options: MockReplicateOptions = { ...initial };
  const requests: RecordedReplicateRequest[] = [];
  const predictions: MockPrediction[] = [];
  const files = new Map<string, { type: string; bytes: Uint8Array }>();
  const png = await mockPng({ r: 90, g: 160, b: 90 });
  const key = MOCK_REPLICATE_KEY;
  let baseUrl = "";

  type Answer = { status: number; type?: string; body?: string | Uint8Array };
  const json = (body: unknown, status = 200): Answer => ({
    status,
    type: "application/json",
    body: JSON.stringify(body),
  });
  const problem = (status: number, title: string, detail: string): Answer => ({
    ...json({ title, detail, status }, status),
    type: "application/problem+json",
  });

  function view(prediction: MockPrediction) {
    const base = `${baseUrl}/v1/predictions/${prediction.id}`;
    return {
      id: prediction.id,
      model: prediction.model,
      version: prediction.version,
      input: prediction.input,
      logs: prediction.logs,
      output: prediction.output,
      data_removed: false,
      error: prediction.error,
      status: prediction.status,
      created_at: "2025-01-01T00:00:00.000Z",
      urls: { cancel: `${base}/cancel`, get: base, web: `https://replicate.com/p/${prediction.id}` },
      metrics: prediction.status === "succeeded" ? { predict_time: 1.2 } : {},
    };
  }

  function finish(prediction: MockPrediction): void {
    prediction.logs = `Using seed: ${String(prediction.input.seed ?? 42)}\n${tqdm(STEPS)}\n`;
    if (options.failWith || options.nsfw) {
      prediction.status = "failed";
      prediction.error = options.nsfw ? NSFW_ERROR : options.failWith!;
      return;
    }
    const model = MODELS[prediction.model]!;
    const count = model.kind === "image" ? Number(prediction.input.num_outputs ?? 1) : 1;
    const outputs = Array.from({ length: count }, (_, index) => {
      const [type, bytes, name] =
        model.kind === "video"
          ? ["video/mp4", MOCK_MP4, "output.mp4"]
          : ["image/png", png, `out-${index}.png`];
      if (options.dataUris) return `data:${type};base64,${Buffer.from(bytes).toString("base64")}`;
      const path = `/files/${prediction.id}/${name}`;
      files.set(path, { type, bytes });
      return `${baseUrl}${path}`;
    });
    prediction.status = "succeeded";
    prediction.output = model.list ? outputs : outputs[0];
  }

  /** One poll's worth of work: starting -> processing (0/4) -> processing (2/4) -> done. */
  function advance(prediction: MockPrediction): void {
    if (prediction.status !== "starting" && prediction.status !== "processing") return;
    prediction.polls += 1;
    if (prediction.polls === 1) {
      prediction.status = "processing";
      prediction.logs = `Using seed: ${String(prediction.input.seed ?? 42)}\n${tqdm(0)}`;
    } else if (prediction.polls === 2 || options.hold) {
      prediction.logs = `Using seed: ${String(prediction.input.seed ?? 42)}\n${tqdm(0)}\r${tqdm(2)}`;
    } else {
      finish(prediction);
    }
  }

  function create(request: RecordedReplicateRequest, model: string, version: string | undefined): Answer {
    const known = MODELS[model];
    if (!known || (version && version !== known.version)) {
      return problem(404, "Not found", "The requested resource could not be found.");
    }
    const body = request.json as { input?: Record<string, unknown> } | undefined;
    if (!body?.input || typeof body.input !== "object") {
      return problem(422, "Input validation failed", "- input: input is required");
    }
    const invalid = known.validate?.(body.input);
    if (invalid) return problem(422, "Input validation failed", invalid);
    const prediction: MockPrediction = {
      id: randomBytes(13).toString("hex").slice(0, 26),
      model,
      version: known.version,
      input: body.input,
      status: "starting",
      logs: "",
      output: null,
      error: null,
      polls: 0,
    };
    predictions.push(prediction);
    const prefer = String(request.headers.prefer ?? "");
    if (/^wait\b/.test(prefer) && !options.hold) finish(prediction);
    return json(view(prediction), 201);
  }

  function answer(request: RecordedReplicateRequest): Answer {
    if (request.method === "GET" && request.path.startsWith("/files/")) {
      const file = files.get(request.path);
      return file ? { status: 200, type: file.type, body: file.bytes } : { status: 404 };
    }
    const authorization = String(request.headers.authorization ?? "");
    if (authorization !== `Bearer ${key}` && authorization !== `Token ${key}`) {
      return problem(401, "Unauthenticated", "You did not pass a valid authentication token");
    }
    const modelRoute = /^\/v1\/models\/([^/]+)\/([^/]+)\/predictions$/.exec(request.path);
    if (request.method === "POST" && modelRoute) {
      return create(
        request,
        `${decodeURIComponent(modelRoute[1]!)}/${decodeURIComponent(modelRoute[2]!)}`,
        undefined,
      );
    }
    if (request.method === "POST" && request.path === "/v1/predictions") {
      const version = (request.json as { version?: string } | undefined)?.version ?? "";
      const model = Object.entries(MODELS).find(([, known]) => known.version === version)?.[0];
      if (!model)
        return problem(
          422,
          "Invalid version or not permitted",
          "The specified version does not exist (or perhaps you don't have permission to use it?)",
        );
      return create(request, model, version);
    }
    const predictionRoute = /^\/v1\/predictions\/([^/]+)(\/cancel)?$/.exec(request.path);
    const prediction =
      predictionRoute && predictions.find((candidate) => candidate.id === predictionRoute[1]);
    if (predictionRoute && !prediction)
      return problem(404, "Not found", "The requested resource could not be found.");
    if (prediction && request.method === "GET" && !predictionRoute![2]) {
      advance(prediction);
      return json(view(prediction));
    }
    if (prediction && request.method === "POST" && predictionRoute![2]) {
      if (prediction.status === "starting" || prediction.status === "processing")
        prediction.status = "canceled";
      return json(view(prediction));
    }
    return problem(404, "Not found", "The requested resource could not be found.");
  }

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const url = new URL(request.url ?? "/", baseUrl);
      const recorded: RecordedReplicateRequest = {
        method: request.method ?? "GET",
        path: url.pathname,
        headers: request.headers,
      };
      const body = Buffer.concat(chunks);
      if (body.length > 0) {
        try {
          recorded.json = JSON.parse(body.toString("utf8"));
        } catch {
          // recorded without a body
        }
      }
      requests.push(recorded);
      const result = answer(recorded);
      response.writeHead(result.status, result.type ? { "content-type": result.type } : {});
      response.end(result.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    key,
    options,
    requests,
    predictions,
    reset() {
      requests.length = 0;
      predictions.length = 0;
      for (const name of Object.keys(options) as Array<keyof MockReplicateOptions>) delete options[name];
      Object.assign(options, initial);
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
