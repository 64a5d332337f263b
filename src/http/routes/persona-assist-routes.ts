import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { ASSIST_TASKS } from "../../services/persona-assist.ts";
import type { AppEnv } from "../app-env.ts";
import { ValidationError } from "../../errors/app-error.ts";
import { decodeDataUri } from "../../media/media-jobs.ts";
import { checkPhoto } from "../../services/media/media-service.ts";
import { jsonBody, jsonContent, problemResponses } from "../openapi-common.ts";

const assistRoute = createRoute({
  method: "post",
  path: "/v1/personas/assist",
  tags: ["Personas"],
  summary: "AI-assisted writing for the persona builder: improve the system message, describe the appearance",
  description:
    "Uses the persona's model (or the default). With the offline engine the text is composed from the " +
    "fields given, and `offline` is true.",
  request: {
    body: jsonBody(
      z
        .strictObject({
          task: z.enum(ASSIST_TASKS),
          definition: z
            .record(z.string(), z.unknown())
            .default({})
            .openapi({ description: "The persona definition as far as it is filled in" }),
          instructions: z.string().max(2000).optional(),
          image: z.string().max(7_500_000, "must be at most 5 MB").optional().openapi({
            description:
              "describe_appearance: a picture of the persona as a data: URL (PNG, JPEG, WebP or GIF up to 5 MB), described by a vision model",
          }),
          model: z.string().max(300).optional().openapi({
            description: "provider/model for this request (a model that takes images for `image`)",
          }),
        })
        .openapi("PersonaAssistRequest"),
    ),
  },
  responses: {
    200: jsonContent(
      z.object({ text: z.string(), model: z.string(), offline: z.boolean() }).openapi("PersonaAssistResult"),
      "The suggested text",
    ),
    ...problemResponses(413, 422),
  },
});

/** A data: URL's picture, checked and re-encoded like any upload (no SVG, no metadata). */
async function readPicture(dataUrl: string): Promise<{ bytes: Uint8Array; contentType: string }> {
  const decoded = decodeDataUri(dataUrl);
  if (!decoded) {
    throw new ValidationError([{ field: "image", message: "must be a data: URL (data:image/png;base64,…)" }]);
  }
  const photo = await checkPhoto(decoded.bytes, "image");
  return { bytes: photo.bytes, contentType: photo.contentType };
}

export function personaAssistRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();
  router.openapi(assistRoute, async (c) => {
    const { image, ...body } = c.req.valid("json");
    return c.json(
      await c.var.services.personaAssist.run(c.var.principal.tenantId, {
        ...body,
        image: image === undefined ? undefined : await readPicture(image),
      }),
      200,
    );
  });
  return router;
}
