import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { AVATAR_UPLOAD_TYPES } from "../../lib/avatar-images.ts";
import { personaEditor } from "../auth.ts";
import type { AppEnv } from "../app-env.ts";
import { idParamSchema, jsonContent, problemResponses } from "../openapi-common.ts";

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
