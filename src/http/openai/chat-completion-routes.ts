import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import { AppError } from "../../errors/app-error.ts";
import { randomToken } from "../../lib/ids.ts";
import type { FinishReason, GenerateResult, TokenUsage, ToolCall } from "../../models/language-model.ts";
import type { CompletionOutcome, CompletionRequest } from "../../services/chat-completion-service.ts";
import type { ToolCallStreamPart } from "../../services/generation-input.ts";
import type { UserRow } from "../../store/schema.ts";
import type { AppEnv } from "../app-env.ts";
import { optionalUser, personaEditor } from "../auth.ts";
import { withIdempotencyKey } from "../idempotency.ts";
import { logUpstreamFailure } from "../problem.ts";
import { completionRequestSchema, type CompletionBody } from "./openai-chat-request-schema.ts";
import { translateRequest } from "./openai-chat-request.ts";

/*
 * OpenAI wire format only: translate requests into a ChatCompletionService call and results into
 * OpenAI's response and chunk shapes. Errors on these paths use OpenAI's error shape (see problem.ts);
 * a streamed request that fails before its first token gets a real HTTP status too, because the stream
 * only opens once the model has produced something.
 */

/** Fields the request carried that were accepted but not acted on, one sentence each, ` | ` between. */
const WARNINGS_HEADER = "X-Dramatis-Warnings";

const usageSchema = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
});

