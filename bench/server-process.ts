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
  /** The server's process id (the child runs node directly, so this is the server itself). */
  readonly pid: number;
  /** Asks the server to shut down and waits for the process to exit. */
  stop(): Promise<void>;
}

export type ServerKind =
  | { kind: "raw" }
  | { kind: "upstream" }
  | {
      kind: "dramatis";
      dataDirectory: string;
      adminKey: string;
      /** DRAMATIS_PROVIDERS for the server (a JSON array), e.g. pointing at the bench upstream. */
      providers?: string;
      /** The `provider/model` of the persona the server creates and reports. */
      personaModel?: string;
      /** Profiles the server's CPU from when it is ready until it stops, written here (.cpuprofile). */
      cpuProfileFile?: string;
    };

/**
 * Starts bench-server.ts in a child process and resolves once it prints its ready line.
 *
 * @example const server = await startServerProcess({ kind: "raw" }); ...; await server.stop();
 */
export async function startServerProcess(server: ServerKind): Promise<ServerProcess> {
  const child = spawnServer(server);
  try {
    const ready = await waitForReady(child);
    return { ready, pid: child.pid as number, stop: () => stopChild(child) };
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
}

function spawnServer(server: ServerKind): ChildProcess {
  const serverArguments = server.kind === "dramatis" ? ["dramatis", server.dataDirectory] : [server.kind];
  // The key travels in the environment rather than argv so it does not show up in the process list.
  const environment =
    server.kind === "dramatis"
      ? {
          ...process.env,
          BENCH_ADMIN_KEY: server.adminKey,
          ...(server.providers ? { BENCH_DRAMATIS_PROVIDERS: server.providers } : {}),
          ...(server.personaModel ? { BENCH_PERSONA_MODEL: server.personaModel } : {}),
          ...(server.cpuProfileFile ? { BENCH_CPU_PROFILE_FILE: server.cpuProfileFile } : {}),
        }
      : process.env;
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
