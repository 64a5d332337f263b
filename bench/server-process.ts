import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import readline from "node:readline";
import { parseServerReady, type ServerReady } from "./server-ready.ts";

const SERVER_SCRIPT = fileURLToPath(new URL("./bench-server.ts", import.meta.url));
// `--import tsx` resolves from the working directory, so the child runs in the project root wherever we run.
const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));
const START_TIMEOUT_MS = 60_000;

/** A server under test running in its own process. */
export interface ServerProcess {
  readonly ready: ServerReady;
  /** Asks the server to shut down and waits for the process to exit. */
  stop(): Promise<void>;
}

export type ServerKind = { kind: "raw" } | { kind: "dramatis"; dataDirectory: string; adminKey: string };

/**
 * Starts bench-server.ts in a child process and resolves once it prints its ready line.
 *
 * @example const server = await startServerProcess({ kind: "raw" }); ...; await server.stop();
 */
export async function startServerProcess(server: ServerKind): Promise<ServerProcess> {
  const child = spawnServer(server);
  try {
    const ready = await waitForReady(child);
    return { ready, stop: () => stopChild(child) };
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
}

function spawnServer(server: ServerKind): ChildProcess {
  const serverArguments = server.kind === "raw" ? ["raw"] : ["dramatis", server.dataDirectory];
  // The key travels in the environment rather than argv so it does not show up in the process list.
  const environment =
    server.kind === "dramatis" ? { ...process.env, BENCH_ADMIN_KEY: server.adminKey } : process.env;
  return spawn(process.execPath, ["--import", "tsx", SERVER_SCRIPT, ...serverArguments], {
    cwd: PROJECT_ROOT,
    env: environment,
    stdio: ["ignore", "pipe", "inherit"],
  });
}

/** Resolves with the ready report; every other stdout line is the server's log, passed on to stderr. */
function waitForReady(child: ChildProcess): Promise<ServerReady> {
  return new Promise((resolve, reject) => {
    // Keep reading stdout for the whole run: an undrained pipe would eventually block the server's writes.
    const lines = readline.createInterface({ input: child.stdout! });
    const timer = setTimeout(
      () => reject(new Error("the bench server did not start in time")),
      START_TIMEOUT_MS,
    );
    lines.on("line", (line) => {
      const ready = parseServerReady(line);
      if (!ready) {
        process.stderr.write(`[server] ${line}\n`);
        return;
      }
      clearTimeout(timer);
      resolve(ready);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the bench server exited with code ${code} before it was ready`));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  await exited;
}
