import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { sameText, scopesForRole } from "../services/account-service.ts";
import { scopesAllow, type ApiKeyScope } from "../services/api-key-service.ts";
import { BadRequestError, ForbiddenError, UnauthorizedError } from "../errors/app-error.ts";
import { USER_HEADER } from "../services/user-service.ts";
import { MEDIA_LINK_PATH } from "../services/media-links.ts";
import type { PersonaEditor } from "../services/persona-editor.ts";
import type { UserRow } from "../store/schema.ts";
import type { AppEnv } from "./app-env.ts";

function presentedKey(c: Context): string | undefined {
  const authorization = c.req.header("authorization");
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw new UnauthorizedError("the Authorization header must be 'Bearer <API key>'");
    return match[1];
  }
  return c.req.header("x-api-key")?.trim() || undefined;
}

/** Reading needs `read`; anything that changes state needs `write`. Routes may ask for more. */
function scopeForMethod(method: string): ApiKeyScope {
  return method === "GET" || method === "HEAD" || method === "OPTIONS" ? "read" : "write";
}

export const SESSION_COOKIE = "dramatis_session";
export const CSRF_HEADER = "X-CSRF-Token";

/**
 * Endpoints anyone may call: signing in and first-start setup, and provider webhooks, which prove
 * their origin with a signature instead (Twilio's X-Twilio-Signature, Meta's X-Hub-Signature-256; Meta's
 * verification handshake proves it with the verify token).
 */
const PUBLIC_PATHS = new Set([
  "/v1/auth/status",
  "/v1/auth/setup",
  "/v1/auth/login",
  "/v1/channels/twilio/sms",
  "/v1/twilio/voice",
  "/v1/twilio/voice/status",
  "/v1/channels/whatsapp",
]);

/** Prefixes of paths anyone may GET: signed links, whose token is the credential (media-links.ts). */
const PUBLIC_PREFIXES = [`${MEDIA_LINK_PATH}/`];

function isPublic(method: string, path: string): boolean {
  if (PUBLIC_PATHS.has(path)) return true;
  return (method === "GET" || method === "HEAD") && PUBLIC_PREFIXES.some((prefix) => path.startsWith(prefix));
}

function isSafeMethod(method: string): boolean {
  return method === "GET" || method === "HEAD" || method === "OPTIONS";
}

/**
 * Authenticates an API key, or else a web session cookie, and checks the scope the HTTP method needs.
 * A session acts as its account's user with the account's role; state-changing requests made with a
 * session must echo its CSRF token, since browsers attach cookies to cross-site requests.
 */
export const authenticate: MiddlewareHandler<AppEnv> = createMiddleware<AppEnv>(async (c, next) => {
  if (isPublic(c.req.method, c.req.path)) return next();
  const key = presentedKey(c);
  const needed = scopeForMethod(c.req.method);
  if (key !== undefined) {
    const principal = await c.var.services.apiKeys.authenticate(key);
    if (!scopesAllow(principal.scopes, needed)) {
      throw new ForbiddenError(`this API key lacks the '${needed}' scope`);
    }
    c.set("principal", principal);
    return next();
  }
  const sessionToken = getCookie(c, SESSION_COOKIE);
  const signedIn = sessionToken ? await c.var.services.accounts.authenticate(sessionToken) : undefined;
  if (!sessionToken || !signedIn) {
    throw new UnauthorizedError(
      "sign in, or send an API key: 'Authorization: Bearer <key>' or 'x-api-key: <key>'",
    );
  }
  if (!isSafeMethod(c.req.method)) {
    const presented = c.req.header(CSRF_HEADER);
    if (!presented || !sameText(presented, signedIn.csrfToken)) {
      throw new ForbiddenError(`a signed-in request that changes state must send the ${CSRF_HEADER} header`);
    }
  }
  const { account } = signedIn;
  const scopes = scopesForRole(account.role);
  if (!scopesAllow(scopes, needed)) throw new ForbiddenError(`your role lacks the '${needed}' permission`);
  c.set("principal", { tenantId: account.tenant_id, keyId: `session:${account.id}`, scopes });
  c.set("account", account);
  c.set("sessionToken", sessionToken);
  c.set("csrfToken", signedIn.csrfToken);
  // Routes declare X-Dramatis-User for API keys; a signed-in person is always their own user (whose
  // external id is their email): requireUser/optionalUser answer the account's user and never read the
  // header or a body's `user` for a session. The header is overwritten too, so nothing downstream that
  // reads it can be steered by the browser.
  c.req.raw.headers.set(USER_HEADER, account.email);
  await next();
});

/** Route middleware for operations that need more than the method implies (e.g. managing keys). */
export function requireScope(scope: ApiKeyScope): MiddlewareHandler<AppEnv> {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!scopesAllow(c.var.principal.scopes, scope)) {
      throw new ForbiddenError(
        c.var.account
          ? `this operation needs the admin role`
          : `this operation needs an API key with the '${scope}' scope`,
      );
    }
    await next();
  });
}

/**
 * The signed-in person's own user: a session is pinned to its account's user, whatever the request
 * names. Undefined for API-key requests, which act as the tenant and may name any of its users.
 */
async function sessionUser(c: Context<AppEnv>): Promise<UserRow | undefined> {
  const account = c.var.account;
  if (!account) return undefined;
  const user = await c.var.services.store.users.findById(account.tenant_id, account.user_id);
  // An account always has its user (created with it); resolving by email is the same user.
  return user ?? c.var.services.users.resolve(account.tenant_id, account.email);
}

/**
 * The end user the request acts for. A signed-in session is always its own user: `X-Dramatis-User` and
 * any `user` field in the body are ignored. An API key acts as the tenant and names the user with the
 * header (or `named`, a body's `user` field, which wins over the header). 400 when a key names none.
 */
export async function requireUser(c: Context<AppEnv>, named?: string): Promise<UserRow> {
  const own = await sessionUser(c);
  if (own) return own;
  const user = await namedUser(c, named);
  if (user) return user;
  throw new BadRequestError(
    `this endpoint acts for an end user: send the ${USER_HEADER} header with their id`,
    [{ field: USER_HEADER, message: "required" }],
  );
}

/** The end user when the request names one (see requireUser), for endpoints where a user is optional. */
export async function optionalUser(c: Context<AppEnv>, named?: string): Promise<UserRow | undefined> {
  return (await sessionUser(c)) ?? namedUser(c, named);
}

/** Only API-key requests reach here: the body's `user`, else the header. */
async function namedUser(c: Context<AppEnv>, named: string | undefined): Promise<UserRow | undefined> {
  const externalId = named !== undefined && named.trim() !== "" ? named : c.req.header(USER_HEADER);
  if (externalId === undefined || externalId.trim() === "") return undefined;
  return c.var.services.users.resolve(c.var.principal.tenantId, externalId);
}

/**
 * Who changes personas in this request: a signed-in person (admins and members granted can_edit_all
 * change every persona, other members only their own), or an API key, which acts as the tenant.
 */
export function personaEditor(c: Context<AppEnv>): PersonaEditor {
  const account = c.var.account;
  if (!account) return { tenantId: c.var.principal.tenantId, userId: null, editsAll: true };
  return {
    tenantId: account.tenant_id,
    userId: account.user_id,
    editsAll: account.role === "admin" || account.can_edit_all,
  };
}
