import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { PERSONA_MODEL_PREFIX } from "../../services/chat-completion-service.ts";
import type { AppEnv } from "../app-env.ts";
import { personaEditor } from "../auth.ts";
import { jsonContent } from "../openapi-common.ts";

/* OpenAI's model routes: personas (and models) as OpenAI clients list and look them up. */

const modelsRoute = createRoute({
  method: "get",
  path: "/v1/models",
  tags: ["OpenAI-compatible"],
  summary: "Personas (as persona/<id>) and configured models, in OpenAI's list format",
  responses: {
    200: jsonContent(
      z
        .object({
          object: z.literal("list"),
          data: z.array(
            z.object({
              id: z.string(),
              object: z.literal("model"),
              created: z.number().int(),
              owned_by: z.string(),
              name: z.string().optional(),
            }),
          ),
        })
        .openapi("ModelList"),
      "Models",
    ),
  },
});

export function openAIModelRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();

  router.openapi(modelsRoute, async (c) => {
    const created = Math.floor(c.var.services.clock.now().getTime() / 1000);
    const personas = await c.var.services.personas.listAll(personaEditor(c));
    const models = await c.var.services.models.list(c.var.principal.tenantId);
    return c.json(
      {
        object: "list" as const,
        data: [
          ...personas.map((persona) => ({
            id: `${PERSONA_MODEL_PREFIX}${persona.id}`,
            object: "model" as const,
            created: Math.floor(Date.parse(persona.created_at) / 1000) || created,
            owned_by: persona.kind === "preset" ? "dramatis" : c.var.principal.tenantId,
            name: persona.name,
          })),
          ...models.map((model) => ({
            id: model.id,
            object: "model" as const,
            created,
            owned_by: model.provider,
          })),
        ],
      },
      200,
    );
  });

  return router;
}
