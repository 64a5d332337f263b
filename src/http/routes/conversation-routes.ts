import { messageAudioSchema } from "./speech-routes.ts";
import { mediaSchema } from "./media-routes.ts";
import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { withIdempotencyKey } from "../idempotency.ts";
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import { AppError } from "../../errors/app-error.ts";
import { CHANNELS } from "../../services/conversation-views.ts";
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
    edited_at: z
      .string()
      .nullable()
      .openapi({ description: "When its content was last edited; null if never" }),
    alternative_index: z.number().int().optional().openapi({
      description:
        "Which of its turn's alternatives (regenerated replies) this is, from 0; in message lists and chat-control answers",
    }),
    alternative_count: z.number().int().optional().openapi({
      description: "How many alternatives its turn has (1: never regenerated); beside alternative_index",
    }),
    audio: z.array(messageAudioSchema).optional().openapi({
      description:
        "Its stored audio: the reading of its current text (speech) and the user's voice message (recording); in message lists and reads",
    }),
    media: z.array(mediaSchema).optional().openapi({
      description:
        "Its pictures and videos: photos the user sent, and what the persona is making or made (status, progress); in message lists and reads",
    }),
  })
  .openapi("Message");

export const conversationSchema = z
  .object({
    id: z.string(),
    persona_id: z.string(),
    channel: z.string(),
    title: z.string(),
    message_count: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
    branched_from: z.object({ conversation_id: z.string(), message_id: z.string() }).nullable().openapi({
      description:
        "A branch: the conversation and message it was copied from (POST .../branch); null otherwise",
    }),
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

const replySchema = z
  .object({
    message: messageSchema,
    usage: exchangeSchema.shape.usage,
    timings: exchangeSchema.shape.timings,
    warnings: z.array(z.string()),
  })
  .openapi("Reply");

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

const streamFlag = z
  .boolean()
  .optional()
  .openapi({ description: "Stream the reply as server-sent events (as POST .../messages does)" });

const generationBody = z.strictObject({ stream: streamFlag }).openapi("ChatControl");

const renameBody = z
  .strictObject({
    title: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters"),
  })
  .openapi("RenameConversation");

const editMessageBody = z
  .strictObject({
    content: z
      .string()
      .trim()
      .min(1, "must not be empty")
      .max(32_000, "must be at most 32000 characters")
      .optional()
      .openapi({ description: "The message's new content (the user's or the persona's)" }),
    chosen_alternative: z.number().int().min(0).optional().openapi({
      description:
        "Show this alternative of the message's turn (from 0, as GET .../alternatives lists them): the conversation lists it and the next prompt's history sends it",
    }),
  })
  .refine((body) => (body.content === undefined) !== (body.chosen_alternative === undefined), {
    message: "give content or chosen_alternative, one of them",
  })
  .openapi("EditMessage", { description: "Exactly one of content (edit) or chosen_alternative (swipe)" });

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

const promptRoute = createRoute({
  method: "get",
  path: "/v1/conversations/{id}/messages/{messageId}/prompt",
  tags,
  summary: "Prompt inspector: the exact prompt that produced a reply, by section, with token counts",
  request: { headers, params: messageParams },
  responses: { 200: jsonContent(promptSchema, "The prompt"), ...problemResponses(404) },
});

const renameRoute = createRoute({
  method: "patch",
  path: "/v1/conversations/{id}",
  tags,
  summary: "Rename a conversation",
  request: { headers, params: conversationParams, body: jsonBody(renameBody) },
  responses: { 200: jsonContent(conversationSchema, "The conversation"), ...problemResponses(404, 422) },
});

const streamableReply = {
  200: {
    description:
      "The reply (JSON), or an SSE stream: message-start, message-delta ({text}), message-end (the reply), or error",
    content: {
      "application/json": { schema: replySchema },
      "text/event-stream": { schema: z.string() },
    },
  },
  502: { description: "The model failed; nothing was changed" },
} as const;

const regenerateRoute = createRoute(
  withIdempotencyKey({
    method: "post",
    path: "/v1/conversations/{id}/messages/{messageId}/regenerate",
    tags,
    summary:
      "Regenerate the latest reply: a new alternative of the same turn, shown instead (the others are kept)",
    description:
      "The persona answers the same user message again from the history before this turn. The new reply is " +
      "another alternative (swipe) of the turn and becomes the one shown; earlier alternatives stay listed " +
      "under .../alternatives and can be chosen back. Only the conversation's latest reply can be regenerated " +
      "(409 otherwise), and only a reply to a user's message (422 for a user message or an opener). " +
      "An opening message with several greetings is not regenerated by the model: the next greeting is " +
      "shown (after the last, the first), told as the same events. " +
      "Streams like POST .../messages with `stream: true` or `Accept: text/event-stream`.",
    request: { headers, params: messageParams, body: jsonBody(generationBody) },
    responses: { ...streamableReply, ...problemResponses(404, 409, 422) },
  }),
);

const continueRoute = createRoute(
  withIdempotencyKey({
    method: "post",
    path: "/v1/conversations/{id}/continue",
    tags,
    summary: "Continue the persona's last message: the model's continuation is appended to it",
    description:
      "409 when the conversation's last message is the user's. Streams like POST .../messages with " +
      "`stream: true` or `Accept: text/event-stream`; message-start carries the message being continued.",
    request: { headers, params: conversationParams, body: jsonBody(generationBody) },
    responses: { ...streamableReply, ...problemResponses(404, 409, 422) },
  }),
);

const alternativesRoute = createRoute({
  method: "get",
  path: "/v1/conversations/{id}/messages/{messageId}/alternatives",
  tags,
  summary: "Every alternative (regeneration) of a message's turn, oldest first, and which one is shown",
  request: { headers, params: messageParams },
  responses: {
    200: jsonContent(
      z
        .object({
          data: z.array(messageSchema),
          chosen: z.number().int().openapi({ description: "Index in data of the alternative shown" }),
        })
        .openapi("MessageAlternatives"),
      "The turn's alternatives",
    ),
    ...problemResponses(404),
  },
});

const editMessageRoute = createRoute({
  method: "patch",
  path: "/v1/conversations/{id}/messages/{messageId}",
  tags,
  summary: "Edit a message's content, or choose which alternative of its turn is shown",
  request: { headers, params: messageParams, body: jsonBody(editMessageBody) },
  responses: { 200: jsonContent(messageSchema, "The message now shown"), ...problemResponses(404, 422) },
});

const deleteMessageRoute = createRoute({
  method: "delete",
  path: "/v1/conversations/{id}/messages/{messageId}",
  tags,
  summary: "Delete a message (a shown reply with every alternative of its turn; a hidden alternative alone)",
  request: { headers, params: messageParams },
  responses: { 204: { description: "Deleted" }, ...problemResponses(404) },
});

function wantsStream(c: Context, bodyFlag: boolean | undefined): boolean {
  return bodyFlag ?? (c.req.header("accept") ?? "").includes("text/event-stream");
}

/** How a generation reports to its stream: the start (with what the client should know first) and each delta. */
interface StreamHandlers {
  signal: AbortSignal;
  start: (data: unknown) => Promise<void>;
  onDelta: (text: string) => Promise<void>;
}

/**
 * Streams a generation as SSE: message-start, message-delta ({text}) and message-end (what `generate`
 * returns), or an error event once the status line is sent. A client that disconnects stops the model.
 */
function streamGeneration(
  c: Context<AppEnv>,
  generate: (handlers: StreamHandlers) => Promise<unknown>,
): Response {
  return streamSSE(c, async (stream) => {
    const controller = new AbortController();
    stream.onAbort(() => controller.abort());
    try {
      const result = await generate({
        signal: controller.signal,
        start: (data) => stream.writeSSE({ event: "message-start", data: JSON.stringify(data) }),
        onDelta: (text) => stream.writeSSE({ event: "message-delta", data: JSON.stringify({ text }) }),
      });
      await stream.writeSSE({ event: "message-end", data: JSON.stringify(result) });
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

/**
 * Resolves the conversation before any stream starts (a wrong id is a plain 404, not an event), and 404s
 * when its persona was made private by another member since: it answers no more.
 */
async function assertPersonaAnswers(
  c: Context<AppEnv>,
  user: UserRow,
  conversationId: string,
): Promise<void> {
  const conversation = await c.var.services.conversations.get(user, conversationId);
  await c.var.services.personas.assertNotHidden(personaEditor(c), conversation.persona_id);
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

  router.openapi(regenerateRoute, async (c) => {
    const user = await requireUser(c);
    const { id, messageId } = c.req.valid("param");
    const body = c.req.valid("json");
    await assertPersonaAnswers(c, user, id);
    if (wantsStream(c, body.stream)) {
      return streamGeneration(c, ({ signal, start, onDelta }) =>
        service(c).regenerate(user, id, messageId, {
          signal,
          onDelta,
          onStart: ({ replyId }) => start({ message_id: replyId, regenerates: messageId }),
        }),
      );
    }
    return c.json(await service(c).regenerate(user, id, messageId), 200);
  });

  router.openapi(continueRoute, async (c) => {
    const user = await requireUser(c);
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    await assertPersonaAnswers(c, user, id);
    if (wantsStream(c, body.stream)) {
      return streamGeneration(c, ({ signal, start, onDelta }) =>
        service(c).continueReply(user, id, {
          signal,
          onDelta,
          onStart: (message) => start({ message_id: message.id, message }),
        }),
      );
    }
    return c.json(await service(c).continueReply(user, id), 200);
  });

  router.openapi(alternativesRoute, async (c) => {
    const { id, messageId } = c.req.valid("param");
    const { items, chosen } = await service(c).listAlternatives(await requireUser(c), id, messageId);
    return c.json({ data: items, chosen }, 200);
  });

  router.openapi(editMessageRoute, async (c) => {
    const user = await requireUser(c);
    const { id, messageId } = c.req.valid("param");
    const body = c.req.valid("json");
    const message =
      body.content !== undefined
        ? await service(c).editMessage(user, id, messageId, body.content)
        : await service(c).chooseAlternative(user, id, messageId, body.chosen_alternative ?? 0);
    return c.json(message, 200);
  });

  router.openapi(deleteMessageRoute, async (c) => {
    const { id, messageId } = c.req.valid("param");
    await service(c).deleteMessage(await requireUser(c), id, messageId);
    return c.body(null, 204);
  });

  router.openapi(promptRoute, async (c) => {
    const { id, messageId } = c.req.valid("param");
    return c.json(await service(c).getPrompt(await requireUser(c), id, messageId), 200);
  });

  return router;
}
