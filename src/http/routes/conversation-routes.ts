import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { withIdempotencyKey } from "../idempotency.ts";
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import { AppError } from "../../errors/app-error.ts";
import { CHANNELS } from "../../services/conversation-service.ts";
import { PROMPT_SECTION_NAMES } from "../../domain/prompt-sections.ts";
import { jobSchema } from "./job-routes.ts";
import type { UserRow } from "../../store/schema.ts";
import type { AppEnv } from "../app-env.ts";
import { personaEditor, requireUser } from "../auth.ts";
import { logUpstreamFailure } from "../problem.ts";
import {
  idParamSchema,
  jsonBody,
  jsonContent,
  pageQuerySchema,
  pageSchema,
  problemResponses,
  userHeaderSchema,
} from "../openapi-common.ts";

const userPersonaSnapshotSchema = z
  .object({ id: z.string(), name: z.string(), description: z.string() })
  .nullable()
  .openapi({ description: "The user persona in force for this message; null for No Persona" });

export const messageSchema = z
  .object({
    id: z.string(),
    conversation_id: z.string(),
    sequence: z.number().int(),
    role: z.enum(["user", "assistant"]),
    content: z.string(),
    status: z.enum(["complete", "partial", "failed"]).openapi({
      description: "partial: generation stopped early (the client disconnected or stopped it)",
    }),
    user_persona: userPersonaSnapshotSchema,
    persona_version: z.number().int().nullable(),
    model: z
      .string()
      .nullable()
      .openapi({ description: "provider/model that wrote it; offline/… is the built-in engine" }),
    token_count: z.number().int(),
    reply_to: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("Message");

const conversationSchema = z
  .object({
    id: z.string(),
    persona_id: z.string(),
    channel: z.string(),
    title: z.string(),
    message_count: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Conversation");

const exchangeSchema = z
  .object({
    user_message: messageSchema,
    message: messageSchema,
    usage: z.object({ input_tokens: z.number(), output_tokens: z.number(), cost_usd: z.number() }),
    timings: z.object({ prompt_ms: z.number(), model_ms: z.number(), total_ms: z.number() }),
    warnings: z.array(z.string()),
  })
  .openapi("Exchange");

const promptSchema = z
  .object({
    message_id: z.string(),
    model: z.string(),
    parameters: z.record(z.string(), z.unknown()),
    sections: z.array(
      z.object({
        name: z.enum(PROMPT_SECTION_NAMES),
        text: z.string(),
        tokens: z.number(),
        detail: z.string().optional(),
      }),
    ),
    messages: z.array(z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() })),
    warnings: z.array(z.string()),
    total_tokens: z.number(),
    created_at: z.string(),
  })
  .openapi("PromptRecord");

const sendMessageBody = z
  .strictObject({
    content: z.string().trim().min(1, "must not be empty").max(32_000, "must be at most 32000 characters"),
    user_persona_id: z
      .string()
      .nullable()
      .optional()
      .openapi({ description: "This message's user persona; null for No Persona; omitted: the active one" }),
    stream: z.boolean().optional().openapi({ description: "Stream the reply as server-sent events" }),
    mode: z
      .enum(["sync", "async"])
      .optional()
      .openapi({ description: "async: store the message, answer 202 with a job, reply in the background" }),
  })
  .openapi("SendMessage");

const tags = ["Conversations"];
const headers = userHeaderSchema;
const conversationParams = idParamSchema;
const messageParams = idParamSchema.extend({
  messageId: z
    .string()
    .min(1)
    .openapi({ param: { name: "messageId", in: "path" } }),
});

const createConversationRoute = createRoute(
  withIdempotencyKey({
    method: "post",
    path: "/v1/conversations",
    tags,
    summary: "Start a conversation with a persona (opens with its first message or start prompt)",
    request: {
      headers,
      body: jsonBody(
        z.strictObject({
          persona_id: z.string().min(1),
          title: z.string().max(200).optional(),
          channel: z.enum(CHANNELS).optional(),
          greeting: z.number().int().min(0).max(50).optional().openapi({
            description:
              "Which greeting opens the conversation: 0 (default) the persona's first message, n its n-th alternate greeting (a card's alternate_greetings)",
          }),
        }),
      ),
    },
    responses: {
      201: jsonContent(
        conversationSchema.extend({ messages: z.array(messageSchema) }).openapi("ConversationCreated"),
        "The conversation and its opening messages",
      ),
      ...problemResponses(404, 413, 422),
    },
  }),
);

const listRoute = createRoute({
  method: "get",
  path: "/v1/conversations",
  tags,
  summary: "List the user's conversations",
  request: { headers, query: pageQuerySchema.extend({ persona_id: z.string().optional() }) },
  responses: {
    200: jsonContent(pageSchema(conversationSchema, "ConversationPage"), "A page of conversations"),
    ...problemResponses(422),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/conversations/{id}",
  tags,
  summary: "Get a conversation",
  request: { headers, params: conversationParams },
  responses: { 200: jsonContent(conversationSchema, "The conversation"), ...problemResponses(404) },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/conversations/{id}",
  tags,
  summary: "Delete a conversation and its messages",
  request: { headers, params: conversationParams },
  responses: { 204: { description: "Deleted" }, ...problemResponses(404) },
});

const listMessagesRoute = createRoute({
  method: "get",
  path: "/v1/conversations/{id}/messages",
  tags,
  summary: "Messages in order",
  request: {
    headers,
    params: conversationParams,
    query: z.object({
      limit: pageQuerySchema.shape.limit,
      after_sequence: z.coerce.number().int().min(0).optional(),
    }),
  },
  responses: {
    200: jsonContent(
      z.object({ data: z.array(messageSchema), next_sequence: z.number().int().nullable() }),
      "A page of messages",
    ),
    ...problemResponses(404, 422),
  },
});

const sendRoute = createRoute(
  withIdempotencyKey({
    method: "post",
    path: "/v1/conversations/{id}/messages",
    tags,
    summary: "Send a message and get the persona's reply",
    description:
      "Synchronous by default. With `Accept: text/event-stream` or `stream: true` the reply streams as SSE " +
      "events `message-start`, `message-delta` ({text}), `message-end` (the exchange, with usage), or `error`. " +
      "The user's message is stored before the model runs and survives a model failure; if the client " +
      "disconnects, generation stops and the partial reply is stored with status `partial`.",
    request: { headers, params: conversationParams, body: jsonBody(sendMessageBody) },
    responses: {
      200: {
        description: "The exchange (JSON), or an SSE stream",
        content: {
          "application/json": { schema: exchangeSchema },
          "text/event-stream": { schema: z.string() },
        },
      },
      202: jsonContent(
        z.object({ job: jobSchema, user_message: messageSchema }).openapi("ReplyJobAccepted"),
        "mode async: the user's message is stored and the reply is a job (GET /v1/jobs/{id}, /v1/jobs/{id}/events)",
      ),
      ...problemResponses(404, 413, 422),
      502: { description: "The model failed; the user's message is stored" },
    },
  }),
);

const promptRoute = createRoute({
  method: "get",
  path: "/v1/conversations/{id}/messages/{messageId}/prompt",
  tags,
  summary: "Prompt inspector: the exact prompt that produced a reply, by section, with token counts",
  request: { headers, params: messageParams },
  responses: { 200: jsonContent(promptSchema, "The prompt"), ...problemResponses(404) },
});

function wantsStream(c: Context, bodyFlag: boolean | undefined): boolean {
  return bodyFlag ?? (c.req.header("accept") ?? "").includes("text/event-stream");
}

function streamReply(
  c: Context<AppEnv>,
  options: {
    user: UserRow;
    conversationId: string;
    content: string;
    userPersonaId: string | null | undefined;
  },
): Response {
  return streamSSE(c, async (stream) => {
    const controller = new AbortController();
    stream.onAbort(() => controller.abort());
    try {
      const exchange = await c.var.services.conversations.send(
        options.user,
        options.conversationId,
        { content: options.content, userPersonaId: options.userPersonaId },
        {
          signal: controller.signal,
          onStart: ({ userMessage, replyId }) =>
            stream.writeSSE({
              event: "message-start",
              data: JSON.stringify({ user_message: userMessage, message_id: replyId }),
            }),
          onDelta: (text) => stream.writeSSE({ event: "message-delta", data: JSON.stringify({ text }) }),
        },
      );
      await stream.writeSSE({ event: "message-end", data: JSON.stringify(exchange) });
    } catch (error) {
      // The status line is already sent, so failures travel as an event with the problem document.
      const problem =
        error instanceof AppError
          ? { title: error.title, status: error.status, detail: error.message, errors: error.errors }
          : {
              title: "Internal Server Error",
              status: 500,
              detail: "an unexpected error occurred; it has been logged",
            };
      if (!(error instanceof AppError)) c.var.logger.error({ err: error }, "streamed reply failed");
      logUpstreamFailure(c.var.logger, error, c);
      await stream.writeSSE({ event: "error", data: JSON.stringify(problem) });
    }
  });
}

export function conversationRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();
  const service = (c: { var: AppEnv["Variables"] }) => c.var.services.conversations;

  router.openapi(createConversationRoute, async (c) => {
    const { conversation, messages } = await service(c).create(
      await requireUser(c),
      c.req.valid("json"),
      personaEditor(c),
    );
    return c.json({ ...conversation, messages }, 201);
  });

  router.openapi(listRoute, async (c) => {
    const { limit, after, persona_id } = c.req.valid("query");
    const page = await service(c).list(await requireUser(c), { limit, after, personaId: persona_id });
    return c.json({ data: page.items, next_cursor: page.nextCursor }, 200);
  });

  router.openapi(getRoute, async (c) =>
    c.json(await service(c).get(await requireUser(c), c.req.valid("param").id), 200),
  );

  router.openapi(deleteRoute, async (c) => {
    await service(c).delete(await requireUser(c), c.req.valid("param").id);
    return c.body(null, 204);
  });

  router.openapi(listMessagesRoute, async (c) => {
    const { limit, after_sequence } = c.req.valid("query");
    const page = await service(c).listMessages(await requireUser(c), c.req.valid("param").id, {
      limit,
      afterSequence: after_sequence,
    });
    return c.json({ data: page.items, next_sequence: page.nextSequence }, 200);
  });

  router.openapi(sendRoute, async (c) => {
    const user = await requireUser(c);
    const conversationId = c.req.valid("param").id;
    const body = c.req.valid("json");
    // Resolve the conversation before streaming starts, so a wrong id is a plain 404, not an event.
    const conversation = await service(c).get(user, conversationId);
    // A persona made private by another member since the conversation began answers no more (404).
    await c.var.services.personas.assertNotHidden(personaEditor(c), conversation.persona_id);
    if (body.mode === "async") {
      const { job, userMessage } = await c.var.services.jobs.startReply(user, conversationId, {
        content: body.content,
        userPersonaId: body.user_persona_id,
      });
      return c.json({ job, user_message: userMessage }, 202);
    }
    if (wantsStream(c, body.stream)) {
      return streamReply(c, {
        user,
        conversationId,
        content: body.content,
        userPersonaId: body.user_persona_id,
      });
    }
    const exchange = await service(c).send(user, conversationId, {
      content: body.content,
      userPersonaId: body.user_persona_id,
    });
    return c.json(exchange, 200);
  });

  router.openapi(promptRoute, async (c) => {
    const { id, messageId } = c.req.valid("param");
    return c.json(await service(c).getPrompt(await requireUser(c), id, messageId), 200);
  });

  return router;
}
