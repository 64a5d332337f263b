/**
 * The shapes of /v1/scheduled-messages and /v1/inbox as the web app reads them (mirroring
 * src/http/routes/scheduled-message-routes.ts), and the words the screens use for them.
 */
import { api, query, type Schema } from "../lib/api.ts";

type PersonaPage = Schema<"PersonaPage">;

export const SCHEDULED_KINDS = ["good_morning", "good_night", "check_in"] as const;
export type ScheduledKind = (typeof SCHEDULED_KINDS)[number];
export type ScheduledStatus = "pending" | "sent" | "skipped" | "failed" | "cancelled";

export interface ScheduledMessage {
  id: string;
  persona_id: string;
  persona_name: string;
  conversation_id: string;
  kind: ScheduledKind;
  due_at: string;
  status: ScheduledStatus;
  /** what was sent, once sent */
  content: string | null;
  message_id: string | null;
  /** why it was skipped or failed */
  error: string | null;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
}

export interface ScheduledPage {
  data: ScheduledMessage[];
  next_cursor: string | null;
}

export interface ScheduledStatistics {
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

/** A message a persona sent on its own, as GET /v1/inbox and the `message` event carry it. */
export interface InboxItem {
  message: { id: string; content: string; created_at: string };
  persona_id: string;
  persona_name: string;
  conversation_id: string;
  scheduled_message_id: string;
  kind: ScheduledKind;
}

export const KIND_LABELS: Record<ScheduledKind, string> = {
  good_morning: "Good morning",
  good_night: "Good night",
  check_in: "Check-in",
};

export const STATUS_LABELS: Record<ScheduledStatus, string> = {
  pending: "Pending",
  sent: "Sent",
  skipped: "Skipped",
  failed: "Failed",
  cancelled: "Cancelled",
};

/** A date and time in the viewer's own locale and time zone. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** The start of a message on one line, cut at a word near `length` characters. */
export function summarise(text: string, length = 90): string {
  const line = text.replace(/\s+/g, " ").trim();
  if (line.length <= length) return line;
  const cut = line.slice(0, length);
  const space = cut.lastIndexOf(" ");
  return `${(space > length / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.!?-]+$/, "")} …`;
}

export interface PersonaChoice {
  id: string;
  name: string;
  kind: "persona" | "preset";
}

/** At most this many pages of personas fill the filter; a tenant's own personas are a handful. */
const PERSONA_PAGES = 5;

/** The tenant's personas and the presets, by name, for the persona filter. */
export async function loadPersonaChoices(): Promise<PersonaChoice[]> {
  const choices: PersonaChoice[] = [];
  let after: string | undefined;
  for (let page = 0; page < PERSONA_PAGES; page++) {
    const result = await api<PersonaPage>("GET", `/v1/personas${query({ limit: 200, after })}`);
    choices.push(...result.data.map(({ id, name, kind }) => ({ id, name, kind })));
    if (!result.next_cursor) break;
    after = result.next_cursor;
  }
  return choices.sort((left, right) => left.name.localeCompare(right.name));
}
