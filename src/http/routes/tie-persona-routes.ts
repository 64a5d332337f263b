import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import type { Context, Next } from "hono";
import { personaDefinitionSchema } from "../../domain/persona-definition.ts";
import { isWebAppVisit } from "../web-app-visit.ts";
import type { UserRow } from "../../store/schema.ts";
import type { AppEnv } from "../app-env.ts";
import { optionalUser, personaEditor } from "../auth.ts";
import { withIdempotencyKey } from "../idempotency.ts";
import { jsonBody, jsonContent, problemResponses, userHeaderSchema } from "../openapi-common.ts";

/*
 * TIE's personas API (GET/POST /personas, PUT/DELETE /personas/{persona_id}, the active persona), served
 * without a /v1 prefix so TIE clients work unchanged. Shapes only: TiePersonaService maps them onto
 * Dramatis personas. See docs/tie-compatibility.md.
 *
 * app.ts gives these paths the same middleware as /v1 (rate limits, body limit, authentication, the JSON
 * policy). The web app has screens under /personas too: a browser's visit (see isWebAppVisit) passes
 * through the middleware and these routes untouched to the web app mounted after them.
 */

const tags = ["TIE-compatible"];

/** Lets a web app visit through to the web app's routes and answers what they answered. */
async function handOnToWebApp(c: Context, next: Next): Promise<never> {
  await next();
  return c.res as never;
}

const tiePersonaSchema = z
  .object({
    id: z.string().openapi({ example: "psn_01jc8x7k3m9q2r4t6v8w0y2z4a" }),
    name: z.string().openapi({ example: "My Coach" }),
    description: z.string().openapi({
      description:
        "A preset's catalogue description; otherwise the persona's Character Card creator notes " +
        "(card.creator_notes, never sent to the model), or an empty string",
      example: "Life coaching persona",
    }),
    system_prompt: z.string().openapi({
      description:
        "The persona's base instructions for chat: chat_configuration.prompt when set, else system_message",
      example: "You are a supportive life coach...",
    }),
    is_preset: z.boolean(),
    is_active: z.boolean().openapi({ description: "Whether it is the end user's active persona" }),
    created_at: z.string().openapi({ example: "2026-03-20T10:00:00.000Z" }),
    updated_at: z.string().openapi({ example: "2026-03-20T10:00:00.000Z" }),
  })
  .openapi("TiePersona");

/** A required text field: "is required" when missing, then the persona definition's own rule for it. */
function requiredText(rule: z.ZodString) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") })
    .pipe(rule);
}

const MAX_DESCRIPTION = 8000;
const descriptionSchema = z
  .string({ error: "must be a string" })
  .max(MAX_DESCRIPTION, `must be at most ${MAX_DESCRIPTION} characters`)
  .openapi({ description: "Stored as the persona's card.creator_notes (never sent to the model)" });

const nameRule = personaDefinitionSchema.shape.name;
const systemPromptRule = personaDefinitionSchema.shape.system_message;

/** Unknown fields are ignored, as TIE (FastAPI) does. */
const createBodySchema = z
  .object({
    name: requiredText(nameRule).openapi({ type: "string", example: "Formal Writer" }),
    system_prompt: requiredText(systemPromptRule).openapi({
      type: "string",
      example: "You always write in a formal, professional tone.",
    }),
    description: descriptionSchema.optional(),
  })
  .openapi("TiePersonaCreate");

const updateBodySchema = z
  .object({
    name: requiredText(nameRule).optional().openapi({ type: "string", example: "Updated Name" }),
    system_prompt: requiredText(systemPromptRule)
      .optional()
      .openapi({ type: "string", example: "Updated prompt..." }),
    description: descriptionSchema.optional(),
  })
  .openapi("TiePersonaUpdate");

const personaIdParamSchema = z.object({
  persona_id: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: "persona_id", in: "path" }, example: "psn_01jc8x7k3m9q2r4t6v8w0y2z4a" }),
});

const activeSchema = z
  .object({ status: z.literal("active"), persona_id: z.string() })
  .openapi("TieActivePersona");
const clearedSchema = z.object({ status: z.literal("cleared") }).openapi("TieActivePersonaCleared");
const deletedSchema = z
  .object({ status: z.literal("deleted"), persona_id: z.string() })
  .openapi("TiePersonaDeleted");

const END_USER_NOTE =
  " The end user (whose active persona counts) is the signed-in person, else X-Dramatis-User, else the " +
  'tenant\'s "anonymous" user, exactly as /v1/chat/completions picks it.';

