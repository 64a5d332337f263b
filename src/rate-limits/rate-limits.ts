import type { Redis } from "ioredis";
import { RateLimiterRedis, RateLimiterRes, type RateLimiterStoreAbstract } from "rate-limiter-flexible";
import { systemClock, type Clock } from "../lib/clock.ts";
import { TooManyRequestsError } from "../errors/app-error.ts";
import type { RateLimitRepository } from "../store/rate-limit-repository.ts";
import { DatabaseRateLimiter } from "./database-rate-limiter.ts";
import {
  bucketShape,
  DatabaseBucketStore,
  RedisBucketStore,
  secondsUntilReset,
  tokensRemaining,
  type BucketStore,
} from "./token-bucket.ts";

/** The limits the server applies; defaults from DRAMATIS_RATE_LIMIT_* (src/config/settings-limits.ts). */
export interface RateLimitSettings {
  /**
   * Requests per minute per API key or signed-in account, unless the key sets its own: a token bucket
   * of this many tokens (the burst) refilled at this many per minute.
   */
  readonly requestsPerMinute: number;
  /** Requests per minute per client address for requests without valid credentials (sign-in, webhooks, bad keys). */
  readonly anonymousPerMinute: number;
  /** Failed sign-ins per email (from anywhere) before the email is locked for the rest of the window. */
  readonly signInFailuresPerEmail: number;
  /** Failed sign-ins and setup attempts per client address (across emails) before the address is locked. */
  readonly signInFailuresPerAddress: number;
  /** The sign-in window, in seconds. */
  readonly signInWindowSeconds: number;
  /** Verification codes (SMS) one user may have sent per hour, across numbers. */
  readonly verificationCodesPerHour: number;
}

export const DEFAULT_RATE_LIMIT_SETTINGS: RateLimitSettings = Object.freeze({
  requestsPerMinute: 600,
  anonymousPerMinute: 120,
  signInFailuresPerEmail: 10,
  signInFailuresPerAddress: 50,
  signInWindowSeconds: 15 * 60,
  verificationCodesPerHour: 10,
});

/**
 * Where the counters live: Redis when REDIS_URL is set, else the database every process shares. Request
 * buckets read time from `clock` (the system clock when a Redis backend names none).
 */
export type RateLimitBackend =
  | { kind: "redis"; client: Redis; clock?: Clock }
  | { kind: "database"; repository: RateLimitRepository; clock: Clock };

/** The outcome of counting one request, with what the RateLimit headers report. */
export interface RateLimitDecision {
  allowed: boolean;
  /** the policy's name in the headers: `default`, `key` (a key's own limit) or `anonymous` */
  policy: string;
  /** the bucket's capacity: requests allowed at once, and refilled per window */
  quota: number;
  windowSeconds: number;
  /** whole tokens left */
  remaining: number;
  /** seconds until the bucket is full again; when refused, until the next token (Retry-After) */
  resetSeconds: number;
}

const REQUEST_WINDOW_SECONDS = 60;
const HOUR_SECONDS = 3600;
const DAY_SECONDS = 24 * HOUR_SECONDS;

/**
 * Every rate limit of the server over one shared store: request rates per key, account or address (token
 * buckets, taken atomically in the store: src/rate-limits/token-bucket.ts), and throttles on guessing
 * (sign-in, setup) and on sending verification codes (fixed windows of failures and sends: a lockout
 * should last its whole window, not trickle attempts back).
 *
 * @example
 * const limits = new RateLimits({ kind: "redis", client: redis }, DEFAULT_RATE_LIMIT_SETTINGS);
 * const decision = await limits.consumeRequest("key:key_1");
 */
export class RateLimits {
  private readonly limiters = new Map<string, RateLimiterStoreAbstract>();
  private readonly buckets: BucketStore;
  private readonly clock: Clock;

  constructor(
    private readonly backend: RateLimitBackend,
    readonly settings: RateLimitSettings = DEFAULT_RATE_LIMIT_SETTINGS,
  ) {
    this.buckets =
      backend.kind === "redis"
        ? new RedisBucketStore(backend.client)
        : new DatabaseBucketStore(backend.repository);
    this.clock = backend.clock ?? systemClock;
  }

  /**
   * Takes one token for a request under `subject` (`principal:<key id>`, `address:<ip>`) from its bucket
   * of `perMinute` tokens refilled at `perMinute` a minute (the settings' default when omitted), and says
   * whether it may go ahead. A key whose limit changes keeps its bucket: the stored arrival time is read
   * against the new rate.
   */
  async consumeRequest(
    subject: string,
    options: { perMinute?: number | null | undefined; policy?: string } = {},
  ): Promise<RateLimitDecision> {
    const quota = options.perMinute ?? this.settings.requestsPerMinute;
    const policy = options.policy ?? (options.perMinute == null ? "default" : "key");
    const shape = bucketShape(quota, REQUEST_WINDOW_SECONDS);
    const nowUs = this.clock.now().getTime() * 1000;
    const take = await this.buckets.take(`requests:${subject}`, nowUs, shape);
    return {
      allowed: take.allowed,
      policy,
      quota,
      windowSeconds: REQUEST_WINDOW_SECONDS,
      remaining: tokensRemaining(shape, take, nowUs),
      resetSeconds: secondsUntilReset(shape, take, nowUs),
    };
  }

  /** Counts one request without credentials from `address` (a smaller quota: nobody is accountable). */
  async consumeAnonymousRequest(address: string): Promise<RateLimitDecision> {
    return this.consumeRequest(`address:${address}`, {
      perMinute: this.settings.anonymousPerMinute,
      policy: "anonymous",
    });
  }

