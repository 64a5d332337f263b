/**
 * Real `dramatis serve` processes for tests that need the operating system in the loop (a crash, several
 * workers on one database): start them with only the environment given, wait until they serve, talk to
 * their API, and stop and remove everything afterwards whether the test passed or not.
 */
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { createDramatisClient, type DramatisClient } from "@dramatis/sdk";
import { randomToken } from "../src/lib/ids.ts";
import { freePort, hasExited, spawnServe } from "./serve-process.ts";
export { freePort, hasExited };
import { startMockOpenAI, type MockUpstream, type MockUpstreamOptions } from "./mock-upstreams.ts";

/** Kept from each process's output for the failure report: the end matters most. */
const OUTPUT_LIMIT_CHARS = 200_000;

export const databaseUrl = process.env.DATABASE_URL;
export const hasPostgres = databaseUrl !== undefined && /^postgres(ql)?:\/\//.test(databaseUrl);

/** A spawned `dramatis serve` and everything it printed. */
export interface ServerProcess {
  name: string;
  child: ChildProcess;
  /** The HTTP address; empty for a worker. */
  url: string;
  output: { text: string };
  exited: Promise<void>;
}

/** What a test started, so it is all stopped and removed afterwards whether the test passed or not. */
export class Resources {
  readonly processes: ServerProcess[] = [];
  private readonly upstreams: MockUpstream[] = [];
  private readonly directories: string[] = [];
  private readonly cleanups: (() => Promise<void>)[] = [];

  temporaryDirectory(label: string): string {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), `dramatis-${label}-`));
    this.directories.push(directory);
    return directory;
  }

  async upstream(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
    const upstream = await startMockOpenAI(options);
    this.upstreams.push(upstream);
    return upstream;
  }

  onCleanup(cleanup: () => Promise<void>): void {
    this.cleanups.push(cleanup);
  }

  /** Prints every process's output. */
  printOutputs(): void {
    for (const server of this.processes) {
      console.error(`----- output of ${server.name} (pid ${server.child.pid}) -----\n${server.output.text}`);
    }
  }

  async release(): Promise<void> {
    await Promise.all(this.processes.map((server) => killProcess(server)));
    this.processes.length = 0;
    await Promise.all(this.upstreams.map((upstream) => upstream.close()));
    this.upstreams.length = 0;
    for (const cleanup of this.cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => console.error("cleanup failed:", error));
    }
    for (const directory of this.directories.splice(0))
      fs.rmSync(directory, { recursive: true, force: true });
  }
}

export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** SIGKILL to this one process id (the CLI runs in-process through tsx, so it has no children). */
export async function killProcess(server: ServerProcess): Promise<void> {
  if (!hasExited(server.child)) server.child.kill("SIGKILL");
  await server.exited;
}

export function providersFor(upstream: MockUpstream): string {
  return JSON.stringify([
    { name: "mock", kind: "openai-compatible", base_url: upstream.baseURL, api_key: "x", models: ["m"] },
  ]);
}

/**
 * Starts `dramatis serve --role <role>` with only the environment given (no DATABASE_URL, REDIS_URL or
 * provider keys leak in from the test's own environment), and waits until it serves /healthz or, for a
 * worker, until it says it runs jobs.
 */
export async function startServe(
  resources: Resources,
  options: { name: string; role: "all" | "api" | "worker"; environment: Record<string, string> },
): Promise<ServerProcess> {
  const port = options.role === "worker" ? 0 : await freePort();
  const environment: Record<string, string> = {
    LOG_LEVEL: "info",
    PORT: String(port),
    // Load-generating suites: rate limits out of reach unless a suite sets them.
    DRAMATIS_RATE_LIMIT_PER_MINUTE: "1000000",
    DRAMATIS_RATE_LIMIT_ANONYMOUS_PER_MINUTE: "1000000",
    ...options.environment,
  };
  const { child, output, exited } = spawnServe({
    args: ["--role", options.role],
    environment,
    outputLimitChars: OUTPUT_LIMIT_CHARS,
  });
  const server: ServerProcess = {
    name: options.name,
    child,
    url: options.role === "worker" ? "" : `http://127.0.0.1:${port}`,
    output,
    exited,
  };
  resources.processes.push(server);
  await waitUntil(
    async () => {
      if (hasExited(child)) {
        throw new Error(`${options.name} exited (${child.exitCode ?? child.signalCode}) while starting`);
      }
      if (options.role === "worker") return output.text.includes("worker is running background jobs");
      const response = await fetch(`${server.url}/healthz`).catch(() => undefined);
      return response?.status === 200;
    },
    { what: `${options.name} to start`, timeoutMs: 60_000 },
  );
  return server;
}

export async function waitUntil(
  check: () => Promise<boolean>,
  options: { what: string; timeoutMs?: number; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(options.intervalMs ?? 100);
  }
  throw new Error(`timed out waiting for ${options.what}`);
}

/**
 * The SDK client of a spawned server, as its admin key. The server's address is read at each request,
 * since a server restarted on the same data listens on a new port.
 *
 * @example const persona = await unwrap(serverClient(() => server.url, adminKey).POST("/v1/personas", { body }));
 */
export function serverClient(baseUrl: () => string, adminKey: string): DramatisClient {
  return createDramatisClient({
    baseUrl: PLACEHOLDER_ORIGIN,
    apiKey: adminKey,
    fetch: (request) => {
      const url = new URL(request.url);
      return fetch(`${baseUrl()}${url.pathname}${url.search}`, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: request.signal,
        // A request body is a stream here; undici requires saying it is sent as it is read.
        ...(request.body ? { duplex: "half" } : {}),
      } as RequestInit);
    },
  });
}

/** Stands in for the server's address until a request is sent (serverClient replaces it then). */
const PLACEHOLDER_ORIGIN = "http://spawned-server.invalid";

/** A database of its own for this run on the PostgreSQL server of `url`, dropped afterwards. */
export async function createPostgresDatabase(resources: Resources, url: string): Promise<string> {
  const name = `dramatis_processes_${randomToken(12).toLowerCase()}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  resources.onCleanup(async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // The server processes are killed before this runs; force closes connections they may have left.
      await client.query(`drop database if exists ${name} with (force)`);
    } finally {
      await client.end();
    }
  });
  const own = new URL(url);
  own.pathname = `/${name}`;
  return own.toString();
}
