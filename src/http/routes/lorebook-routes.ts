import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import {
  ATTACHMENT_KINDS,
  EXPORT_FORMATS,
  LOREBOOK_VISIBILITIES,
  type LorebookActor,
} from "../../services/lorebook-service.ts";
import type { AppEnv } from "../app-env.ts";
import { optionalUser, personaEditor } from "../auth.ts";
import { withIdempotencyKey } from "../idempotency.ts";
import {
  idParamSchema,
  jsonBody,
  jsonContent,
  pageQuerySchema,
  pageSchema,
  problemResponses,
  userHeaderSchema,
} from "../openapi-common.ts";
import {
  lorebookCreateSchema,
  lorebookPatchSchema,
  lorebookSchema,
  lorebookSummarySchema,
} from "../schemas/lorebook-schemas.ts";

const tags = ["Lorebooks"];
const headers = userHeaderSchema;

const attachmentParamsSchema = idParamSchema.extend({
  kind: z.enum(ATTACHMENT_KINDS).openapi({ param: { name: "kind", in: "path" } }),
  targetId: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: "targetId", in: "path" } }),
});

const importDocumentSchema = z.record(z.string(), z.unknown()).openapi("LorebookImport", {
  description:
    'A SillyTavern World Info file (`{ entries: { "0": { key, content, ... } } }`), a V2/V3 ' +
    "`character_book` (`{ entries: [...] }`), a V3 `lorebook_v3` file, or a whole V2/V3 card JSON " +
    "(its `data.character_book`)",
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/lorebooks",
  tags,
  summary: "List lorebooks (shared ones and your own private ones; entries left out)",
  request: { headers, query: pageQuerySchema },
  responses: {
    200: jsonContent(pageSchema(lorebookSummarySchema, "LorebookPage"), "A page of lorebooks"),
    ...problemResponses(422),
  },
});

const createLorebookRoute = createRoute(
  withIdempotencyKey({
    method: "post",
    path: "/v1/lorebooks",
    tags,
    summary: "Create a lorebook (world info): a name, settings and entries",
    request: { headers, body: jsonBody(lorebookCreateSchema) },
    responses: { 201: jsonContent(lorebookSchema, "The new lorebook"), ...problemResponses(413, 422) },
  }),
);

const importLorebookRoute = createRoute(
  withIdempotencyKey({
    method: "post",
    path: "/v1/lorebooks/import",
    tags,
    summary: "Create a lorebook from a SillyTavern World Info file, a character_book or a card",
    description:
      "The book keeps its own name unless `name` is given. At most 5,000 entries (as in a card); a " +
      "SillyTavern file holds at most 1,000 (the JSON policy's keys per object). A document that is no " +
      "lorebook, or a field of the wrong type, is a 422 naming it.",
    request: {
      headers,
      query: z.object({
        name: z.string().trim().min(1).max(200).optional(),
        visibility: z.enum(LOREBOOK_VISIBILITIES).optional(),
      }),
      body: jsonBody(importDocumentSchema),
    },
    responses: { 201: jsonContent(lorebookSchema, "The imported lorebook"), ...problemResponses(413, 422) },
  }),
);

const getRoute = createRoute({
  method: "get",
  path: "/v1/lorebooks/{id}",
  tags,
  summary: "Get a lorebook with its entries",
  request: { headers, params: idParamSchema },
  responses: { 200: jsonContent(lorebookSchema, "The lorebook"), ...problemResponses(404) },
});

const patchRoute = createRoute({
  method: "patch",
  path: "/v1/lorebooks/{id}",
  tags,
  summary: "Edit a lorebook (each field given replaces the stored one; entries replace the whole list)",
  request: { headers, params: idParamSchema, body: jsonBody(lorebookPatchSchema) },
  responses: { 200: jsonContent(lorebookSchema, "The lorebook"), ...problemResponses(404, 413, 422) },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/lorebooks/{id}",
  tags,
  summary: "Delete a lorebook and its attachments",
  request: { headers, params: idParamSchema },
  responses: { 204: { description: "Deleted" }, ...problemResponses(404) },
});

