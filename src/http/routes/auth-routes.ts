import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { PASSWORD_MIN_LENGTH, type SignedInSession } from "../../services/account-service.ts";
import { UnauthorizedError } from "../../errors/app-error.ts";
import type { AppEnv } from "../app-env.ts";
import { SESSION_COOKIE } from "../auth.ts";
import { jsonBody, jsonContent, problemResponses } from "../openapi-common.ts";
import { accountSchema } from "./account-routes.ts";

const sessionSchema = z
  .object({
    account: accountSchema,
    tenant: z.object({ id: z.string(), name: z.string() }),
    csrf_token: z
      .string()
      .openapi({ description: "Send as X-CSRF-Token on every request that changes state" }),
  })
  .openapi("Session");

const passwordField = z.string().max(200, "must be at most 200 characters");
const tags = ["Sign-in"];

const statusRoute = createRoute({
  method: "get",
  path: "/v1/auth/status",
  tags,
  summary: "Whether first-start setup is still to be done, and whether this browser is signed in",
  security: [],
  responses: {
    200: jsonContent(
      z.object({
        setup_required: z.boolean(),
        signed_in: z.boolean().openapi({ description: "Whether the request carries a live session cookie" }),
      }),
      "Setup and sign-in status",
    ),
  },
});

const setupRoute = createRoute({
  method: "post",
  path: "/v1/auth/setup",
  tags,
  summary: "Create the first admin with the setup token printed at first start; signs them in",
  security: [],
  request: {
    body: jsonBody(
      z.strictObject({
        setup_token: z.string().min(1, "required").max(200),
        email: z.string().max(200),
        password: passwordField.min(
          PASSWORD_MIN_LENGTH,
          `must be at least ${PASSWORD_MIN_LENGTH} characters`,
        ),
        name: z.string().max(100).default(""),
      }),
    ),
  },
  responses: { 201: jsonContent(sessionSchema, "Signed in as the new admin"), ...problemResponses(409, 422) },
});

const loginRoute = createRoute({
  method: "post",
  path: "/v1/auth/login",
  tags,
  summary: "Sign in with email and password; sets an httpOnly session cookie",
  security: [],
  request: {
    body: jsonBody(
      z.strictObject({ email: z.string().min(1, "required").max(200), password: passwordField }),
    ),
  },
  responses: { 200: jsonContent(sessionSchema, "Signed in"), ...problemResponses(422) },
});

const logoutRoute = createRoute({
  method: "post",
  path: "/v1/auth/logout",
  tags,
  summary: "Sign out of this session",
  responses: { 204: { description: "Signed out" }, ...problemResponses() },
});

const sessionRoute = createRoute({
  method: "get",
  path: "/v1/auth/session",
  tags,
  summary: "The signed-in account, its tenant and the CSRF token",
  responses: { 200: jsonContent(sessionSchema, "The session"), ...problemResponses() },
});

const passwordRoute = createRoute({
  method: "post",
  path: "/v1/auth/password",
  tags,
  summary: "Change your password; signs you out of every other session",
  request: {
    body: jsonBody(
      z.strictObject({
        current_password: passwordField,
        new_password: passwordField.min(
          PASSWORD_MIN_LENGTH,
          `must be at least ${PASSWORD_MIN_LENGTH} characters`,
        ),
      }),
    ),
  },
  responses: { 204: { description: "Changed" }, ...problemResponses(422) },
});

function requireSession(c: Context<AppEnv>) {
  const account = c.var.account;
  const token = c.var.sessionToken;
  if (!account || !token) throw new UnauthorizedError("this endpoint is for signed-in people, not API keys");
  return { account, token };
}

function isHttps(c: Context<AppEnv>): boolean {
  return new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https";
}

async function sessionBody(c: Context<AppEnv>, signedIn: Pick<SignedInSession, "account" | "csrfToken">) {
  const tenant = await c.var.services.tenants.get(signedIn.account.tenant_id);
  return {
    account: signedIn.account,
    tenant: { id: tenant.id, name: tenant.name },
    csrf_token: signedIn.csrfToken,
  };
}

function setSessionCookie(c: Context<AppEnv>, signedIn: SignedInSession): void {
  setCookie(c, SESSION_COOKIE, signedIn.token, {
    httpOnly: true,
    sameSite: "Strict",
    secure: isHttps(c),
    path: "/",
    expires: signedIn.expiresAt,
  });
}

export function authRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();

  // Lets the web app learn whether it is signed in without a 401 (which browsers log as an error).
  router.openapi(statusRoute, async (c) => {
    const token = getCookie(c, SESSION_COOKIE);
    const signedIn = token ? await c.var.services.accounts.authenticate(token) : undefined;
    return c.json(
      { setup_required: await c.var.services.accounts.setupRequired(), signed_in: signedIn !== undefined },
      200,
    );
  });

  router.openapi(setupRoute, async (c) => {
    const body = c.req.valid("json");
    const signedIn = await c.var.services.accounts.setup(body.setup_token, body, c.var.clientAddress);
    setSessionCookie(c, signedIn);
    return c.json(await sessionBody(c, signedIn), 201);
  });

  router.openapi(loginRoute, async (c) => {
    const body = c.req.valid("json");
    const signedIn = await c.var.services.accounts.signIn(body.email, body.password, c.var.clientAddress);
    setSessionCookie(c, signedIn);
    return c.json(await sessionBody(c, signedIn), 200);
  });

  router.openapi(logoutRoute, async (c) => {
    const { token } = requireSession(c);
    await c.var.services.accounts.signOut(token);
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.body(null, 204);
  });

  router.openapi(sessionRoute, async (c) => {
    const { account } = requireSession(c);
    // `authenticate` has just read the session; its CSRF token is in the context.
    return c.json(await sessionBody(c, { account, csrfToken: c.var.csrfToken ?? "" }), 200);
  });

  router.openapi(passwordRoute, async (c) => {
    const { account, token } = requireSession(c);
    const body = c.req.valid("json");
    await c.var.services.accounts.changePassword(
      account,
      { current: body.current_password, next: body.new_password },
      token,
    );
    return c.body(null, 204);
  });

  return router;
}
