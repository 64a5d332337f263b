/**
 * The metrics port (DRAMATIS_METRICS_PORT): how a worker, which serves no API, is scraped. In process for
 * the token, then a real `dramatis serve --role worker` that runs a job and reports it.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/config.ts";
import { DatabaseJobQueue } from "../src/jobs/database-job-queue.ts";
import { CONVERSATION_REPLY_JOB } from "../src/services/job-service.ts";
import { startServer } from "../src/server.ts";
import { openDatabase } from "../src/store/database.ts";
import { Resources, freePort, startServe, waitUntil } from "./server-processes.ts";

const TOKEN = "metrics-token-0123456789abcdef";

describe("the metrics port", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-metrics-port-"));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it("serves /metrics of a worker process, behind DRAMATIS_METRICS_TOKEN, and nothing else", async () => {
    const worker = await startServer({
      config: loadConfig({
        DRAMATIS_DATA_DIR: dataDir,
        DRAMATIS_METRICS_PORT: "0",
        DRAMATIS_METRICS_TOKEN: TOKEN,
      }),
      role: "worker",
      logger: pino({ level: "silent" }),
    });
    try {
      expect(worker.url).toBe("");
      expect(worker.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const missing = await fetch(worker.metricsUrl);
      expect(missing.status).toBe(401);
      expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(await missing.text()).not.toContain(TOKEN);
      const wrong = await fetch(worker.metricsUrl, { headers: { authorization: `Bearer ${TOKEN}x` } });
      expect(wrong.status).toBe(401);
      await wrong.arrayBuffer();
      const right = await fetch(worker.metricsUrl, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(right.status).toBe(200);
      expect(right.headers.get("content-type")).toContain("text/plain");
      expect(await right.text()).toContain("dramatis_process_cpu_seconds_total");
      const api = await fetch(new URL("/v1/personas", worker.metricsUrl));
      expect(api.status).toBe(404);
      await api.arrayBuffer();
    } finally {
      await worker.stop();
    }
  });

  it("is off unless configured", async () => {
    const server = await startServer({
      config: loadConfig({ DRAMATIS_DATA_DIR: dataDir, PORT: "0" }),
      logger: pino({ level: "silent" }),
    });
    try {
      expect(server.metricsUrl).toBe("");
    } finally {
      await server.stop();
    }
  });
});

describe("a worker process", () => {
  const resources = new Resources();
  afterEach(async () => resources.release());

  it("reports the jobs it ran on its metrics port and logs a failed one with its id", async () => {
    const dataDirectory = resources.temporaryDirectory("metrics-worker");
    const metricsPort = await freePort();
    const worker = await startServe(resources, {
      name: "worker",
      role: "worker",
      environment: {
        DRAMATIS_DATA_DIR: dataDirectory,
        DRAMATIS_METRICS_PORT: String(metricsPort),
        DRAMATIS_METRICS_TOKEN: TOKEN,
      },
    });
    // The worker created the SQLite database; this process queues a job on it, as an API process would.
    const database = await openDatabase({
      database: { kind: "sqlite", file: path.join(dataDirectory, "dramatis.sqlite") },
    });
    resources.onCleanup(() => database.close());
    const queue = new DatabaseJobQueue({ db: database.db, logger: pino({ level: "silent" }) });
    resources.onCleanup(() => queue.close());
    // A reply for a user who does not exist: the job fails at once.
    const job = await queue.enqueue({
      tenantId: "ten_default",
      kind: CONVERSATION_REPLY_JOB,
      payload: { user_id: "usr_gone" },
    });
    for await (const event of queue.events("ten_default", job.id, { signal: AbortSignal.timeout(60_000) })) {
      if (event.type === "status") expect(event.status).not.toBe("succeeded");
    }
    expect((await queue.get("ten_default", job.id))?.status).toBe("failed");

    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    expect((await fetch(metricsUrl)).status).toBe(401);
    const scraped = await fetch(metricsUrl, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(scraped.status).toBe(200);
    const text = await scraped.text();
    expect(text).toContain(`dramatis_jobs_failed_total{kind="${CONVERSATION_REPLY_JOB}"} 1`);
    expect(text).toContain(
      `dramatis_job_duration_seconds_count{kind="${CONVERSATION_REPLY_JOB}",outcome="failed"} 1`,
    );
    await waitUntil(async () => worker.output.text.includes(job.id), { what: "the failed job's log line" });
    const line = worker.output.text.split("\n").find((candidate) => candidate.includes(job.id));
    expect(JSON.parse(line!)).toMatchObject({
      msg: "job failed",
      job_id: job.id,
      kind: CONVERSATION_REPLY_JOB,
      tenant_id: "ten_default",
    });
  }, 120_000);
});
