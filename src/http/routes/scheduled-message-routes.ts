import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import {
  SCHEDULED_MESSAGE_KINDS,
  SCHEDULED_MESSAGE_STATUSES,
} from "../../services/proactive/scheduled-message-service.ts";
import type { AppEnv } from "../app-env.ts";
import { requireUser } from "../auth.ts";
import {
  idParamSchema,
  jsonContent,
  pageQuerySchema,
  pageSchema,
  problemResponses,
  userHeaderSchema,
} from "../openapi-common.ts";

const scheduledMessageSchema = z
  .object({
    id: z.string(),
    persona_id: z.string(),
    persona_name: z.string(),
    conversation_id: z.string(),
    kind: z.enum(SCHEDULED_MESSAGE_KINDS),
    due_at: z.string(),
    status: z.enum(SCHEDULED_MESSAGE_STATUSES),
    content: z.string().nullable().openapi({ description: "What was sent, once sent" }),
    message_id: z.string().nullable(),
    error: z.string().nullable().openapi({ description: "Why it was skipped or failed" }),
    created_at: z.string(),
    updated_at: z.string(),
    sent_at: z.string().nullable(),
  })
  .openapi("ScheduledMessage");

const statisticsSchema = z
  .object({
    total: z.number().int(),
    pending: z.number().int(),
    sent: z.number().int(),
    failed: z.number().int(),
    skipped: z.number().int(),
    cancelled: z.number().int(),
    check_ins: z.number().int(),
    good_mornings: z.number().int(),
    good_nights: z.number().int(),
  })
  .openapi("ScheduledMessageStatistics");

const inboxItemSchema = z
  .object({
    message: z.object({ id: z.string(), content: z.string(), created_at: z.string() }),
    persona_id: z.string(),
    persona_name: z.string(),
    conversation_id: z.string(),
    scheduled_message_id: z.string(),
    kind: z.enum(SCHEDULED_MESSAGE_KINDS),
  })
  .openapi("InboxItem");

const tags = ["Proactive messages"];
const headers = userHeaderSchema;

const listRoute = createRoute({
  method: "get",
  path: "/v1/scheduled-messages",
  tags,
  summary: "The user's scheduled messages, soonest first (only pending ones unless include_sent)",
  request: {
    headers,
    query: pageQuerySchema.extend({
      include_sent: z
        .enum(["true", "false"])
        .default("false")
        .transform((value) => value === "true")
        .openapi({ description: "Also list sent, skipped, failed and cancelled ones" }),
      persona_id: z.string().max(200).optional(),
      kind: z.enum(SCHEDULED_MESSAGE_KINDS).optional(),
    }),
  },
  responses: {
    200: jsonContent(
      pageSchema(scheduledMessageSchema, "ScheduledMessagePage"),
      "A page of scheduled messages",
    ),
    ...problemResponses(422),
  },
});

const statisticsRoute = createRoute({
  method: "get",
  path: "/v1/scheduled-messages/statistics",
  tags,
  summary: "Counts of the user's scheduled messages by status and kind",
  request: { headers, query: z.object({ persona_id: z.string().max(200).optional() }) },
  responses: { 200: jsonContent(statisticsSchema, "The counts"), ...problemResponses(422) },
});

const cancelRoute = createRoute({
  method: "post",
  path: "/v1/scheduled-messages/{id}/cancel",
  tags,
  summary: "Cancel a pending scheduled message (409 once it was sent, skipped or failed)",
  request: { headers, params: idParamSchema },
  responses: {
    200: jsonContent(scheduledMessageSchema, "The cancelled message"),
    ...problemResponses(404, 409),
  },
});

const inboxRoute = createRoute({
  method: "get",
  path: "/v1/inbox",
  tags,
  summary: "Messages personas sent the user on their own, newest first, with the unread count",
  request: {
    headers,
    query: z.object({
      limit: z.coerce.number().int().min(1, "must be 1-200").max(200, "must be 1-200").default(50),
    }),
  },
  responses: {
    200: jsonContent(z.object({ unread: z.number().int(), data: z.array(inboxItemSchema) }), "The inbox"),
    ...problemResponses(422),
  },
});

const readRoute = createRoute({
  method: "post",
  path: "/v1/inbox/read",
  tags,
  summary: "Mark every message in the inbox as read",
  request: { headers },
  responses: { 200: jsonContent(z.object({ unread: z.number().int() }), "Nothing is unread") },
});

const eventsRoute = createRoute({
  method: "get",
  path: "/v1/inbox/events",
  tags,
  summary: "Follow new messages from any persona as server-sent events",
  description:
    "`message` events ({message, persona_id, persona_name, conversation_id, scheduled_message_id, kind}) with " +
    "ids to resume from (Last-Event-ID), and `unread` ({count}) whenever the count changes. While a stream " +
    "is open the user counts as connected, and personas' messages are not sent as web push notifications.",
  request: { headers },
  responses: {
    200: { description: "SSE stream", content: { "text/event-stream": { schema: z.string() } } },
    ...problemResponses(),
  },
});

export function scheduledMessageRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();

  router.openapi(listRoute, async (c) => {
    const query = c.req.valid("query");
    const page = await c.var.services.scheduledMessages.list(await requireUser(c), {
      includeSent: query.include_sent,
      personaId: query.persona_id,
      kind: query.kind,
      after: query.after,
      limit: query.limit,
    });
    return c.json({ data: page.items, next_cursor: page.nextCursor }, 200);
  });

  router.openapi(statisticsRoute, async (c) =>
    c.json(
      await c.var.services.scheduledMessages.statistics(
        await requireUser(c),
        c.req.valid("query").persona_id,
      ),
      200,
    ),
  );

  router.openapi(cancelRoute, async (c) =>
    c.json(await c.var.services.scheduledMessages.cancel(await requireUser(c), c.req.valid("param").id), 200),
  );

  router.openapi(inboxRoute, async (c) =>
    c.json(await c.var.services.inbox.list(await requireUser(c), c.req.valid("query").limit), 200),
  );

  router.openapi(readRoute, async (c) =>
    c.json(await c.var.services.inbox.markRead(await requireUser(c)), 200),
  );

  router.openapi(eventsRoute, async (c) => {
    const user = await requireUser(c);
    const lastEventId = c.req.header("last-event-id");
    return streamSSE(c, async (stream) => {
      const controller = new AbortController();
      stream.onAbort(() => controller.abort());
      // While the stream is open the user counts as connected in every process: no push notifications.
      const connection = await c.var.services.push.presence.connect(user);
      try {
        for await (const event of c.var.services.inbox.events(user, {
          lastEventId,
          signal: controller.signal,
        })) {
          if (event.type === "message") {
            await stream.writeSSE({ event: "message", id: event.id, data: JSON.stringify(event.item) });
          } else if (event.type === "unread") {
            await stream.writeSSE({ event: "unread", data: JSON.stringify({ count: event.count }) });
          } else {
            await stream.write(": keep-alive\n\n");
          }
        }
      } finally {
        await connection.close();
      }
    });
  });

  return router;
}
