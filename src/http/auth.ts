import type { Context, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { scopesAllow, type ApiKeyScope } from "../services/api-key-service.ts";
import { BadRequestError, ForbiddenError, UnauthorizedError } from "../services/errors.ts";
import { USER_HEADER } from "../services/user-service.ts";
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

/** Authenticates the API key and checks the scope the HTTP method needs. */
export const authenticate: MiddlewareHandler<AppEnv> = createMiddleware<AppEnv>(async (c, next) => {
  const key = presentedKey(c);
  if (key === undefined) {
    throw new UnauthorizedError(
      "an API key is required: send 'Authorization: Bearer <key>' or 'x-api-key: <key>'",
    );
  }
  const principal = await c.var.services.apiKeys.authenticate(key);
  const needed = scopeForMethod(c.req.method);
  if (!scopesAllow(principal.scopes, needed)) {
    throw new ForbiddenError(`this API key lacks the '${needed}' scope`);
  }
  c.set("principal", principal);
  await next();
});

/** Route middleware for operations that need more than the method implies (e.g. managing keys). */
export function requireScope(scope: ApiKeyScope): MiddlewareHandler<AppEnv> {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!scopesAllow(c.var.principal.scopes, scope)) {
      throw new ForbiddenError(`this operation needs an API key with the '${scope}' scope`);
    }
    await next();
  });
}

/** The end user named by `X-Dramatis-User`, created on first use; 400 when the header is missing. */
export async function requireUser(c: Context<AppEnv>): Promise<UserRow> {
  const externalId = c.req.header(USER_HEADER);
  if (externalId === undefined || externalId.trim() === "") {
    throw new BadRequestError(
      `this endpoint acts for an end user: send the ${USER_HEADER} header with their id`,
      [{ field: USER_HEADER, message: "required" }],
    );
  }
  return c.var.services.users.resolve(c.var.principal.tenantId, externalId);
}

/** The end user when the request names one, for endpoints where a user is optional. */
export async function optionalUser(c: Context<AppEnv>): Promise<UserRow | undefined> {
  const externalId = c.req.header(USER_HEADER);
  if (externalId === undefined || externalId.trim() === "") return undefined;
  return c.var.services.users.resolve(c.var.principal.tenantId, externalId);
}
