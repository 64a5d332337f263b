import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { withIdempotencyKey } from "../idempotency.ts";
import {
  providerCapabilitiesSchema,
  providerInputSchema,
  providerPatchSchema,
} from "../schemas/provider-schemas.ts";
import type { AppEnv } from "../app-env.ts";
import { requireScope } from "../auth.ts";
import { idParamSchema, jsonBody, jsonContent, problemResponses } from "../openapi-common.ts";

export const providerSchema = z
  .object({
    id: z.string().nullable().openapi({ description: "null for a server-wide provider" }),
    name: z.string(),
    kind: z.string(),
    scope: z.enum(["tenant", "server"]),
    base_url: z.string().nullable(),
    has_api_key: z.boolean(),
    models: z.array(z.string()),
    /** as configured; null: each model follows its name */
    capabilities: providerCapabilitiesSchema.nullable(),
    created_at: z.string().nullable(),
    updated_at: z.string().nullable(),
  })
  .openapi("Provider");

const tags = ["Model providers"];
const adminOnly = [requireScope("admin")];

const listRoute = createRoute({
  method: "get",
  path: "/v1/providers",
  tags,
  summary: "Model providers: the server-wide ones and the tenant's own (keys are never returned)",
  responses: {
    200: jsonContent(z.object({ data: z.array(providerSchema) }), "Providers"),
    ...problemResponses(),
  },
});

const createProviderRoute = createRoute(
  withIdempotencyKey({
    method: "post",
    path: "/v1/providers",
    tags,
    summary:
      "Add a model provider for this tenant (OpenAI-compatible or Anthropic); its key is stored encrypted",
    middleware: adminOnly,
    request: { body: jsonBody(providerInputSchema) },
    responses: { 201: jsonContent(providerSchema, "The provider"), ...problemResponses(409, 413, 422) },
  }),
);

const getRoute = createRoute({
  method: "get",
  path: "/v1/providers/{id}",
  tags,
  summary: "One of the tenant's providers",
  request: { params: idParamSchema },
  responses: { 200: jsonContent(providerSchema, "The provider"), ...problemResponses(404) },
});

const patchRoute = createRoute({
  method: "patch",
  path: "/v1/providers/{id}",
  tags,
  summary: "Change a provider (api_key: null removes the key; capabilities: null clears them)",
  middleware: adminOnly,
  request: { params: idParamSchema, body: jsonBody(providerPatchSchema) },
  responses: { 200: jsonContent(providerSchema, "The provider"), ...problemResponses(404, 413, 422) },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/providers/{id}",
  tags,
  summary: "Remove a provider",
  middleware: adminOnly,
  request: { params: idParamSchema },
  responses: { 204: { description: "Removed" }, ...problemResponses(404) },
});

const modelsRoute = createRoute({
  method: "get",
  path: "/v1/providers/{id}/models",
  tags,
  summary:
    "The models a provider offers (its configured list, or the upstream's /models; empty when the upstream " +
    "cannot be reached or the outbound policy refuses it)",
  request: { params: idParamSchema },
  responses: {
    200: jsonContent(z.object({ data: z.array(z.string()) }), "Model ids, as provider/model"),
    ...problemResponses(404),
  },
});

export function providerRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();
  const service = (c: { var: AppEnv["Variables"] }) => c.var.services.providers;

  router.openapi(listRoute, async (c) =>
    c.json({ data: await service(c).list(c.var.principal.tenantId) }, 200),
  );
  router.openapi(createProviderRoute, async (c) =>
    c.json(await service(c).create(c.var.principal.tenantId, c.req.valid("json")), 201),
  );
  router.openapi(getRoute, async (c) =>
    c.json(await service(c).get(c.var.principal.tenantId, c.req.valid("param").id), 200),
  );
  router.openapi(patchRoute, async (c) =>
    c.json(
      await service(c).update(c.var.principal.tenantId, c.req.valid("param").id, c.req.valid("json")),
      200,
    ),
  );
  router.openapi(deleteRoute, async (c) => {
    await service(c).delete(c.var.principal.tenantId, c.req.valid("param").id);
    return c.body(null, 204);
  });
  router.openapi(modelsRoute, async (c) => {
    const { id } = c.req.valid("param");
    const provider = await service(c).get(c.var.principal.tenantId, id);
    const names = await service(c).listModels(c.var.principal.tenantId, id);
    return c.json({ data: names.map((name) => `${provider.name}/${name}`) }, 200);
  });
  return router;
}
