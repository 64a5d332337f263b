import { sql, type Kysely } from "kysely";
import { isPostgres } from "./dialect.ts";
import type { Database } from "./schema.ts";

/** A counter as stored: points spent and when its window ends (epoch milliseconds). */
export interface RateLimitCounter {
  points: number;
  expiresAt: number;
}

/**
 * Rate-limit counters in the database, for servers without Redis. One atomic upsert per hit, so several
 * processes on one database count together: a window that has ended starts again from the new points.
 */
/** One request's points added to a key's counter (see `add`); times are epoch milliseconds. */
export interface CounterUpdate {
  key: string;
  points: number;
  now: number;
  expiresAt: number;
  replace?: boolean;
}

export class RateLimitRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Adds `points` to the key's counter and returns it. A counter whose window ended before `now` (or
   * any counter when `replace` is set) starts over with `points` and the window ending at `expiresAt`.
   *
   * @example await rateLimits.add({ key: "api:key_1", points: 1, now: 1000, expiresAt: 61000 })
   */
  async add(options: CounterUpdate): Promise<RateLimitCounter> {
    return this.withoutFlush((repository) => repository.upsert(options));
  }

  /**
   * A counter or a token is not worth a disk flush per request: on PostgreSQL the commit returns before
   * its WAL is flushed (a crash may forget the last fraction of a second of counts; nothing else is in
   * the transaction). SQLite runs `work` as it is.
   */
  private async withoutFlush<T>(work: (repository: RateLimitRepository) => Promise<T>): Promise<T> {
    if (!isPostgres(this.db)) return work(this);
    return this.db.transaction().execute(async (transaction) => {
      await sql`set local synchronous_commit = off`.execute(transaction);
      return work(new RateLimitRepository(transaction));
    });
  }

  private async upsert(options: CounterUpdate): Promise<RateLimitCounter> {
    const { key, points, now, expiresAt } = options;
    const restart = options.replace ? sql<boolean>`1 = 1` : sql<boolean>`rate_limits.expires_at <= ${now}`;
    const row = await this.db
      .insertInto("rate_limits")
      .values({ key, points, expires_at: expiresAt })
      .onConflict((conflict) =>
        conflict.column("key").doUpdateSet({
          points: sql<number>`case when ${restart} then excluded.points else rate_limits.points + excluded.points end`,
          expires_at: sql<number>`case when ${restart} then excluded.expires_at else rate_limits.expires_at end`,
        }),
      )
      .returning(["points", "expires_at"])
      .executeTakeFirstOrThrow();
    return { points: Number(row.points), expiresAt: Number(row.expires_at) };
  }

  /** The key's counter while its window lasts; undefined once it has ended or when there is none. */
  async find(key: string, now: number): Promise<RateLimitCounter | undefined> {
    const row = await this.db
      .selectFrom("rate_limits")
      .select(["points", "expires_at"])
      .where("key", "=", key)
      .where("expires_at", ">", now)
      .executeTakeFirst();
    return row && { points: Number(row.points), expiresAt: Number(row.expires_at) };
  }

  /** Forgets the key's counter; true when there was one. */
  async delete(key: string): Promise<boolean> {
    const result = await this.db.deleteFrom("rate_limits").where("key", "=", key).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Drops counters whose window ended before `now`, so the table holds only live ones. */
  async deleteExpired(now: number): Promise<number> {
    const result = await this.db.deleteFrom("rate_limits").where("expires_at", "<=", now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /**
   * Takes one token from the key's bucket (GCRA, src/rate-limits/token-bucket.ts) in one conditional
   * upsert: a new key is inserted with its first token taken; an existing one moves its TAT on only when
   * `max(tat, now) - now <= tolerance`, else the statement changes and returns nothing, and the TAT that
   * refused the request is read for Retry-After. Times are epoch microseconds.
   */
  async takeToken(options: {
    key: string;
    nowUs: number;
    intervalUs: number;
    toleranceUs: number;
  }): Promise<{ allowed: boolean; tatUs: number }> {
    return this.withoutFlush((repository) => repository.upsertToken(options));
  }

  private async upsertToken(options: {
    key: string;
    nowUs: number;
    intervalUs: number;
    toleranceUs: number;
  }): Promise<{ allowed: boolean; tatUs: number }> {
    const { key, nowUs, intervalUs, toleranceUs } = options;
    const start = sql<number>`(case when token_buckets.tat > ${nowUs} then token_buckets.tat else ${nowUs} end)`;
    const row = await this.db
      .insertInto("token_buckets")
      .values({ key, tat: nowUs + intervalUs })
      .onConflict((conflict) =>
        conflict
          .column("key")
          .doUpdateSet({ tat: sql<number>`${start} + ${intervalUs}` })
          .where(sql<boolean>`${start} - ${nowUs} <= ${toleranceUs}`),
      )
      .returning("tat")
      .executeTakeFirst();
    if (row) return { allowed: true, tatUs: Number(row.tat) };
    const refused = await this.db
      .selectFrom("token_buckets")
      .select("tat")
      .where("key", "=", key)
      .executeTakeFirst();
    // Swept between the two statements: the bucket filled up, so the next request goes through.
    return { allowed: false, tatUs: refused ? Number(refused.tat) : nowUs + toleranceUs };
  }

  /** Forgets the key's bucket (it is full again). */
  async deleteBucket(key: string): Promise<void> {
    await this.db.deleteFrom("token_buckets").where("key", "=", key).execute();
  }

  /** Drops buckets whose TAT has passed: they are full, exactly as if there were no row. */
  async deleteFullBuckets(nowUs: number): Promise<number> {
    const result = await this.db.deleteFrom("token_buckets").where("tat", "<=", nowUs).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
