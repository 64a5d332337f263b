import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { withIdempotencyKey } from "../idempotency.ts";
import { answerSpecSchema, scoringSchema } from "../schemas/research-schemas.ts";
import { skillInputSchema, skillPatchSchema } from "../schemas/research-schemas.ts";
import type { AppEnv } from "../app-env.ts";
import {
  idParamSchema,
  jsonBody,
  jsonContent,
  pageQuerySchema,
  pageSchema,
  problemResponses,
} from "../openapi-common.ts";

export const skillSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    prompt: z.string(),
    answer: answerSpecSchema,
    scoring: scoringSchema.nullable(),
    context: z.record(z.string(), z.unknown()),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Skill");

const tags = ["Research"];

const listRoute = createRoute({
  method: "get",
  path: "/v1/skills",
  tags,
  summary: "List skills (questions with a typed answer)",
  request: { query: pageQuerySchema },
  responses: {
    200: jsonContent(pageSchema(skillSchema, "SkillPage"), "A page of skills"),
    ...problemResponses(422),
  },
});

const createSkillRoute = createRoute(
  withIdempotencyKey({
    method: "post",
    path: "/v1/skills",
    tags,
    summary: "Create a skill: a prompt template and an answer schema, with scoring rules",
    request: { body: jsonBody(skillInputSchema) },
    responses: { 201: jsonContent(skillSchema, "The new skill"), ...problemResponses(413, 422) },
  }),
);

const getRoute = createRoute({
  method: "get",
  path: "/v1/skills/{id}",
  tags,
  summary: "A skill",
  request: { params: idParamSchema },
  responses: { 200: jsonContent(skillSchema, "The skill"), ...problemResponses(404) },
});

const patchRoute = createRoute({
  method: "patch",
  path: "/v1/skills/{id}",
  tags,
  summary: "Change a skill (studies keep the copy they were created with)",
  request: { params: idParamSchema, body: jsonBody(skillPatchSchema) },
  responses: { 200: jsonContent(skillSchema, "The skill"), ...problemResponses(404, 413, 422) },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/skills/{id}",
  tags,
  summary: "Delete a skill",
  request: { params: idParamSchema },
  responses: { 204: { description: "Deleted" }, ...problemResponses(404) },
});

export function skillRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();
  router.openapi(listRoute, async (c) => {
    const page = await c.var.services.skills.list(c.var.principal.tenantId, c.req.valid("query"));
    return c.json({ data: page.items, next_cursor: page.nextCursor }, 200);
  });
  router.openapi(createSkillRoute, async (c) =>
    c.json(await c.var.services.skills.create(c.var.principal.tenantId, c.req.valid("json")), 201),
  );
  router.openapi(getRoute, async (c) =>
    c.json(await c.var.services.skills.get(c.var.principal.tenantId, c.req.valid("param").id), 200),
  );
  router.openapi(patchRoute, async (c) =>
    c.json(
      await c.var.services.skills.update(
        c.var.principal.tenantId,
        c.req.valid("param").id,
        c.req.valid("json"),
      ),
      200,
    ),
  );
  router.openapi(deleteRoute, async (c) => {
    await c.var.services.skills.delete(c.var.principal.tenantId, c.req.valid("param").id);
    return c.body(null, 204);
  });
  return router;
}
