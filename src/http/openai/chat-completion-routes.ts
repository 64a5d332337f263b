import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { withIdempotencyKey } from "../idempotency.ts";
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import { randomToken } from "../../lib/ids.ts";
import type { FinishReason, SamplingParameters, TokenUsage } from "../../models/language-model.ts";
import { type CompletionMessage } from "../../services/chat-completion-service.ts";
import { AppError } from "../../errors/app-error.ts";
import type { UserRow } from "../../store/schema.ts";
import type { AppEnv } from "../app-env.ts";
import { optionalUser, personaEditor } from "../auth.ts";
import { logUpstreamFailure } from "../problem.ts";

/*
 * OpenAI wire format only: translate requests into a ChatCompletionService call and results into
 * OpenAI's response and chunk shapes. Errors on these paths use OpenAI's error shape (see problem.ts).
 */

const contentPartSchema = z.looseObject({ type: z.string(), text: z.string().optional() });

const completionMessageSchema = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool"]),
  content: z.union([z.string(), z.array(contentPartSchema), z.null()]).optional(),
  name: z.string().optional(),
});

const completionRequestSchema = z
  .looseObject({
    model: z.string().min(1).openapi({ example: "persona/psn_01jc8x7k3m9q2r4t6v8w0y2z4a" }),
    messages: z.array(completionMessageSchema).min(1, "must contain at least one message"),
    persona_id: z.string().optional().openapi({ description: "Dramatis: the persona to answer as" }),
    user: z
      .string()
      .max(200)
      .optional()
      .openapi({
        description:
          "The end user, for API-key requests only (else X-Dramatis-User); ignored for a signed-in session, " +
          "which always acts as its own user",
      }),
    stream: z.boolean().optional(),
    stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
    n: z.literal(1, { message: "only n=1 is supported" }).nullable().optional(),
    stop: z
      .union([z.string(), z.array(z.string()).max(4)])
      .nullable()
      .optional(),
    max_tokens: z.number().int().min(1).nullable().optional(),
    max_completion_tokens: z.number().int().min(1).nullable().optional(),
    temperature: z.number().min(0).max(2).nullable().optional(),
    top_p: z.number().min(0).max(1).nullable().optional(),
    frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
    presence_penalty: z.number().min(-2).max(2).nullable().optional(),
    seed: z.number().int().nullable().optional(),
  })
  .openapi("ChatCompletionRequest");

type CompletionBody = z.infer<typeof completionRequestSchema>;

const usageSchema = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
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
        message: z.object({ role: z.literal("assistant"), content: z.string() }),
        finish_reason: z.string(),
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
      "persona in force and memory are injected. A system or developer message replaces only the persona's " +
      "base instructions.",
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

/** Text of a message whose content may be a string or OpenAI content parts. */
function messageText(message: CompletionBody["messages"][number]): string {
  if (typeof message.content === "string") return message.content;
  if (!message.content) return "";
  return message.content
    .filter((part) => part.type === "text" && typeof part.text === "string")
    .map((part) => part.text)
    .join("\n");
}

function samplingFrom(body: CompletionBody): SamplingParameters {
  const stop = body.stop === null || body.stop === undefined ? undefined : [body.stop].flat();
  return {
    temperature: body.temperature ?? undefined,
    top_p: body.top_p ?? undefined,
    frequency_penalty: body.frequency_penalty ?? undefined,
    presence_penalty: body.presence_penalty ?? undefined,
    max_tokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
    seed: body.seed ?? undefined,
    ...(stop ? { stop } : {}),
  };
}

function toOpenAIUsage(usage: TokenUsage) {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

function newCompletionId(): string {
  return `chatcmpl-${randomToken(24)}`;
}

function openAIFinishReason(reason: FinishReason): string {
  return reason === "length" ? "length" : "stop";
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

function streamCompletion(
  c: Context<AppEnv>,
  options: { user: UserRow; body: CompletionBody; messages: CompletionMessage[] },
) {
  const { body } = options;
  return streamSSE(c, async (stream) => {
    const controller = new AbortController();
    stream.onAbort(() => controller.abort());
    const id = newCompletionId();
    const created = nowSeconds(c);
    let model = "";
    const writeChunk = (choice: Record<string, unknown> | null, extra: Record<string, unknown> = {}) =>
      stream.writeSSE({
        data: JSON.stringify({
          id,
          object: "chat.completion.chunk",
          created,
          model,
          choices: choice ? [choice] : [],
          ...extra,
        }),
      });
    try {
      const outcome = await c.var.services.chatCompletions.complete(options.user, {
        id,
        personaId: body.persona_id,
        viewer: personaEditor(c),
        model: body.model,
        messages: options.messages,
        sampling: samplingFrom(body),
        signal: controller.signal,
        onModelChosen: async (modelId) => {
          model = modelId;
          await writeChunk({ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null });
        },
        onDelta: (text) => writeChunk({ index: 0, delta: { content: text }, finish_reason: null }),
      });
      const { result } = outcome.generation;
      await writeChunk({ index: 0, delta: {}, finish_reason: openAIFinishReason(result.finishReason) });
      if (body.stream_options?.include_usage) {
        await writeChunk(null, { usage: toOpenAIUsage(result.usage) });
      }
    } catch (error) {
      // Headers are sent, so the failure travels as an OpenAI error object in the stream.
      const status = error instanceof AppError ? error.status : 500;
      const message =
        error instanceof AppError ? error.message : "an unexpected error occurred; it has been logged";
      if (!(error instanceof AppError)) c.var.logger.error({ err: error }, "streamed completion failed");
      logUpstreamFailure(c.var.logger, error, c);
      const type = status >= 500 ? "api_error" : "invalid_request_error";
      await stream.writeSSE({ data: JSON.stringify({ error: { message, type, param: null, code: null } }) });
    }
    await stream.writeSSE({ data: "[DONE]" });
  });
}

export function chatCompletionRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();

  router.openapi(completionsRoute, async (c) => {
    const body = c.req.valid("json");
    const user = await endUser(c, body);
    const messages: CompletionMessage[] = body.messages.map((message) => ({
      role: message.role,
      content: messageText(message),
    }));
    if (body.stream) return streamCompletion(c, { user, body, messages });
    const outcome = await c.var.services.chatCompletions.complete(user, {
      id: newCompletionId(),
      personaId: body.persona_id,
      viewer: personaEditor(c),
      model: body.model,
      messages,
      sampling: samplingFrom(body),
    });
    const { result } = outcome.generation;
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
            message: { role: "assistant" as const, content: result.text },
            finish_reason: openAIFinishReason(result.finishReason),
          },
        ],
        usage: toOpenAIUsage(result.usage),
      },
      200,
    );
  });

  return router;
}
