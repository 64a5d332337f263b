import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { idempotent, withIdempotencyKey, withIdempotencyKeyHeader } from "../idempotency.ts";
import { ValidationError } from "../../errors/app-error.ts";
import { EXPORT_FORMATS } from "../../services/conversation-transfer.ts";
import type { AppEnv } from "../app-env.ts";
import { personaEditor, requireUser } from "../auth.ts";
import {
  idParamSchema,
  jsonBody,
  jsonContent,
  pageQuerySchema,
  problemResponses,
  userHeaderSchema,
} from "../openapi-common.ts";
import { conversationSchema } from "../schemas/conversation-schemas.ts";

/*
 * Conversations as a whole: branching one from a message, searching across them, export and import.
 * Mounted before conversation-routes.ts, so /v1/conversations/search and /import are not taken for an id.
 */

const tags = ["Conversations"];
const headers = userHeaderSchema;

const branchRoute = createRoute(
  withIdempotencyKey({
    method: "post",
    path: "/v1/conversations/{id}/branch",
    tags,
    summary: "Branch: a new conversation copying this one up to and including a message",
    description:
      "The branch (channel web, same persona, titled '<title> (branch)') holds copies of every message the " +
      "conversation shows up to and including `message_id`, each reply with all its alternatives and the " +
      "same one shown (a hidden alternative given as `message_id` is shown in the branch). Its " +
      "`branched_from` names the source conversation and message; the source is unchanged. Memories are " +
      "neither copied nor learned again: they belong to the persona and the user, so the branch shares them.",
    request: {
      headers,
      params: idParamSchema,
      body: jsonBody(
        z
          .strictObject({
            message_id: z.string().min(1, "must not be empty").max(100).openapi({
              description: "The last message the branch copies (any message of this conversation)",
            }),
          })
          .openapi("BranchConversation"),
      ),
    },
    responses: {
      201: jsonContent(conversationSchema, "The new conversation"),
      ...problemResponses(404, 422),
    },
  }),
);

const searchHitSchema = z
  .object({
    conversation: z.object({ id: z.string(), title: z.string(), persona_id: z.string() }),
    message_id: z.string(),
    role: z.enum(["user", "assistant"]),
    snippet: z.string().openapi({ description: "The message's text around the first match; … where cut" }),
    match: z
      .object({ start: z.number().int(), length: z.number().int() })
      .openapi({ description: "Where the match is in snippet (length 0 when it could not be placed)" }),
    created_at: z.string(),
  })
  .openapi("MessageSearchHit");

const searchRoute = createRoute({
  method: "get",
  path: "/v1/conversations/search",
  tags,
  summary: "Search the messages of your conversations (case-insensitive, literal text)",
  description:
    "Only the caller's own conversations and only what they show (hidden alternatives and deleted messages " +
    "are not searched). Newest first; `cursor` is the previous page's next_cursor.",
  request: {
    headers,
    query: z.object({
      q: z
        .string()
        .trim()
        .min(1, "must not be empty")
        .max(200, "must be at most 200 characters")
        .openapi({ description: "The text to find; % and _ match themselves" }),
      persona_id: z
        .string()
        .max(100)
        .optional()
        .openapi({ description: "Only conversations with this persona" }),
      limit: pageQuerySchema.shape.limit,
      cursor: z.string().max(100).optional().openapi({ description: "The next_cursor of the previous page" }),
    }),
  },
  responses: {
    200: jsonContent(
      z
        .object({ data: z.array(searchHitSchema), next_cursor: z.string().nullable() })
        .openapi("MessageSearchPage"),
      "Matching messages, newest first",
    ),
    ...problemResponses(422),
  },
});

const transcriptAlternativeSchema = z.object({
  content: z.string(),
  status: z.enum(["complete", "partial", "failed"]),
  model: z.string().nullable(),
  created_at: z.string(),
  edited_at: z.string().nullable(),
});

const dramatisExportSchema = z
  .object({
    format: z.literal("dramatis.conversation"),
    version: z.literal(1),
    exported_at: z.string(),
    conversation: z.object({
      id: z.string(),
      title: z.string(),
      channel: z.string(),
      created_at: z.string(),
      persona: z.object({ id: z.string().nullable(), name: z.string() }),
      user_name: z.string(),
      branched_from: conversationSchema.shape.branched_from,
    }),
    messages: z.array(
      z.object({
        role: z.enum(["user", "assistant"]),
        user_persona: z.object({ id: z.string(), name: z.string(), description: z.string() }).nullable(),
        alternatives: z.array(transcriptAlternativeSchema),
        chosen: z.number().int().openapi({ description: "Index in alternatives of the one shown" }),
      }),
    ),
  })
  .openapi("ConversationExport", {
    description: "A conversation as Dramatis exports and imports it (versioned)",
  });

