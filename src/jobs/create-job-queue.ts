import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Clock } from "../lib/clock.ts";
import type { JobMetrics } from "../lib/metrics.ts";
import type { Database } from "../store/schema.ts";
import { DatabaseJobQueue } from "./database-job-queue.ts";
import type { JobQueue } from "./job-queue.ts";
import { RedisJobQueue } from "./redis-job-queue.ts";

export interface CreateJobQueueOptions {
  /** the project's database; holds the jobs unless redisUrl is set */
  db: Kysely<Database>;
  /** REDIS_URL: when set, jobs run through BullMQ on this Redis instead */
  redisUrl?: string;
  clock?: Clock;
  /** how long a crashed worker's jobs stay claimed; default 30 s */
  leaseMs?: number;
  /** where failed jobs and queue errors are logged, with the job's id, kind and tenant */
  logger: Logger;
  /** jobs queued, running, failed and their durations */
  metrics?: JobMetrics;
}

/**
 * The configured job queue: BullMQ on Redis when a Redis URL is given, else the durable database queue.
 *
 * @example const queue = createJobQueue({ db, redisUrl: config.redisUrl });
 */
export function createJobQueue(options: CreateJobQueueOptions): JobQueue {
  const { clock, leaseMs, logger, metrics } = options;
  if (options.redisUrl) return new RedisJobQueue({ url: options.redisUrl, clock, leaseMs, logger, metrics });
  return new DatabaseJobQueue({ db: options.db, clock, leaseMs, logger, metrics });
}