  /**
   * 429 when the email (none for setup tokens) or the address has failed too often in the window;
   * nothing is counted.
   */
  async assertSignInAllowed(email: string | undefined, address: string): Promise<void> {
    const { signInFailuresPerEmail, signInFailuresPerAddress, signInWindowSeconds } = this.settings;
    const [byEmail, byAddress] = await Promise.all([
      email === undefined
        ? null
        : this.limiter("signin-email", signInFailuresPerEmail, signInWindowSeconds).get(email),
      this.limiter("signin-address", signInFailuresPerAddress, signInWindowSeconds).get(address),
    ]);
    if (byEmail && byEmail.consumedPoints >= signInFailuresPerEmail) {
      const seconds = secondsUntil(byEmail.msBeforeNext, signInWindowSeconds);
      throw new TooManyRequestsError(
        `too many failed sign-ins for this email: try again in ${Math.ceil(seconds / 60)} minutes`,
        seconds,
      );
    }
    if (byAddress && byAddress.consumedPoints >= signInFailuresPerAddress) {
      const seconds = secondsUntil(byAddress.msBeforeNext, signInWindowSeconds);
      throw new TooManyRequestsError(
        `too many failed sign-ins from your address: try again in ${Math.ceil(seconds / 60)} minutes`,
        seconds,
      );
    }
  }

  /** Counts a failed sign-in (or a wrong setup token: `email` undefined) against the email and the address. */
  async recordSignInFailure(email: string | undefined, address: string): Promise<void> {
    const { signInFailuresPerEmail, signInFailuresPerAddress, signInWindowSeconds } = this.settings;
    await Promise.all([
      email === undefined
        ? undefined
        : this.limiter("signin-email", signInFailuresPerEmail, signInWindowSeconds).penalty(email),
      this.limiter("signin-address", signInFailuresPerAddress, signInWindowSeconds).penalty(address),
    ]);
  }

  /** A successful sign-in clears the email's failures (the address keeps its count: it may be spraying). */
  async clearSignInFailures(email: string): Promise<void> {
    const { signInFailuresPerEmail, signInWindowSeconds } = this.settings;
    await this.limiter("signin-email", signInFailuresPerEmail, signInWindowSeconds).delete(email);
  }

  /** Counts a verification code sent for `userId`; 429 past the hourly allowance (SMS costs the operator). */
  async consumeVerificationCode(userId: string): Promise<void> {
    const perHour = this.settings.verificationCodesPerHour;
    const result = await settle(this.limiter("verification-codes", perHour, HOUR_SECONDS).consume(userId));
    if (!result.allowed) {
      const seconds = secondsUntil(result.res.msBeforeNext, HOUR_SECONDS);
      throw new TooManyRequestsError(
        `${perHour} verification codes an hour at most: ask for another in ${Math.ceil(seconds / 60)} minutes`,
        seconds,
      );
    }
  }

  /**
   * Counts a picture or video asked for by `userId`; 429 past `perDay` in a day (each costs the operator
   * a generation). The window starts at the first one counted.
   */
  async consumeMediaGeneration(userId: string, perDay: number): Promise<void> {
    const result = await settle(this.limiter("media-generations", perDay, DAY_SECONDS).consume(userId));
    if (!result.allowed) {
      const seconds = secondsUntil(result.res.msBeforeNext, DAY_SECONDS);
      throw new TooManyRequestsError(
        `the limit of ${perDay} pictures and videos a day is reached: try again in ${Math.ceil(seconds / 60)} minutes`,
        seconds,
      );
    }
  }

  /** Forgets every counter of `subject` under a limiter family (tests, and an operator unlocking someone). */
  async reset(family: "requests" | "signin-email" | "signin-address", subject: string): Promise<void> {
    if (family === "requests") return this.buckets.delete(`requests:${subject}`);
    // Every limiter of a family shares its key prefix, so any of them deletes the counter.
    await this.limiter(family, 1, REQUEST_WINDOW_SECONDS).delete(subject);
  }

  /**
   * One limiter per family and quota, all of a family sharing the key prefix, so a key whose limit
   * changes keeps counting in the same window.
   */
  private limiter(family: string, points: number, duration: number): RateLimiterStoreAbstract {
    const name = `${family}:${points}:${duration}`;
    let limiter = this.limiters.get(name);
    if (!limiter) {
      limiter =
        this.backend.kind === "redis"
          ? new RateLimiterRedis({
              storeClient: this.backend.client,
              keyPrefix: `dramatis:rate:${family}`,
              points,
              duration,
            })
          : new DatabaseRateLimiter({
              repository: this.backend.repository,
              clock: this.backend.clock,
              keyPrefix: family,
              points,
              duration,
            });
      this.limiters.set(name, limiter);
    }
    return limiter;
  }
}

/** consume() rejects with a RateLimiterRes when over the limit and with an Error when the store fails. */
async function settle(consumed: Promise<RateLimiterRes>): Promise<{ allowed: boolean; res: RateLimiterRes }> {
  try {
    return { allowed: true, res: await consumed };
  } catch (error) {
    if (error instanceof RateLimiterRes) return { allowed: false, res: error };
    throw error;
  }
}

/** Whole seconds until a window ends (at least 1 while it lasts); a key that never expires: the window. */
function secondsUntil(msBeforeNext: number, windowSeconds: number): number {
  if (msBeforeNext < 0) return windowSeconds;
  return Math.max(1, Math.ceil(msBeforeNext / 1000));
}