function tieRoutes() {
  return {
    list: createRoute({
      method: "get",
      path: "/personas",
      tags,
      summary: "Mirrors TIE's GET /personas: the presets and your custom personas, as a JSON array",
      description:
        "Same visibility as GET /v1/personas (without the personas research populations generated). A " +
        "browser's visit (Accept: text/html, no API key) gets the web app's /personas screen instead." +
        END_USER_NOTE,
      request: { headers: userHeaderSchema },
      responses: {
        200: jsonContent(z.array(tiePersonaSchema), "Presets first, then custom personas"),
        ...problemResponses(),
      },
    }),
    // Safe retries as on POST /v1/personas, for clients that send Idempotency-Key (TIE's do not need to).
    create: createRoute(
      withIdempotencyKey({
        method: "post",
        path: "/personas",
        tags,
        summary: "Mirrors TIE's POST /personas: create a persona from a name and a system prompt",
        description:
          "A Dramatis persona (like POST /v1/personas) whose system_message is system_prompt; it answers on " +
          "/v1/chat/completions at once (an unpublished persona serves its draft).",
        request: { headers: userHeaderSchema, body: jsonBody(createBodySchema) },
        responses: { 201: jsonContent(tiePersonaSchema, "The new persona"), ...problemResponses(413, 422) },
      }),
    ),
    getActive: createRoute({
      method: "get",
      path: "/personas/active",
      tags,
      summary: "Mirrors TIE's GET /personas/active: the active persona (404 when none)",
      description: "The same active persona as GET /v1/personas/active." + END_USER_NOTE,
      request: { headers: userHeaderSchema },
      responses: { 200: jsonContent(tiePersonaSchema, "The active persona"), ...problemResponses(404) },
    }),
    clearActive: createRoute({
      method: "delete",
      path: "/personas/active",
      tags,
      summary: "Mirrors TIE's DELETE /personas/active: no persona is active any more",
      description: "As DELETE /v1/personas/active." + END_USER_NOTE,
      request: { headers: userHeaderSchema },
      responses: { 200: jsonContent(clearedSchema, "Cleared"), ...problemResponses() },
    }),
    setActive: createRoute({
      method: "put",
      path: "/personas/active/{persona_id}",
      tags,
      summary: "Mirrors TIE's PUT /personas/active/{persona_id}: make a persona (or preset) the active one",
      description:
        "As PUT /v1/personas/active/{id}: /v1/chat/completions answers as it when a call names no persona." +
        END_USER_NOTE,
      request: { headers: userHeaderSchema, params: personaIdParamSchema },
      responses: { 200: jsonContent(activeSchema, "The active persona"), ...problemResponses(404) },
    }),
    update: createRoute({
      method: "put",
      path: "/personas/{persona_id}",
      tags,
      summary: "Mirrors TIE's PUT /personas/{persona_id}: change name, system prompt or description",
      description:
        "Edits the draft as PATCH /v1/personas/{id} does. 404 when the persona does not exist, is not yours " +
        "to change, or is a preset. A persona published with /v1/personas/{id}/publish keeps answering with " +
        "its production version until the draft is published.",
      request: { headers: userHeaderSchema, params: personaIdParamSchema, body: jsonBody(updateBodySchema) },
      responses: {
        200: jsonContent(tiePersonaSchema, "The updated persona"),
        ...problemResponses(404, 413, 422),
      },
    }),
    delete: createRoute({
      method: "delete",
      path: "/personas/{persona_id}",
      tags,
      summary: "Mirrors TIE's DELETE /personas/{persona_id}: delete a custom persona",
      description:
        "As DELETE /v1/personas/{id}. 404 when the persona does not exist, is not yours, or is a preset.",
      request: { headers: userHeaderSchema, params: personaIdParamSchema },
      responses: { 200: jsonContent(deletedSchema, "Deleted"), ...problemResponses(404) },
    }),
  };
}

/** As /v1/chat/completions picks it: the session's user, else X-Dramatis-User, else "anonymous". */
async function endUser(c: Context<AppEnv>): Promise<UserRow> {
  return (await optionalUser(c)) ?? c.var.services.users.resolve(c.var.principal.tenantId, "anonymous");
}

/**
 * TIE's personas endpoints. Mounted before the web app, whose screens under /personas stay reachable.
 *
 * @example app.route("/", tiePersonaRoutes({ rateLimits, trustedProxyHops: 0, bodyLimitBytes: 1 << 20 }))
 */
export function tiePersonaRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();
  const routes = tieRoutes();

  router.openapi(routes.list, async (c, next) => {
    if (isWebAppVisit(c)) return handOnToWebApp(c, next);
    const personas = await c.var.services.tiePersonas.list(personaEditor(c), await endUser(c));
    return c.json(personas, 200);
  });

  router.openapi(routes.create, async (c) => {
    const user = await optionalUser(c);
    const persona = await c.var.services.tiePersonas.create(
      { tenantId: c.var.principal.tenantId, userId: user?.id },
      c.req.valid("json"),
    );
    return c.json(persona, 201);
  });

  // The active persona's routes come before /personas/{persona_id}: "active" is never read as an id.
  router.openapi(routes.getActive, async (c, next) => {
    if (isWebAppVisit(c)) return handOnToWebApp(c, next);
    return c.json(await c.var.services.tiePersonas.getActive(await endUser(c), personaEditor(c)), 200);
  });

  router.openapi(routes.clearActive, async (c) => {
    await c.var.services.tiePersonas.clearActive(await endUser(c));
    return c.json({ status: "cleared" as const }, 200);
  });

  router.openapi(routes.setActive, async (c) => {
    const personaId = await c.var.services.tiePersonas.setActive(
      await endUser(c),
      c.req.valid("param").persona_id,
      personaEditor(c),
    );
    return c.json({ status: "active" as const, persona_id: personaId }, 200);
  });

  router.openapi(routes.update, async (c) => {
    const persona = await c.var.services.tiePersonas.update(
      personaEditor(c),
      await endUser(c),
      c.req.valid("param").persona_id,
      c.req.valid("json"),
    );
    return c.json(persona, 200);
  });

  router.openapi(routes.delete, async (c) => {
    const personaId = c.req.valid("param").persona_id;
    await c.var.services.tiePersonas.delete(personaEditor(c), personaId);
    return c.json({ status: "deleted" as const, persona_id: personaId }, 200);
  });

  return router;
}
