/*
 * Spawning a real `dramatis serve` process: shared by the process suites (server-processes.ts) and the
 * kill -9 loop (crash-loop.ts), which the crash benchmark also runs outside the test runner, so this
 * module imports nothing from vitest.
 */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export const PROJECT_DIRECTORY = path.resolve(import.meta.dirname, "..");
const CLI = path.join(PROJECT_DIRECTORY, "bin", "dramatis.js");

/** A spawned server and the end of what it printed (the end matters most in a failure report). */
export interface SpawnedServe {
  child: ChildProcess;
  output: { text: string };
  /** Settles when the process has exited, however it ended. */
  exited: Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * Starts `dramatis serve <args>` with only the given environment (plus PATH, HOME and TMPDIR), keeping
 * the last `outputLimitChars` of its stdout and stderr. Readiness is the caller's to wait for.
 *
 * @example const serve = spawnServe({ args: ["--role", "all"], environment: { PORT: "8787" } });
 */
export function spawnServe(options: {
  args?: string[];
  environment: Record<string, string>;
  outputLimitChars?: number;
}): SpawnedServe {
  const limit = options.outputLimitChars ?? 200_000;
  const child = spawn(process.execPath, [CLI, "serve", ...(options.args ?? [])], {
    cwd: PROJECT_DIRECTORY,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? os.tmpdir(),
      TMPDIR: os.tmpdir(),
      ...options.environment,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = { text: "" };
  const append = (chunk: Buffer) => {
    output.text = (output.text + chunk.toString("utf8")).slice(-limit);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exited = new Promise<void>((resolve) => {
    if (hasExited(child)) resolve();
    else child.once("exit", () => resolve());
  });
  return { child, output, exited };
}
