import { serveCallStreams } from "./http/call-streams.ts";
import { embeddedSpeechProviders } from "./speech/embedded-speech.ts";
import { createSpeechProviders } from "./speech/speech-providers.ts";
import { createMediaProviders } from "./media/media-providers.ts";
import { getRequestListener, type ServerType } from "@hono/node-server";
import type { Logger } from "pino";
import { createApp } from "./app.ts";
import { PLACEHOLDER_VAPID_SUBJECT } from "./channels/push/vapid.ts";
import type { Config } from "./config/config.ts";
import { createDrainingServer, MINIMUM_DRAIN_BYTES } from "./http/drain-request-body.ts";
import { createMetricsApp } from "./http/metrics.ts";
import { createLogger } from "./lib/create-logger.ts";
import { Metrics } from "./lib/metrics.ts";
import { AcceleratedClock, realMilliseconds, systemClock, type Clock } from "./lib/clock.ts";
import { openSecretBox } from "./lib/secret-box.ts";
import { createJobHandlers } from "./jobs/job-handlers.ts";
import { createJobQueue } from "./jobs/create-job-queue.ts";
import { chooseDefaultModel, createModelRegistry, modelsDirectory } from "./models/create-model-registry.ts";
import { loadModelCatalog } from "./models/model-catalog.ts";
import { createModelFiles } from "./models/model-files.ts";
import { PriceTable } from "./services/pricing.ts";
import { parseOutboundAllowList } from "./lib/outbound-allow-list.ts";
import { OutboundGuard } from "./lib/outbound-guard.ts";
import { createRateLimits } from "./rate-limits/create-rate-limits.ts";
import { createServices, type Services } from "./composition/create-services.ts";
import { openDatabase, type DatabaseHandle } from "./store/database.ts";
import { Store } from "./store/store.ts";
import { createBlobStore } from "./store/create-blob-store.ts";

/** A running server and how to stop it. */
export interface RunningServer {
  /** The HTTP address; empty for a worker-only process. */
  readonly url: string;
  /** The metrics port's address (DRAMATIS_METRICS_PORT), serving only /metrics; empty when none. */
  readonly metricsUrl: string;
  readonly services: Services;
  /** The admin key created on this first start, or null when the tenant already existed. */
  readonly createdAdminKey: string | null;
  /** the web address where the first admin is created, while no account exists */
  readonly setupUrl: string | null;
  /** Stops accepting connections, lets in-flight requests and jobs finish, then closes the database. */
  stop(): Promise<void>;
}

/** `all` serves HTTP and runs background jobs; `api` only serves; `worker` only runs jobs. */
export type ServerRole = "all" | "api" | "worker";

export interface StartServerOptions {
  config: Config;
  role?: ServerRole;
  logger?: Logger;
  clock?: Clock;
}

/** How often a worker process looks over running studies for work a crash left behind. */
const STUDY_SUPERVISION_MS = 5_000;
/** How often a worker process plans proactive messages and queues the due ones. */
const PROACTIVE_TICK_MS = 60_000;
/** However fast a simulated clock runs, the scheduler looks at most this often (real milliseconds). */
const MINIMUM_TICK_MS = 200;

