/**
 * What the rate limiter adds to each /v1 request: one `RateLimits.consumeRequest` (the middleware's only
 * store call), timed sequentially on each shared store — SQLite (a file in a temp directory), and
 * PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set — with one key per run so every call is an
 * update of a live token bucket (GCRA), as under load. Also times an in-process `GET /v1/auth/status`
 * through the whole app, to put the figure next to a cheap request.
 *
 * Run: `node --import tsx bench/rate-limit-bench.ts` (RATE_BENCH_REQUESTS, default 5000).
 */
import { randomBytes } from "node:crypto";
import { SecretBox } from "../src/lib/secret-box.ts";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { sql } from "kysely";
import pino from "pino";
import { createApp } from "../src/app.ts";
import { systemClock } from "../src/lib/clock.ts";
import { randomToken } from "../src/lib/ids.ts";
import { DatabaseJobQueue } from "../src/jobs/database-job-queue.ts";
import { ModelRegistry } from "../src/models/model-registry.ts";
import { createOfflineProvider } from "../src/models/offline-model.ts";
import { RateLimits, DEFAULT_RATE_LIMIT_SETTINGS } from "../src/rate-limits/rate-limits.ts";
import { createServices } from "../src/composition/create-services.ts";
import { openDatabase, type DatabaseHandle } from "../src/store/database.ts";
import { Store } from "../src/store/store.ts";
import { formatNumber, summarizeLatencies } from "./latency-stats.ts";
import { readPositiveInteger } from "./bench-settings.ts";

const REQUESTS = readPositiveInteger("RATE_BENCH_REQUESTS", 5000);
const WARMUP = Math.min(500, REQUESTS);
const settings = { ...DEFAULT_RATE_LIMIT_SETTINGS, requestsPerMinute: 1_000_000_000 };

async function time(label: string, call: () => Promise<unknown>): Promise<string> {
  for (let index = 0; index < WARMUP; index++) await call();
  const samples: number[] = [];
  for (let index = 0; index < REQUESTS; index++) {
    const started = performance.now();
    await call();
    samples.push((performance.now() - started) * 1000);
  }
  const summary = summarizeLatencies(samples);
  return `| ${label} | ${summary.count} | ${formatNumber(summary.mean, 0)} | ${formatNumber(summary.p50, 0)} | ${formatNumber(summary.p99, 0)} |`;
}

async function benchDatabase(label: string, handle: DatabaseHandle): Promise<string> {
  const limits = new RateLimits(
    { kind: "database", repository: new Store(handle.db).rateLimits, clock: systemClock },
    settings,
  );
  const subject = `principal:bench_${randomToken(6)}`;
  return time(label, () => limits.consumeRequest(subject));
}

async function main(): Promise<void> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-rate-bench-"));
  const rows: string[] = [];
  try {
    const sqlite = await openDatabase({
      database: { kind: "sqlite", file: path.join(directory, "bench.sqlite") },
    });
    rows.push(await benchDatabase("consumeRequest, SQLite (WAL)", sqlite));

    // The same limiter inside a whole in-process request, for scale.
    const store = new Store(sqlite.db);
    const services = createServices(store, systemClock, {
      models: new ModelRegistry([createOfflineProvider()], "offline/default"),
      jobs: new DatabaseJobQueue({ db: sqlite.db }),
      secrets: new SecretBox(randomBytes(32)),
      rateLimits: new RateLimits(
        { kind: "database", repository: store.rateLimits, clock: systemClock },
        { ...settings, anonymousPerMinute: 1_000_000_000 },
      ),
    });
    const app = createApp({
      services,
      logger: pino({ level: "silent" }),
      config: { bodyLimitBytes: 1024 * 1024, importLimitBytes: 1024 * 1024 },
    });
    rows.push(
      await time("GET /v1/auth/status in process (includes one consumeRequest)", async () => {
        const response = await app.request("/v1/auth/status");
        await response.arrayBuffer();
      }),
    );
    await sqlite.close();

    const databaseUrl = process.env.DATABASE_URL;
    if (databaseUrl && /^postgres(ql)?:\/\//.test(databaseUrl)) {
      const schema = `bench_${randomToken(8)
        .toLowerCase()
        .replace(/[^a-z0-9]/g, "")}`;
      const postgres = await openDatabase({
        database: { kind: "postgres", url: databaseUrl },
        postgresSchema: schema,
        poolSize: 2,
      });
      try {
        rows.push(await benchDatabase("consumeRequest, PostgreSQL (loopback)", postgres));
      } finally {
        await sql.raw(`drop schema if exists ${schema} cascade`).execute(postgres.db);
        await postgres.close();
      }
    } else rows.push("| PostgreSQL: set DATABASE_URL=postgres://... | | | | |");

    const redisUrl = process.env.REDIS_URL;
    if (redisUrl) {
      const client = new Redis(redisUrl);
      try {
        const limits = new RateLimits({ kind: "redis", client }, settings);
        const subject = `principal:bench_${randomToken(6)}`;
        rows.push(await time("consumeRequest, Redis (loopback)", () => limits.consumeRequest(subject)));
      } finally {
        client.disconnect();
      }
    } else rows.push("| Redis: set REDIS_URL=redis://... | | | | |");
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
  console.log(
    [
      `Rate limiter overhead, ${REQUESTS} sequential calls after ${WARMUP} warm-up, Node ${process.version}, ${os.cpus().length} cores`,
      "",
      "| what | calls | mean µs | p50 µs | p99 µs |",
      "| --- | ---: | ---: | ---: | ---: |",
      ...rows,
    ].join("\n"),
  );
}

await main();
