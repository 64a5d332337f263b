import { Readable } from "node:stream";
import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { ATTACHMENT_MAX_BYTES } from "../../services/media/media-service.ts";
import type { AppEnv } from "../app-env.ts";
import { personaEditor, requireUser } from "../auth.ts";
import { readFileUpload } from "../file-upload.ts";
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
import { mediaSchema } from "../schemas/media-schemas.ts";

const tags = ["Media"];
const headers = userHeaderSchema;
const binary = z.string().openapi({ format: "binary" });

const mediaParams = idParamSchema;

const listRoute = createRoute({
  method: "get",
  path: "/v1/media",
  tags,
  summary: "The gallery: the user's pictures and videos, newest first",
  request: {
    headers,
    query: pageQuerySchema.extend({
      persona_id: z.string().max(200).optional(),
      kind: z.enum(["image", "video", "file"]).optional(),
      source: z
        .enum(["generated", "upload"])
        .optional()
        .openapi({ description: "generated (what personas made) or upload (photos sent); default both" }),
      conversation_id: z.string().max(200).optional(),
    }),
  },
  responses: {
    200: jsonContent(pageSchema(mediaSchema, "MediaPage"), "A page of media, newest first"),
    ...problemResponses(422),
  },
});

const createMediaBody = z
  .strictObject({
    persona_id: z.string().min(1).max(200),
    kind: z.enum(["image", "video"]),
    description: z.string().trim().max(2000, "must be at most 2000 characters").default("").openapi({
      description: "What it shows, or for an edit what to change",
    }),
    of_persona: z.boolean().default(true).openapi({
      description:
        "Of the persona itself: prompted from its appearance, its profile picture as the reference",
    }),
    edit: z
      .boolean()
      .optional()
      .openapi({ description: "Change reference_media_id (a picture) instead of making a new one" }),
    from_photo: z.boolean().optional().openapi({ description: "A video made from reference_media_id" }),
    reference_media_id: z.string().max(200).optional(),
    conversation_id: z.string().max(200).optional().openapi({
      description: "Where the picture belongs; the newest picture there is the reference when none is named",
    }),
    model: z.string().max(300).optional().openapi({ description: "provider/model (GET /v1/media/models)" }),
    priority: z.boolean().optional().openapi({ description: "A priority video (billed as one)" }),
  })
  .openapi("CreateMedia");

const createRouteDef = createRoute(
  withIdempotencyKey({
    method: "post",
    path: "/v1/media",
    tags,
    summary: "Make a picture or video of (or by) a persona: a background job",
    description:
      "Answers at once with the queued item; its job (job_id) streams progress and GET /v1/media/{id} shows " +
      "where it stands. Refused when the persona's media generation is off (409), for adult content a " +
      "persona does not allow (422) and past the daily limit (429).",
    request: { headers, body: jsonBody(createMediaBody) },
    responses: {
      202: jsonContent(mediaSchema, "Queued"),
      ...problemResponses(400, 404, 409, 422, 429),
    },
  }),
);

const getRouteDef = createRoute({
  method: "get",
  path: "/v1/media/{id}",
  tags,
  summary: "One picture or video, and where its generation stands",
  request: { headers, params: mediaParams },
  responses: { 200: jsonContent(mediaSchema, "The item"), ...problemResponses(404) },
});

const contentRoute = createRoute({
  method: "get",
  path: "/v1/media/{id}/content",
  tags,
  summary: "The picture's or video's bytes (download=true: as a file to save)",
  request: {
    headers,
    params: mediaParams,
    query: z.object({
      download: z.enum(["true", "false", "1", "0"]).optional(),
      thumbnail: z.enum(["true", "false", "1", "0"]).optional().openapi({
        description:
          "A small WebP (384 px) of a picture, or of an animated placeholder's first frame, for grids; other kinds answer their bytes",
      }),
    }),
  },
  responses: {
    200: {
      description: "The bytes",
      content: {
        "image/png": { schema: binary },
        "image/jpeg": { schema: binary },
        "video/mp4": { schema: binary },
      },
    },
    304: { description: "Unchanged since the ETag sent in If-None-Match" },
    ...problemResponses(404),
  },
});

const deleteRouteDef = createRoute({
  method: "delete",
  path: "/v1/media/{id}",
  tags,
  summary: "Delete a picture or video (and its bytes from storage)",
  request: { headers, params: mediaParams },
  responses: { 204: { description: "Deleted" }, ...problemResponses(404) },
});

const attachmentRoute = createRoute({
  method: "post",
  path: "/v1/conversations/{id}/attachments",
  tags: ["Conversations"],
  summary:
    "A photo to send: stored (re-encoded, metadata stripped), then sent with a message's attachment_ids",
  description:
    "PNG, JPEG, WebP or GIF up to 5 MB, as multipart/form-data (field `file`) or as the raw body; anything " +
    "else (SVG, HTML, ...) is refused with 415. The picture is decoded and re-encoded (EXIF and locations " +
    "removed). Send it with POST /v1/conversations/{id}/messages and `attachment_ids`; a vision model sees " +
    'it, "edit this photo" edits it. One never sent is deleted after a day.',
  request: {
    headers,
    params: idParamSchema,
    body: {
      required: true,
      content: {
        "multipart/form-data": { schema: z.object({ file: binary }) },
        "image/jpeg": { schema: binary },
        "image/png": { schema: binary },
      },
    },
  },
  responses: { 201: jsonContent(mediaSchema, "Stored"), ...problemResponses(404, 413, 415, 422) },
});

