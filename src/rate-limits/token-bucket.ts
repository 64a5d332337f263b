import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import type { RateLimitRepository } from "../store/rate-limit-repository.ts";

/**
 * Token buckets by GCRA (the generic cell rate algorithm): instead of a token count and a refill time,
 * each key stores one "theoretical arrival time" (TAT), the moment its bucket would be full again if no
 * further request came. A request at `now` is allowed when `max(TAT, now) - now <= tolerance` and moves
 * the TAT on by one interval. With `interval = window / limit` and `tolerance = (limit - 1) * interval`
 * a full bucket holds `limit` tokens (the burst) and refills continuously at `limit / window`, so there
 * is no window boundary at which two bursts fit back to back. All times are epoch microseconds.
 */
export interface BucketShape {
  /** microseconds per token (the refill rate's inverse), at least 1 */
  intervalUs: number;
  /** how far the TAT may run ahead of now and still admit a request: (capacity - 1) intervals */
  toleranceUs: number;
}

/** What one attempt to take a token found. */
export interface BucketTake {
  allowed: boolean;
  /** the key's TAT after the request when allowed, else the TAT that refused it (µs) */
  tatUs: number;
}

/** The bucket of `capacity` tokens refilled over `windowSeconds`. */
export function bucketShape(capacity: number, windowSeconds: number): BucketShape {
  const intervalUs = Math.max(1, Math.round((windowSeconds * 1_000_000) / capacity));
  return { intervalUs, toleranceUs: (capacity - 1) * intervalUs };
}

/** Whole tokens left after an allowed request (0 after a refused one). */
export function tokensRemaining(shape: BucketShape, take: BucketTake, nowUs: number): number {
  if (!take.allowed) return 0;
  return Math.max(0, Math.floor((nowUs + shape.toleranceUs - take.tatUs) / shape.intervalUs) + 1);
}

/**
 * Whole seconds the RateLimit header's `t` reports: until the bucket is full again after an allowed
 * request, until the next token after a refused one (also the 429's Retry-After). At least 1.
 */
export function secondsUntilReset(shape: BucketShape, take: BucketTake, nowUs: number): number {
  const untilUs = take.allowed ? take.tatUs - nowUs : take.tatUs - shape.toleranceUs - nowUs;
  return Math.max(1, Math.ceil(untilUs / 1_000_000));
}

/** Where buckets live; both take a token atomically, so processes sharing the store share the bucket. */
export interface BucketStore {
  take(key: string, nowUs: number, shape: BucketShape): Promise<BucketTake>;
  delete(key: string): Promise<void>;
}

/** Buckets in the database's `token_buckets` table: one conditional upsert per request. */
export class DatabaseBucketStore implements BucketStore {
  private lastSweepUs = 0;

  constructor(private readonly repository: RateLimitRepository) {}

  async take(key: string, nowUs: number, shape: BucketShape): Promise<BucketTake> {
    // Full buckets (TAT passed) carry no information: drop them at most once a minute per process.
    if (nowUs - this.lastSweepUs >= SWEEP_INTERVAL_US || nowUs < this.lastSweepUs) {
      this.lastSweepUs = nowUs;
      await this.repository.deleteFullBuckets(nowUs);
    }
    return this.repository.takeToken({ key, nowUs, ...shape });
  }

  async delete(key: string): Promise<void> {
    await this.repository.deleteBucket(key);
  }
}

const SWEEP_INTERVAL_US = 60_000_000;

/**
 * GCRA in one Lua script, so the read and the write are one atomic step on the Redis server. Numbers go
 * out through string.format("%d"): Lua's default number formatting keeps 14 digits, and a TAT in
 * microseconds has 16. The key expires when its bucket is full again (nothing to remember then).
 */
const TAKE_SCRIPT = `
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tolerance = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
if tat - now > tolerance then return {0, string.format('%d', tat)} end
local nextTat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', nextTat), 'PX', math.max(1, math.ceil((nextTat - now) / 1000)))
return {1, string.format('%d', nextTat)}
`;
const TAKE_SHA = createHash("sha1").update(TAKE_SCRIPT).digest("hex");

/** Buckets in Redis under `dramatis:bucket:<key>`. */
export class RedisBucketStore implements BucketStore {
  constructor(private readonly client: Redis) {}

  async take(key: string, nowUs: number, shape: BucketShape): Promise<BucketTake> {
    const args = [`dramatis:bucket:${key}`, nowUs, shape.intervalUs, shape.toleranceUs] as const;
    let reply: unknown;
    try {
      reply = await this.client.evalsha(TAKE_SHA, 1, ...args);
    } catch (error) {
      // The server has not seen the script yet (or restarted): send it whole once, it is cached after.
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      reply = await this.client.eval(TAKE_SCRIPT, 1, ...args);
    }
    const [allowed, tat] = reply as [number, string];
    return { allowed: allowed === 1, tatUs: Number(tat) };
  }

  async delete(key: string): Promise<void> {
    await this.client.del(`dramatis:bucket:${key}`);
  }
}