/**
 * Opens (and migrates) the database, installs the presets, bootstraps the default tenant, then listens
 * and/or runs background jobs according to the role.
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config } = options;
  const role = options.role ?? "all";
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  // One registry for the process: the API's /metrics and the metrics port serve the same figures.
  const metrics = new Metrics();
  const database: DatabaseHandle = await openDatabase({ database: config.database });
  const clock = options.clock ?? chooseClock(config, logger);
  const queue = createJobQueue({
    db: database.db,
    redisUrl: config.redisUrl,
    // Leases and heartbeats are real time: on a fast simulated clock every lease would expire mid-job.
    // Delays handed to the queue are converted to real time (realMilliseconds) by whoever enqueues.
    clock: clock.rate && clock.rate !== 1 ? systemClock : clock,
    leaseMs: config.jobLeaseMs,
    logger,
    metrics: metrics.jobs,
  });
  const store = new Store(database.db);
  const rateLimits = createRateLimits({
    redisUrl: config.redisUrl,
    repository: store.rateLimits,
    // Windows are real time, like job leases: a fast simulated clock must not shorten them.
    clock: clock.rate && clock.rate !== 1 ? systemClock : clock,
    settings: config.rateLimits,
  });
  let metricsServer: ServerType | undefined;
  try {
    const services = createServices(store, clock, {
      rateLimits: rateLimits.limits,
      models: createModelRegistry(config, await chooseDefaultModel(config), metrics.modelCalls),
      jobs: queue,
      prices: new PriceTable(config.prices),
      memoryTierBudgets: config.memoryTierBudgets,
      secrets: openSecretBox({
        configured: config.secretKey,
        previous: config.previousSecretKey,
        dataDir: config.dataDir,
      }),
      serverProviders: config.providers,
      localModelServers: config.localModelServers,
      modelDownloads: {
        catalog: loadModelCatalog(config.modelCatalogFile),
        files: createModelFiles(modelsDirectory(config)),
      },
      embeddingModel: config.embeddingModel,
      twilio: config.twilio && { ...config.twilio, publicUrl: config.publicUrl },
      publicUrl: config.publicUrl,
      push: { subject: config.vapidSubject, allowHttp: config.pushAllowHttp },
      outbound: new OutboundGuard({ allow: parseOutboundAllowList(config.outboundAllow.join(",")) }),
      whatsapp: config.whatsapp,
      blobs: createBlobStore({ config, db: database.db, clock }),
      media: {
        providers: createMediaProviders(config.media.providers),
        defaultImageModel: config.media.imageModel,
        defaultVideoModel: config.media.videoModel,
        limits: { perUserPerDay: config.media.dailyLimit },
      },
      speech: {
        providers: [
          ...embeddedSpeechProviders(config.speech.offlineTranscription),
          ...createSpeechProviders(config.speech.providers),
        ],
        defaultRecognizer: config.speech.transcription,
        defaultVoice: config.speech.defaultVoice,
        prices: config.speech.prices,
        limits: { maxAudioBytes: config.importLimitBytes },
      },
      logger,
      metrics,
    });
    await services.personas.installPresets();
    // The web push (VAPID) key pair: made on first start, one for all processes sharing the database.
    await services.push.ensureVapidKeys();
    if (config.vapidSubject === PLACEHOLDER_VAPID_SUBJECT) {
      logger.warn(
        "set DRAMATIS_VAPID_SUBJECT (mailto: or https:) so push services can reach you; a placeholder is used",
      );
    }
    const { createdAdminKey } = await services.tenants.ensureDefaultTenant(config.adminKey);
    if (!createdAdminKey && config.adminKey) {
      logger.info("DRAMATIS_ADMIN_KEY is only used on first start; the default tenant already exists");
    }
    const setupToken =
      role === "worker" ? undefined : await services.accounts.prepareSetup(config.setupToken);
    // Before any job runs, so a port already in use stops the start-up with nothing half-started.
    if (config.metricsPort !== undefined) {
      metricsServer = await listen(
        createMetricsApp({ registry: metrics.registry, token: config.metricsToken }).fetch,
        { host: config.host, port: config.metricsPort, bodyLimitBytes: config.bodyLimitBytes },
      );
    }
    const metricsUrl = metricsServer ? `${addressOf(metricsServer, config)}/metrics` : "";
    const worker =
      role === "api"
        ? undefined
        : queue.startWorker({ handlers: createJobHandlers(services), concurrency: config.workerConcurrency });
    const supervision = role === "api" ? undefined : superviseStudies(services, logger);
    const proactive =
      role === "api"
        ? undefined
        : every(
            // A minute of the server's clock: shorter in real time when a simulated clock runs fast.
            Math.max(MINIMUM_TICK_MS, realMilliseconds(clock, PROACTIVE_TICK_MS)),
            () => services.proactive.tick(),
            (error) => logger.warn({ err: error }, "proactive scheduling failed; retrying at the next tick"),
          );
    const server =
      role === "worker"
        ? undefined
        : await listen(createApp({ services, logger, config, metrics }).fetch, config);
    const callStreams = server ? serveCallStreams({ server, calls: services.calls, logger }) : undefined;
    const url = server ? addressOf(server, config) : "";
    logger.info(
      {
        url,
        role,
        database: database.kind,
        jobs: config.redisUrl ? "redis" : "database",
        default_model: services.models.defaultModelId,
        ...(metricsUrl ? { metrics_url: metricsUrl } : {}),
      },
      role === "worker" ? "worker started" : "listening",
    );
    const stop = async () => {
      // Calls say goodbye and keep their recordings before the connections close.
      await services.calls.endAll();
      callStreams?.close();
      if (server) await stopServer({ server, config, logger });
      if (metricsServer) await stopServer({ server: metricsServer, config, logger });
      supervision?.stop();
      proactive?.stop();
      services.studyRunner.stop();
      await worker?.stop();
      await queue.close();
      await rateLimits.close();
      await database.close();
      logger.info("stopped");
    };
    const setupUrl = setupToken && url ? `${url}/setup?token=${encodeURIComponent(setupToken)}` : null;
    if (setupUrl)
      logger.info({ setup_url: setupUrl }, "no account yet: create the first admin in the web app");
    return { url, metricsUrl, services, createdAdminKey, setupUrl, stop };
  } catch (error) {
    await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
    await queue.close();
    await rateLimits.close();
    await database.close();
    throw error;
  }
}

/** Real time, or the simulated clock DRAMATIS_CLOCK_START / DRAMATIS_CLOCK_SPEED ask for. */
function chooseClock(config: Config, logger: Logger): Clock {
  if (!config.simulatedClock) return systemClock;
  const clock = new AcceleratedClock(config.simulatedClock);
  logger.warn(
    { clock_start: config.simulatedClock.start.toISOString(), clock_speed: config.simulatedClock.rate },
    "the server runs on a simulated clock (DRAMATIS_CLOCK_START / DRAMATIS_CLOCK_SPEED): for trying things out, not for real users",
  );
  return clock;
}

