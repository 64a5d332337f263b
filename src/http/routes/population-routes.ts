import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { withIdempotencyKey } from "../idempotency.ts";
import { populationInputSchema } from "../schemas/research-schemas.ts";
import type { AppEnv } from "../app-env.ts";
import { optionalUser, personaEditor } from "../auth.ts";
import {
  idParamSchema,
  jsonBody,
  jsonContent,
  pageQuerySchema,
  pageSchema,
  problemResponses,
} from "../openapi-common.ts";

export const populationSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    size: z.number().int(),
    seed: z.string(),
    reference_date: z.string(),
    cohorts: z.array(
      z.object({
        cohort_id: z.string(),
        cohort_name: z.string(),
        kind: z.enum(["filter", "generator"]),
        proportion: z.number(),
        size: z.number().int(),
      }),
    ),
    status: z.enum(["generating", "ready", "failed"]),
    generated: z.number().int().openapi({ description: "Members created so far" }),
    job_id: z.string().nullable().openapi({ description: "The generation job (GET /v1/jobs/{id})" }),
    error: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Population");

const memberSchema = z
  .object({
    persona_id: z.string(),
    name: z.string(),
    age: z.number().int().nullable(),
    sex: z.string().nullable(),
    location: z.string().nullable(),
    occupation: z.string().nullable(),
    cohort_id: z.string(),
    cohort_name: z.string(),
    ordinal: z.number().int(),
  })
  .openapi("PopulationMember");

const tags = ["Research"];

const listRoute = createRoute({
  method: "get",
  path: "/v1/populations",
  tags,
  summary: "List populations",
  request: { query: pageQuerySchema },
  responses: {
    200: jsonContent(pageSchema(populationSchema, "PopulationPage"), "A page of populations"),
    ...problemResponses(422),
  },
});

const createPopulationRoute = createRoute(
  withIdempotencyKey({
    method: "post",
    path: "/v1/populations",
    tags,
    summary:
      "Create a population from cohorts in proportions; generated members are created in the background",
    request: { body: jsonBody(populationInputSchema) },
    responses: { 201: jsonContent(populationSchema, "The new population"), ...problemResponses(413, 422) },
  }),
);

const getRoute = createRoute({
  method: "get",
  path: "/v1/populations/{id}",
  tags,
  summary: "A population and how far its generation is",
  request: { params: idParamSchema },
  responses: { 200: jsonContent(populationSchema, "The population"), ...problemResponses(404) },
});

const membersRoute = createRoute({
  method: "get",
  path: "/v1/populations/{id}/members",
  tags,
  summary: "The population's personas with their cohort, in order",
  request: {
    params: idParamSchema,
    query: pageQuerySchema.extend({ cohort_id: z.string().max(200).optional() }),
  },
  responses: {
    200: jsonContent(pageSchema(memberSchema, "PopulationMemberPage"), "A page of members"),
    ...problemResponses(404, 422),
  },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/populations/{id}",
  tags,
  summary: "Delete a population and the personas it generated (409 while a study uses it)",
  request: { params: idParamSchema },
  responses: { 204: { description: "Deleted" }, ...problemResponses(404, 409) },
});

export function populationRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();
  router.openapi(listRoute, async (c) => {
    const page = await c.var.services.populations.list(c.var.principal.tenantId, c.req.valid("query"));
    return c.json({ data: page.items, next_cursor: page.nextCursor }, 200);
  });
  router.openapi(createPopulationRoute, async (c) => {
    const user = await optionalUser(c);
    return c.json(
      await c.var.services.populations.create(
        c.var.principal.tenantId,
        user?.id,
        c.req.valid("json"),
        personaEditor(c),
      ),
      201,
    );
  });
  router.openapi(getRoute, async (c) =>
    c.json(await c.var.services.populations.get(c.var.principal.tenantId, c.req.valid("param").id), 200),
  );
  router.openapi(membersRoute, async (c) => {
    const query = c.req.valid("query");
    const page = await c.var.services.populations.members(c.var.principal.tenantId, c.req.valid("param").id, {
      cohortId: query.cohort_id,
      after: query.after,
      limit: query.limit,
    });
    return c.json({ data: page.items, next_cursor: page.nextCursor }, 200);
  });
  router.openapi(deleteRoute, async (c) => {
    await c.var.services.populations.delete(c.var.principal.tenantId, c.req.valid("param").id);
    return c.body(null, 204);
  });
  return router;
}
