/**
 * A loopback stand-in for ComfyUI, so media tests never need a GPU: its HTTP routes (`/prompt`,
 * `/history/{id}`, `/view`, `/upload/image`, `/object_info/{class}`, `/interrupt`, `/queue`) and its
 * WebSocket (`/ws?clientId=...`) on the same server, in ComfyUI's own shapes. `/prompt` validates the
 * way ComfyUI does (unknown checkpoint, an INT input that is not a number, a LoadImage of a file never
 * uploaded: a 400 with `error` and `node_errors`); a queued prompt "runs": status, execution_start,
 * executing, progress per step with a binary preview frame, executed, execution_success, then the
 * history is stored and `executing` with `node: null` sent, in the real server's order. Pictures are
 * real PNGs made with sharp.
 *
 * @example
 * const comfy = await startMockComfyUi();
 * const provider = createComfyUi({ name: "comfy", kind: "comfyui", base_url: comfy.baseUrl });
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import sharp from "sharp";
import { WebSocketServer, type WebSocket } from "ws";
import { readRecordedRequest, type RecordedHttpRequest } from "./recorded-request.ts";

export type { RecordedUpload } from "./recorded-request.ts";

export interface MockComfyUiOptions {
  /** the checkpoints CheckpointLoaderSimple offers */
  checkpoints?: string[];
  /** `/object_info` lists combo choices in the newer `["COMBO", {"options": [...]}]` form */
  comboV2?: boolean;
  /** WebSocket upgrades are refused with a 404, as behind a proxy that does not pass them */
  refuseSocket?: boolean;
  /** the sampler fails at its first step with this exception message */
  executionError?: string | undefined;
  /** runs stop after their first step until `release()` or `/interrupt` */
  hold?: boolean;
  /** sampler steps reported per run; default 4 */
  steps?: number;
  /** a run's messages are all sent before `/prompt` answers (ComfyUI can be that quick with cached nodes) */
  runBeforeAnswer?: boolean;
}

export type RecordedComfyRequest = RecordedHttpRequest;

type Workflow = Record<string, { class_type: string; inputs: Record<string, unknown> }>;

export interface QueuedPrompt {
  promptId: string;
  clientId: string | undefined;
  prompt: Workflow;
  /** whether the client's WebSocket was open when the prompt was queued */
  socketOpen: boolean;
}

export interface MockComfyUi {
  baseUrl: string;
  options: MockComfyUiOptions;
  requests: RecordedComfyRequest[];
  prompts: QueuedPrompt[];
  /** WebSocket connections as opened: their clientId and headers */
  sockets: Array<{ clientId: string; headers: http.IncomingHttpHeaders }>;
  /** uploaded input files by the name LoadImage takes (`subfolder/name` or `name`) */
  uploads: Map<string, Uint8Array>;
  /** Resolves with the prompt id once a held run reached its first step. */
  nextHeldRun(): Promise<string>;
  /** lets held runs finish */
  release(): void;
  reset(): void;
  close(): Promise<void>;
}

export const MOCK_CHECKPOINTS = ["sd_xl_base_1.0.safetensors", "dreamshaper_8.safetensors"];

/** A small real PNG of one colour. */
export async function mockPng(
  color: { r: number; g: number; b: number } = { r: 200, g: 120, b: 60 },
  size = 8,
): Promise<Uint8Array> {
  const bytes = await sharp({ create: { width: size, height: size, channels: 3, background: color } })
    .png()
    .toBuffer();
  return new Uint8Array(bytes);
}

const KNOWN_NODES = new Set([
  "CheckpointLoaderSimple",
  "CLIPTextEncode",
  "EmptyLatentImage",
  "KSampler",
  "VAEDecode",
  "VAEEncode",
  "SaveImage",
  "PreviewImage",
  "LoadImage",
]);
const OUTPUT_NODES = new Set(["SaveImage", "PreviewImage"]);
/** Inputs ComfyUI converts with int()/float(): a placeholder left in the text fails validation. */
const NUMBER_INPUTS: Record<string, string[]> = {
  KSampler: ["seed", "steps", "cfg", "denoise"],
  EmptyLatentImage: ["width", "height", "batch_size"],
};

interface NodeIssue {
  type: string;
  message: string;
  details: string;
  extra_info: Record<string, unknown>;
}

