import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { AVATAR_UPLOAD_TYPES } from "../../lib/avatar-images.ts";
import { personaEditor, requireUser } from "../auth.ts";
import type { AppEnv } from "../app-env.ts";
import { withIdempotencyKey } from "../idempotency.ts";
import {
  idParamSchema,
  jsonBody,
  jsonContent,
  problemResponses,
  userHeaderSchema,
} from "../openapi-common.ts";
import { MAX_AVATAR_CANDIDATES } from "../../services/media/media-generation.ts";
import { mediaSchema } from "../schemas/media-schemas.ts";

const tags = ["Personas"];
const binary = z.string().openapi({ format: "binary" });

const getRoute = createRoute({
  method: "get",
  path: "/v1/personas/{id}/avatar",
  tags,
  summary: "The persona's picture as PNG: its upload, or a generated (DiceBear) one",
  request: { params: idParamSchema },
  responses: {
    200: { description: "A PNG image", content: { "image/png": { schema: binary } } },
    304: { description: "Unchanged since the ETag sent in If-None-Match" },
    ...problemResponses(404),
  },
});

const uploadRoute = createRoute({
  method: "put",
  path: "/v1/personas/{id}/avatar",
  tags,
  summary: "Upload a picture (PNG, JPEG, WebP or GIF up to 5 MB); it is re-encoded as a 512×512 PNG",
  description:
    "Pictures over 4096×4096 pixels or 64 MiB once decoded (such as a PNG decompression bomb) are refused " +
    "with 422 from their header, before any pixel is decoded; animations keep their first frame.",
  request: {
    params: idParamSchema,
    body: {
      required: true,
      content: Object.fromEntries(AVATAR_UPLOAD_TYPES.map((type) => [type, { schema: binary }])),
    },
  },
  responses: {
    200: jsonContent(
      z.object({ avatar: z.object({ source: z.literal("upload"), updated_at: z.string() }) }),
      "Stored",
    ),
    ...problemResponses(404, 413, 415, 422),
  },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/personas/{id}/avatar",
  tags,
  summary: "Remove the uploaded picture and go back to the generated one",
  request: { params: idParamSchema },
  responses: { 204: { description: "Removed" }, ...problemResponses(404) },
});

const candidatesRoute = createRoute(
  withIdempotencyKey({
    method: "post",
    path: "/v1/personas/{id}/avatar/candidates",
    tags,
    summary: "Profile picture candidates drawn from the appearance description, to pick one from",
    description:
      "Queues `count` portraits of the persona (its appearance, age, sex and art style, each with its own " +
      "seed) as pictures in the caller's gallery; each has a job streaming its progress. Make one the " +
      "profile picture with PUT .../avatar/from-media. For whoever may edit the persona.",
    request: {
      headers: userHeaderSchema,
      params: idParamSchema,
      body: jsonBody(
        z
          .strictObject({
            count: z.number().int().min(1).max(MAX_AVATAR_CANDIDATES).default(MAX_AVATAR_CANDIDATES),
            description: z
              .string()
              .max(2000)
              .optional()
              .openapi({ description: "What the portrait shows; default a head-and-shoulders portrait" }),
            model: z
              .string()
              .max(300)
              .optional()
              .openapi({ description: "provider/model (GET /v1/media/models)" }),
          })
          .openapi("AvatarCandidatesRequest"),
      ),
    },
    responses: {
      202: jsonContent(z.object({ data: z.array(mediaSchema) }).openapi("AvatarCandidates"), "Queued"),
      ...problemResponses(400, 403, 404, 429),
    },
  }),
);

const fromMediaRoute = createRoute({
  method: "put",
  path: "/v1/personas/{id}/avatar/from-media",
  tags,
  summary: "Make one of your pictures (a candidate, a photo) the profile picture, cropped",
  request: {
    headers: userHeaderSchema,
    params: idParamSchema,
    body: jsonBody(
      z
        .strictObject({
          media_id: z.string().min(1).max(200),
          crop: z
            .strictObject({
              x: z.number().int().min(0),
              y: z.number().int().min(0),
              width: z.number().int().min(1),
              height: z.number().int().min(1),
            })
            .optional()
            .openapi({
              description: "The part of the picture to keep, in its pixels; then squared to 512×512",
            }),
        })
        .openapi("AvatarFromMedia"),
    ),
  },
  responses: {
    200: jsonContent(
      z.object({ avatar: z.object({ source: z.literal("upload"), updated_at: z.string() }) }),
      "Stored",
    ),
    ...problemResponses(403, 404, 422),
  },
});

export function personaAvatarRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();

  router.openapi(getRoute, async (c) => {
    const avatar = await c.var.services.personaAvatars.get(personaEditor(c), c.req.valid("param").id);
    const etag = `"${avatar.revision}"`;
    const headers = {
      etag,
      "cache-control": "private, no-cache",
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'",
    };
    if (c.req.header("if-none-match") === etag) return c.body(null, 304, headers);
    return c.body(new Uint8Array(avatar.png), 200, { ...headers, "content-type": "image/png" });
  });

  router.openapi(candidatesRoute, async (c) => {
    const body = c.req.valid("json");
    const data = await c.var.services.mediaGeneration.avatarCandidates(
      await requireUser(c),
      personaEditor(c),
      c.req.valid("param").id,
      body,
    );
    return c.json({ data }, 202);
  });

  router.openapi(fromMediaRoute, async (c) => {
    const body = c.req.valid("json");
    const picture = await c.var.services.media.readImage(await requireUser(c), body.media_id);
    const avatar = await c.var.services.personaAvatars.useImage(
      personaEditor(c),
      c.req.valid("param").id,
      picture.bytes,
      body.crop,
    );
    return c.json({ avatar }, 200);
  });

  router.openapi(uploadRoute, async (c) => {
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    const avatar = await c.var.services.personaAvatars.upload(personaEditor(c), c.req.valid("param").id, {
      bytes,
      contentType: c.req.header("content-type"),
    });
    return c.json({ avatar }, 200);
  });

  router.openapi(deleteRoute, async (c) => {
    await c.var.services.personaAvatars.remove(personaEditor(c), c.req.valid("param").id);
    return c.body(null, 204);
  });

  return router;
}
