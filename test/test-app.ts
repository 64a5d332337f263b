import { createDramatisClient, type DramatisClient } from "@dramatis/sdk";
import pino, { type Logger } from "pino";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createApp } from "../src/app.ts";
import type { Clock } from "../src/lib/clock.ts";
import { Metrics } from "../src/lib/metrics.ts";
import type { ScryptCost } from "../src/lib/password-hash.ts";
import { SecretBox } from "../src/lib/secret-box.ts";
import { DatabaseJobQueue } from "../src/jobs/database-job-queue.ts";
import { createJobHandlers } from "../src/jobs/job-handlers.ts";
import { ModelRegistry } from "../src/models/model-registry.ts";
import { createOfflineProvider } from "../src/models/offline-model.ts";
import { OutboundGuard } from "../src/lib/outbound-guard.ts";
import type { LocalServerAddress } from "../src/models/local-model-servers.ts";
import type { CatalogEntry } from "../src/models/model-catalog.ts";
import type { ModelFiles } from "../src/models/model-files.ts";
import type { TwilioSettings } from "../src/channels/sms/twilio-client.ts";
import type { PushSettings } from "../src/channels/push/push-channel.ts";
import type { WhatsAppSettings } from "../src/channels/whatsapp/whatsapp-client.ts";
import { createServices, type Services } from "../src/composition/create-services.ts";
import type { ServiceOptions } from "../src/composition/service-options.ts";
import type { DatabaseHandle } from "../src/store/database.ts";
import {
  DEFAULT_RATE_LIMIT_SETTINGS,
  RateLimits,
  type RateLimitSettings,
} from "../src/rate-limits/rate-limits.ts";
import { Store } from "../src/store/store.ts";
import { FileBlobStore } from "../src/store/file-blob-store.ts";
import { sqliteBackend, type Backend } from "./backends.ts";
import { settleJobs } from "./settle-jobs.ts";

export const ADMIN_KEY = "dra_testadmin_0123456789abcdefghijklmnopqrstuv";

/** A secret box with a throwaway key: what a test seals lives only as long as its database. */
export function createTestSecretBox(): SecretBox {
  return new SecretBox(randomBytes(32));
}

/** A manually advanced clock for tests. */
export class TestClock implements Clock {
  constructor(private current = new Date("2026-01-01T00:00:00.000Z")) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(milliseconds: number): void {
    this.current = new Date(this.current.getTime() + milliseconds);
  }
}

