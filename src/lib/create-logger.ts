import pino, { type Logger } from "pino";
import { redactSecrets } from "./redact.ts";

/**
 * Fields that hold credentials wherever they appear in a log line (one level deep, as pino's redaction
 * paths allow): connection strings, keys, tokens, authorization headers.
 */
export const REDACTED_LOG_PATHS = [
  "authorization",
  "password",
  "api_key",
  "apiKey",
  "token",
  "secret",
  "connectionString",
  "database_url",
  "redis_url",
  "databaseUrl",
  "redisUrl",
  "*.authorization",
  "*.password",
  "*.api_key",
  "*.apiKey",
  "*.token",
  "*.secret",
  "*.connectionString",
  "*.database_url",
  "*.redis_url",
  "*.databaseUrl",
  "*.redisUrl",
  "req.headers.authorization",
  "req.headers.cookie",
  "err.config",
  "err.requestBodyValues",
  "err.responseBody",
];

/**
 * Serialises errors like pino's standard serializer, then redacts every string in the result: driver
 * errors quote connection strings (`postgres://app:pw@db`), HTTP errors can quote what an upstream echoed.
 */
function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  return redactDeep(pino.stdSerializers.err(error), 0);
}

function redactDeep(value: unknown, depth: number): unknown {
  if (typeof value === "string") return redactSecrets(value);
  if (depth > 4 || typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, redactDeep(item, depth + 1)]),
  );
}

/**
 * The server's logger: pino with credentials redacted by field name, and errors (messages, stacks,
 * causes) scrubbed of URL passwords, authorization headers and key fields.
 *
 * @example const logger = createLogger({ level: "info" });
 */
export function createLogger(options: { level: string; destination?: pino.DestinationStream }): Logger {
  const settings = {
    level: options.level,
    base: { service: "dramatis" },
    redact: { paths: REDACTED_LOG_PATHS, censor: "[redacted]" },
    serializers: { err: serializeError, error: serializeError },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
