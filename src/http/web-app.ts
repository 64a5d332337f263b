import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { Hono, type Context, type Next } from "hono";
import { etag } from "hono/etag";
import { secureHeaders } from "hono/secure-headers";
import { serveStatic } from "hono/serve-static";

/** Where `npm run build:web` (and `npm start`) put the built web app. */
export const WEB_DIST_DIRECTORY = fileURLToPath(new URL("../../web/dist", import.meta.url));

/**
 * Strict: only the app's own scripts, styles and API; images may also be data:/blob: URLs (previews of
 * a picture being uploaded). No inline script or style elements, no framing, no plugins.
 */
const CONTENT_SECURITY_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", "data:", "blob:"],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** The Content-Security-Policy header every web app response carries (as secureHeaders writes it). */
export const WEB_CONTENT_SECURITY_POLICY = Object.entries(CONTENT_SECURITY_DIRECTIVES)
  .map(
    ([directive, sources]) =>
      `${directive.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${sources.join(" ")}`,
  )
  .join("; ");

/** Paths the server owns; everything else that is a GET is a screen of the single-page app. */
const SERVER_PATHS = /^\/(v1|healthz|metrics|openapi\.json|docs)(\/|$)/;

/** The files the build precompresses (vite.config.ts); their answer depends on Accept-Encoding. */
const COMPRESSIBLE_FILE = /\.(html|js|mjs|css|svg|json|txt|webmanifest|map)$/;

const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";

const NOT_BUILT_PAGE =
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Dramatis</title></head><body>` +
  `<h1>Dramatis</h1><p>The server is running, but the web app has not been built: run ` +
  `<code>npm run build:web</code> (<code>npm start</code> does it for you). Meanwhile see the ` +
  `<a href="/docs">API reference</a>.</p></body></html>`;

/**
 * Opens a file and streams it, with its validator (ETag from size and modification time, like nginx's)
 * and its length. One open file handle, so a file replaced by a rebuild in between is never half-read.
 * Null for anything that is not a regular file.
 */
async function readStaticFile(file: string, c: Context): Promise<ReadableStream | null> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, "r");
  } catch {
    return null;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      await handle.close();
      return null;
    }
    // Each encoding is a file of its own, so each gets its own validator.
    c.header("ETag", `"${Math.floor(stats.mtimeMs).toString(16)}-${stats.size.toString(16)}"`);
    c.header("Content-Length", String(stats.size));
    c.header("Last-Modified", stats.mtime.toUTCString());
    if (c.req.method === "HEAD") {
      await handle.close();
      return new ReadableStream({ start: (controller) => controller.close() });
    }
    return Readable.toWeb(handle.createReadStream()) as ReadableStream;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

async function isDirectory(entry: string): Promise<boolean> {
  const stats = await fs.promises.stat(entry).catch(() => undefined);
  return stats?.isDirectory() ?? false;
}

/** Cache-Control, and Vary on every compressible file (the identity answer too, for shared caches). */
function setCachingHeaders(file: string, c: Context, root: string): void {
  const immutable = file.startsWith(path.join(root, "assets") + path.sep);
  c.header("Cache-Control", immutable ? IMMUTABLE : REVALIDATE);
  if (COMPRESSIBLE_FILE.test(file)) c.header("Vary", "Accept-Encoding");
}

/**
 * Serves the built web app with hono's static middleware: files read asynchronously and streamed, the
 * precompressed `.br` / `.gz` twins the build writes when the client accepts them, ETags answered with
 * 304, hashed assets cached for a year, and index.html (never cached) for every other GET path so that
 * screens have shareable URLs. Every answer carries the strict security headers.
 */
export function webAppRoutes(directory: string = WEB_DIST_DIRECTORY): Hono {
  const router = new Hono();
  const root = path.resolve(directory);
  const shared = {
    root,
    precompressed: true,
    getContent: readStaticFile,
    isDir: isDirectory,
    join: path.join,
    onFound: (file: string, c: Context) => setCachingHeaders(file, c, root),
  };
  const serveAsset = serveStatic(shared);
  const serveIndex = serveStatic({ ...shared, path: "index.html" });

  const webAppOnly = (handler: (c: Context, next: Next) => Promise<Response | void>) => {
    return (c: Context, next: Next) => (SERVER_PATHS.test(c.req.path) ? next() : handler(c, next));
  };

  router.use(
    "*",
    webAppOnly(
      secureHeaders({
        contentSecurityPolicy: CONTENT_SECURITY_DIRECTIVES,
        xFrameOptions: "DENY",
        referrerPolicy: "same-origin",
        // TLS is the operator's reverse proxy's business; HSTS from here could pin a whole domain.
        strictTransportSecurity: false,
      }),
    ),
  );
  router.use("*", webAppOnly(etag()));
  router.get("*", webAppOnly(serveAsset));
  router.get(
    "*",
    webAppOnly(async (c, next) => {
      // A missing asset is a 404, not the app's HTML under a script's name.
      if (path.extname(c.req.path) !== "") return next();
      return serveIndex(c, async () => {
        c.res = c.html(NOT_BUILT_PAGE, 200, { "Cache-Control": REVALIDATE });
      });
    }),
  );
  return router;
}