/** Runs a study supervision pass now and then (see StudyRunner.supervise). */
function superviseStudies(services: Services, logger: Logger): { stop(): void } {
  return every(
    STUDY_SUPERVISION_MS,
    () => services.studyRunner.supervise(),
    (error) => logger.warn({ err: error }, "study supervision failed; retrying later"),
  );
}

/** Runs `work` now and then every interval; runs never overlap, and a failure waits for the next turn. */
function every(
  intervalMs: number,
  work: () => Promise<unknown>,
  onError: (error: unknown) => void,
): { stop(): void } {
  let running: Promise<void> | undefined;
  const pass = () => {
    running ??= work()
      .then(() => undefined, onError)
      .finally(() => (running = undefined));
  };
  pass();
  const timer = setInterval(pass, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

function addressOf(server: ServerType, config: Config): string {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  return `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
}

/** How long an idle keep-alive connection stays open: above the 60 s idle timeouts of common proxies. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  address: { host: string; port: number; bodyLimitBytes: number },
): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    // The adapter's own clean-up of unread bodies closes connections after 500 ms; ours drains them
    // within a byte cap instead, so an early error (413, 401 ...) leaves a keep-alive connection usable.
    const listener = getRequestListener(fetch, { hostname: address.host, autoCleanupIncoming: false });
    const server = createDrainingServer(listener, {
      maximumDrainBytes: Math.max(MINIMUM_DRAIN_BYTES, 2 * address.bodyLimitBytes),
    });
    // Node closes an idle keep-alive connection after 5 s, the moment a client may be reusing it (the
    // client then sees ECONNRESET on a request that did nothing wrong). Clients and proxies mostly give
    // up idle connections sooner than this, so the server is rarely the side that closes one.
    server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
    server.once("error", reject);
    server.listen(address.port, address.host, () => resolve(server));
  });
}

async function stopServer(options: { server: ServerType; config: Config; logger: Logger }): Promise<void> {
  const { server, config, logger } = options;
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
}
