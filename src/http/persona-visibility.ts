import { createMiddleware } from "hono/factory";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env.ts";
import { personaEditor } from "./auth.ts";

/** Paths under /v1/personas whose second segment is a fixed word, not a persona id. */
const NOT_PERSONA_IDS = new Set(["join", "generate", "assist"]);

/** `/v1/personas/{id}` and everything under it (versions, diff, card, avatar, memories, numbers, ...). */
export const PERSONA_PATH = /^\/v1\/personas\/([^/]+)(?:\/|$)/;

/**
 * Another member's private persona does not exist for a signed-in member, whatever lies under its path:
 * one check here, before any route under `/v1/personas/{id}` runs, so a route added later (media,
 * knowledge, tools) cannot forget it. The services check again on the paths they own (reads take a
 * PersonaViewer, writes a PersonaEditor); API keys act as the tenant and see every persona.
 */
export const hidePrivatePersonas: MiddlewareHandler<AppEnv> = createMiddleware<AppEnv>(async (c, next) => {
  const id = PERSONA_PATH.exec(c.req.path)?.[1];
  const editor = c.var.account ? personaEditor(c) : undefined;
  if (id !== undefined && editor && !editor.editsAll && !NOT_PERSONA_IDS.has(id)) {
    // Throws NotFoundError (a 404 problem document) for a private persona of another member; a missing
    // persona is left to the route, which says what it could not find.
    await c.var.services.personas.assertNotHidden(editor, id);
  }
  await next();
});
