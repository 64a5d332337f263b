/**
 * `kill -TERM <npm pid>` on `npm start` must stop the whole process tree, gracefully. npm forwards the
 * signal to its script's shell; the script `exec`s the server so the server is that process (a shell that
 * forked it would die and leave the server running as an orphan).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort, waitUntil } from "./server-processes.ts";

const PROJECT_DIRECTORY = path.resolve(import.meta.dirname, "..");

/** The process ids below `pid`, read from /proc (Linux). */
function descendantsOf(pid: number): number[] {
  const children = fs
    .readdirSync("/proc/")
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => {
      try {
        const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
        // The parent pid is the second field after the parenthesised command name.
        const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        return parent === pid ? [Number(name)] : [];
      } catch {
        return [];
      }
    });
  return children.flatMap((child) => [child, ...descendantsOf(child)]);
}

/** True while the process exists and is not a zombie waiting to be reaped. */
function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

describe.skipIf(process.platform !== "linux")("npm start and SIGTERM", () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  it("stops the server and every process of the tree when npm gets SIGTERM", async () => {
    const dataDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-npm-start-"));
    const port = await freePort();
    // --ignore-scripts skips prestart (the web build), which is not what this test is about.
    const npm = spawn("npm", ["start", "--ignore-scripts"], {
      cwd: PROJECT_DIRECTORY,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? os.tmpdir(),
        TMPDIR: os.tmpdir(),
        PORT: String(port),
        DRAMATIS_DATA_DIR: dataDirectory,
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    npm.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    npm.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    const exited = new Promise<void>((resolve) => npm.once("exit", () => resolve()));
    let tree: number[] = [];
    cleanups.push(() => {
      for (const pid of [npm.pid!, ...tree]) if (isAlive(pid)) process.kill(pid, "SIGKILL");
      fs.rmSync(dataDirectory, { recursive: true, force: true });
    });

    await waitUntil(
      async () => {
        if (npm.exitCode !== null) throw new Error(`npm start exited while starting:\n${output}`);
        const response = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
        await response?.body?.cancel();
        return response?.status === 200;
      },
      { what: "npm start to serve /healthz", timeoutMs: 120_000 },
    );
    tree = descendantsOf(npm.pid!);
    // At least the server itself runs below npm.
    expect(tree.length).toBeGreaterThan(0);

    npm.kill("SIGTERM");
    await exited;
    // npm waits for its script, so the server is gone already; its helpers (tsx's esbuild) follow it.
    await waitUntil(async () => tree.every((pid) => !isAlive(pid)), {
      what: `processes ${tree.filter(isAlive).join(", ")} to end`,
      timeoutMs: 60_000,
    });
    expect(output).toContain("Received SIGTERM; finishing in-flight requests and shutting down");
  }, 180_000);
});