/** A Response whose JSON is loosely typed: tests assert on its shape. */
export interface TestResponse {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json(): Promise<any>;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface TestApp {
  services: Services;
  /** The registry the app's /metrics serves: its jobs, the default models' calls and deliveries. */
  metrics: Metrics;
  database: DatabaseHandle;
  clock: TestClock;
  /** Sends a request to the app in process (no socket). */
  request(
    path: string,
    init?: RequestInit & { key?: string | null; user?: string; json?: unknown },
  ): Promise<TestResponse>;
  /**
   * The typed SDK client over the app in process: as the admin key by default, or another key (null for
   * none, e.g. a session cookie in `headers`) acting for `user`.
   */
  client(options?: { key?: string | null; user?: string; headers?: Record<string, string> }): DramatisClient;
  /** The app as a `fetch` function over any origin (for code that takes one, like the SDK's options). */
  fetch(request: Request): Promise<Response>;
  /** Waits until no job of `kind` that may run by the app's clock is queued or running. */
  settleJobs(kind: string): Promise<void>;
  close(): Promise<void>;
}

/** A cheap scrypt cost for suites; production uses DEFAULT_PASSWORD_COST (OWASP's minimum). */
export const TEST_PASSWORD_COST: ScryptCost = { N: 1024, r: 8, p: 1 };

/** The real app over a fresh database with the default tenant bootstrapped with ADMIN_KEY. */
export async function createTestApp(
  options: {
    backend?: Backend;
    bodyLimitBytes?: number;
    importLimitBytes?: number;
    models?: ModelRegistry;
    embeddingModel?: string;
    webDirectory?: string;
    /** jobs the in-process worker runs at once; default 2 */
    workerConcurrency?: number;
    /** the clock the services and the queue read; default one at 2026-01-01T00:00:00Z */
    clock?: TestClock;
    /** Twilio's account (base URL on a loopback server); default none: SMS is off */
    twilio?: TwilioSettings;
    /** web push settings (http endpoints allowed for a loopback push service); default https only */
    push?: PushSettings;
    /** Meta's WhatsApp app (base URL on a loopback server); default none: WhatsApp is off */
    whatsapp?: WhatsAppSettings;
    /**
     * DRAMATIS_OUTBOUND_ALLOW for tenant-supplied URLs (provider base URLs, push endpoints); default none:
     * the strict policy, which refuses the loopback fakes. Suites that use them list them here.
     */
    outboundAllow?: string;
    /** model servers on this machine that discovery probes (loopback fakes); default none: discovery off */
    localModelServers?: readonly LocalServerAddress[];
    /** the download catalog and the models directory it fills; default none: downloads off */
    modelDownloads?: { catalog: readonly CatalogEntry[]; files: ModelFiles };
    /** scrypt cost of password hashes; default TEST_PASSWORD_COST (cheap) */
    passwordCost?: ScryptCost;
    /** seals secrets at rest; default a throwaway key */
    secrets?: SecretBox;
    /**
     * Rate limits over the app's database. Default: request rates and per-address and verification
     * throttles too generous to reach (suites fire many requests, all from one "unknown" address); the
     * per-email sign-in lockout as configured by default.
     */
    rateLimits?: Partial<RateLimitSettings>;
    /** The rate limits whole (e.g. over Redis); overrides `rateLimits`. */
    rateLimiter?: RateLimits;
    /** DRAMATIS_TRUST_PROXY: X-Forwarded-For names the client (tests vary the address with it); default 0 */
    trustProxyHops?: number;
    /** Another app's database, to run a second instance on it (closing this app leaves it open). */
    database?: DatabaseHandle;
    /** where the app, its job queue and services log (unhandled errors, failed jobs); default silent */
    logger?: Logger;
    /** speech services, prices and limits; default the embedded eSpeak NG voice and no recognizer */
    speech?: ServiceOptions["speech"];
    /** picture and video services, prices and limits; default the embedded placeholder only */
    media?: ServiceOptions["media"];
    /** the most bytes of blobs each tenant may store (DRAMATIS_BLOB_QUOTA_MB); default no limit */
    blobQuotaBytes?: number;
  } = {},
): Promise<TestApp> {
  const database = options.database
    ? { ...options.database, close: async () => {} }
    : await (options.backend ?? sqliteBackend).open();
  const clock = options.clock ?? new TestClock();
  const store = new Store(database.db);
  const rateLimits =
    options.rateLimiter ??
    new RateLimits(
      { kind: "database", repository: store.rateLimits, clock },
      {
        ...DEFAULT_RATE_LIMIT_SETTINGS,
        requestsPerMinute: 1_000_000,
        anonymousPerMinute: 1_000_000,
        signInFailuresPerAddress: 1_000_000,
        verificationCodesPerHour: 1_000_000,
        ...options.rateLimits,
      },
    );
  const logger = options.logger ?? pino({ level: "silent" });
  const metrics = new Metrics();
  const queue = new DatabaseJobQueue({
    db: database.db,
    clock,
    pollIntervalMs: 20,
    logger,
    metrics: metrics.jobs,
  });
  // Blobs live beside the test's database and go with the app.
  const blobDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-test-blobs-"));
  const services = createServices(store, clock, {
    blobs: new FileBlobStore({
      db: database.db,
      directory: blobDirectory,
      clock,
      quotaBytes: options.blobQuotaBytes,
    }),
    rateLimits,
    models:
      options.models ?? new ModelRegistry([createOfflineProvider()], "offline/default", metrics.modelCalls),
    jobs: queue,
    embeddingModel: options.embeddingModel,
    twilio: options.twilio,
    push: options.push,
    whatsapp: options.whatsapp,
    outbound: new OutboundGuard({ allow: options.outboundAllow }),
    localModelServers: options.localModelServers,
    modelDownloads: options.modelDownloads,
    // Production hashes cost 128 MiB and ~0.2 s each; suites sign in hundreds of times.
    passwordCost: options.passwordCost ?? TEST_PASSWORD_COST,
    secrets: options.secrets ?? createTestSecretBox(),
    speech: options.speech,
    media: options.media,
    logger,
    metrics,
  });
  const worker = queue.startWorker({
    handlers: createJobHandlers(services),
    concurrency: options.workerConcurrency ?? 2,
  });
  await services.personas.installPresets();
  await services.tenants.ensureDefaultTenant(ADMIN_KEY);
  const app = createApp({
    services,
    logger,
    metrics,
    webDirectory: options.webDirectory,
    config: {
      bodyLimitBytes: options.bodyLimitBytes ?? 1024 * 1024,
      importLimitBytes: options.importLimitBytes ?? 10 * 1024 * 1024,
      trustProxyHops: options.trustProxyHops ?? 0,
    },
  });
  return {
    services,
    metrics,
    database,
    clock,
    request(path, init = {}) {
      const { key = ADMIN_KEY, user, json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (key !== null) headers.set("authorization", `Bearer ${key}`);
      if (user !== undefined) headers.set("x-dramatis-user", user);
      let body = rest.body;
      if (json !== undefined) {
        headers.set("content-type", "application/json");
        body = JSON.stringify(json);
      }
      return Promise.resolve(app.request(path, { ...rest, headers, body })) as Promise<TestResponse>;
    },
    client({ key = ADMIN_KEY, user, headers } = {}) {
      return createDramatisClient({
        baseUrl: "http://dramatis.test",
        ...(key === null ? {} : { apiKey: key }),
        ...(user === undefined ? {} : { user }),
        headers: () => ({ ...headers }),
        fetch: async (request) => app.request(request),
      });
    },
    fetch: async (request) => app.request(request),
    settleJobs: (kind) => settleJobs({ db: database.db, kind, now: () => clock.now() }),
    async close() {
      services.studyRunner.stop();
      await worker.stop();
      await queue.close();
      await database.close();
      fs.rmSync(blobDirectory, { recursive: true, force: true });
    },
  };
}
