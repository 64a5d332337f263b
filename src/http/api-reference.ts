import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { Hono } from "hono";

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
  persistAuthorization: true,
  tryItOutEnabled: true
});`;

/** The interactive API reference at /docs, rendering /openapi.json. */
export function apiReferenceRoutes(): Hono {
  const router = new Hono();
  const directory = path.dirname(require.resolve("swagger-ui-dist/package.json"));
  const cache = new Map<string, Buffer>();

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
