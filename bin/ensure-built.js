#!/usr/bin/env node
/*
 * Compiles the server and the CLI (src/ -> dist/, and the SDK workspace sdk/src -> sdk/dist when it exists)
 * once, so `dramatis` runs JavaScript instead of transpiling TypeScript at every start. Run by
 * `npm install` (the `prepare` script) and by bin/dramatis.js before every command, where it is a cheap
 * staleness check: the newest modification time under the sources against a stamp written after the last
 * successful build. A developer who edits src/ and runs `npm start` or `npx dramatis` gets the new code.
 *
 * Plain JavaScript on purpose: it is what runs before anything is compiled.
 */
import { spawnSync } from "node:child_process";
import { setTimeout as delay } from "node:timers/promises";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT_DIRECTORY = fileURLToPath(new URL("..", import.meta.url));

const BUILD_SETTINGS = ["tsconfig.json", "tsconfig.build.json", "package.json"];

/** The newest mtime (ms) of a file or of a directory tree, directories included (a deleted file counts). */
export function newestModification(entry) {
  let stat;
  try {
    stat = fs.statSync(entry);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const child of fs.readdirSync(entry)) {
    newest = Math.max(newest, newestModification(path.join(entry, child)));
  }
  return newest;
}

/**
 * One compilation: the TypeScript project to compile, the sources it reads and the stamp it leaves.
 * The SDK comes first: the CLI imports it at run time.
 */
export function buildTargets(projectDirectory = PROJECT_DIRECTORY) {
  const targets = [];
  const sdkDirectory = path.join(projectDirectory, "sdk");
  if (fs.existsSync(path.join(sdkDirectory, "tsconfig.json"))) {
    targets.push({
      name: "sdk",
      project: path.join(sdkDirectory, "tsconfig.json"),
      sources: [path.join(sdkDirectory, "src"), path.join(sdkDirectory, "tsconfig.json")],
      stamp: path.join(sdkDirectory, "dist", ".build-stamp"),
    });
  }
  targets.push({
    name: "server",
    project: path.join(projectDirectory, "tsconfig.build.json"),
    sources: [
      path.join(projectDirectory, "src"),
      ...BUILD_SETTINGS.map((file) => path.join(projectDirectory, file)),
    ],
    stamp: path.join(projectDirectory, "dist", ".build-stamp"),
  });
  return targets;
}

/** True when the target was never built or a source changed after its last successful build. */
export function isStale(target) {
  let built;
  try {
    built = fs.statSync(target.stamp).mtimeMs;
  } catch {
    return true;
  }
  return Math.max(...target.sources.map(newestModification)) > built;
}

function compile(target, log) {
  log(`Compiling the ${target.name} (${path.relative(PROJECT_DIRECTORY, target.project)})…`);
  // The stamp carries the time the compilation started: a file saved during it counts as newer.
  const started = new Date();
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const result = spawnSync(process.execPath, [tsc, "-p", target.project], {
    cwd: PROJECT_DIRECTORY,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (result.status !== 0) {
    throw new Error(`compiling the ${target.name} failed (tsc -p ${target.project}); see the errors above`);
  }
  fs.mkdirSync(path.dirname(target.stamp), { recursive: true });
  fs.writeFileSync(target.stamp, `${started.toISOString()}\n`);
  fs.utimesSync(target.stamp, started, started);
}

function processIsAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}

/**
 * Holds a lock file while `work` runs (src/lib/file-lock.ts does the same for compiled code; this one runs
 * before anything is compiled), so that processes started together (a test suite spawning several
 * servers) build once instead of overwriting each other's output. A lock whose owner died is taken over.
 */
async function withBuildLock(lockFile, work) {
  for (;;) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: "wx" });
      break;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
      const owner = Number(fs.readFileSync(lockFile, "utf8").trim());
      if (!Number.isInteger(owner) || owner <= 0 || !processIsAlive(owner)) {
        fs.rmSync(lockFile, { force: true });
        continue;
      }
      // Another process is compiling: wait for it, then look at the stamps again.
      await delay(100);
    }
  }
  try {
    return work();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}

/**
 * Compiles whatever is stale; returns the names of the targets it compiled (none when all are current).
 *
 * @example await ensureBuilt({ log: (line) => console.error(line) });
 * @param {{ projectDirectory?: string; log?: (line: string) => void }} [options]
 * @returns {Promise<string[]>}
 */
export async function ensureBuilt(options = {}) {
  const projectDirectory = options.projectDirectory ?? PROJECT_DIRECTORY;
  const log = options.log ?? (() => {});
  const targets = buildTargets(projectDirectory);
  // A copy without sources (only dist/) has nothing to compile and nothing to check.
  if (!fs.existsSync(path.join(projectDirectory, "src"))) return [];
  if (!targets.some(isStale)) return [];
  const lockFile = path.join(projectDirectory, ".build.lock");
  return withBuildLock(lockFile, () => {
    const compiled = [];
    for (const target of targets) {
      if (!isStale(target)) continue;
      compile(target, log);
      compiled.push(target.name);
    }
    return compiled;
  });
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await ensureBuilt({ log: (line) => console.log(line) });
}
