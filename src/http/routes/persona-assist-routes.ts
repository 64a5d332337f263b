import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { ASSIST_TASKS } from "../../services/persona-assist.ts";
import type { AppEnv } from "../app-env.ts";
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

export function personaAssistRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();
  router.openapi(assistRoute, async (c) =>
    c.json(await c.var.services.personaAssist.run(c.var.principal.tenantId, c.req.valid("json")), 200),
  );
  return router;
}