export function mediaRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();

  router.openapi(listRoute, async (c) => {
    const query = c.req.valid("query");
    const page = await c.var.services.media.list(await requireUser(c), {
      personaId: query.persona_id,
      kind: query.kind,
      source: query.source,
      conversationId: query.conversation_id,
      limit: query.limit,
      cursor: query.after,
    });
    return c.json({ data: page.items, next_cursor: page.next_cursor }, 200);
  });

  router.openapi(createRouteDef, async (c) => {
    const body = c.req.valid("json");
    const user = await requireUser(c);
    if (body.conversation_id) await c.var.services.conversations.get(user, body.conversation_id);
    const media = await c.var.services.mediaGeneration.request(user, personaEditor(c), {
      personaId: body.persona_id,
      conversationId: body.conversation_id,
      kind: body.kind,
      ofPersona: body.of_persona,
      description: body.description,
      edit: body.edit,
      fromPhoto: body.from_photo,
      referenceMediaId: body.reference_media_id,
      model: body.model,
      priority: body.priority,
    });
    return c.json(media, 202);
  });

  router.openapi(getRouteDef, async (c) =>
    c.json(await c.var.services.media.get(await requireUser(c), c.req.valid("param").id), 200),
  );

  router.openapi(contentRoute, async (c) => {
    const user = await requireUser(c);
    const { id } = c.req.valid("param");
    if (["true", "1"].includes(c.req.valid("query").thumbnail ?? "")) {
      const thumbnail = await c.var.services.media.thumbnail(user, id);
      if (thumbnail) {
        const etag = `"${thumbnail.sha256}-thumbnail"`;
        const headers = {
          etag,
          "cache-control": "private, max-age=31536000, immutable",
          "x-content-type-options": "nosniff",
          "content-security-policy": "default-src 'none'; sandbox",
        };
        if (c.req.header("if-none-match") === etag) return c.body(null, 304, headers);
        return c.body(thumbnail.bytes as Uint8Array<ArrayBuffer>, 200, {
          ...headers,
          "content-type": "image/webp",
        });
      }
    }
    const opened = await c.var.services.media.open(user, id);
    // Documents are only ever downloads: a PDF or text file never renders in this origin.
    const download =
      opened.row.kind === "file" || ["true", "1"].includes(c.req.valid("query").download ?? "");
    const etag = `"${opened.sha256}"`;
    const shared = {
      etag,
      "cache-control": "private, max-age=31536000, immutable",
      "x-content-type-options": "nosniff",
      // Only pictures and videos are stored, but a browser must never run what it opens from here.
      "content-security-policy": "default-src 'none'; img-src 'self'; media-src 'self'; sandbox",
      ...(download
        ? { "content-disposition": `attachment; filename="${downloadName(opened.row, opened.contentType)}"` }
        : {}),
    };
    if (c.req.header("if-none-match") === etag) {
      opened.stream.destroy();
      return c.body(null, 304, shared);
    }
    return c.body(Readable.toWeb(opened.stream) as ReadableStream<Uint8Array>, 200, {
      ...shared,
      "content-type": opened.contentType,
      "content-length": String(opened.size),
    });
  });

  router.openapi(deleteRouteDef, async (c) => {
    await c.var.services.media.delete(await requireUser(c), c.req.valid("param").id);
    return c.body(null, 204);
  });

  router.openAPIRegistry.registerPath(attachmentRoute);
  router.post("/v1/conversations/:id/attachments", async (c) => {
    const user = await requireUser(c);
    const upload = await readFileUpload(c, ATTACHMENT_MAX_BYTES, "the picture");
    const media = await c.var.services.media.upload(user, c.req.param("id"), {
      bytes: upload.bytes,
      fileName: upload.fileName,
    });
    return c.json(media, 201);
  });

  return router;
}

const EXTENSIONS: Record<string, string> = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/webp": "webp",
  "image/gif": "gif",
  "video/mp4": "mp4",
  "video/webm": "webm",
  "application/pdf": "pdf",
  "text/plain": "txt",
  "text/markdown": "md",
  "text/csv": "csv",
  "application/json": "json",
};

/** `persona-name-med_….png`: ASCII only, so the header needs no encoding. */
function downloadName(row: { id: string; file_name: string | null }, contentType: string): string {
  const extension = EXTENSIONS[contentType] ?? "bin";
  const base = (row.file_name ?? row.id)
    .replace(/\.[^.]*$/, "")
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .slice(0, 80);
  return `${base || row.id}.${extension}`;
}
