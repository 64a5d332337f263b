import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Hono, type Context } from "hono";

/** Where `npm run build:web` (and `npm start`) put the built web app. */
export const WEB_DIST_DIRECTORY = fileURLToPath(new URL("../../web/dist", import.meta.url));

/**
 * Strict: only the app's own scripts, styles and API; images may also be data:/blob: URLs (previews of
 * a picture being uploaded). No inline script or style elements, no framing, no plugins.
 */
export const WEB_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS = {
  "content-security-policy": WEB_CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "x-frame-options": "DENY",
};

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
};

/** Paths the server owns; everything else that is a GET is a screen of the single-page app. */
const SERVER_PATHS = /^\/(v1|healthz|metrics|openapi\.json|docs)(\/|$)/;

const NOT_BUILT_PAGE =
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Dramatis</title></head><body>` +
  `<h1>Dramatis</h1><p>The server is running, but the web app has not been built: run ` +
  `<code>npm run build:web</code> (<code>npm start</code> does it for you). Meanwhile see the ` +
  `<a href="/docs">API reference</a>.</p></body></html>`;

/**
 * Serves the built web app: hashed assets cached for a year, and index.html (never cached) for every
 * other GET path so that screens have shareable URLs.
 */
export function webAppRoutes(directory: string = WEB_DIST_DIRECTORY): Hono {
  const router = new Hono();
  const root = path.resolve(directory);

  const serveFile = (c: Context, file: string, cacheControl: string) => {
    const type = CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream";
    return c.body(new Uint8Array(fs.readFileSync(file)), 200, {
      ...SECURITY_HEADERS,
      "content-type": type,
      "cache-control": cacheControl,
    });
  };

  router.get("*", async (c, next) => {
    if (SERVER_PATHS.test(c.req.path)) return next();
    const index = path.join(root, "index.html");
    if (!fs.existsSync(index)) return c.html(NOT_BUILT_PAGE, 200, SECURITY_HEADERS);
    const requested = path.resolve(root, `.${decodeURIComponent(c.req.path)}`);
    const insideRoot = requested.startsWith(root + path.sep);
    if (insideRoot && fs.existsSync(requested) && fs.statSync(requested).isFile()) {
      const immutable = requested.startsWith(path.join(root, "assets") + path.sep);
      return serveFile(c, requested, immutable ? "public, max-age=31536000, immutable" : "no-cache");
    }
    // A missing asset is a 404, not the app's HTML under a script's name.
    if (path.extname(c.req.path) !== "") return next();
    return serveFile(c, index, "no-cache");
  });
  return router;
}
