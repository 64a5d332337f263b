/**
 * A minimal loopback OpenAI-compatible upstream for the completions benchmark: `POST /v1/chat/completions`
 * answers a fixed reply at once, as JSON or (with `stream: true`) as server-sent events; `GET /v1/models`
 * lists one model. Anything else is a 404.
 *
 * test/mock-upstreams.ts does the same for tests, but it records every request (body and headers) in
 * memory, which grows without bound under load and would make the upstream itself slower as a run goes on.
 * This one keeps nothing, so its cost per request is flat and the same for direct and relayed calls.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

/** The model the upstream answers as, and the text of every reply. */
export const UPSTREAM_MODEL = "bench-small";
export const UPSTREAM_REPLY = "Hello from the bench upstream. It answers at once, so only overhead is left.";

const USAGE = { prompt_tokens: 42, completion_tokens: 17, total_tokens: 59 };
const ENVELOPE = { id: "chatcmpl-bench", created: 1_700_000_000, model: UPSTREAM_MODEL };
// Streamed like a real upstream: one delta per word with its following space.
const REPLY_CHUNKS = UPSTREAM_REPLY.match(/\S+\s*/g) ?? [UPSTREAM_REPLY];
const COMPLETION_JSON = JSON.stringify({
  ...ENVELOPE,
  object: "chat.completion",
  choices: [{ index: 0, message: { role: "assistant", content: UPSTREAM_REPLY }, finish_reason: "stop" }],
  usage: USAGE,
});

export interface RunningUpstream {
  url: string;
  /** Generation requests answered so far. */
  answered(): number;
  /** The most generation requests that were being answered at once. */
  peakConcurrency(): number;
  stop(): Promise<void>;
}

export interface UpstreamOptions {
  /** Milliseconds each generation request takes, like a real model's latency; default 0. */
  latencyMs?: number;
  /** Generation requests answered at once; later ones wait their turn (a provider's concurrency cap). */
  maxConcurrent?: number;
  /** The assistant's text, from the request body; default a fixed greeting. */
  reply?: (body: { messages?: { content?: unknown }[] }) => string;
}

/** Starts the upstream on 127.0.0.1 on a free port. */
export async function startOpenAIUpstream(options: UpstreamOptions = {}): Promise<RunningUpstream> {
  const gate = new ConcurrencyGate(options.maxConcurrent ?? Number.POSITIVE_INFINITY);
  const counters = { answered: 0 };
  const server = http.createServer((request, response) => {
    handle(request, response, { options, gate, counters }).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, JSON.stringify({ error: { message: String(error) } }));
      else response.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    answered: () => counters.answered,
    peakConcurrency: () => gate.peak,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** At most `limit` holders at once; the rest wait in arrival order. */
class ConcurrencyGate {
  #active = 0;
  #waiting: (() => void)[] = [];
  peak = 0;

  constructor(private readonly limit: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#active >= this.limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#active++;
    this.peak = Math.max(this.peak, this.#active);
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active--;
    }
  }
}

interface HandlerContext {
  options: UpstreamOptions;
  gate: ConcurrencyGate;
  counters: { answered: number };
}

async function handle(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  context: HandlerContext,
): Promise<void> {
  const body = await readBody(request);
  if (request.method === "GET" && request.url === "/v1/models") {
    send(
      response,
      200,
      JSON.stringify({ object: "list", data: [{ id: UPSTREAM_MODEL, object: "model", owned_by: "bench" }] }),
    );
    return;
  }
  if (request.method !== "POST" || request.url !== "/v1/chat/completions") {
    send(
      response,
      404,
      JSON.stringify({ error: { message: `no route for ${request.method} ${request.url}` } }),
    );
    return;
  }
  // Parsed like a real upstream would, so a large prompt costs what it would cost there.
  const parsed = JSON.parse(body) as {
    stream?: boolean;
    stream_options?: { include_usage?: boolean };
    messages?: { content?: unknown }[];
  };
  const { options, gate, counters } = context;
  if (options.latencyMs || options.reply) {
    await gate.run(() => new Promise((resolve) => setTimeout(resolve, options.latencyMs ?? 0)));
  }
  counters.answered++;
  if (parsed.stream !== true) {
    send(response, 200, options.reply ? completionJson(options.reply(parsed)) : COMPLETION_JSON);
    return;
  }
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ ...ENVELOPE, object: "chat.completion.chunk", choices, ...extra })}\n\n`;
  let events = chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]);
  for (const text of REPLY_CHUNKS) {
    events += chunk([{ index: 0, delta: { content: text }, finish_reason: null }]);
  }
  events += chunk([{ index: 0, delta: {}, finish_reason: "stop" }]);
  if (parsed.stream_options?.include_usage === true) events += chunk([], { usage: USAGE });
  response.end(`${events}data: [DONE]\n\n`);
}

function completionJson(content: string): string {
  return JSON.stringify({
    ...ENVELOPE,
    object: "chat.completion",
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    usage: USAGE,
  });
}

function send(response: http.ServerResponse, status: number, json: string): void {
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(json),
  });
  response.end(json);
}

async function readBody(request: http.IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return Buffer.concat(parts).toString("utf8");
}
