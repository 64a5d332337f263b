import type { Logger } from "pino";
import type { Clock } from "../../lib/clock.ts";
import { newId } from "../../lib/ids.ts";
import type { UserRow } from "../../store/schema.ts";
import type { Store } from "../../store/store.ts";

/** How often an open stream renews its row, in real milliseconds. */
export const PRESENCE_RENEW_MS = 15_000;
/** How long a row counts without renewal, in real milliseconds: a dead process's streams stop counting after it. */
export const PRESENCE_TIME_TO_LIVE_MS = 45_000;

/** An open stream's registration; `close` removes it (and stops renewing it). */
export interface InboxConnection {
  readonly id: string;
  close(): Promise<void>;
}

/**
 * Whether a user has the app open: an open `/v1/inbox/events` stream in any server process. Each
 * stream stores a row that its process renews every 15 seconds and that expires 45 seconds after the
 * last renewal, so the streams of a process that crashed stop counting on their own.
 *
 * Renewal runs on real timers, but expiry is compared with the server's clock, which may run fast
 * (DRAMATIS_CLOCK_SPEED): so the time to live is converted to clock time (45 real seconds are 45 × rate
 * clock seconds), and a row outlives its renewals however fast the clock runs.
 */
export class InboxPresence {
  private readonly renewMs: number;
  private readonly timeToLiveMs: number;
  private readonly logger: Logger | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    options: {
      renewMs?: number;
      timeToLiveMs?: number;
      /** told about failed renewals (each is retried; a row outlives two) */
      logger?: Logger | undefined;
    } = {},
  ) {
    this.logger = options.logger;
    this.renewMs = options.renewMs ?? PRESENCE_RENEW_MS;
    this.timeToLiveMs = options.timeToLiveMs ?? PRESENCE_TIME_TO_LIVE_MS;
  }

  /**
   * Registers an open stream of the user's until `close` (call it in a `finally`).
   *
   * @example
   * const connection = await presence.connect(user);
   * try { for await (const event of events) write(event); } finally { await connection.close(); }
   */
  async connect(user: UserRow): Promise<InboxConnection> {
    const now = this.clock.now();
    await this.store.inboxConnections.deleteExpired(now.toISOString());
    const id = newId("inc", now.getTime());
    const row = () => ({
      id,
      tenant_id: user.tenant_id,
      user_id: user.id,
      created_at: now.toISOString(),
      expires_at: this.expiryFrom(this.clock.now()),
    });
    await this.store.inboxConnections.upsert(row());
    let closed = false;
    let renewal: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      // A failed renewal is tried again at the next turn; the row outlives two missed ones.
      renewal = this.store.inboxConnections.upsert(row()).catch((error: unknown) => {
        this.logger?.warn(
          { err: error, connection_id: id, user_id: user.id, tenant_id: user.tenant_id },
          "renewing an inbox connection failed; trying again at the next turn",
        );
      });
    }, this.renewMs);
    timer.unref();
    return {
      id,
      close: async () => {
        if (closed) return;
        closed = true;
        clearInterval(timer);
        await renewal;
        await this.store.inboxConnections.delete(id);
      },
    };
  }

  /** Whether the user has an open stream in any process now. */
  async isConnected(userId: string): Promise<boolean> {
    return this.store.inboxConnections.isConnected(userId, this.clock.now().toISOString());
  }

  private expiryFrom(now: Date): string {
    // Real milliseconds to clock milliseconds: the inverse of realMilliseconds (src/lib/clock.ts).
    return new Date(now.getTime() + this.timeToLiveMs * (this.clock.rate ?? 1)).toISOString();
  }
}
