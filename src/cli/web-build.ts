import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const WEB_DIRECTORY = fileURLToPath(new URL("../../web", import.meta.url));
const BUILT_INDEX = path.join(WEB_DIRECTORY, "dist", "index.html");

function newestModification(entry: string): number {
  const stat = fs.statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const child of fs.readdirSync(entry))
    newest = Math.max(newest, newestModification(path.join(entry, child)));
  return newest;
}

/** True when web/dist is missing or older than any web source. */
export function webBuildIsStale(): boolean {
  if (!fs.existsSync(BUILT_INDEX)) return true;
  const sources = ["src", "index.html", "vite.config.ts"].map((entry) => path.join(WEB_DIRECTORY, entry));
  const newestSource = Math.max(...sources.filter((entry) => fs.existsSync(entry)).map(newestModification));
  return newestSource > fs.statSync(BUILT_INDEX).mtimeMs;
}

/**
 * Builds the web app with Vite when its sources changed since the last build, so `npm start` always
 * serves what is checked out. Returns whether it built.
 */
export async function buildWebAppIfStale(options: { log?: (line: string) => void } = {}): Promise<boolean> {
  if (!webBuildIsStale()) return false;
  options.log?.("Building the web app (web/ → web/dist)…");
  const { build } = await import("vite");
  await build({ configFile: path.join(WEB_DIRECTORY, "vite.config.ts"), logLevel: "warn" });
  return true;
}
