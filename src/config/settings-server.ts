import { z } from "zod";
import { integerText, isHttpUrl, isUrl } from "./setting-parsers.ts";

/** The server process: where it listens, its storage and queue, logging, shutdown and its clock. */
export const serverSettings = {
  PORT: { flag: "port", schema: integerText(0, 65535, "a port number 0-65535"), fallback: "8787" },
  HOST: {
    flag: "host",
    schema: z.string().min(1, "expected a host name or IP address"),
    fallback: "127.0.0.1",
  },
  DRAMATIS_DATA_DIR: {
    flag: "data-dir",
    schema: z.string().min(1, "expected a directory path"),
    fallback: "./data",
  },
  DATABASE_URL: {
    flag: "database-url",
    schema: z
      .string()
      .refine(
        (value) =>
          value === "" ||
          (/^(postgres|postgresql):\/\//.test(value) && isUrl(value)) ||
          /^(sqlite|file):/.test(value),
        "expected a postgres:// URL (user, password and host URL-encoded), a sqlite:<file> path, or nothing (SQLite in the data dir)",
      ),
    fallback: "",
  },
  LOG_LEVEL: {
    flag: "log-level",
    schema: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
      message: "expected one of fatal, error, warn, info, debug, trace, silent",
    }),
    fallback: "info",
  },
  DRAMATIS_SHUTDOWN_TIMEOUT_MS: {
    flag: "shutdown-timeout-ms",
    schema: integerText(0, 600_000, "milliseconds between 0 and 600000"),
    fallback: "10000",
  },
  DRAMATIS_WORKER_CONCURRENCY: {
    flag: "worker-concurrency",
    schema: integerText(1, 1024, "a number of jobs between 1 and 1024"),
    fallback: "64",
  },
  DRAMATIS_JOB_LEASE_MS: {
    flag: "job-lease-ms",
    schema: integerText(1000, 600_000, "milliseconds between 1000 and 600000"),
    fallback: "30000",
  },
  DRAMATIS_METRICS_PORT: {
    flag: "metrics-port",
    schema: z
      .string()
      .regex(/^$|^\d+$/, "expected a port number 0-65535 (0: any free one), or nothing for none")
      .transform((value) => (value === "" ? undefined : Number(value)))
      .refine(
        (value) => value === undefined || (value >= 0 && value <= 65535),
        "expected a port number 0-65535 (0: any free one), or nothing for none",
      ),
    fallback: "",
  },
  REDIS_URL: {
    flag: "redis-url",
    schema: z
      .string()
      .refine(
        (value) => value === "" || (/^rediss?:\/\//.test(value) && isUrl(value)),
        "expected a redis:// or rediss:// URL (user, password and host URL-encoded)",
      ),
    fallback: "",
  },
  DRAMATIS_CLOCK_START: {
    flag: "clock-start",
    schema: z
      .string()
      .refine(
        (value) =>
          value === "" || (/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(value) && !Number.isNaN(Date.parse(value))),
        "expected an ISO 8601 date and time such as 2026-12-03T07:55:00+01:00",
      ),
    fallback: "",
  },
  DRAMATIS_CLOCK_ANCHOR: {
    flag: "clock-anchor",
    schema: z
      .string()
      .refine(
        (value) =>
          value === "" || (/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(value) && !Number.isNaN(Date.parse(value))),
        "expected the real ISO 8601 date and time at which the simulated clock reads DRAMATIS_CLOCK_START",
      ),
    fallback: "",
  },
  DRAMATIS_CLOCK_SPEED: {
    flag: "clock-speed",
    schema: z
      .string()
      .regex(/^\d+(\.\d+)?$/, "expected a number from 1 to 100000 (how many times faster than real time)")
      .transform(Number)
      .refine(
        (value) => value >= 1 && value <= 100_000,
        "expected a number from 1 to 100000 (how many times faster than real time)",
      ),
    fallback: "1",
  },
  DRAMATIS_PUBLIC_URL: {
    flag: "public-url",
    schema: z
      .string()
      .refine(
        (value) => value === "" || isHttpUrl(value),
        "expected the server's public http(s) address without query or fragment, such as https://chat.example.com",
      ),
    fallback: "",
  },
} as const;
