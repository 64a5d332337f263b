import { z } from "zod";
import { BadRequestError } from "../../errors/app-error.ts";
import type { CallRow } from "../../store/call-repository.ts";
import type { CallTurn } from "./call-session.ts";

/*
 * Calls as the API shows them: the shape, the mapping from a stored row (its turns and their median
 * latency), and the cursor a call list pages with.
 */

/** A call as the API shows it. */
export interface Call {
  id: string;
  persona_id: string;
  conversation_id: string;
  channel: "browser" | "phone";
  direction: "inbound" | "outbound";
  status: string;
  locale: string;
  from_number: string | null;
  to_number: string | null;
  started_at: string | null;
  ended_at: string | null;
  duration_seconds: number | null;
  end_reason: string | null;
  turns: CallTurn[];
  /** median speech end -> first audio of the replies, in milliseconds; null before any */
  median_latency_ms: number | null;
  recording: { url: string; duration_seconds: number; content_type: string } | null;
  created_at: string;
}

const turnsSchema = z.array(
  z.object({
    user_message_id: z.string(),
    reply_message_id: z.string().nullable(),
    user_text: z.string(),
    reply_text: z.string(),
    latency_ms: z.number().nullable(),
    interrupted: z.boolean(),
  }),
);

/** The turns a call row keeps as JSON. */
export function parseCallTurns(row: CallRow): CallTurn[] {
  return turnsSchema.parse(JSON.parse(row.turns));
}

export function toCall(row: CallRow, recording: Call["recording"]): Call {
  const turns = parseCallTurns(row);
  const latencies = turns
    .map((turn) => turn.latency_ms)
    .filter((latency): latency is number => latency !== null)
    .sort((a, b) => a - b);
  return {
    id: row.id,
    persona_id: row.persona_id,
    conversation_id: row.conversation_id,
    channel: row.channel,
    direction: row.direction,
    status: row.status,
    locale: row.locale,
    from_number: row.from_number,
    to_number: row.to_number,
    started_at: row.started_at,
    ended_at: row.ended_at,
    duration_seconds: row.duration_seconds,
    end_reason: row.end_reason,
    turns,
    median_latency_ms: latencies.length ? latencies[Math.floor((latencies.length - 1) / 2)]! : null,
    recording,
    created_at: row.created_at,
  };
}

export function encodeCallCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString("base64url");
}

export function decodeCallCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as [string, string];
    if (typeof createdAt === "string" && typeof id === "string") return { createdAt, id };
  } catch {
    // fall through
  }
  throw new BadRequestError("cursor: not a cursor this list gave", [{ field: "cursor", message: "invalid" }]);
}
