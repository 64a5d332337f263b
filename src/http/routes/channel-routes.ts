import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { jsonContent, problemResponses } from "../openapi-common.ts";
import { TWILIO_SMS_WEBHOOK_PATH } from "./sms-routes.ts";
import { WHATSAPP_WEBHOOK_PATH } from "./whatsapp-routes.ts";

const channelSchema = z.object({
  enabled: z.boolean().openapi({ description: "whether the operator configured it on this server" }),
  webhook_path: z.string().openapi({ description: "where the provider posts, below the server's address" }),
});

const channelsRoute = createRoute({
  method: "get",
  path: "/v1/channels",
  tags: ["Channels"],
  summary: "Which messaging channels this server has set up (SMS, WhatsApp, web push)",
  responses: {
    200: jsonContent(
      z
        .object({
          sms: channelSchema,
          whatsapp: channelSchema,
          push: z.object({ enabled: z.boolean() }),
        })
        .openapi("Channels"),
      "The channels",
    ),
    ...problemResponses(),
  },
});

/** What the web app asks before it offers a channel: is it set up here, and where do webhooks go. */
export function channelRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();
  router.openapi(channelsRoute, (c) =>
    c.json(
      {
        sms: { enabled: c.var.services.sms.configured, webhook_path: TWILIO_SMS_WEBHOOK_PATH },
        whatsapp: { enabled: c.var.services.whatsapp.configured, webhook_path: WHATSAPP_WEBHOOK_PATH },
        // Web push needs no provider account: the server's own VAPID key is enough.
        push: { enabled: true },
      },
      200,
    ),
  );
  return router;
}
