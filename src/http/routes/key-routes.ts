import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { API_KEY_SCOPES, KEY_RATE_LIMIT_MAX } from "../../services/api-key-service.ts";
import type { AppEnv } from "../app-env.ts";
import { requireScope } from "../auth.ts";
import { idParamSchema, jsonBody, jsonContent, problemResponses } from "../openapi-common.ts";

export const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().openapi({ description: "The first characters of the key, to tell keys apart" }),
    scopes: z.array(z.enum(API_KEY_SCOPES)),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
    rate_limit_per_minute: z.number().int().nullable().openapi({
      description:
        "Requests per minute this key may make; null: the server's default (DRAMATIS_RATE_LIMIT_PER_MINUTE)",
    }),
  })
  .openapi("ApiKey");

const rateLimitField = z
  .number()
  .int("must be a whole number")
  .min(1, "must be at least 1")
  .max(KEY_RATE_LIMIT_MAX, `must be at most ${KEY_RATE_LIMIT_MAX}`)
  .nullable()
  .openapi({
    description:
      "Requests per minute for this key (reported as the `key` policy in RateLimit-Policy); null: the server's default",
    example: 60,
  });

const createKeySchema = z
  .strictObject({
    name: z.string().trim().min(1, "must not be empty").max(100),
    scopes: z
      .array(z.enum(API_KEY_SCOPES))
      .min(1, "must name at least one scope")
      .default(["read", "write"])
      .openapi({ description: "read, write, admin (each includes the ones before it)" }),
    rate_limit_per_minute: rateLimitField.optional(),
  })
  .openapi("ApiKeyCreate");

const updateKeySchema = z
  .strictObject({
    name: z.string().trim().min(1, "must not be empty").max(100).optional(),
    rate_limit_per_minute: rateLimitField.optional(),
  })
  .openapi("ApiKeyUpdate");

const tags = ["API keys"];
const adminOnly = [requireScope("admin")];

const listRoute = createRoute({
  method: "get",
  path: "/v1/keys",
  tags,
  summary: "List the tenant's API keys (never their secrets)",
  middleware: adminOnly,
  responses: {
    200: jsonContent(z.object({ data: z.array(apiKeySchema) }), "API keys"),
    ...problemResponses(),
  },
});

const createKeyRoute = createRoute({
  method: "post",
  path: "/v1/keys",
  tags,
  summary: "Create an API key; the key is in the response and never shown again",
  middleware: adminOnly,
  request: { body: jsonBody(createKeySchema) },
  responses: {
    201: jsonContent(
      apiKeySchema.extend({ key: z.string() }).openapi("ApiKeyCreated"),
      "The key, shown once",
    ),
    ...problemResponses(413, 422),
  },
});

const updateKeyRoute = createRoute({
  method: "patch",
  path: "/v1/keys/{id}",
  tags,
  summary: "Rename an API key or set its own rate limit (null: the server's default)",
  middleware: adminOnly,
  request: { params: idParamSchema, body: jsonBody(updateKeySchema) },
  responses: { 200: jsonContent(apiKeySchema, "The key"), ...problemResponses(404, 422) },
});

const revokeRoute = createRoute({
  method: "delete",
  path: "/v1/keys/{id}",
  tags,
  summary: "Revoke an API key (it stays listed, with revoked_at)",
  middleware: adminOnly,
  request: { params: idParamSchema },
  responses: { 200: jsonContent(apiKeySchema, "The revoked key"), ...problemResponses(404) },
});

export function keyRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();

  router.openapi(listRoute, async (c) =>
    c.json({ data: await c.var.services.apiKeys.list(c.var.principal.tenantId) }, 200),
  );

  router.openapi(createKeyRoute, async (c) => {
    const { key, summary } = await c.var.services.apiKeys.create(
      c.var.principal.tenantId,
      c.req.valid("json"),
    );
    return c.json({ ...summary, key }, 201);
  });

  router.openapi(updateKeyRoute, async (c) =>
    c.json(
      await c.var.services.apiKeys.update(
        c.var.principal.tenantId,
        c.req.valid("param").id,
        c.req.valid("json"),
      ),
      200,
    ),
  );

  router.openapi(revokeRoute, async (c) =>
    c.json(await c.var.services.apiKeys.revoke(c.var.principal.tenantId, c.req.valid("param").id), 200),
  );

  return router;
}
