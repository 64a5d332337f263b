import { createHash, randomBytes } from "node:crypto";
import { realMilliseconds, type Clock } from "../lib/clock.ts";
import type { StoredResponse } from "../store/idempotency-key-repository.ts";
import type { Store } from "../store/store.ts";
import { ConflictError, ValidationError } from "../errors/app-error.ts";

export const IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
export const IDEMPOTENT_REPLAYED_HEADER = "Idempotent-Replayed";

/** Whose key it is: the same key from another tenant, principal or end user is another key. */
export interface IdempotencyScope {
  tenantId: string;
  /** the API key's id, or `session:<account>` for a signed-in person */
  principal: string;
  /** the end user the request acts for (X-Dramatis-User, or the session's own); "" when none */
  actingUser: string;
}

export interface IdempotentRequest {
  scope: IdempotencyScope;
  key: string;
  method: string;
  /** path and query */
  path: string;
  body: Uint8Array;
}

/** What a request with a key should do: run (holding the lease), or answer with the stored response. */
export type IdempotencyClaim =
  { kind: "run"; lease: IdempotencyLease } | { kind: "replay"; response: StoredResponse };

export interface IdempotencyOptions {
  /** how long a key and its response are kept; at least 24 h (the IETF draft and Stripe) */
  retentionMs: number;
  /** how long a running request holds its key without renewing; renewed every third of it */
  leaseMs: number;
  /** expired keys are pruned on write at most this often per process */
  pruneIntervalMs: number;
}

const DEFAULT_OPTIONS: IdempotencyOptions = {
  retentionMs: 24 * 60 * 60 * 1000,
  leaseMs: 60 * 1000,
  pruneIntervalMs: 10 * 60 * 1000,
};

function sha256(...parts: (string | Uint8Array)[]): string {
  const hash = createHash("sha256");
  for (const part of parts) {
    // Length-prefixed, so ("ab", "c") and ("a", "bc") never hash alike.
    const bytes = typeof part === "string" ? Buffer.from(part, "utf8") : part;
    hash.update(`${bytes.length}:`);
    hash.update(bytes);
  }
  return hash.digest("hex");
}

/**
 * Idempotency-Key semantics after Stripe and draft-ietf-httpapi-idempotency-key-header: the first request
 * with a key runs and its response is stored; a retry with the same key and the same request gets that
 * response again; the same key with a different request is a 422; a retry while the first still runs is a
 * 409. A running key is leased and the lease renewed while its request works, so a key whose process died
 * is taken over by the next retry once the lease runs out, instead of blocking forever.
 */
