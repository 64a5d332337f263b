import { serve, type ServerType } from "@hono/node-server";
import pino, { type Logger } from "pino";
import { createApp } from "./app.ts";
import type { Config } from "./config/config.ts";
import { systemClock, type Clock } from "./lib/clock.ts";
import { chooseDefaultModel, createModelRegistry } from "./models/create-model-registry.ts";
import { PriceTable } from "./services/pricing.ts";
import { createServices, type Services } from "./services/services.ts";
import { openDatabase, type DatabaseHandle } from "./store/database.ts";
import { Store } from "./store/store.ts";

/** A running server and how to stop it. */
export interface RunningServer {
  readonly url: string;
  readonly services: Services;
  /** The admin key created on this first start, or null when the tenant already existed. */
  readonly createdAdminKey: string | null;
  /** Stops accepting connections, lets in-flight requests finish, then closes the database. */
  stop(): Promise<void>;
}

export interface StartServerOptions {
  config: Config;
  logger?: Logger;
  clock?: Clock;
}

/** Opens (and migrates) the database, installs the presets, bootstraps the default tenant and listens. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config } = options;
  const logger = options.logger ?? pino({ level: config.logLevel, base: { service: "dramatis" } });
  const database: DatabaseHandle = await openDatabase({ database: config.database });
  try {
    const services = createServices(new Store(database.db), options.clock ?? systemClock, {
      models: createModelRegistry(config, await chooseDefaultModel(config)),
      prices: new PriceTable(config.prices),
      memoryTierBudgets: config.memoryTierBudgets,
    });
    await services.personas.installPresets();
    const { createdAdminKey } = await services.tenants.ensureDefaultTenant(config.adminKey);
    if (!createdAdminKey && config.adminKey) {
      logger.info("DRAMATIS_ADMIN_KEY is only used on first start; the default tenant already exists");
    }
    const app = createApp({ services, logger, config });
    const server = await listen(app.fetch, config);
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
    logger.info({ url, database: database.kind, default_model: services.models.defaultModelId }, "listening");
    return { url, services, createdAdminKey, stop: () => stopServer({ server, database, config, logger }) };
  } catch (error) {
    await database.close();
    throw error;
  }
}

function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  config: Config,
): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port: config.port, hostname: config.host }, () => resolve(server));
    server.once("error", reject);
  });
}

async function stopServer(options: {
  server: ServerType;
  database: DatabaseHandle;
  config: Config;
  logger: Logger;
}): Promise<void> {
  const { server, database, config, logger } = options;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Keep-alive connections that go idle (including ones whose request just finished) would hold close()
  // open until their timeout, so close idle ones until the server is done; busy ones finish first.
  const closeIdle = () => ("closeIdleConnections" in server ? server.closeIdleConnections() : undefined);
  closeIdle();
  const idleSweeper = setInterval(closeIdle, 50);
  const timeout = new Promise<"timeout">((resolve) =>
    setTimeout(() => resolve("timeout"), config.shutdownTimeoutMs).unref(),
  );
  if ((await Promise.race([closed, timeout])) === "timeout") {
    logger.warn(
      { timeout_ms: config.shutdownTimeoutMs },
      "requests still running at shutdown timeout; closing them",
    );
    if ("closeAllConnections" in server) server.closeAllConnections();
  }
  clearInterval(idleSweeper);
  await database.close();
  logger.info("stopped");
}