const toolCallSchema = z.object({
  id: z.string(),
  type: z.literal("function"),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

const completionResponseSchema = z
  .object({
    id: z.string(),
    object: z.literal("chat.completion"),
    created: z.number().int(),
    model: z
      .string()
      .openapi({ description: "The model that wrote the reply (offline/… is the built-in engine)" }),
    persona_id: z.string(),
    choices: z.array(
      z.object({
        index: z.number().int(),
        message: z.object({
          role: z.literal("assistant"),
          content: z.string().nullable().openapi({ description: "null when the answer is only tool calls" }),
          refusal: z.null(),
          tool_calls: z.array(toolCallSchema).optional(),
        }),
        finish_reason: z.enum(["stop", "length", "tool_calls"]),
        logprobs: z.null(),
      }),
    ),
    usage: usageSchema,
  })
  .openapi("ChatCompletion");

const completionsRoute = createRoute(
  withIdempotencyKey({
    method: "post",
    path: "/v1/chat/completions",
    tags: ["OpenAI-compatible"],
    summary: "Talk to a persona as if it were a model (OpenAI chat completions, streaming or not)",
    description:
      "The persona comes from `persona_id`, else `model: persona/<id>`, else the user's active persona " +
      "(PUT /v1/personas/active/{id}). The client sends the history; the persona's definition, the user " +
      "persona in force and memory are injected. Leading system or developer messages replace only the " +
      "persona's base instructions; later ones keep their place. `tools`, `tool_choice`, " +
      "`parallel_tool_calls`, `response_format` (json_object, json_schema) and image, audio and file parts " +
      "go to the persona's model, or the request is a 400 naming what that model cannot take. Fields " +
      "accepted but ignored are named in the `X-Dramatis-Warnings` header (docs/openai-compatibility.md). " +
      "A streamed request that fails before its first token gets the error's HTTP status.",
    request: {
      body: { required: true, content: { "application/json": { schema: completionRequestSchema } } },
    },
    responses: {
      200: {
        description: "A chat.completion, or chat.completion.chunk server-sent events ending with [DONE]",
        content: {
          "application/json": { schema: completionResponseSchema },
          "text/event-stream": { schema: z.string() },
        },
      },
    },
  }),
);

function toOpenAIUsage(usage: TokenUsage) {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

function toOpenAIToolCalls(calls: ToolCall[]) {
  return calls.map((call) => ({
    id: call.id,
    type: "function" as const,
    function: { name: call.name, arguments: call.arguments },
  }));
}

function openAIFinishReason(reason: FinishReason): "stop" | "length" | "tool_calls" {
  return reason === "length" || reason === "tool_calls" ? reason : "stop";
}

function nowSeconds(c: Context<AppEnv>): number {
  return Math.floor(c.var.services.clock.now().getTime() / 1000);
}

async function endUser(c: Context<AppEnv>, body: CompletionBody): Promise<UserRow> {
  // A session is always its own user; an API key names one with `user` (else the header). Without a
  // named user, API-key calls act for one shared "anonymous" user of the tenant.
  return (
    (await optionalUser(c, body.user)) ?? c.var.services.users.resolve(c.var.principal.tenantId, "anonymous")
  );
}

/** Warnings as one header value: printable ASCII only (they may name a client's field), bounded. */
function setWarnings(c: Context<AppEnv>, warnings: readonly string[]): void {
  if (warnings.length === 0) return;
  const value = warnings
    .map((warning) => warning.replace(/[^\x20-\x7e]/g, "?").slice(0, 300))
    .join(" | ")
    .slice(0, 4000);
  c.header(WARNINGS_HEADER, value);
}

type StreamEvent =
  | { type: "delta"; text: string }
  | { type: "tool"; part: ToolCallStreamPart }
  | { type: "done"; outcome: CompletionOutcome }
  | { type: "failed"; error: unknown };

/** Events from the running completion to the response, in order; `next` waits for the next one. */
class EventQueue {
  private readonly events: StreamEvent[] = [];
  private waiting: ((event: StreamEvent) => void) | undefined;

  push(event: StreamEvent): void {
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting(event);
    } else {
      this.events.push(event);
    }
  }

  next(): Promise<StreamEvent> {
    const event = this.events.shift();
    if (event) return Promise.resolve(event);
    return new Promise((resolve) => (this.waiting = resolve));
  }
}

/**
 * Streams the completion as chunks. The stream opens only at the first token (or tool call, or the
 * end): anything that fails before that (an unknown persona, a model that cannot take an image, an
 * upstream refusing the key) is thrown, so the client gets a real status in OpenAI's error shape.
 */
async function streamCompletion(
  c: Context<AppEnv>,
  options: { user: UserRow; body: CompletionBody; request: Omit<CompletionRequest, "id" | "signal"> },
): Promise<Response> {
  const { body } = options;
  const controller = new AbortController();
  const queue = new EventQueue();
  const id = newCompletionId();
  const created = nowSeconds(c);
  let model = "";
  c.var.services.chatCompletions
    .complete(options.user, {
      ...options.request,
      id,
      signal: controller.signal,
      onModelChosen: (modelId) => {
        model = modelId;
      },
      onDelta: (text) => queue.push({ type: "delta", text }),
      onToolCallPart: (part) => queue.push({ type: "tool", part }),
    })
    .then(
      (outcome) => queue.push({ type: "done", outcome }),
      (error: unknown) => queue.push({ type: "failed", error }),
    );
  const first = await queue.next();
  if (first.type === "failed") throw first.error;
  return streamSSE(c, async (stream) => {
    stream.onAbort(() => controller.abort());
    const writeChunk = (choice: Record<string, unknown> | null, extra: Record<string, unknown> = {}) =>
      stream.writeSSE({
        data: JSON.stringify({
          id,
          object: "chat.completion.chunk",
          created,
          model,
          choices: choice ? [{ index: 0, logprobs: null, ...choice }] : [],
          ...extra,
        }),
      });
    const writeError = async (error: unknown) => {
      // Headers are sent, so the failure travels as an OpenAI error object in the stream.
      const status = error instanceof AppError ? error.status : 500;
      const message =
        error instanceof AppError ? error.message : "an unexpected error occurred; it has been logged";
      if (!(error instanceof AppError)) c.var.logger.error({ err: error }, "streamed completion failed");
      logUpstreamFailure(c.var.logger, error, c);
      const type = status >= 500 ? "api_error" : "invalid_request_error";
      await stream.writeSSE({ data: JSON.stringify({ error: { message, type, param: null, code: null } }) });
    };
    await writeChunk({
      delta: { role: "assistant", content: first.type === "tool" ? null : "" },
      finish_reason: null,
    });
    let event: StreamEvent = first;
    for (;;) {
      if (event.type === "delta") {
        await writeChunk({ delta: { content: event.text }, finish_reason: null });
      } else if (event.type === "tool") {
        await writeChunk({ delta: { tool_calls: [toolCallDelta(event.part)] }, finish_reason: null });
      } else if (event.type === "failed") {
        await writeError(event.error);
        break;
      } else {
        const { result } = event.outcome.generation;
        if (result.finishReason === "error") {
          await writeError(new StreamBrokeError(result));
          break;
        }
        await writeChunk({ delta: {}, finish_reason: openAIFinishReason(result.finishReason) });
        if (body.stream_options?.include_usage) {
          await writeChunk(null, { usage: toOpenAIUsage(result.usage) });
        }
        break;
      }
      event = await queue.next();
    }
    await stream.writeSSE({ data: "[DONE]" });
  });
}

/** An upstream that failed after the stream opened: what it said is in the result's warnings. */
class StreamBrokeError extends AppError {
  constructor(result: GenerateResult) {
    super(502, "Bad Gateway", result.warnings.at(-1) ?? "the model stopped answering mid-stream");
  }
}

function toolCallDelta(part: ToolCallStreamPart) {
  return part.type === "tool-call-start"
    ? { index: part.index, id: part.id, type: "function", function: { name: part.name, arguments: "" } }
    : { index: part.index, function: { arguments: part.argumentsDelta } };
}

function newCompletionId(): string {
  return `chatcmpl-${randomToken(24)}`;
}

export function chatCompletionRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();

  router.openapi(completionsRoute, async (c) => {
    const body = c.req.valid("json");
    const translated = translateRequest(body);
    const user = await endUser(c, body);
    setWarnings(c, translated.warnings);
    const request = {
      personaId: body.persona_id,
      viewer: personaEditor(c),
      model: body.model,
      messages: translated.messages,
      tools: translated.tools,
      toolChoice: translated.toolChoice,
      parallelToolCalls: translated.parallelToolCalls,
      responseFormat: translated.responseFormat,
      sampling: translated.sampling,
    };
    if (body.stream) return streamCompletion(c, { user, body, request }) as never;
    const outcome = await c.var.services.chatCompletions.complete(user, {
      ...request,
      id: newCompletionId(),
    });
    const { result } = outcome.generation;
    setWarnings(c, [...translated.warnings, ...result.warnings]);
    const toolCalls = result.toolCalls ?? [];
    return c.json(
      {
        id: outcome.id,
        object: "chat.completion" as const,
        created: nowSeconds(c),
        model: result.model,
        persona_id: outcome.personaId,
        choices: [
          {
            index: 0,
            message: {
              role: "assistant" as const,
              content: toolCalls.length > 0 && !result.text ? null : result.text,
              refusal: null,
              ...(toolCalls.length > 0 && { tool_calls: toOpenAIToolCalls(toolCalls) }),
            },
            finish_reason: openAIFinishReason(result.finishReason),
            logprobs: null,
          },
        ],
        usage: toOpenAIUsage(result.usage),
      },
      200,
    );
  });

  return router;
}
