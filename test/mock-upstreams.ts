/**
 * Loopback stand-ins for model APIs, so provider and end-to-end tests never reach the internet.
 *
 * `startMockOpenAI` speaks the OpenAI chat-completions wire format (`POST /v1/chat/completions`,
 * JSON or SSE, `GET /v1/models`, `POST /v1/embeddings`, and with `ollamaTags` Ollama's `GET /api/tags`); `startMockAnthropic` speaks the Anthropic Messages format
 * (`POST /v1/messages`, JSON or SSE, `GET /v1/models`). Both listen on 127.0.0.1 on a free port,
 * record every request, and can be scripted to fail, stream slowly or drop the connection, or to
 * answer with tool calls (OpenAI `tool_calls`, Anthropic `tool_use` blocks; streamed in pieces).
 *
 * @example
 * const upstream = await startMockOpenAI({ reply: "Hello there.", script: [503, 200] });
 * const provider = createOpenAICompatibleProvider({ name: "mock", baseURL: upstream.baseURL });
 * // ... call the provider ...
 * expect(upstream.generationRequests()).toHaveLength(2);
 * await upstream.close();
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

/** One scripted answer to a generation request: an HTTP status (200 = answer normally) or a failure in detail. */
export type MockScriptStep =
  | number
  | {
      status: number;
      /** Goes into the provider's error body (`error.message`). */
      message?: string;
      /** Extra response headers, e.g. `{ "retry-after": "1" }`. */
      headers?: Record<string, string>;
    };

/** A tool call the fake model makes; `arguments` is JSON text (an object is written as JSON). */
export interface MockToolCall {
  name: string;
  arguments: string | Record<string, unknown>;
  /** Default `call_mock_<n>` (OpenAI) or `toolu_mock_<n>` (Anthropic), counting from 0. */
  id?: string;
}

/** Streamed tool call arguments arrive in pieces of this many characters. */
export const MOCK_ARGUMENT_PIECE_LENGTH = 8;

export interface MockUpstreamOptions {
  /** The assistant's text; a function can answer from the request body. Default "Hello from the mock upstream." */
  reply?: string | ((body: RecordedRequest["body"]) => string);
  /**
   * Token usage to report; `null` leaves usage out entirely (some local servers do), which the
   * OpenAI mock supports and the Anthropic SDK would reject. Defaults to 11 in / 7 out.
   */
  usage?: { inputTokens: number; outputTokens: number } | null;
  /**
   * Answers for successive generation requests; when the script runs out every request succeeds.
   * `[503, 503, 200]` fails twice, then answers.
   */
  script?: MockScriptStep[];
  /** How a streamed reply is cut into deltas. Default: words with their following space. */
  chunks?: string[];
  /** Milliseconds between streamed deltas and argument pieces (for abort tests). Default 0. */
  chunkDelayMs?: number;
  /**
   * Destroys the socket after this many streamed deltas (text deltas, then tool call argument pieces),
   * to simulate a connection lost mid-answer.
   */
  dropAfterChunks?: number;
  /** Milliseconds to wait before answering each generation request (a slow upstream). Default 0. */
  replyDelayMs?: number;
  /** Awaited before answering each generation request: a test can hold requests until it says so. */
  beforeReply?: (body: RecordedRequest["body"]) => Promise<void>;
  /** Ids for `GET /v1/models`. Default `["mock-small", "mock-large"]`. */
  models?: string[];
  /** Also answer Ollama's own model list, `GET /api/tags`, with the same models (a fake Ollama). */
  ollamaTags?: boolean;
  /**
   * Tool calls to answer with (a function can decide from the request body; none or `[]` answers with
   * text as usual). The answer then has no text unless `reply` is set too, and finishes with
   * `tool_calls` / `tool_use`. Streamed, each call starts with its id and name (OpenAI: and the first
   * argument piece), then its arguments follow in pieces of `MOCK_ARGUMENT_PIECE_LENGTH` characters.
   */
  toolCalls?: MockToolCall[] | ((body: RecordedRequest["body"]) => MockToolCall[] | undefined);
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The parsed JSON body, or undefined for GETs and unparseable bodies. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  /** True once the client went away before the response was complete (an abort or a cancelled stream). */
  disconnected: boolean;
}

