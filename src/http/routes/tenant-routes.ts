import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { ForbiddenError } from "../../errors/app-error.ts";
import type { AppEnv } from "../app-env.ts";
import { requireScope } from "../auth.ts";
import { jsonBody, jsonContent, problemResponses } from "../openapi-common.ts";

const tenantSchema = z
  .object({ id: z.string(), name: z.string(), is_operator: z.boolean(), created_at: z.string() })
  .openapi("Tenant");

const tags = ["Tenants"];

const currentRoute = createRoute({
  method: "get",
  path: "/v1/tenant",
  tags,
  summary: "The tenant this API key belongs to",
  responses: { 200: jsonContent(tenantSchema, "The tenant"), ...problemResponses() },
});

const createTenantRoute = createRoute({
  method: "post",
  path: "/v1/tenants",
  tags,
  summary: "Create a tenant with its first admin key (operator tenant's admins only)",
  middleware: [requireScope("admin")],
  request: {
    body: jsonBody(z.strictObject({ name: z.string().trim().min(1, "must not be empty").max(100) })),
  },
  responses: {
    201: jsonContent(
      z.object({ tenant: tenantSchema, admin_key: z.string() }).openapi("TenantCreated"),
      "The tenant and its admin key, shown once",
    ),
    ...problemResponses(413, 422),
  },
});

export function tenantRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();

  router.openapi(currentRoute, async (c) =>
    c.json(await c.var.services.tenants.get(c.var.principal.tenantId), 200),
  );

  router.openapi(createTenantRoute, async (c) => {
    const current = await c.var.services.tenants.get(c.var.principal.tenantId);
    if (!current.is_operator)
      throw new ForbiddenError("only the operator tenant's admins can create tenants");
    const { tenant, adminKey } = await c.var.services.tenants.create(c.req.valid("json").name);
    return c.json({ tenant, admin_key: adminKey }, 201);
  });

  return router;
}