export async function startMockComfyUi(initial: MockComfyUiOptions = {}): Promise<MockComfyUi> {
  const options: MockComfyUiOptions = { ...initial };
  const requests: RecordedComfyRequest[] = [];
  const prompts: QueuedPrompt[] = [];
  const socketsOpened: MockComfyUi["sockets"] = [];
  const uploads = new Map<string, Uint8Array>();
  const files = new Map<string, Uint8Array>();
  const history = new Map<string, unknown>();
  const live = new Map<string, WebSocket>();
  const held = new Map<string, () => void>();
  const heldWaiters: Array<(promptId: string) => void> = [];
  const heldReady: string[] = [];
  const interrupted = new Set<string>();
  const outputPng = await mockPng({ r: 40, g: 90, b: 200 });
  const previewPng = await mockPng({ r: 10, g: 10, b: 10 }, 4);
  let fileCounter = 0;
  let queueNumber = 0;
  let baseUrl = "";

  const checkpoints = () => options.checkpoints ?? MOCK_CHECKPOINTS;

  function send(clientId: string | undefined, type: string, data: Record<string, unknown>): void {
    const socket = clientId ? live.get(clientId) : undefined;
    if (socket?.readyState === 1) socket.send(JSON.stringify({ type, data }));
  }

  function sendPreview(clientId: string | undefined): void {
    const socket = clientId ? live.get(clientId) : undefined;
    if (socket?.readyState !== 1) return;
    // ComfyUI's binary frame: event type 1 (PREVIEW_IMAGE), image type 2 (PNG), then the picture.
    const header = Buffer.alloc(8);
    header.writeUInt32BE(1, 0);
    header.writeUInt32BE(2, 4);
    socket.send(Buffer.concat([header, previewPng]));
  }

  function validate(prompt: Workflow): { error: unknown; node_errors: Record<string, unknown> } | undefined {
    for (const [id, node] of Object.entries(prompt)) {
      if (!KNOWN_NODES.has(node.class_type)) {
        return {
          error: {
            type: "invalid_prompt",
            message: `Cannot execute because node ${node.class_type} does not exist.`,
            details: `Node ID '#${id}'`,
            extra_info: {},
          },
          node_errors: {},
        };
      }
    }
    const nodeErrors: Record<string, unknown> = {};
    for (const [id, node] of Object.entries(prompt)) {
      const issues: NodeIssue[] = [];
      const { inputs } = node;
      if (node.class_type === "CheckpointLoaderSimple" && !checkpoints().includes(String(inputs.ckpt_name))) {
        issues.push({
          type: "value_not_in_list",
          message: "Value not in list",
          details: `ckpt_name: '${String(inputs.ckpt_name)}' not in ${JSON.stringify(checkpoints())}`,
          extra_info: { input_name: "ckpt_name", received_value: inputs.ckpt_name },
        });
      }
      for (const name of NUMBER_INPUTS[node.class_type] ?? []) {
        const value = inputs[name];
        if (value === undefined || typeof value === "number" || Array.isArray(value)) continue;
        if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) continue;
        issues.push({
          type: "invalid_input_type",
          message: "Failed to convert an input value to a INT value",
          details: `${name}, ${String(value)}, invalid literal for int() with base 10: '${String(value)}'`,
          extra_info: { input_name: name, received_value: value },
        });
      }
      if (node.class_type === "LoadImage" && !uploads.has(String(inputs.image))) {
        issues.push({
          type: "custom_validation_failed",
          message: "Custom validation failed for node",
          details: `image - Invalid image file: ${String(inputs.image)}`,
          extra_info: { input_name: "image" },
        });
      }
      if (issues.length > 0) {
        nodeErrors[id] = { errors: issues, dependent_outputs: [], class_type: node.class_type };
      }
    }
    if (Object.keys(nodeErrors).length === 0) return undefined;
    return {
      error: {
        type: "prompt_outputs_failed_validation",
        message: "Prompt outputs failed validation",
        details: "",
        extra_info: {},
      },
      node_errors: nodeErrors,
    };
  }

  function storeHistory(queued: QueuedPrompt, number: number, outputs: unknown, status: unknown): void {
    history.set(queued.promptId, {
      prompt: [number, queued.promptId, queued.prompt, { client_id: queued.clientId }, []],
      outputs,
      status,
      meta: {},
    });
  }

  async function run(queued: QueuedPrompt, number: number): Promise<void> {
    const { promptId, clientId, prompt } = queued;
    const timestamp = () => Date.now();
    const messages: Array<[string, Record<string, unknown>]> = [];
    const message = (type: string, data: Record<string, unknown>) => {
      messages.push([type, data]);
      send(clientId, type, data);
    };
    const entries = Object.entries(prompt);
    const sampler = entries.find(([, node]) => node.class_type === "KSampler")?.[0] ?? entries[0]![0];
    const steps = options.steps ?? 4;
    send(clientId, "status", { status: { exec_info: { queue_remaining: 1 } } });
    message("execution_start", { prompt_id: promptId, timestamp: timestamp() });
    message("execution_cached", { nodes: [], prompt_id: promptId, timestamp: timestamp() });
    send(clientId, "executing", { node: sampler, display_node: sampler, prompt_id: promptId });
    const fail = (type: string, data: Record<string, unknown>) => {
      message(type, data);
      storeHistory(queued, number, {}, { status_str: "error", completed: false, messages });
      send(clientId, "executing", { node: null, prompt_id: promptId });
    };
    for (let step = 1; step <= steps; step++) {
      send(clientId, "progress", { value: step, max: steps, prompt_id: promptId, node: sampler });
      sendPreview(clientId);
      if (step === 1 && options.executionError) {
        return fail("execution_error", {
          prompt_id: promptId,
          node_id: sampler,
          node_type: prompt[sampler]!.class_type,
          executed: [],
          exception_message: options.executionError,
          exception_type: "RuntimeError",
          traceback: ['  File "execution.py", line 1, in execute\n'],
          current_inputs: {},
          current_outputs: {},
          timestamp: timestamp(),
        });
      }
      if (step === 1 && options.hold) {
        await new Promise<void>((resolve) => {
          held.set(promptId, resolve);
          const waiter = heldWaiters.shift();
          if (waiter) waiter(promptId);
          else heldReady.push(promptId);
        });
        if (interrupted.has(promptId)) {
          return fail("execution_interrupted", {
            prompt_id: promptId,
            node_id: sampler,
            node_type: prompt[sampler]!.class_type,
            executed: [],
            timestamp: timestamp(),
          });
        }
      }
    }
    const outputs: Record<string, { images: Array<{ filename: string; subfolder: string; type: string }> }> =
      {};
    const batchNode = entries.find(([, node]) => node.class_type === "EmptyLatentImage")?.[1];
    const batch = Number(batchNode?.inputs.batch_size ?? 1) || 1;
    for (const [id, node] of entries) {
      if (!OUTPUT_NODES.has(node.class_type)) continue;
      const type = node.class_type === "SaveImage" ? "output" : "temp";
      const images = Array.from({ length: batch }, () => {
        fileCounter += 1;
        const filename = `${type === "output" ? "ComfyUI" : "ComfyUI_temp"}_${String(fileCounter).padStart(5, "0")}_.png`;
        files.set(`${type}/${filename}`, outputPng);
        return { filename, subfolder: "", type };
      });
      outputs[id] = { images };
      send(clientId, "executed", { node: id, display_node: id, output: { images }, prompt_id: promptId });
    }
    // As ComfyUI: execution_success is sent before the history is stored, `node: null` after.
    message("execution_success", { prompt_id: promptId, timestamp: timestamp() });
    storeHistory(queued, number, outputs, { status_str: "success", completed: true, messages });
    send(clientId, "executing", { node: null, prompt_id: promptId });
  }

  async function record(request: http.IncomingMessage, body: Uint8Array): Promise<RecordedComfyRequest> {
    const recorded = await readRecordedRequest(request, body, baseUrl, { jsonWithoutType: true });
    requests.push(recorded);
    return recorded;
  }

  type Answer = { status: number; type?: string; body?: string | Uint8Array; after?: () => void };
  const json = (body: unknown, status = 200): Answer => ({
    status,
    type: "application/json",
    body: JSON.stringify(body),
  });

  async function answer(request: RecordedComfyRequest): Promise<Answer> {
    const route = `${request.method} ${request.path}`;
    if (request.method === "GET" && request.path.startsWith("/object_info/")) {
      const nodeClass = decodeURIComponent(request.path.slice("/object_info/".length));
      if (nodeClass !== "CheckpointLoaderSimple") return json({});
      const choices = options.comboV2
        ? ["COMBO", { options: checkpoints(), tooltip: "The name of the checkpoint (model) to load." }]
        : [checkpoints(), { tooltip: "The name of the checkpoint (model) to load." }];
      return json({
        CheckpointLoaderSimple: {
          input: { required: { ckpt_name: choices } },
          input_order: { required: ["ckpt_name"] },
          output: ["MODEL", "CLIP", "VAE"],
          output_is_list: [false, false, false],
          output_name: ["MODEL", "CLIP", "VAE"],
          name: "CheckpointLoaderSimple",
          display_name: "Load Checkpoint",
          description: "Loads a diffusion model checkpoint.",
          python_module: "nodes",
          category: "loaders",
          output_node: false,
        },
      });
    }
    if (route === "POST /upload/image") {
      const image = request.form?.image;
      if (!image || typeof image === "string" || !image.fileName) return { status: 400 };
      const subfolder = typeof request.form?.subfolder === "string" ? request.form.subfolder : "";
      const name = image.fileName;
      uploads.set(subfolder ? `${subfolder}/${name}` : name, image.bytes);
      return json({ name, subfolder, type: "input" });
    }
    if (route === "POST /prompt") {
      const body = request.json as { prompt?: Workflow; client_id?: string } | undefined;
      if (!body?.prompt || typeof body.prompt !== "object") {
        return json(
          {
            error: { type: "no_prompt", message: "No prompt provided", details: "", extra_info: {} },
            node_errors: {},
          },
          400,
        );
      }
      const refused = validate(body.prompt);
      if (refused) return json(refused, 400);
      const queued: QueuedPrompt = {
        promptId: randomUUID(),
        clientId: body.client_id,
        prompt: body.prompt,
        socketOpen: body.client_id !== undefined && live.has(body.client_id),
      };
      prompts.push(queued);
      const number = queueNumber++;
      const start = () => void run(queued, number);
      if (options.runBeforeAnswer) {
        await run(queued, number);
        return json({ prompt_id: queued.promptId, number, node_errors: {} });
      }
      return { ...json({ prompt_id: queued.promptId, number, node_errors: {} }), after: start };
    }
    if (request.method === "GET" && request.path.startsWith("/history/")) {
      const promptId = decodeURIComponent(request.path.slice("/history/".length));
      const entry = history.get(promptId);
      return json(entry ? { [promptId]: entry } : {});
    }
    if (route === "GET /view") {
      const { filename = "", subfolder = "", type = "output" } = request.query;
      const file = files.get(`${type}/${subfolder ? `${subfolder}/` : ""}${filename}`);
      return file ? { status: 200, type: "image/png", body: file } : { status: 404 };
    }
    if (route === "POST /interrupt") {
      const promptId = (request.json as { prompt_id?: string } | undefined)?.prompt_id;
      for (const [id, resume] of held) {
        if (promptId && promptId !== id) continue;
        interrupted.add(id);
        held.delete(id);
        resume();
      }
      return { status: 200 };
    }
    if (route === "POST /queue") return { status: 200 };
    return { status: 404, type: "text/plain", body: "404: Not Found" };
  }

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      void (async () => {
        let result: Answer;
        try {
          result = await answer(await record(request, new Uint8Array(Buffer.concat(chunks))));
        } catch (error) {
          result = { status: 500, type: "text/plain", body: `mock failure: ${(error as Error).message}` };
        }
        response.writeHead(result.status, result.type ? { "content-type": result.type } : {});
        response.end(result.body, () => result.after?.());
      })();
    });
  });

  const sockets = new WebSocketServer({ noServer: true });
  server.on("upgrade", (request, socket, head) => {
    const url = new URL(request.url ?? "/", baseUrl);
    if (url.pathname !== "/ws" || options.refuseSocket) {
      socket.end(
        "HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\ncontent-length: 14\r\n\r\n404: Not Found",
      );
      return;
    }
    sockets.handleUpgrade(request, socket, head, (client) => {
      const clientId = url.searchParams.get("clientId") || randomUUID().replaceAll("-", "");
      socketsOpened.push({ clientId, headers: request.headers });
      live.set(clientId, client);
      client.on("close", () => {
        if (live.get(clientId) === client) live.delete(clientId);
      });
      client.send(
        JSON.stringify({
          type: "status",
          data: { status: { exec_info: { queue_remaining: 0 } }, sid: clientId },
        }),
      );
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const release = () => {
    for (const [id, resume] of held) {
      held.delete(id);
      resume();
    }
  };
  return {
    baseUrl,
    options,
    requests,
    prompts,
    sockets: socketsOpened,
    uploads,
    nextHeldRun: () => {
      const ready = heldReady.shift();
      return ready ? Promise.resolve(ready) : new Promise((resolve) => heldWaiters.push(resolve));
    },
    release,
    reset() {
      release();
      requests.length = 0;
      prompts.length = 0;
      socketsOpened.length = 0;
      heldReady.length = 0;
      for (const key of Object.keys(options) as Array<keyof MockComfyUiOptions>) delete options[key];
      Object.assign(options, initial);
    },
    async close() {
      release();
      for (const client of sockets.clients) client.terminate();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