export class IdempotencyService {
  private readonly options: IdempotencyOptions;
  private lastPrunedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    options: Partial<IdempotencyOptions> = {},
  ) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
  }

  /** Decides whether this request runs or replays; throws the 409 or 422 the draft prescribes. */
  async claim(request: IdempotentRequest): Promise<IdempotencyClaim> {
    const { scope } = request;
    const id = sha256(scope.tenantId, scope.principal, scope.actingUser, request.key);
    const fingerprint = sha256(request.method, request.path, scope.actingUser, request.body);
    await this.pruneNowAndThen();
    const repository = this.store.idempotencyKeys;
    // Two rounds at most: the second after deleting an expired row found in the first.
    for (let round = 0; round < 2; round++) {
      const now = this.clock.now();
      const leaseToken = randomBytes(16).toString("hex");
      const inserted = await repository.insertIfAbsent({
        id,
        tenant_id: scope.tenantId,
        idempotency_key: request.key,
        fingerprint,
        method: request.method,
        path: request.path,
        status: "running",
        lease_token: leaseToken,
        locked_until: this.lockedUntil(now),
        response_status: null,
        response_headers: null,
        response_body: null,
        created_at: now.toISOString(),
        completed_at: null,
        expires_at: new Date(now.getTime() + this.options.retentionMs).toISOString(),
      });
      if (inserted) return { kind: "run", lease: this.lease(id, leaseToken) };

      const existing = await repository.find(id);
      if (!existing) continue; // pruned between the insert and the read: insert again
      if (existing.expires_at <= now.toISOString()) {
        await repository.deleteIfExpired(id, now.toISOString());
        continue;
      }
      if (existing.fingerprint !== fingerprint) {
        throw new ValidationError(
          [{ field: IDEMPOTENCY_KEY_HEADER, message: "already used for a different request" }],
          `this ${IDEMPOTENCY_KEY_HEADER} was already used with a different request (method, path or body); ` +
            "send a new key for a new request",
        );
      }
      if (existing.status === "completed") {
        return {
          kind: "replay",
          response: {
            status: existing.response_status ?? 500,
            headers: existing.response_headers,
            body: new Uint8Array(existing.response_body ?? new Uint8Array()),
          },
        };
      }
      if (existing.locked_until !== null && existing.locked_until > now.toISOString()) {
        throw new ConflictError(
          `a request with this ${IDEMPOTENCY_KEY_HEADER} is still being processed; ` +
            "retry after it has finished to get its response",
        );
      }
      // The first request's process stopped renewing its lease (it died): this retry runs instead.
      const tookOver = await repository.takeOver({
        id,
        expiredToken: existing.lease_token,
        leaseToken,
        now: now.toISOString(),
        lockedUntil: this.lockedUntil(now),
      });
      if (tookOver) return { kind: "run", lease: this.lease(id, leaseToken) };
      throw new ConflictError(
        `a request with this ${IDEMPOTENCY_KEY_HEADER} is still being processed; ` +
          "retry after it has finished to get its response",
      );
    }
    throw new ConflictError(`the ${IDEMPOTENCY_KEY_HEADER} changed while it was being checked; retry`);
  }

  /** Deletes expired keys now; the claim path also does this at most every pruneIntervalMs. */
  async prune(): Promise<number> {
    this.lastPrunedAt = this.clock.now().getTime();
    return this.store.idempotencyKeys.prune(this.clock.now().toISOString());
  }

  private async pruneNowAndThen(): Promise<void> {
    if (this.clock.now().getTime() - this.lastPrunedAt < this.options.pruneIntervalMs) return;
    await this.prune();
  }

  private lockedUntil(now: Date): string {
    return new Date(now.getTime() + this.options.leaseMs).toISOString();
  }

  private lease(id: string, leaseToken: string): IdempotencyLease {
    return new IdempotencyLease({
      id,
      leaseToken,
      store: this.store,
      clock: this.clock,
      leaseMs: this.options.leaseMs,
    });
  }
}

/**
 * A running request's hold on its key. It renews itself until the request completes or releases it, so
 * only a request whose process stopped loses the key.
 */
export class IdempotencyLease {
  private readonly timer: NodeJS.Timeout;
  private settled = false;

  constructor(
    private readonly options: {
      id: string;
      leaseToken: string;
      store: Store;
      clock: Clock;
      leaseMs: number;
    },
  ) {
    const every = Math.max(1, realMilliseconds(options.clock, options.leaseMs / 3));
    // A failed renewal is tried again at the next turn, a third of the lease later; if the lease lapses,
    // a retry of the request takes it over, which is what the lease is for.
    this.timer = setInterval(() => void this.renew().catch(() => undefined), every);
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    if (this.settled) return;
    const { store, clock, id, leaseToken, leaseMs } = this.options;
    const lockedUntil = new Date(clock.now().getTime() + leaseMs).toISOString();
    if (!(await store.idempotencyKeys.renewLease(id, leaseToken, lockedUntil))) this.stop();
  }

  /** Stores the response retries will get; false when another request took the key over meanwhile. */
  async complete(response: StoredResponse): Promise<boolean> {
    this.stop();
    return this.options.store.idempotencyKeys.complete({
      id: this.options.id,
      leaseToken: this.options.leaseToken,
      response,
      completedAt: this.options.clock.now().toISOString(),
    });
  }

  /** Forgets the key: the request did nothing lasting, so a retry should run afresh. */
  async release(): Promise<void> {
    this.stop();
    await this.options.store.idempotencyKeys.release(this.options.id, this.options.leaseToken);
  }

  private stop(): void {
    this.settled = true;
    clearInterval(this.timer);
  }
}
