import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { withIdempotencyKey } from "../idempotency.ts";
import { userPersonaInputSchema, userPersonaPatchSchema } from "../schemas/user-persona-schemas.ts";
import type { AppEnv } from "../app-env.ts";
import { requireUser } from "../auth.ts";
import {
  idParamSchema,
  jsonBody,
  jsonContent,
  pageQuerySchema,
  pageSchema,
  problemResponses,
  userHeaderSchema,
} from "../openapi-common.ts";

const userPersonaSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    avatar_url: z.string().nullable(),
    is_active: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("UserPersona");

const tags = ["User personas"];
const headers = userHeaderSchema;

const listRoute = createRoute({
  method: "get",
  path: "/v1/user-personas",
  tags,
  summary: "List the user's personas",
  request: { headers, query: pageQuerySchema },
  responses: {
    200: jsonContent(pageSchema(userPersonaSchema, "UserPersonaPage"), "A page of user personas"),
    ...problemResponses(422),
  },
});

const createUserPersonaRoute = createRoute(
  withIdempotencyKey({
    method: "post",
    path: "/v1/user-personas",
    tags,
    summary: "Create a user persona",
    request: { headers, body: jsonBody(userPersonaInputSchema) },
    responses: { 201: jsonContent(userPersonaSchema, "The new user persona"), ...problemResponses(413, 422) },
  }),
);

const getActiveRoute = createRoute({
  method: "get",
  path: "/v1/user-personas/active",
  tags,
  summary: "The active user persona (404 when the user has none: No Persona)",
  request: { headers },
  responses: { 200: jsonContent(userPersonaSchema, "The active user persona"), ...problemResponses(404) },
});

const setActiveRoute = createRoute({
  method: "put",
  path: "/v1/user-personas/active/{id}",
  tags,
  summary: "Make a user persona the active one",
  request: { headers, params: idParamSchema },
  responses: { 200: jsonContent(userPersonaSchema, "The now active user persona"), ...problemResponses(404) },
});

const clearActiveRoute = createRoute({
  method: "delete",
  path: "/v1/user-personas/active",
  tags,
  summary: "Switch to No Persona",
  request: { headers },
  responses: { 200: jsonContent(z.object({ status: z.literal("cleared") }), "No user persona is active") },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/user-personas/{id}",
  tags,
  summary: "Get a user persona",
  request: { headers, params: idParamSchema },
  responses: { 200: jsonContent(userPersonaSchema, "The user persona"), ...problemResponses(404) },
});

const patchRoute = createRoute({
  method: "patch",
  path: "/v1/user-personas/{id}",
  tags,
  summary: "Edit a user persona",
  request: { headers, params: idParamSchema, body: jsonBody(userPersonaPatchSchema) },
  responses: { 200: jsonContent(userPersonaSchema, "The user persona"), ...problemResponses(404, 413, 422) },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/user-personas/{id}",
  tags,
  summary: "Delete a user persona (if active, the user is left with No Persona)",
  request: { headers, params: idParamSchema },
  responses: { 204: { description: "Deleted" }, ...problemResponses(404) },
});

export function userPersonaRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();
  const service = (c: { var: AppEnv["Variables"] }) => c.var.services.userPersonas;

  router.openapi(listRoute, async (c) => {
    const { limit, after } = c.req.valid("query");
    const page = await service(c).list(await requireUser(c), { limit, after });
    return c.json({ data: page.items, next_cursor: page.nextCursor }, 200);
  });

  router.openapi(createUserPersonaRoute, async (c) =>
    c.json(await service(c).create(await requireUser(c), c.req.valid("json")), 201),
  );

  router.openapi(getActiveRoute, async (c) => c.json(await service(c).getActive(await requireUser(c)), 200));

  router.openapi(setActiveRoute, async (c) =>
    c.json(await service(c).setActive(await requireUser(c), c.req.valid("param").id), 200),
  );

  router.openapi(clearActiveRoute, async (c) => {
    await service(c).clearActive(await requireUser(c));
    return c.json({ status: "cleared" as const }, 200);
  });

  router.openapi(getRoute, async (c) =>
    c.json(await service(c).get(await requireUser(c), c.req.valid("param").id), 200),
  );

  router.openapi(patchRoute, async (c) =>
    c.json(await service(c).update(await requireUser(c), c.req.valid("param").id, c.req.valid("json")), 200),
  );

  router.openapi(deleteRoute, async (c) => {
    await service(c).delete(await requireUser(c), c.req.valid("param").id);
    return c.body(null, 204);
  });

  return router;
}
