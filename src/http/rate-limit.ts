import type { Context, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import type { RateLimitDecision, RateLimits } from "../rate-limits/rate-limits.ts";
import type { ApiKeyPrincipal } from "../services/api-key-service.ts";
import { TooManyRequestsError } from "../errors/app-error.ts";
import type { AppEnv } from "./app-env.ts";
import { clientAddress } from "./client-address.ts";
import { handleError } from "./problem.ts";

/**
 * The rate-limit headers of draft-ietf-httpapi-ratelimit-headers (-09/-10): structured-field lists of
 * one policy item each, describing a token bucket. `RateLimit-Policy: "default";q=600;w=60` (a bucket of
 * q tokens refilled over w seconds) and `RateLimit: "default";r=599;t=1` (r whole tokens remain; the
 * bucket is full again in t seconds, or when empty the next token comes in t seconds). The policy is
 * `default`, `key` (the API key's own limit) or `anonymous` (per address).
 *
 * @example rateLimitHeaders(decision) // { "RateLimit-Policy": '"default";q=600;w=60', RateLimit: '"default";r=599;t=1' }
 */
export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  const name = `"${decision.policy}"`;
  return {
    "RateLimit-Policy": `${name};q=${decision.quota};w=${decision.windowSeconds}`,
    RateLimit: `${name};r=${decision.remaining};t=${decision.resetSeconds}`,
  };
}

function tooManyRequests(decision: RateLimitDecision): TooManyRequestsError {
  const who =
    decision.policy === "anonymous" ? "requests from your address" : "requests with these credentials";
  return new TooManyRequestsError(
    `rate limit reached: ${decision.quota} ${who} per ${decision.windowSeconds} seconds; ` +
      `try again in ${decision.resetSeconds} seconds`,
    decision.resetSeconds,
  );
}

function setHeaders(c: Context<AppEnv>, headers: Record<string, string>): void {
  try {
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  } catch {
    // A response with immutable headers (one passed through from fetch): copy it first.
    c.res = new Response(c.res.body, c.res);
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  }
}

/**
 * Outermost /v1 middleware: records the client address, and once the request is answered puts the
 * RateLimit headers on the response. A request that never reached `countRequests` (credentials refused,
 * body too large) is counted per address afterwards, so guessing keys is throttled like any anonymous
 * traffic, and answered 429 once the address is over its quota.
 */
export function rateLimitHeadersMiddleware(options: {
  limits: RateLimits;
  trustedProxyHops: number;
}): MiddlewareHandler<AppEnv> {
  return createMiddleware<AppEnv>(async (c, next) => {
    c.set("clientAddress", clientAddress(c, options.trustedProxyHops));
    await next();
    let decision = c.get("rateLimit");
    if (decision === undefined) {
      decision = await options.limits.consumeAnonymousRequest(c.var.clientAddress);
      if (!decision.allowed) c.res = handleError(tooManyRequests(decision), c, c.var.logger);
    }
    setHeaders(c, rateLimitHeaders(decision));
  });
}

/**
 * After authentication: counts the request against the API key (its own limit, else the default), the
 * signed-in account, or for the public endpoints (sign-in, webhooks) the client address; 429 with
 * Retry-After (seconds until the next token) when its bucket is empty.
 */
export function countRequests(limits: RateLimits): MiddlewareHandler<AppEnv> {
  return createMiddleware<AppEnv>(async (c, next) => {
    const principal = c.get("principal") as ApiKeyPrincipal | undefined;
    const decision = principal
      ? await limits.consumeRequest(`principal:${principal.keyId}`, {
          perMinute: principal.rateLimitPerMinute,
        })
      : await limits.consumeAnonymousRequest(c.var.clientAddress);
    c.set("rateLimit", decision);
    if (!decision.allowed) throw tooManyRequests(decision);
    await next();
  });
}
