import type { Context } from "hono";

/**
 * A visit to the web app's /personas screens rather than a TIE call: a GET (or HEAD) that carries no API
 * key and names no end user, and either asks for HTML (every browser navigation does, signed in or not) or
 * says nothing at all (no Accept, no cookie: a bare request, which reached the screen before these routes
 * existed). Everything else is the API: a TIE client's Bearer token, or a signed-in script's fetch with
 * Accept: application/json or *\/*.
 */
export function isWebAppVisit(c: Context): boolean {
  if (c.req.method !== "GET" && c.req.method !== "HEAD") return false;
  if (c.req.header("authorization") || c.req.header("x-api-key") || c.req.header("x-dramatis-user")) {
    return false;
  }
  const accept = c.req.header("accept");
  if (accept === undefined || accept.trim() === "") return c.req.header("cookie") === undefined;
  return /\btext\/html\b/i.test(accept);
}
