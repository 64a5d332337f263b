import { sleepOnTimer } from "../../jobs/wake-signal.ts";
import type { Clock } from "../../lib/clock.ts";
import type { UserRow } from "../../store/schema.ts";
import type { Store } from "../../store/store.ts";
import { PersonaNames, toScheduledMessage, type ScheduledMessage } from "./scheduled-message-service.ts";

/** How often the event stream looks for new messages; it works across processes because it reads the database. */
const POLL_MS = 1_000;
/** Quiet for this many polls (20 s), a stream says it is alive: proxies often close connections idle for 60 s. */
const KEEP_ALIVE_POLLS = 20;
const PAGE = 100;

export interface InboxItem {
  message: { id: string; content: string; created_at: string };
  persona_id: string;
  persona_name: string;
  conversation_id: string;
  scheduled_message_id: string;
  kind: ScheduledMessage["kind"];
}

export type InboxEvent =
  | { type: "message"; id: string; item: InboxItem }
  | { type: "unread"; count: number }
  /** nothing new for a while: a stream writes a comment, so proxies do not close it as idle */
  | { type: "keep-alive" };

function toItem(message: ScheduledMessage): InboxItem {
  return {
    message: {
      id: message.message_id ?? "",
      content: message.content ?? "",
      created_at: message.sent_at ?? message.updated_at,
    },
    persona_id: message.persona_id,
    persona_name: message.persona_name,
    conversation_id: message.conversation_id,
    scheduled_message_id: message.id,
    kind: message.kind,
  };
}

/**
 * What personas sent the user on their own, in the app: the newest first with an unread count, and a
 * live stream of each new one.
 */
export class InboxService {
  private readonly pollMs: number;
  private readonly keepAlivePolls: number;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** how often streams look for news, and after how many quiet looks they say they are alive */
    options: { pollMs?: number; keepAlivePolls?: number } = {},
  ) {
    this.pollMs = options.pollMs ?? POLL_MS;
    this.keepAlivePolls = options.keepAlivePolls ?? KEEP_ALIVE_POLLS;
  }

  async list(user: UserRow, limit: number): Promise<{ unread: number; data: InboxItem[] }> {
    const names = new PersonaNames(this.store);
    const rows = await this.store.scheduledMessages.listRecentSent(user.id, limit);
    return {
      unread: await this.store.scheduledMessages.countSentSince(user.id, user.inbox_read_at),
      data: await Promise.all(rows.map(async (row) => toItem(await toScheduledMessage(row, names)))),
    };
  }

  async markRead(user: UserRow): Promise<{ unread: number }> {
    await this.store.users.setInboxReadAt(user.id, this.clock.now().toISOString());
    return { unread: 0 };
  }

  /**
   * New messages from now on (or after `lastEventId`), and the unread count whenever it changes, until
   * the signal aborts.
   */
  async *events(
    user: UserRow,
    options: { lastEventId?: string | undefined; signal: AbortSignal },
  ): AsyncIterable<InboxEvent> {
    const names = new PersonaNames(this.store);
    // Event ids are the messages' inbox numbers: resuming after one misses nothing and repeats nothing.
    const resumeAfter = /^\d+$/.test(options.lastEventId ?? "") ? Number(options.lastEventId) : undefined;
    let cursor =
      resumeAfter ?? (await this.store.users.findById(user.tenant_id, user.id))?.inbox_sequence ?? 0;
    let unread = -1;
    let quietPolls = 0;
    while (!options.signal.aborted) {
      const rows = await this.store.scheduledMessages.listSentAfter(user.id, cursor, PAGE);
      for (const row of rows) {
        const sequence = row.inbox_sequence ?? cursor;
        yield { type: "message", id: String(sequence), item: toItem(await toScheduledMessage(row, names)) };
        cursor = sequence;
      }
      const current = await this.store.users.findById(user.tenant_id, user.id);
      const count = await this.store.scheduledMessages.countSentSince(
        user.id,
        current?.inbox_read_at ?? null,
      );
      const said = rows.length > 0 || count !== unread;
      if (count !== unread) {
        unread = count;
        yield { type: "unread", count };
      }
      quietPolls = said ? 0 : quietPolls + 1;
      if (quietPolls >= this.keepAlivePolls) {
        quietPolls = 0;
        yield { type: "keep-alive" };
      }
      if (rows.length === PAGE) continue;
      await sleepOnTimer(this.pollMs, options.signal);
    }
  }
}
