/**
 * The server under test, run in its own process so it gets a core to itself and never shares an event loop
 * with the load generator.
 *
 * Usage: node --import tsx bench/bench-server.ts raw
 *        node --import tsx bench/bench-server.ts upstream
 *        BENCH_ADMIN_KEY=<key> node --import tsx bench/bench-server.ts dramatis <data dir>
 *
 * For the Dramatis server, BENCH_DRAMATIS_PROVIDERS (if set) is passed as DRAMATIS_PROVIDERS (model
 * providers, as for `dramatis serve`; a separate name so a DRAMATIS_PROVIDERS in the shell never leaks
 * into a benchmark), BENCH_PERSONA_MODEL (if set) becomes the model of the persona it creates, and
 * BENCH_CPU_PROFILE_FILE (if set) names a .cpuprofile to record from the ready line until SIGTERM, so
 * start-up (TypeScript compilation, migrations) stays out of the profile.
 *
 * Prints one ready line on stdout (see ServerReady); stops cleanly on SIGTERM.
 */
import { writeFile } from "node:fs/promises";
import http from "node:http";
import { Session } from "node:inspector/promises";
import type { AddressInfo } from "node:net";
import { loadConfig } from "../src/config/config.ts";
import { startServer } from "../src/server.ts";
import { startOpenAIUpstream } from "./openai-upstream.ts";
import { READY_EVENT, type ServerReady } from "./server-ready.ts";

type Stop = () => Promise<void>;

async function startRawServer(): Promise<{ ready: ServerReady; stop: Stop }> {
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/plain" });
    response.end("hello world");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Keep-alive connections left by the load generator would otherwise hold close() open.
      server.closeAllConnections();
    });
  return { ready: { event: READY_EVENT, url: `http://127.0.0.1:${port}` }, stop };
}

async function startUpstream(): Promise<{ ready: ServerReady; stop: Stop }> {
  const upstream = await startOpenAIUpstream();
  return { ready: { event: READY_EVENT, url: upstream.url }, stop: () => upstream.stop() };
}

async function startDramatis(
  dataDirectory: string,
  adminKey: string,
): Promise<{ ready: ServerReady; stop: Stop }> {
  const config = loadConfig({
    DRAMATIS_DATA_DIR: dataDirectory,
    PORT: "0",
    LOG_LEVEL: "warn",
    DRAMATIS_ADMIN_KEY: adminKey,
    DRAMATIS_SHUTDOWN_TIMEOUT_MS: "2000",
    DRAMATIS_PROVIDERS: process.env.BENCH_DRAMATIS_PROVIDERS,
    // A load generator is one key sending thousands of requests a minute: measure the server, not 429s.
    DRAMATIS_RATE_LIMIT_PER_MINUTE: process.env.DRAMATIS_RATE_LIMIT_PER_MINUTE || "1000000",
  });
  const server = await startServer({ config });
  try {
    const personaId = await createPersona(server.url, adminKey, process.env.BENCH_PERSONA_MODEL);
    return { ready: { event: READY_EVENT, url: server.url, personaId }, stop: () => server.stop() };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** Creates the persona through the public API, so the read scenario reads a row written the normal way. */
async function createPersona(url: string, adminKey: string, model: string | undefined): Promise<string> {
  const response = await fetch(`${url}/v1/personas`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "Bench persona", ...(model ? { model } : {}) }),
  });
  if (response.status !== 201) {
    throw new Error(`creating the bench persona answered ${response.status}: ${await response.text()}`);
  }
  const persona = (await response.json()) as { id: string };
  return persona.id;
}

function startRequestedServer(): Promise<{ ready: ServerReady; stop: Stop }> {
  const [kind, dataDirectory] = process.argv.slice(2);
  if (kind === "raw") return startRawServer();
  if (kind === "upstream") return startUpstream();
  if (kind === "dramatis" && dataDirectory) {
    const adminKey = process.env.BENCH_ADMIN_KEY;
    if (!adminKey) throw new Error("BENCH_ADMIN_KEY is required for the dramatis server");
    return startDramatis(dataDirectory, adminKey);
  }
  throw new Error("usage: bench-server.ts raw | upstream | dramatis <data dir>");
}

/** Starts the CPU profiler in this process; the returned function stops it and writes the profile. */
async function startCpuProfile(file: string): Promise<() => Promise<void>> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  // 250 µs instead of the default 1 ms: requests here take about a millisecond.
  await session.post("Profiler.setSamplingInterval", { interval: 250 });
  await session.post("Profiler.start");
  return async () => {
    const { profile } = await session.post("Profiler.stop");
    await writeFile(file, JSON.stringify(profile));
    session.disconnect();
  };
}

async function main(): Promise<void> {
  const { ready, stop: stopServer } = await startRequestedServer();
  const profileFile = process.env.BENCH_CPU_PROFILE_FILE;
  const stopProfile = profileFile ? await startCpuProfile(profileFile) : undefined;
  const stop = async () => {
    await stopServer();
    await stopProfile?.();
  };
  process.once("SIGTERM", () => {
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
  process.stdout.write(`${JSON.stringify(ready)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
