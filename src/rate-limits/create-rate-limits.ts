import { Redis } from "ioredis";
import type { Clock } from "../lib/clock.ts";
import type { RateLimitRepository } from "../store/rate-limit-repository.ts";
import { RateLimits, type RateLimitSettings } from "./rate-limits.ts";

export interface CreateRateLimitsOptions {
  /** REDIS_URL: counters live in Redis when set, else in the database's `rate_limits` table */
  redisUrl?: string | undefined;
  repository: RateLimitRepository;
  clock: Clock;
  settings: RateLimitSettings;
}

/**
 * The server's rate limits over the configured shared store, and how to let go of it.
 *
 * @example const { limits, close } = createRateLimits({ redisUrl, repository: store.rateLimits, clock, settings });
 */
export function createRateLimits(options: CreateRateLimitsOptions): {
  limits: RateLimits;
  close(): Promise<void>;
} {
  if (options.redisUrl) {
    // Commands fail after a few retries instead of queueing forever, so a lost Redis answers 500s
    // rather than hanging every request.
    const client = new Redis(options.redisUrl, { maxRetriesPerRequest: 3, lazyConnect: false });
    return {
      limits: new RateLimits({ kind: "redis", client, clock: options.clock }, options.settings),
      async close() {
        client.disconnect();
      },
    };
  }
  return {
    limits: new RateLimits(
      { kind: "database", repository: options.repository, clock: options.clock },
      options.settings,
    ),
    async close() {},
  };
}
