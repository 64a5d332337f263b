import type { Insertable, Kysely } from "kysely";
import type { Database, IdempotencyKeyTable } from "./schema.ts";
import { readIdempotencyKeyRow, type StoredIdempotencyKey } from "./stored-documents/access-documents.ts";

/** The stored response of a finished request, replayed for every retry with the same key. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

/**
 * Idempotency keys. Every write that decides who runs a request is one conditional statement, so two
 * processes racing on the same key never both win: the insert does nothing when the row exists, and the
 * take-over and the completion only match while the caller's lease token is the one stored.
 */
export class IdempotencyKeyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts the key as running; false when a row with this id already exists. */
  async insertIfAbsent(row: Insertable<IdempotencyKeyTable>): Promise<boolean> {
    const result = await this.db
      .insertInto("idempotency_keys")
      .values(row)
      .onConflict((conflict) => conflict.column("id").doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async find(id: string): Promise<StoredIdempotencyKey | undefined> {
    const row = await this.db
      .selectFrom("idempotency_keys")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row && readIdempotencyKeyRow(row);
  }

  /**
   * Takes over a running key whose lease ran out (its process died or stalled): true for exactly one
   * caller, the one whose update still saw the expired lease.
   */
  async takeOver(options: {
    id: string;
    expiredToken: string | null;
    leaseToken: string;
    now: string;
    lockedUntil: string;
  }): Promise<boolean> {
    let query = this.db
      .updateTable("idempotency_keys")
      .set({ lease_token: options.leaseToken, locked_until: options.lockedUntil })
      .where("id", "=", options.id)
      .where("status", "=", "running")
      .where("locked_until", "<=", options.now);
    query =
      options.expiredToken === null
        ? query.where("lease_token", "is", null)
        : query.where("lease_token", "=", options.expiredToken);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Extends a running key's lease while its request is still working; false once it lost the lease. */
  async renewLease(id: string, leaseToken: string, lockedUntil: string): Promise<boolean> {
    const result = await this.db
      .updateTable("idempotency_keys")
      .set({ locked_until: lockedUntil })
      .where("id", "=", id)
      .where("status", "=", "running")
      .where("lease_token", "=", leaseToken)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Records the final response; does nothing when another request took the key over meanwhile. */
  async complete(options: {
    id: string;
    leaseToken: string;
    response: StoredResponse;
    completedAt: string;
  }): Promise<boolean> {
    const result = await this.db
      .updateTable("idempotency_keys")
      .set({
        status: "completed",
        lease_token: null,
        locked_until: null,
        response_status: options.response.status,
        response_headers: JSON.stringify(options.response.headers),
        response_body: options.response.body,
        completed_at: options.completedAt,
      })
      .where("id", "=", options.id)
      .where("status", "=", "running")
      .where("lease_token", "=", options.leaseToken)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Forgets a running key (its request did nothing lasting), so the next retry runs afresh. */
  async release(id: string, leaseToken: string): Promise<void> {
    await this.db
      .deleteFrom("idempotency_keys")
      .where("id", "=", id)
      .where("status", "=", "running")
      .where("lease_token", "=", leaseToken)
      .execute();
  }

  /** Deletes one key if it has expired: the caller then inserts it afresh. */
  async deleteIfExpired(id: string, now: string): Promise<void> {
    await this.db
      .deleteFrom("idempotency_keys")
      .where("id", "=", id)
      .where("expires_at", "<=", now)
      .where((where) => where.or([where("status", "=", "completed"), where("locked_until", "<=", now)]))
      .execute();
  }

  /** Deletes every expired key that no live request holds; returns how many. */
  async prune(now: string): Promise<number> {
    const result = await this.db
      .deleteFrom("idempotency_keys")
      .where("expires_at", "<=", now)
      .where((where) =>
        where.or([
          where("status", "=", "completed"),
          where("locked_until", "is", null),
          where("locked_until", "<=", now),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
