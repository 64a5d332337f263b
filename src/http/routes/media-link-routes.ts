import { Readable } from "node:stream";
import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { MEDIA_LINK_PATH } from "../../services/media-links.ts";
import type { AppEnv } from "../app-env.ts";
import { problemResponses } from "../openapi-common.ts";

const binary = { schema: z.string().openapi({ format: "binary" }) };

const mediaLinkRoute = createRoute({
  method: "get",
  path: `${MEDIA_LINK_PATH}/{token}`,
  tags: ["Speech"],
  summary: "Media behind a signed link (public; the token is the credential)",
  description:
    "Links the server hands to services that fetch media by URL and send no credentials: a reply's audio " +
    "or a persona's picture or video sent as an MMS is fetched by Twilio from here. A token names one " +
    "stored audio of one conversation, or one picture or video, and expires after a day; it opens nothing " +
    "else. 404 when the token is not valid or what it names is gone (the conversation, message or picture " +
    "was deleted), 410 when it has expired.",
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
        "audio/mpeg": binary,
        "audio/wav": binary,
        "image/png": binary,
        "image/jpeg": binary,
        "image/webp": binary,
        "video/mp4": binary,
      },
    },
    ...problemResponses(404, 410),
  },
});

/** What every answer of a link carries: nothing a browser would run, kept privately for an hour. */
const LINK_HEADERS = {
  "cache-control": "private, max-age=3600",
  "x-content-type-options": "nosniff",
  "content-security-policy": "default-src 'none'; sandbox",
};

export function mediaLinkRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();
  router.openapi(mediaLinkRoute, async (c) => {
    const { token } = c.req.valid("param");
    const services = c.var.services;
    const target = services.mediaLinks.open(token);
    if (target.kind === "media") {
      const media = await services.media.openLinkedMedia(target);
      return c.body(Readable.toWeb(media.stream) as ReadableStream<Uint8Array>, 200, {
        ...LINK_HEADERS,
        "content-type": media.contentType,
        "content-length": String(media.size),
      }) as never;
    }
    const audio = await services.speech.openLinkedAudio(target);
    return c.body(audio.bytes as Uint8Array<ArrayBuffer>, 200, {
      ...LINK_HEADERS,
      "content-type": audio.contentType,
      "content-length": String(audio.bytes.length),
    }) as never;
  });
  return router;
}
