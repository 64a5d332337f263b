import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { personaEditor, requireUser } from "../auth.ts";
import { idParamSchema, jsonContent, problemResponses, userHeaderSchema } from "../openapi-common.ts";

const tags = ["OpenAI-compatible"];
const activeSchema = z
  .object({ status: z.literal("active"), persona_id: z.string() })
  .openapi("ActivePersona");

const setRoute = createRoute({
  method: "put",
  path: "/v1/personas/active/{id}",
  tags,
  summary: "Make a persona the user's active one (used by /v1/chat/completions when a call names none)",
  request: { headers: userHeaderSchema, params: idParamSchema },
  responses: { 200: jsonContent(activeSchema, "The active persona"), ...problemResponses(404) },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/personas/active",
  tags,
  summary: "The user's active persona (404 when none)",
  request: { headers: userHeaderSchema },
  responses: { 200: jsonContent(activeSchema, "The active persona"), ...problemResponses(404) },
});

const clearRoute = createRoute({
  method: "delete",
  path: "/v1/personas/active",
  tags,
  summary: "Clear the user's active persona",
  request: { headers: userHeaderSchema },
  responses: { 200: jsonContent(z.object({ status: z.literal("cleared") }), "No persona is active") },
});

/** Registered before the persona routes, so `active` is never taken for a persona id. */
export function activePersonaRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();
  router.openapi(setRoute, async (c) => {
    const personaId = await c.var.services.chatCompletions.setActivePersona(
      await requireUser(c),
      c.req.valid("param").id,
      personaEditor(c),
    );
    return c.json({ status: "active" as const, persona_id: personaId }, 200);
  });
  router.openapi(getRoute, async (c) => {
    const personaId = await c.var.services.chatCompletions.getActivePersonaId(
      await requireUser(c),
      personaEditor(c),
    );
    return c.json({ status: "active" as const, persona_id: personaId }, 200);
  });
  router.openapi(clearRoute, async (c) => {
    await c.var.services.chatCompletions.clearActivePersona(await requireUser(c));
    return c.json({ status: "cleared" as const }, 200);
  });
  return router;
}
