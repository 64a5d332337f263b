import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { withIdempotencyKey } from "../idempotency.ts";
import { assertPersonaAnswers } from "../persona-answers.ts";
import { CHANNELS } from "../../services/conversation-views.ts";
import { jobSchema } from "./job-routes.ts";
import type { AppEnv } from "../app-env.ts";
import { personaEditor, requireUser } from "../auth.ts";
import {
  idParamSchema,
  jsonBody,
  jsonContent,
  pageQuerySchema,
  pageSchema,
  problemResponses,
  userHeaderSchema,
} from "../openapi-common.ts";
import { conversationSchema, exchangeSchema, messageSchema } from "../schemas/conversation-schemas.ts";
import { streamGeneration, wantsStream } from "../stream-generation.ts";

/*
 * Conversations and their messages: start, list, read, rename and delete a conversation; list its messages
 * and send one. What changes replies already written is in chat-control-routes.ts, then the prompt inspector
 * (prompt-inspector-routes.ts), mounted after these: the OpenAPI document lists paths and their schemas in
 * the order they are registered.
 */

const sendMessageBody = z
  .strictObject({
    content: z.string().trim().max(32_000, "must be at most 32000 characters").openapi({
      description: "The message; may be empty only when it carries attachments",
    }),
    user_persona_id: z
      .string()
      .nullable()
      .optional()
      .openapi({ description: "This message's user persona; null for No Persona; omitted: the active one" }),
    stream: z.boolean().optional().openapi({ description: "Stream the reply as server-sent events" }),
    recording_id: z.string().min(1).max(200).optional().openapi({
      description:
        "A voice message uploaded to this conversation (POST .../recordings): the message keeps its audio",
    }),
    mode: z
      .enum(["sync", "async"])
      .optional()
      .openapi({ description: "async: store the message, answer 202 with a job, reply in the background" }),
    attachment_ids: z
      .array(z.string().min(1).max(200))
      .max(4, "at most 4 pictures per message")
      .optional()
      .openapi({
        description:
          "Photos uploaded to this conversation (POST .../attachments), sent with this message: a vision model sees them",
      }),
  })
  .refine((body) => body.content.length > 0 || (body.attachment_ids?.length ?? 0) > 0, {
    message: "must not be empty (unless the message carries attachment_ids)",
    path: ["content"],
  })
  .openapi("SendMessage");

const renameBody = z
  .strictObject({
    title: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters"),
  })
  .openapi("RenameConversation");

const tags = ["Conversations"];
const headers = userHeaderSchema;
const conversationParams = idParamSchema;

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
          greeting: z
            .number()
            .int()
            .min(0)
            .max(1000)
            .optional()
            .openapi({
              description:
                "Which greeting opens the conversation: 0 (default) the persona's first message, 1..A its alternate " +
                "greetings (a card's alternate_greetings), A+1.. its card's group_only_greetings. The opening " +
                "message carries the first message and every alternate greeting (plus a chosen group greeting) " +
                "as its alternatives, the chosen one shown: swipe them with PATCH .../messages/{messageId} " +
                "{chosen_alternative} or .../regenerate",
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

const renameRoute = createRoute({
  method: "patch",
  path: "/v1/conversations/{id}",
  tags,
  summary: "Rename a conversation",
  request: { headers, params: conversationParams, body: jsonBody(renameBody) },
  responses: { 200: jsonContent(conversationSchema, "The conversation"), ...problemResponses(404, 422) },
});

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
    await assertPersonaAnswers(c, user, conversationId);
    if (body.mode === "async") {
      const { job, userMessage } = await c.var.services.jobs.startReply(user, conversationId, {
        content: body.content,
        userPersonaId: body.user_persona_id,
        recordingId: body.recording_id,
        attachmentIds: body.attachment_ids,
      });
      return c.json({ job, user_message: userMessage }, 202);
    }
    if (wantsStream(c, body.stream)) {
      return streamGeneration(c, ({ signal, start, onDelta }) =>
        service(c).send(
          user,
          conversationId,
          {
            content: body.content,
            userPersonaId: body.user_persona_id,
            recordingId: body.recording_id,
            attachmentIds: body.attachment_ids,
          },
          {
            signal,
            onDelta,
            onStart: ({ userMessage, replyId }) => start({ user_message: userMessage, message_id: replyId }),
          },
        ),
      );
    }
    const exchange = await service(c).send(user, conversationId, {
      content: body.content,
      userPersonaId: body.user_persona_id,
      recordingId: body.recording_id,
      attachmentIds: body.attachment_ids,
    });
    return c.json(exchange, 200);
  });

  router.openapi(renameRoute, async (c) =>
    c.json(
      await service(c).rename(await requireUser(c), c.req.valid("param").id, c.req.valid("json").title),
      200,
    ),
  );

  return router;
}
