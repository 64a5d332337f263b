import type { Config } from "../config/config.ts";
import { startServer } from "../server.ts";
import { UsageError } from "./usage-error.ts";

/**
 * `dramatis serve [--role all|api|worker]` and `dramatis worker`: starts the server and runs until SIGINT
 * or SIGTERM, then finishes in-flight work and returns 0.
 */
export async function serveCommand(options: {
  role: string;
  config: Config;
  print: (line: string) => void;
}): Promise<number> {
  const { role, print } = options;
  if (role !== "all" && role !== "api" && role !== "worker") {
    throw new UsageError(`--role must be all, api or worker, got ${role}`);
  }
  const server = await startServer({ config: options.config, role });
  print(
    role === "worker"
      ? "Dramatis worker is running background jobs"
      : `Dramatis is running at ${server.url}  (API reference: ${server.url}/docs)`,
  );
  if (server.setupUrl) print(`First start: create the first admin account at ${server.setupUrl}`);
  if (server.createdAdminKey) {
    print(`Admin API key for the default tenant (shown once, store it now): ${server.createdAdminKey}`);
  }
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      print(`Received ${signal}; finishing in-flight requests and shutting down`);
      process.off("SIGINT", onInterrupt);
      process.off("SIGTERM", onTerminate);
      void server.stop().then(resolve);
    };
    const onInterrupt = () => shutdown("SIGINT");
    const onTerminate = () => shutdown("SIGTERM");
    process.on("SIGINT", onInterrupt);
    process.on("SIGTERM", onTerminate);
  });
  return 0;
}
