import type { Clock } from "../../lib/clock.ts";
import type { Page } from "../../store/pagination.ts";
import type {
  ScheduledMessageKind,
  ScheduledMessageRow,
  ScheduledMessageStatus,
  UserRow,
} from "../../store/schema.ts";
import type { Store } from "../../store/store.ts";
import { ConflictError, NotFoundError, ValidationError } from "../../errors/app-error.ts";

export const SCHEDULED_MESSAGE_KINDS = ["good_morning", "good_night", "check_in"] as const;
export const SCHEDULED_MESSAGE_STATUSES = ["pending", "sent", "skipped", "failed", "cancelled"] as const;

/** A scheduled message as the API shows it. */
export interface ScheduledMessage {
  id: string;
  persona_id: string;
  persona_name: string;
  conversation_id: string;
  kind: ScheduledMessageKind;
  due_at: string;
  status: ScheduledMessageStatus;
  content: string | null;
  message_id: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
}

export interface ScheduledMessageStatistics {
  total: number;
  pending: number;
  sent: number;
  failed: number;
  skipped: number;
  cancelled: number;
  check_ins: number;
  good_mornings: number;
  good_nights: number;
}

/** What scheduled messages show about their personas, looked up once per page. */
export class PersonaNames {
  private readonly names = new Map<string, string>();

  constructor(private readonly store: Store) {}

  async of(tenantId: string, personaId: string): Promise<string> {
    let name = this.names.get(personaId);
    if (name === undefined) {
      const row = await this.store.personas.findVisible(tenantId, personaId);
      name = row ? row.draft.name : "";
      this.names.set(personaId, name);
    }
    return name;
  }
}

export async function toScheduledMessage(
  row: ScheduledMessageRow,
  names: PersonaNames,
): Promise<ScheduledMessage> {
  return {
    id: row.id,
    persona_id: row.persona_id,
    persona_name: await names.of(row.tenant_id, row.persona_id),
    conversation_id: row.conversation_id,
    kind: row.kind,
    due_at: row.due_at,
    status: row.status,
    content: row.content,
    message_id: row.message_id,
    error: row.error,
    created_at: row.created_at,
    updated_at: row.updated_at,
    sent_at: row.sent_at,
  };
}

/** The user's scheduled messages: what personas plan to send them, and what became of each. */
export class ScheduledMessageService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async list(
    user: UserRow,
    options: {
      includeSent: boolean;
      personaId?: string | undefined;
      kind?: ScheduledMessageKind | undefined;
      after?: string | undefined;
      limit: number;
    },
  ): Promise<Page<ScheduledMessage>> {
    let after: { dueAt: string; id: string } | undefined;
    if (options.after !== undefined) {
      const [dueAt, id] = options.after.split("|");
      if (!dueAt || !id) {
        throw new ValidationError([
          { field: "after", message: "must be the next_cursor of the previous page" },
        ]);
      }
      after = { dueAt, id };
    }
    const rows = await this.store.scheduledMessages.list({
      userId: user.id,
      statuses: options.includeSent ? undefined : ["pending"],
      personaId: options.personaId,
      kind: options.kind,
      after,
      limit: options.limit + 1,
    });
    const page = rows.slice(0, options.limit);
    const names = new PersonaNames(this.store);
    const last = page.at(-1);
    return {
      items: await Promise.all(page.map((row) => toScheduledMessage(row, names))),
      nextCursor: rows.length > options.limit && last ? `${last.due_at}|${last.id}` : null,
    };
  }

  async statistics(user: UserRow, personaId: string | undefined): Promise<ScheduledMessageStatistics> {
    const statistics: ScheduledMessageStatistics = {
      total: 0,
      pending: 0,
      sent: 0,
      failed: 0,
      skipped: 0,
      cancelled: 0,
      check_ins: 0,
      good_mornings: 0,
      good_nights: 0,
    };
    const byKind = {
      check_in: "check_ins",
      good_morning: "good_mornings",
      good_night: "good_nights",
    } as const;
    for (const { status, kind, count } of await this.store.scheduledMessages.counts(user.id, personaId)) {
      statistics.total += count;
      statistics[status] += count;
      statistics[byKind[kind]] += count;
    }
    return statistics;
  }

  /** Cancels a pending message; one already sent (or settled otherwise) is a 409. */
  async cancel(user: UserRow, id: string): Promise<ScheduledMessage> {
    const row = await this.store.scheduledMessages.findForUser(user.id, id);
    if (!row) throw new NotFoundError(`scheduled message ${id}`);
    const now = this.clock.now().toISOString();
    if (!(await this.store.scheduledMessages.settle(id, { status: "cancelled", updated_at: now }))) {
      throw new ConflictError(
        `scheduled message ${id} is already ${row.status === "pending" ? "settled" : row.status}`,
      );
    }
    const updated = await this.store.scheduledMessages.findForUser(user.id, id);
    return toScheduledMessage(updated as ScheduledMessageRow, new PersonaNames(this.store));
  }
}
