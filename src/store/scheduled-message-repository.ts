import { sql, type Kysely, type Updateable } from "kysely";
import type {
  Database,
  ScheduledMessageKind,
  ScheduledMessageRow,
  ScheduledMessageStatus,
  ScheduledMessageTable,
} from "./schema.ts";

/** A (persona, user) pair that talked recently, through its most recent conversation. */
export interface ActivePair {
  tenant_id: string;
  persona_id: string;
  user_id: string;
  conversation_id: string;
}

export interface ScheduledMessageFilter {
  userId: string;
  statuses?: readonly ScheduledMessageStatus[] | undefined;
  personaId?: string | undefined;
  kind?: ScheduledMessageKind | undefined;
  /** keyset cursor: due_at and id of the last item of the previous page */
  after?: { dueAt: string; id: string } | undefined;
  limit: number;
}

/**
 * The slots personas send on their own. A slot is stored once (unique persona, user and slot key) and
 * leaves `pending` once, by a conditional update: what makes each slot send exactly once.
 */
export class ScheduledMessageRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores planned slots; those already stored (by any process) are left as they are. */
  async insertPlanned(rows: readonly ScheduledMessageRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db
      .insertInto("scheduled_messages")
      .values(rows)
      .onConflict((conflict) => conflict.columns(["persona_id", "user_id", "slot_key"]).doNothing())
      .execute();
  }

  /** Pairs whose user wrote since `since`, each with its most recently active conversation. */
  async listActivePairs(since: string): Promise<ActivePair[]> {
    const rows = await this.db
      .selectFrom("conversations as c")
      .select(["c.tenant_id", "c.persona_id", "c.user_id", "c.id as conversation_id"])
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom("messages as m")
            .select(sql`1`.as("one"))
            .whereRef("m.conversation_id", "=", "c.id")
            .where("m.role", "=", "user")
            .where("m.created_at", ">=", since),
        ),
      )
      .orderBy("c.updated_at", "desc")
      .execute();
    const seen = new Set<string>();
    return rows.filter((row) => {
      const key = `${row.persona_id}/${row.user_id}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  /** When the user last wrote in a conversation, or null. */
  async lastUserMessageAt(conversationId: string): Promise<string | null> {
    const row = await this.db
      .selectFrom("messages")
      .select(sql<string | null>`max(created_at)`.as("at"))
      .where("conversation_id", "=", conversationId)
      .where("role", "=", "user")
      .executeTakeFirst();
    return row?.at ?? null;
  }

  async findDue(now: string, limit: number): Promise<ScheduledMessageRow[]> {
    return this.db
      .selectFrom("scheduled_messages")
      .selectAll()
      .where("status", "=", "pending")
      .where("due_at", "<=", now)
      .orderBy("due_at")
      .limit(limit)
      .execute();
  }

  async findById(id: string): Promise<ScheduledMessageRow | undefined> {
    return this.db.selectFrom("scheduled_messages").selectAll().where("id", "=", id).executeTakeFirst();
  }

  async findForUser(userId: string, id: string): Promise<ScheduledMessageRow | undefined> {
    return this.db
      .selectFrom("scheduled_messages")
      .selectAll()
      .where("user_id", "=", userId)
      .where("id", "=", id)
      .executeTakeFirst();
  }

  /** Moves a slot out of `pending`; false when another process (or a cancel) got there first. */
  async settle(id: string, changes: Updateable<ScheduledMessageTable>): Promise<boolean> {
    const result = await this.db
      .updateTable("scheduled_messages")
      .set(changes)
      .where("id", "=", id)
      .where("status", "=", "pending")
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async countAttempt(id: string, now: string): Promise<void> {
    await this.db
      .updateTable("scheduled_messages")
      .set((eb) => ({ attempts: eb("attempts", "+", 1), updated_at: now }))
      .where("id", "=", id)
      .execute();
  }

  /** A page, soonest first. */
  async list(filter: ScheduledMessageFilter): Promise<ScheduledMessageRow[]> {
    let query = this.db.selectFrom("scheduled_messages").selectAll().where("user_id", "=", filter.userId);
    if (filter.statuses) query = query.where("status", "in", filter.statuses);
    if (filter.personaId) query = query.where("persona_id", "=", filter.personaId);
    if (filter.kind) query = query.where("kind", "=", filter.kind);
    const after = filter.after;
    if (after) {
      query = query.where((eb) =>
        eb.or([
          eb("due_at", ">", after.dueAt),
          eb.and([eb("due_at", "=", after.dueAt), eb("id", ">", after.id)]),
        ]),
      );
    }
    return query.orderBy("due_at").orderBy("id").limit(filter.limit).execute();
  }

  /** Counts by status and by kind. */
  async counts(
    userId: string,
    personaId: string | undefined,
  ): Promise<{ status: ScheduledMessageStatus; kind: ScheduledMessageKind; count: number }[]> {
    let query = this.db
      .selectFrom("scheduled_messages")
      .select(["status", "kind", sql<number>`count(*)`.as("count")])
      .where("user_id", "=", userId);
    if (personaId) query = query.where("persona_id", "=", personaId);
    const rows = await query.groupBy(["status", "kind"]).execute();
    return rows.map((row) => ({ ...row, count: Number(row.count) }));
  }

  /** Sent slots numbered after `afterSequence`, in their inbox order: what the inbox stream delivers. */
  async listSentAfter(userId: string, afterSequence: number, limit: number): Promise<ScheduledMessageRow[]> {
    return this.db
      .selectFrom("scheduled_messages")
      .selectAll()
      .where("user_id", "=", userId)
      .where("status", "=", "sent")
      .where("inbox_sequence", ">", afterSequence)
      .orderBy("inbox_sequence")
      .limit(limit)
      .execute();
  }

  /** The newest sent slots first. */
  async listRecentSent(userId: string, limit: number): Promise<ScheduledMessageRow[]> {
    return this.db
      .selectFrom("scheduled_messages")
      .selectAll()
      .where("user_id", "=", userId)
      .where("status", "=", "sent")
      .orderBy("sent_at", "desc")
      .orderBy("id", "desc")
      .limit(limit)
      .execute();
  }

  async countSentSince(userId: string, since: string | null): Promise<number> {
    let query = this.db
      .selectFrom("scheduled_messages")
      .select(sql<number>`count(*)`.as("count"))
      .where("user_id", "=", userId)
      .where("status", "=", "sent");
    if (since) query = query.where("sent_at", ">", since);
    return Number((await query.executeTakeFirstOrThrow()).count);
  }
}
