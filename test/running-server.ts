import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { loadConfig } from "../src/config/config.ts";
import { startServer, type RunningServer } from "../src/server.ts";
import { settleJobs } from "./settle-jobs.ts";

/** A server started as `npm start` does, on a loopback port over a fresh data directory. */
export interface RunningTestServer {
  server: RunningServer;
  url: string;
  adminKey: string;
  /** One JSON request with the admin key, acting for `user` when one is named. */
  call(
    route: string,
    init?: { method?: string; user?: string; json?: unknown },
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Waits until every due job of `kind` has run (see settleJobs). */
  settleJobs(kind: string): Promise<void>;
  stop(): Promise<void>;
}

const ADMIN_KEY = "dra_running_server_admin_key_0000000000";

/**
 * Starts the real server with these settings (as environment variables) added to its own.
 *
 * @example const running = await startRunningServer({ TWILIO_ACCOUNT_SID: "AC…", TWILIO_AUTH_TOKEN: "…" });
 */
export async function startRunningServer(
  environment: Record<string, string> = {},
): Promise<RunningTestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-running-"));
  const server = await startServer({
    config: loadConfig({
      // Suites fire requests faster than any person: rate limits out of reach unless a suite sets them.
      DRAMATIS_RATE_LIMIT_PER_MINUTE: "1000000",
      DRAMATIS_RATE_LIMIT_ANONYMOUS_PER_MINUTE: "1000000",
      DRAMATIS_VERIFICATION_CODES_PER_HOUR: "10000",
      ...environment,
      DRAMATIS_DATA_DIR: dataDir,
      PORT: "0",
      DRAMATIS_ADMIN_KEY: ADMIN_KEY,
    }),
    logger: pino({ level: "silent" }),
  });
  return {
    server,
    url: server.url,
    adminKey: ADMIN_KEY,
    settleJobs: (kind) => settleJobs({ db: server.services.store.db, kind, now: () => new Date() }),
    async call(route, init = {}) {
      const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_KEY}` };
      if (init.user) headers["x-dramatis-user"] = init.user;
      if (init.json !== undefined) headers["content-type"] = "application/json";
      const response = await fetch(`${server.url}${route}`, {
        method: init.method ?? "GET",
        headers,
        body: init.json === undefined ? undefined : JSON.stringify(init.json),
      });
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    },
    async stop() {
      await server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
