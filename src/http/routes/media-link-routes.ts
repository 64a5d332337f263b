import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { MEDIA_LINK_PATH } from "../../services/media-links.ts";
import type { AppEnv } from "../app-env.ts";
import { problemResponses } from "../openapi-common.ts";

const mediaLinkRoute = createRoute({
  method: "get",
  path: `${MEDIA_LINK_PATH}/{token}`,
  tags: ["Speech"],
  summary: "Media behind a signed link (public; the token is the credential)",
  description:
    "Links the server hands to services that fetch media by URL and send no credentials: a reply's audio " +
    "sent as an MMS is fetched by Twilio from here. A token names one stored audio of one conversation and " +
    "expires after a day; it opens nothing else. 404 when the token is not valid or its audio is gone " +
    "(the conversation or message was deleted), 410 when it has expired.",
  security: [],
  request: {
    params: z.object({
      token: z
        .string()
        .min(1)
        .max(2000)
        .openapi({ param: { name: "token", in: "path" } }),
    }),
  },
  responses: {
    200: {
      description: "The media",
      content: {
        "audio/mpeg": { schema: z.string().openapi({ format: "binary" }) },
        "audio/wav": { schema: z.string().openapi({ format: "binary" }) },
      },
    },
    ...problemResponses(404, 410),
  },
});

export function mediaLinkRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();
  router.openapi(mediaLinkRoute, async (c) => {
    const { token } = c.req.valid("param");
    const services = c.var.services;
    const audio = await services.speech.openLinkedAudio(services.mediaLinks.open(token));
    return c.body(audio.bytes as Uint8Array<ArrayBuffer>, 200, {
      "content-type": audio.contentType,
      "content-length": String(audio.bytes.length),
      "cache-control": "private, max-age=3600",
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'; sandbox",
    }) as never;
  });
  return router;
}