const exportRoute = createRoute({
  method: "get",
  path: "/v1/lorebooks/{id}/export",
  tags,
  summary: "Download a lorebook as SillyTavern World Info or a V3 character_book",
  description: "Either file imports back through POST /v1/lorebooks/import as the same book.",
  request: {
    headers,
    params: idParamSchema,
    query: z.object({ format: z.enum(EXPORT_FORMATS).default("sillytavern") }),
  },
  responses: {
    200: jsonContent(z.record(z.string(), z.unknown()).openapi("LorebookFile"), "The lorebook file"),
    ...problemResponses(404, 422),
  },
});

const attachRoute = createRoute({
  method: "put",
  path: "/v1/lorebooks/{id}/attachments/{kind}/{targetId}",
  tags,
  summary: "Attach a lorebook to a persona, a user persona or a conversation",
  description:
    "Replies of that persona, of conversations held as that user persona, or of that conversation then " +
    "scan the book with the card's own (one shared world-info budget). A persona must be one you may " +
    "edit; a user persona or conversation must be your own. Attaching twice changes nothing.",
  request: { headers, params: attachmentParamsSchema },
  responses: { 200: jsonContent(lorebookSchema, "The lorebook"), ...problemResponses(404) },
});

const detachRoute = createRoute({
  method: "delete",
  path: "/v1/lorebooks/{id}/attachments/{kind}/{targetId}",
  tags,
  summary: "Detach a lorebook from a persona, a user persona or a conversation",
  request: { headers, params: attachmentParamsSchema },
  responses: { 200: jsonContent(lorebookSchema, "The lorebook"), ...problemResponses(404) },
});

async function actorOf(c: Context<AppEnv>): Promise<LorebookActor> {
  return { editor: personaEditor(c), user: await optionalUser(c) };
}

export function lorebookRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();
  const service = (c: { var: AppEnv["Variables"] }) => c.var.services.lorebooks;

  router.openapi(listRoute, async (c) => {
    const { limit, after } = c.req.valid("query");
    const page = await service(c).list(await actorOf(c), { limit, after });
    return c.json({ data: page.items, next_cursor: page.nextCursor }, 200);
  });

  router.openapi(createLorebookRoute, async (c) =>
    c.json(await service(c).create(await actorOf(c), c.req.valid("json")), 201),
  );

  router.openapi(importLorebookRoute, async (c) => {
    const { name, visibility } = c.req.valid("query");
    const book = await service(c).import(await actorOf(c), c.req.valid("json"), { name, visibility });
    return c.json(book, 201);
  });

  router.openapi(getRoute, async (c) =>
    c.json(await service(c).get(await actorOf(c), c.req.valid("param").id), 200),
  );

  router.openapi(patchRoute, async (c) =>
    c.json(await service(c).update(await actorOf(c), c.req.valid("param").id, c.req.valid("json")), 200),
  );

  router.openapi(deleteRoute, async (c) => {
    await service(c).delete(await actorOf(c), c.req.valid("param").id);
    return c.body(null, 204);
  });

  router.openapi(exportRoute, async (c) => {
    const exported = await service(c).export(
      await actorOf(c),
      c.req.valid("param").id,
      c.req.valid("query").format,
    );
    c.header("content-disposition", `attachment; filename="${exported.filename}"`);
    return c.json(exported.document as Record<string, unknown>, 200);
  });

  router.openapi(attachRoute, async (c) => {
    const { id, kind, targetId } = c.req.valid("param");
    return c.json(await service(c).attach(await actorOf(c), id, { kind, id: targetId }), 200);
  });

  router.openapi(detachRoute, async (c) => {
    const { id, kind, targetId } = c.req.valid("param");
    return c.json(await service(c).detach(await actorOf(c), id, { kind, id: targetId }), 200);
  });

  return router;
}
