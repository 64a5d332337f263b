import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { APPEARANCE_PRESETS } from "../../domain/appearance-presets.ts";
import { ART_STYLES, SEXES } from "../../domain/persona-definition.ts";
import { ART_STYLE_PROMPTS } from "../../domain/picture-prompt.ts";
import { generateAvatar } from "../../lib/avatar-images.ts";
import type { AppEnv } from "../app-env.ts";
import { jsonContent, problemResponses } from "../openapi-common.ts";

/*
 * What the server offers for pictures, the same for every caller: the models, the art styles with their
 * wording and a preview, and the appearance presets of the persona builder. Mounted before media-routes,
 * whose `/v1/media/{id}` would otherwise take these paths.
 */

const tags = ["Media"];
const binary = z.string().openapi({ format: "binary" });

const modelsRoute = createRoute({
  method: "get",
  path: "/v1/media/models",
  tags,
  summary: "The picture and video models of this server (the embedded placeholder is offline)",
  request: { query: z.object({ kind: z.enum(["image", "video"]).optional() }) },
  responses: {
    200: jsonContent(
      z
        .object({
          data: z.array(
            z.object({
              id: z.string(),
              provider: z.string(),
              model: z.string(),
              kind: z.enum(["image", "video"]),
              label: z.string(),
              offline: z.boolean(),
              references: z.array(z.enum(["edit", "likeness"])),
            }),
          ),
        })
        .openapi("MediaModels"),
      "Models",
    ),
  },
});

const artStylesRoute = createRoute({
  method: "get",
  path: "/v1/media/art-styles",
  tags,
  summary: "The art styles a persona's pictures are drawn in: each one's prompt wording and a preview",
  responses: {
    200: jsonContent(
      z
        .object({
          data: z.array(
            z.object({
              id: z.enum(ART_STYLES),
              label: z.string(),
              prompt: z.string().openapi({ description: "What every picture in this style asks for" }),
              negative_prompt: z.string().openapi({ description: "What it keeps out" }),
              preview_url: z.string(),
            }),
          ),
        })
        .openapi("ArtStyles"),
      "Art styles",
    ),
  },
});

const artStylePreviewRoute = createRoute({
  method: "get",
  path: "/v1/media/art-styles/{style}/preview",
  tags,
  summary: "A sample portrait in the art style (PNG), for the builder's style picker",
  request: {
    params: z.object({ style: z.enum(ART_STYLES).openapi({ param: { name: "style", in: "path" } }) }),
  },
  responses: {
    200: { description: "A PNG image", content: { "image/png": { schema: binary } } },
    ...problemResponses(422),
  },
});

const presetsRoute = createRoute({
  method: "get",
  path: "/v1/media/appearance-presets",
  tags,
  summary: "Appearance description presets for the persona builder (to start from, then edit)",
  responses: {
    200: jsonContent(
      z
        .object({
          data: z.array(
            z.object({
              id: z.string(),
              name: z.string(),
              description: z.string(),
              sex: z.enum(SEXES),
              art_style: z.enum(ART_STYLES),
            }),
          ),
        })
        .openapi("AppearancePresets"),
      "Presets",
    ),
  },
});

export function mediaCatalogRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();

  router.openapi(modelsRoute, async (c) =>
    c.json(
      {
        data: (await c.var.services.mediaGeneration.listModels(c.req.valid("query").kind)).map((model) => ({
          ...model,
          references: [...model.references],
        })),
      },
      200,
    ),
  );

  router.openapi(artStylesRoute, async (c) =>
    c.json(
      {
        data: ART_STYLES.map((id) => ({
          id,
          label: ART_STYLE_PROMPTS[id].label,
          prompt: ART_STYLE_PROMPTS[id].positive,
          negative_prompt: ART_STYLE_PROMPTS[id].negative,
          preview_url: `/v1/media/art-styles/${id}/preview`,
        })),
      },
      200,
    ),
  );

  router.openapi(artStylePreviewRoute, async (c) => {
    // The same drawing a persona without its own picture gets in this style (one fixed sample face).
    const png = await generateAvatar({ seed: "art-style-preview", artStyle: c.req.valid("param").style });
    return c.body(new Uint8Array(png), 200, {
      "content-type": "image/png",
      "cache-control": "public, max-age=86400",
      "x-content-type-options": "nosniff",
    });
  });

  router.openapi(presetsRoute, async (c) => c.json({ data: [...APPEARANCE_PRESETS] }, 200));

  return router;
}