export interface MockUpstream {
  /** e.g. `http://127.0.0.1:41234/v1`, what providers take as `baseURL`. */
  baseURL: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Only the generation requests (chat completions or messages). */
  generationRequests(): RecordedRequest[];
  /** The body of the most recent generation request. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  lastBody(): any;
  close(): Promise<void>;
}

const DEFAULT_REPLY = "Hello from the mock upstream.";
const DEFAULT_USAGE = { inputTokens: 11, outputTokens: 7 };

/** Starts a loopback server speaking the OpenAI chat-completions format. */
export function startMockOpenAI(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
  return startMockServer(options, {
    generationPath: "/v1/chat/completions",
    answer: answerOpenAI,
    fail: failOpenAI,
    listModels: (ids) => ({
      object: "list",
      data: ids.map((id) => ({ id, object: "model", created: 1_700_000_000, owned_by: "mock" })),
    }),
  });
}

/** Starts a loopback server speaking the Anthropic Messages format. */
export function startMockAnthropic(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
  return startMockServer(options, {
    generationPath: "/v1/messages",
    answer: answerAnthropic,
    fail: failAnthropic,
    listModels: (ids) => ({
      data: ids.map((id) => ({ type: "model", id, display_name: id, created_at: "2025-01-01T00:00:00Z" })),
      has_more: false,
      first_id: ids[0] ?? null,
      last_id: ids.at(-1) ?? null,
    }),
  });
}

/**
 * A loopback URL nobody listens on, for "connection refused" tests: binds a port, then frees it.
 *
 * @example
 * const baseURL = await closedLoopbackURL(); // http://127.0.0.1:40123/v1
 */
export async function closedLoopbackURL(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}

interface Dialect {
  generationPath: string;
  answer(context: AnswerContext): Promise<void>;
  fail(response: http.ServerResponse, step: Exclude<MockScriptStep, number>): void;
  listModels(ids: string[]): unknown;
}

interface AnswerContext {
  response: http.ServerResponse;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
  chunks: string[];
  /** Scripted tool calls with their arguments as JSON text; empty for a text answer. */
  toolCalls: { name: string; arguments: string; id?: string | undefined }[];
  usage: { inputTokens: number; outputTokens: number } | null;
  options: MockUpstreamOptions;
}

async function startMockServer(options: MockUpstreamOptions, dialect: Dialect): Promise<MockUpstream> {
  const requests: RecordedRequest[] = [];
  const script = [...(options.script ?? [])];
  const server = http.createServer((request, response) => {
    void handleRequest({ request, response, requests, script, options, dialect }).catch((error: unknown) => {
      if (!response.headersSent) {
        sendJson(response, 500, { error: { message: String(error) } });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const generationRequests = () => requests.filter((recorded) => recorded.path === dialect.generationPath);
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    generationRequests,
    lastBody: () => generationRequests().at(-1)?.body,
    close: () =>
      new Promise<void>((resolve) => {
        // Streams left open by abort tests must not keep close() waiting.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handleRequest(context: {
  request: http.IncomingMessage;
  response: http.ServerResponse;
  requests: RecordedRequest[];
  script: MockScriptStep[];
  options: MockUpstreamOptions;
  dialect: Dialect;
}): Promise<void> {
  const { request, response, options, dialect } = context;
  const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
  const body = parseJson(await readBody(request));
  const recorded: RecordedRequest = {
    method: request.method ?? "GET",
    path,
    headers: request.headers,
    body,
    disconnected: false,
  };
  context.requests.push(recorded);
  response.once("close", () => (recorded.disconnected = !response.writableFinished));

  if (request.method === "GET" && path === "/api/tags" && options.ollamaTags) {
    const names = options.models ?? ["mock-small", "mock-large"];
    sendJson(response, 200, {
      models: names.map((name) => ({ name, model: name, modified_at: "2025-01-01T00:00:00Z", size: 1 })),
    });
    return;
  }
  if (request.method === "GET" && path === "/v1/models") {
    sendJson(response, 200, dialect.listModels(options.models ?? ["mock-small", "mock-large"]));
    return;
  }
  if (
    request.method === "POST" &&
    path === "/v1/embeddings" &&
    dialect.generationPath === "/v1/chat/completions"
  ) {
    // Deterministic 8-dimensional vectors from the text's letters: enough to tell texts apart in tests.
    const inputs = [(body as { input?: string | string[] }).input ?? []].flat();
    const data = inputs.map((input, index) => {
      const vector = Array.from({ length: 8 }, (_, dimension) =>
        [...input]
          .filter((_, position) => position % 8 === dimension)
          .reduce((sum, letter) => sum + letter.charCodeAt(0), 0),
      );
      return { object: "embedding", index, embedding: vector };
    });
    const tokens = inputs.join(" ").split(/\s+/).length;
    sendJson(response, 200, {
      object: "list",
      data,
      model: "mock-embed",
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
    return;
  }
  if (request.method !== "POST" || path !== dialect.generationPath) {
    sendJson(response, 404, { error: { message: `no route for ${request.method} ${path}` } });
    return;
  }
  const step = normalizeStep(context.script.shift() ?? 200);
  if (step.status !== 200) {
    dialect.fail(response, step);
    return;
  }
  if (options.replyDelayMs) await new Promise((resolve) => setTimeout(resolve, options.replyDelayMs));
  if (options.beforeReply) await options.beforeReply(body);
  const toolCalls =
    (typeof options.toolCalls === "function" ? options.toolCalls(body) : options.toolCalls) ?? [];
  const text =
    typeof options.reply === "function"
      ? options.reply(body)
      : (options.reply ?? (toolCalls.length > 0 ? "" : DEFAULT_REPLY));
  await dialect.answer({
    response,
    body,
    text,
    chunks: options.chunks ?? (text || toolCalls.length === 0 ? splitIntoWords(text) : []),
    toolCalls: toolCalls.map((call) => ({
      ...call,
      arguments: typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments),
    })),
    usage: options.usage === undefined ? DEFAULT_USAGE : options.usage,
    options,
  });
}

async function answerOpenAI(context: AnswerContext): Promise<void> {
  const { body, response, usage } = context;
  const model = typeof body?.model === "string" ? body.model : "mock-model";
  const envelope = { id: "chatcmpl-mock", created: 1_700_000_000, model };
  const wireUsage = usage && {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
  const toolCalls = context.toolCalls.map((call, index) => ({
    ...call,
    id: call.id ?? `call_mock_${index}`,
  }));
  const finishReason = toolCalls.length > 0 ? "tool_calls" : "stop";
  if (body?.stream !== true) {
    const message =
      toolCalls.length > 0
        ? {
            role: "assistant",
            content: context.text || null,
            tool_calls: toolCalls.map((call) => ({
              id: call.id,
              type: "function",
              function: { name: call.name, arguments: call.arguments },
            })),
          }
        : { role: "assistant", content: context.text };
    sendJson(response, 200, {
      ...envelope,
      object: "chat.completion",
      choices: [{ index: 0, message, finish_reason: finishReason }],
      ...(wireUsage && { usage: wireUsage }),
    });
    return;
  }
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
    ...envelope,
    object: "chat.completion.chunk",
    choices,
    ...extra,
  });
  startEventStream(response);
  writeEvent(response, chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]));
  const completed = await streamDeltas(context, (delta) =>
    writeEvent(response, chunk([{ index: 0, delta: { content: delta }, finish_reason: null }])),
  );
  if (!completed) {
    return;
  }
  let streamed = context.chunks.length;
  for (const [index, call] of toolCalls.entries()) {
    const toolDelta = (toolCall: Record<string, unknown>) =>
      chunk([{ index: 0, delta: { tool_calls: [{ index, ...toolCall }] }, finish_reason: null }]);
    const deltas = argumentPieces(call.arguments);
    const written = await streamDeltas(
      context,
      (piece, position) =>
        writeEvent(
          response,
          toolDelta(
            position === 0
              ? { id: call.id, type: "function", function: { name: call.name, arguments: piece } }
              : { function: { arguments: piece } },
          ),
        ),
      { deltas, after: streamed },
    );
    if (!written) return;
    streamed += deltas.length;
  }
  writeEvent(response, chunk([{ index: 0, delta: {}, finish_reason: finishReason }]));
  if (wireUsage && body?.stream_options?.include_usage === true) {
    writeEvent(response, chunk([], { usage: wireUsage }));
  }
  response.end("data: [DONE]\n\n");
}

async function answerAnthropic(context: AnswerContext): Promise<void> {
  const { body, response, text } = context;
  const usage = context.usage ?? DEFAULT_USAGE;
  const model = typeof body?.model === "string" ? body.model : "mock-model";
  const message = { id: "msg_mock", type: "message", role: "assistant", model, stop_sequence: null };
  // The AI SDK asks older Claude models for JSON through a forced tool named "json".
  const wantsJsonTool =
    Array.isArray(body?.tools) && body.tools.some((tool: { name?: unknown }) => tool?.name === "json");
  const toolCalls = context.toolCalls.map((call, index) => ({
    ...call,
    id: call.id ?? `toolu_mock_${index}`,
  }));
  const stopReason = wantsJsonTool || toolCalls.length > 0 ? "tool_use" : "end_turn";
  if (body?.stream !== true) {
    sendJson(response, 200, {
      ...message,
      content: wantsJsonTool
        ? [{ type: "tool_use", id: "toolu_mock", name: "json", input: parseJson(text) ?? {} }]
        : [
            ...(text || toolCalls.length === 0 ? [{ type: "text", text }] : []),
            ...toolCalls.map((call) => ({
              type: "tool_use",
              id: call.id,
              name: call.name,
              input: parseJson(call.arguments) ?? {},
            })),
          ],
      stop_reason: stopReason,
      usage: { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens },
    });
    return;
  }
  startEventStream(response);
  writeNamedEvent(response, "message_start", {
    type: "message_start",
    message: {
      ...message,
      content: [],
      stop_reason: null,
      usage: { input_tokens: usage.inputTokens, output_tokens: 1 },
    },
  });
  const hasTextBlock = text !== "" || toolCalls.length === 0;
  if (hasTextBlock) {
    writeNamedEvent(response, "content_block_start", {
      type: "content_block_start",
      index: 0,
      content_block: { type: "text", text: "" },
    });
    const completed = await streamDeltas(context, (delta) =>
      writeNamedEvent(response, "content_block_delta", {
        type: "content_block_delta",
        index: 0,
        delta: { type: "text_delta", text: delta },
      }),
    );
    if (!completed) {
      return;
    }
    writeNamedEvent(response, "content_block_stop", { type: "content_block_stop", index: 0 });
  }
  let streamed = hasTextBlock ? context.chunks.length : 0;
  for (const [position, call] of toolCalls.entries()) {
    const index = position + (hasTextBlock ? 1 : 0);
    writeNamedEvent(response, "content_block_start", {
      type: "content_block_start",
      index,
      content_block: { type: "tool_use", id: call.id, name: call.name, input: {} },
    });
    const deltas = argumentPieces(call.arguments);
    const written = await streamDeltas(
      context,
      (piece) =>
        writeNamedEvent(response, "content_block_delta", {
          type: "content_block_delta",
          index,
          delta: { type: "input_json_delta", partial_json: piece },
        }),
      { deltas, after: streamed },
    );
    if (!written) return;
    streamed += deltas.length;
    writeNamedEvent(response, "content_block_stop", { type: "content_block_stop", index });
  }
  writeNamedEvent(response, "message_delta", {
    type: "message_delta",
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: usage.outputTokens },
  });
  writeNamedEvent(response, "message_stop", { type: "message_stop" });
  response.end();
}

function failOpenAI(response: http.ServerResponse, step: Exclude<MockScriptStep, number>): void {
  const message = step.message ?? `mock upstream failure ${step.status}`;
  sendJson(
    response,
    step.status,
    { error: { message, type: step.status >= 500 ? "server_error" : "invalid_request_error", code: null } },
    step.headers,
  );
}

function failAnthropic(response: http.ServerResponse, step: Exclude<MockScriptStep, number>): void {
  const message = step.message ?? `mock upstream failure ${step.status}`;
  const type =
    step.status === 529 ? "overloaded_error" : step.status >= 500 ? "api_error" : "invalid_request_error";
  sendJson(response, step.status, { type: "error", error: { type, message } }, step.headers);
}

/**
 * Writes the deltas, pausing between them; stops early when the client goes away (abort tests) or
 * when told to drop the connection. Returns whether the stream may be finished normally.
 */
async function streamDeltas(
  context: AnswerContext,
  write: (delta: string, index: number) => void,
  /** Other pieces than the text's (tool call arguments), and how many were streamed before them. */
  pieces: { deltas: string[]; after: number } = { deltas: context.chunks, after: 0 },
): Promise<boolean> {
  const { response, options } = context;
  // The response (not the request, whose "close" fires once its body is read) tells us the client left.
  let clientGone = false;
  response.once("close", () => (clientGone = true));
  for (const [index, delta] of pieces.deltas.entries()) {
    if (options.dropAfterChunks !== undefined && pieces.after + index >= options.dropAfterChunks) {
      response.socket?.destroy();
      return false;
    }
    if (clientGone) {
      return false;
    }
    write(delta, index);
    if (options.chunkDelayMs) {
      await new Promise((resolve) => setTimeout(resolve, options.chunkDelayMs));
    }
  }
  return !clientGone;
}

function startEventStream(response: http.ServerResponse): void {
  response.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  response.flushHeaders();
}

function writeEvent(response: http.ServerResponse, data: unknown): void {
  response.write(`data: ${JSON.stringify(data)}\n\n`);
}

function writeNamedEvent(response: http.ServerResponse, event: string, data: unknown): void {
  response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function sendJson(
  response: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}

function normalizeStep(step: MockScriptStep): Exclude<MockScriptStep, number> {
  return typeof step === "number" ? { status: step } : step;
}

/** Never empty: a call with no arguments still sends its first (empty) piece. */
function argumentPieces(text: string): string[] {
  if (text === "") return [""];
  const pieces: string[] = [];
  for (let start = 0; start < text.length; start += MOCK_ARGUMENT_PIECE_LENGTH) {
    pieces.push(text.slice(start, start + MOCK_ARGUMENT_PIECE_LENGTH));
  }
  return pieces;
}

function splitIntoWords(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [text];
}

async function readBody(request: http.IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of request) {
    parts.push(part as Buffer);
  }
  return Buffer.concat(parts).toString("utf8");
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function parseJson(text: string): any {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
