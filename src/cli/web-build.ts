import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { withFileLock } from "../lib/file-lock.ts";

const WEB_DIRECTORY = fileURLToPath(new URL("../../web", import.meta.url));
const BUILD_LOCK = path.join(WEB_DIRECTORY, ".build.lock");
/** Everything the build reads: the app, its static files, the page, the config and its plugins. */
const WEB_SOURCES = ["src", "public", "build", "index.html", "vite.config.ts", "tsconfig.json"];

function newestModification(entry: string): number {
  const stat = fs.statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const child of fs.readdirSync(entry))
    newest = Math.max(newest, newestModification(path.join(entry, child)));
  return newest;
}

/** True when web/dist is missing or older than any web source (web/public included). */
export function webBuildIsStale(webDirectory: string = WEB_DIRECTORY): boolean {
  const builtIndex = path.join(webDirectory, "dist", "index.html");
  if (!fs.existsSync(builtIndex)) return true;
  const sources = WEB_SOURCES.map((entry) => path.join(webDirectory, entry)).filter((entry) =>
    fs.existsSync(entry),
  );
  const newestSource = Math.max(...sources.map(newestModification));
  return newestSource > fs.statSync(builtIndex).mtimeMs;
}

/**
 * Builds the web app (React's production bundle, precompressed) with Vite when its sources changed
 * since the last build, so `npm start` and the end-to-end tests always serve what is checked out.
 * Processes that start together build once: the others wait for the lock, then find it fresh.
 * Returns whether this call built.
 */
export async function buildWebAppIfStale(options: { log?: (line: string) => void } = {}): Promise<boolean> {
  if (!webBuildIsStale()) return false;
  return withFileLock(BUILD_LOCK, async () => {
    if (!webBuildIsStale()) return false;
    options.log?.("Building the web app (web/ → web/dist)…");
    const { build } = await import("vite");
    await build({
      configFile: path.join(WEB_DIRECTORY, "vite.config.ts"),
      mode: "production",
      logLevel: "warn",
    });
    return true;
  });
}