const exportRoute = createRoute({
  method: "get",
  path: "/v1/conversations/{id}/export",
  tags,
  summary: "Export a conversation: SillyTavern chat JSONL or the Dramatis JSON document",
  description:
    "sillytavern: the header line {user_name, character_name, create_date, chat_metadata} then one line per " +
    "message {name, is_user, is_system, send_date, mes, swipes, swipe_id, swipe_info, extra}; the " +
    "alternatives of a reply are its swipes. dramatis (default): every message with all its " +
    "alternatives, the persona and the user persona. Sent as a download (Content-Disposition).",
  request: {
    headers,
    params: idParamSchema,
    query: z.object({ format: z.enum(EXPORT_FORMATS).default("dramatis") }),
  },
  responses: {
    200: {
      description: "The file",
      content: {
        "application/json": { schema: dramatisExportSchema },
        "application/jsonl": { schema: z.string() },
      },
    },
    ...problemResponses(404, 422),
  },
});

const importRoute = createRoute(
  withIdempotencyKeyHeader({
    method: "post",
    path: "/v1/conversations/import",
    tags,
    summary: "Import a conversation from a SillyTavern chat (JSONL) or a Dramatis export (JSON)",
    description:
      "Send the file as the raw body. A SillyTavern chat names its character by name only: give " +
      "`persona_id`; a Dramatis export names its persona (persona_id overrides it). Swipes become the " +
      "reply's alternatives with the swipe shown (swipe_id) shown; system lines (is_system) are left out " +
      "with a warning. At most 5,000 messages, 100 swipes per message and 100,000 characters per message: " +
      "a file past those bounds or with a wrong line or field is a 422 naming it (`line 3: swipe_id`). " +
      "Other files are a 415. No memory is learned from an import.",
    request: {
      headers,
      query: z.object({
        persona_id: z.string().max(100).optional().openapi({
          description: "The persona the conversation is with (required for a SillyTavern chat)",
        }),
      }),
      body: {
        required: true,
        content: {
          "application/jsonl": { schema: z.string() },
          "application/json": { schema: dramatisExportSchema },
        },
      },
    },
    responses: {
      201: jsonContent(
        z
          .object({
            conversation: conversationSchema,
            format: z.enum(EXPORT_FORMATS),
            message_count: z.number().int(),
            warnings: z.array(z.string()),
          })
          .openapi("ConversationImport"),
        "The new conversation",
      ),
      ...problemResponses(404, 413, 415, 422),
    },
  }),
);

export function conversationArchiveRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();

  router.openapi(searchRoute, async (c) => {
    const { q, persona_id, limit, cursor } = c.req.valid("query");
    const page = await c.var.services.conversationSearch.search(await requireUser(c), {
      query: q,
      personaId: persona_id,
      limit,
      cursor,
    });
    return c.json({ data: page.items, next_cursor: page.nextCursor }, 200);
  });

  router.openapi(branchRoute, async (c) => {
    const conversation = await c.var.services.conversationBranching.branch(
      await requireUser(c),
      c.req.valid("param").id,
      c.req.valid("json").message_id,
    );
    return c.json(conversation, 201);
  });

  router.openapi(exportRoute, async (c) => {
    const file = await c.var.services.conversationTransfer.export(
      await requireUser(c),
      c.req.valid("param").id,
      c.req.valid("query").format,
    );
    return c.body(file.body, 200, {
      "content-type": file.contentType,
      "content-disposition": `attachment; filename="${file.fileName}"`,
    });
  });

  // Registered for the document only: the body is read raw (JSONL is not JSON), with the import bounds.
  router.openAPIRegistry.registerPath(importRoute);
  router.post(importRoute.path, idempotent, async (c) => {
    const user = await requireUser(c);
    const personaId = c.req.query("persona_id");
    if (personaId !== undefined && (!personaId || personaId.length > 100)) {
      throw new ValidationError([{ field: "persona_id", message: "must be a persona id" }]);
    }
    const result = await c.var.services.conversationTransfer.import(user, personaEditor(c), {
      text: await c.req.text(),
      contentType: c.req.header("content-type") ?? "",
      personaId,
    });
    return c.json(result, 201);
  });

  return router;
}
