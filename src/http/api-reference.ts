import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { Hono, type MiddlewareHandler } from "hono";

const require = createRequire(import.meta.url);

/** Swagger UI assets come from the swagger-ui-dist package, so /docs works with no internet. */
const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Dramatis API reference</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="api-reference"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/start.js"></script>
</body>
</html>`;

// Kept out of the page so a strict Content-Security-Policy (no inline script) still allows it.
const START_SCRIPT = `window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#api-reference",
  deepLinking: true,
  // The key typed into Authorize stays in this page's memory, never in the browser's storage.
  persistAuthorization: false,
  tryItOutEnabled: true
});`;

/**
 * The page holds an API key once someone authorises, so it must not be framed (clickjacking) nor run
 * anything but its own scripts; Swagger UI sets inline styles and uses data: images.
 */
export const API_REFERENCE_HEADERS: Record<string, string> = {
  "content-security-policy": [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; "),
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/** The interactive API reference at /docs, rendering /openapi.json. */
export function apiReferenceRoutes(): Hono {
  const router = new Hono();
  const directory = path.dirname(require.resolve("swagger-ui-dist/package.json"));
  const cache = new Map<string, Buffer>();

  router.use("/docs", setHeaders);
  router.use("/docs/*", setHeaders);
  router.get("/docs", (c) => c.html(PAGE));
  router.get("/docs/assets/start.js", (c) =>
    c.body(START_SCRIPT, 200, { "content-type": "text/javascript; charset=utf-8" }),
  );
  router.get("/docs/assets/:file", (c) => {
    const file = c.req.param("file");
    const contentType = ASSETS[file];
    if (!contentType) return c.notFound();
    let content = cache.get(file);
    if (!content) {
      content = fs.readFileSync(path.join(directory, file));
      cache.set(file, content);
    }
    return c.body(new Uint8Array(content), 200, {
      "content-type": contentType,
      "cache-control": "public, max-age=86400",
    });
  });
  return router;
}

const setHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  for (const [name, value] of Object.entries(API_REFERENCE_HEADERS)) c.res.headers.set(name, value);
};
