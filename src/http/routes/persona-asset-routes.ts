import { Readable } from "node:stream";
import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { personaEditor } from "../auth.ts";
import type { AppEnv } from "../app-env.ts";
import { idParamSchema, jsonContent, problemResponses } from "../openapi-common.ts";

const tags = ["Personas"];

const assetParamsSchema = idParamSchema.extend({
  assetId: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: "assetId", in: "path" } }),
});

const personaAssetSchema = z
  .object({
    id: z.string(),
    type: z.string().openapi({ description: "icon, background, user_icon, emotion, x-risu-..., other" }),
    name: z.string(),
    ext: z.string(),
    content_type: z
      .string()
      .nullable()
      .openapi({ description: "sniffed from the bytes; null for a remote asset" }),
    size: z.number().int().nullable(),
    url: z.string().openapi({
      description: "where the asset is served (this API), or a remote asset's URL as the card gave it",
    }),
    remote: z.boolean().openapi({ description: "a remote URL kept as a reference, never fetched" }),
  })
  .openapi("PersonaAsset");

const listRoute = createRoute({
  method: "get",
  path: "/v1/personas/{id}/assets",
  tags,
  summary: "The persona's card assets (from a CHARX card or a V3 card's data: URIs), in card order",
  request: { params: idParamSchema },
  responses: {
    200: jsonContent(z.object({ data: z.array(personaAssetSchema) }), "The assets"),
    ...problemResponses(404),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/personas/{id}/assets/{assetId}",
  tags,
  summary: "A stored asset's bytes",
  description:
    "Images (PNG, JPEG, GIF, WebP, AVIF), sound and video are served with the type sniffed from their " +
    "bytes; anything else (HTML, SVG, scripts, unknown files) as application/octet-stream with " +
    "Content-Disposition: attachment. Always X-Content-Type-Options: nosniff. The ETag is the sha256.",
  request: { params: assetParamsSchema },
  responses: {
    200: {
      description: "The bytes",
      content: { "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) } },
    },
    304: { description: "Unchanged since the ETag sent in If-None-Match" },
    ...problemResponses(404),
  },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/personas/{id}/assets/{assetId}",
  tags,
  summary: "Delete an asset (and its stored bytes)",
  request: { params: assetParamsSchema },
  responses: { 204: { description: "Deleted" }, ...problemResponses(404) },
});

function contentDisposition(inline: boolean, fileName: string): string {
  const safe = fileName.replace(/[^\w.-]+/g, "_").slice(0, 120) || "asset";
  return `${inline ? "inline" : "attachment"}; filename="${safe}"`;
}

export function personaAssetRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();

  router.openapi(listRoute, async (c) => {
    const data = await c.var.services.personaAssets.list(personaEditor(c), c.req.valid("param").id);
    return c.json({ data }, 200);
  });

  router.openapi(getRoute, async (c) => {
    const { id, assetId } = c.req.valid("param");
    const asset = await c.var.services.personaAssets.open(personaEditor(c), id, assetId);
    const etag = `"${asset.sha256}"`;
    const headers = {
      etag,
      // Visibility can change (a persona made private), so caches check back; the ETag keeps that cheap.
      "cache-control": "private, no-cache",
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'; sandbox",
      "content-disposition": contentDisposition(asset.inline, asset.fileName),
    };
    if (c.req.header("if-none-match") === etag) {
      asset.stream.destroy();
      return c.body(null, 304, headers);
    }
    const body = Readable.toWeb(asset.stream) as ReadableStream<Uint8Array>;
    return c.body(body, 200, {
      ...headers,
      "content-type": asset.contentType,
      "content-length": String(asset.size),
    });
  });

  router.openapi(deleteRoute, async (c) => {
    const { id, assetId } = c.req.valid("param");
    await c.var.services.personaAssets.delete(personaEditor(c), id, assetId);
    return c.body(null, 204);
  });

  return router;
}
