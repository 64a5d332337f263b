import { describe, expect, it } from "vitest";
import { createLogger } from "./create-logger.ts";

describe("createLogger", () => {
  it("redacts connection strings, keys and echoed authorization headers in every log line", () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: "info",
      destination: { write: (line: string) => lines.push(line) },
    });
    const driverError = new Error(
      "getaddrinfo ENOTFOUND for postgres://app:pg-pass-0001@db.internal/dramatis",
      {
        cause: new Error("Authorization: Bearer sk-cause-0002 was refused"),
      },
    );
    logger.error({ err: driverError }, "database unreachable");
    logger.info(
      { redis_url: "redis://default:redis-pass-0003@cache:6379", job: { token: "tok-0004" } },
      "queue",
    );
    logger.warn({ upstream: { apiKey: "sk-0005", body: "x-api-key: sk-0006" } }, "upstream");
    const text = lines.join("\n");
    expect(text).toContain("database unreachable");
    expect(text).toContain("db.internal");
    for (const secret of ["pg-pass-0001", "sk-cause-0002", "redis-pass-0003", "tok-0004", "sk-0005"]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain("[redacted]");
  });
});
