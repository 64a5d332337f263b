import { createRequire } from "node:module";
import { RateLimiterRes, type RateLimiterStoreAbstract as StoreAbstract } from "rate-limiter-flexible";
import type { Clock } from "../lib/clock.ts";
import type { RateLimitCounter, RateLimitRepository } from "../store/rate-limit-repository.ts";

// The base class every store of the library extends; its index exports the stores but not the base.
const RateLimiterStoreAbstract = createRequire(import.meta.url)(
  "rate-limiter-flexible/lib/RateLimiterStoreAbstract.js",
) as typeof StoreAbstract;

/** A counter with `duration: 0` never expires; stored with this end so one comparison fits all rows. */
const NEVER = Number.MAX_SAFE_INTEGER;
/** Ended counters are swept at most this often per process (one indexed delete). */
const SWEEP_INTERVAL_MS = 60_000;

interface StoredResult extends RateLimitCounter {
  now: number;
}

export interface DatabaseRateLimiterOptions {
  repository: RateLimitRepository;
  clock: Clock;
  points: number;
  /** seconds per window */
  duration: number;
  keyPrefix: string;
}

/**
 * rate-limiter-flexible's store contract over the project's own repository, so counters live in the
 * migrated `rate_limits` table on SQLite and PostgreSQL alike (the library's SQLite and PostgreSQL stores
 * create their own tables outside the migrations and want raw driver handles). Time comes from the
 * injected clock, so tests move windows on without waiting.
 */
export class DatabaseRateLimiter extends RateLimiterStoreAbstract {
  private readonly repository: RateLimitRepository;
  private readonly clock: Clock;
  private lastSweep = 0;

  constructor(options: DatabaseRateLimiterOptions) {
    super({
      storeClient: options.repository,
      points: options.points,
      duration: options.duration,
      keyPrefix: options.keyPrefix,
    });
    this.repository = options.repository;
    this.clock = options.clock;
  }

  // The library calls these four by name (RateLimiterStoreAbstract).
  async _upsert(
    rlKey: string,
    points: number,
    msDuration: number,
    forceExpire = false,
  ): Promise<StoredResult> {
    const now = this.clock.now().getTime();
    await this.sweep(now);
    const counter = await this.repository.add({
      key: rlKey,
      points,
      now,
      expiresAt: msDuration > 0 ? now + msDuration : NEVER,
      replace: forceExpire,
    });
    return { ...counter, now };
  }

  async _get(rlKey: string): Promise<StoredResult | null> {
    const now = this.clock.now().getTime();
    const counter = await this.repository.find(rlKey, now);
    return counter ? { ...counter, now } : null;
  }

  async _delete(rlKey: string): Promise<boolean> {
    return this.repository.delete(rlKey);
  }

  _getRateLimiterRes(_rlKey: string, changedPoints: number, result: StoredResult): RateLimiterRes {
    const msBeforeNext = result.expiresAt === NEVER ? -1 : Math.max(result.expiresAt - result.now, 0);
    return new RateLimiterRes(
      Math.max(this.points - result.points, 0),
      msBeforeNext,
      result.points,
      result.points === changedPoints,
    );
  }

  private async sweep(now: number): Promise<void> {
    if (now - this.lastSweep < SWEEP_INTERVAL_MS && now >= this.lastSweep) return;
    this.lastSweep = now;
    await this.repository.deleteExpired(now);
  }
}
