import { personaEditor } from "../auth.ts";
import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { withIdempotencyKey } from "../idempotency.ts";
import { cohortFilterSchema, cohortGeneratorSchema } from "../schemas/research-schemas.ts";
import { cohortInputSchema, cohortPatchSchema } from "../schemas/research-schemas.ts";
import type { AppEnv } from "../app-env.ts";
import {
  idParamSchema,
  jsonBody,
  jsonContent,
  pageQuerySchema,
  pageSchema,
  problemResponses,
} from "../openapi-common.ts";

export const cohortSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    kind: z.enum(["filter", "generator"]),
    filter: cohortFilterSchema.nullable(),
    generator: cohortGeneratorSchema.nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Cohort");

const previewSchema = z
  .object({
    matching: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "Personas a filter matches; null for a generator" }),
    sample: z.array(z.record(z.string(), z.unknown())).openapi({
      description: "Up to five matching personas, or five example seeds of a generator",
    }),
  })
  .openapi("CohortPreview");

const tags = ["Research"];

const listRoute = createRoute({
  method: "get",
  path: "/v1/cohorts",
  tags,
  summary: "List cohorts",
  request: { query: pageQuerySchema },
  responses: {
    200: jsonContent(pageSchema(cohortSchema, "CohortPage"), "A page of cohorts"),
    ...problemResponses(422),
  },
});

const createCohortRoute = createRoute(
  withIdempotencyKey({
    method: "post",
    path: "/v1/cohorts",
    tags,
    summary: "Create a cohort: a filter over personas, or a generator spec",
    request: { body: jsonBody(cohortInputSchema) },
    responses: { 201: jsonContent(cohortSchema, "The new cohort"), ...problemResponses(413, 422) },
  }),
);

const getRoute = createRoute({
  method: "get",
  path: "/v1/cohorts/{id}",
  tags,
  summary: "A cohort",
  request: { params: idParamSchema },
  responses: { 200: jsonContent(cohortSchema, "The cohort"), ...problemResponses(404) },
});

const previewRoute = createRoute({
  method: "get",
  path: "/v1/cohorts/{id}/preview",
  tags,
  summary: "How many personas a filter matches (and a few), or example seeds of a generator",
  request: { params: idParamSchema },
  responses: { 200: jsonContent(previewSchema, "The preview"), ...problemResponses(404) },
});

const patchRoute = createRoute({
  method: "patch",
  path: "/v1/cohorts/{id}",
  tags,
  summary: "Change a cohort (its rule only while no population uses it)",
  request: { params: idParamSchema, body: jsonBody(cohortPatchSchema) },
  responses: { 200: jsonContent(cohortSchema, "The cohort"), ...problemResponses(404, 409, 413, 422) },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/cohorts/{id}",
  tags,
  summary: "Delete a cohort (409 while a population uses it)",
  request: { params: idParamSchema },
  responses: { 204: { description: "Deleted" }, ...problemResponses(404, 409) },
});

export function cohortRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();
  router.openapi(listRoute, async (c) => {
    const page = await c.var.services.cohorts.list(c.var.principal.tenantId, c.req.valid("query"));
    return c.json({ data: page.items, next_cursor: page.nextCursor }, 200);
  });
  router.openapi(createCohortRoute, async (c) =>
    c.json(await c.var.services.cohorts.create(c.var.principal.tenantId, c.req.valid("json")), 201),
  );
  router.openapi(getRoute, async (c) =>
    c.json(await c.var.services.cohorts.get(c.var.principal.tenantId, c.req.valid("param").id), 200),
  );
  router.openapi(previewRoute, async (c) => {
    const preview = await c.var.services.cohorts.preview(personaEditor(c), c.req.valid("param").id);
    return c.json(preview as unknown as z.infer<typeof previewSchema>, 200);
  });
  router.openapi(patchRoute, async (c) =>
    c.json(
      await c.var.services.cohorts.update(
        c.var.principal.tenantId,
        c.req.valid("param").id,
        c.req.valid("json"),
      ),
      200,
    ),
  );
  router.openapi(deleteRoute, async (c) => {
    await c.var.services.cohorts.delete(c.var.principal.tenantId, c.req.valid("param").id);
    return c.body(null, 204);
  });
  return router;
}
