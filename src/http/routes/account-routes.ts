import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { ACCOUNT_ROLES, PASSWORD_MIN_LENGTH } from "../../services/account-service.ts";
import type { AppEnv } from "../app-env.ts";
import { requireScope } from "../auth.ts";
import { idParamSchema, jsonBody, jsonContent, problemResponses } from "../openapi-common.ts";

const CAN_EDIT_ALL_DESCRIPTION =
  "Edit rights an admin grants: a member with can_edit_all may change (edit, publish, delete, avatar, " +
  "numbers, timeline memory) every persona of the tenant and cancel, resume or delete every study; " +
  "without it only the personas they created and the studies they started. Admins always may.";

export const accountSchema = z
  .object({
    id: z.string(),
    tenant_id: z.string(),
    user_id: z
      .string()
      .openapi({ description: "The user this person acts as; its X-Dramatis-User is the email" }),
    email: z.string(),
    name: z.string(),
    role: z.enum(ACCOUNT_ROLES),
    can_edit_all: z.boolean().openapi({ description: CAN_EDIT_ALL_DESCRIPTION }),
    created_at: z.string(),
  })
  .openapi("Account");

const tags = ["Accounts"];
const adminOnly = [requireScope("admin")];

const listRoute = createRoute({
  method: "get",
  path: "/v1/accounts",
  tags,
  summary: "List the tenant's web accounts",
  middleware: adminOnly,
  responses: {
    200: jsonContent(z.object({ data: z.array(accountSchema) }), "Accounts"),
    ...problemResponses(),
  },
});

const createAccountRoute = createRoute({
  method: "post",
  path: "/v1/accounts",
  tags,
  summary: "Add a person who signs in with email and password",
  middleware: adminOnly,
  request: {
    body: jsonBody(
      z
        .strictObject({
          email: z.string().max(200),
          password: z
            .string()
            .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
            .max(200, "must be at most 200 characters"),
          name: z.string().max(100).default(""),
          role: z.enum(ACCOUNT_ROLES).default("member"),
          can_edit_all: z.boolean().default(false).openapi({ description: CAN_EDIT_ALL_DESCRIPTION }),
        })
        .openapi("AccountCreate"),
    ),
  },
  responses: { 201: jsonContent(accountSchema, "The account"), ...problemResponses(409, 413, 422) },
});

const updateRoute = createRoute({
  method: "patch",
  path: "/v1/accounts/{id}",
  tags,
  summary: "Rename an account, change its role or edit rights, or set a new password",
  middleware: adminOnly,
  request: {
    params: idParamSchema,
    body: jsonBody(
      z.strictObject({
        name: z.string().max(100).optional(),
        role: z.enum(ACCOUNT_ROLES).optional(),
        can_edit_all: z.boolean().optional().openapi({ description: CAN_EDIT_ALL_DESCRIPTION }),
        password: z
          .string()
          .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
          .max(200, "must be at most 200 characters")
          .optional()
          .openapi({ description: "A new password (e.g. a forgotten one); ends the person's sessions" }),
      }),
    ),
  },
  responses: { 200: jsonContent(accountSchema, "The account"), ...problemResponses(404, 409, 422) },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/accounts/{id}",
  tags,
  summary: "Remove an account (its user and data stay)",
  middleware: adminOnly,
  request: { params: idParamSchema },
  responses: { 204: { description: "Removed" }, ...problemResponses(404, 409) },
});

export function accountRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();
  const tenantOf = (c: { var: AppEnv["Variables"] }) => c.var.principal.tenantId;

  router.openapi(listRoute, async (c) =>
    c.json({ data: await c.var.services.accounts.list(tenantOf(c)) }, 200),
  );

  router.openapi(createAccountRoute, async (c) =>
    c.json(await c.var.services.accounts.create(tenantOf(c), c.req.valid("json")), 201),
  );

  router.openapi(updateRoute, async (c) =>
    c.json(
      await c.var.services.accounts.update(tenantOf(c), c.req.valid("param").id, c.req.valid("json")),
      200,
    ),
  );

  router.openapi(deleteRoute, async (c) => {
    await c.var.services.accounts.remove(tenantOf(c), c.req.valid("param").id, c.var.account?.id ?? "");
    return c.body(null, 204);
  });

  return router;
}
