import { sql, type Insertable, type Kysely } from "kysely";
import type { Database, UsageEventTable } from "./schema.ts";

export type UsageGrouping = "day" | "persona" | "kind" | "model";

export interface UsageTotal {
  key: string | null;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  /** SMS segments sent and received */
  sms_segments: number;
  /** characters read aloud */
  speech_characters: number;
  /** seconds of audio transcribed or talked */
  audio_seconds: number;
}

export class UsageRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(event: Insertable<UsageEventTable>): Promise<void> {
    await this.db.insertInto("usage_events").values(event).execute();
  }

  /** Totals for a tenant in [from, to), grouped by one dimension. Times are ISO text, so they compare as text. */
  async summarize(
    tenantId: string,
    options: { from: string; to: string; groupBy: UsageGrouping },
  ): Promise<UsageTotal[]> {
    // substr works on both SQLite and PostgreSQL: the first 10 characters of an ISO time are its UTC day.
    const key = {
      day: sql<string | null>`substr(created_at, 1, 10)`,
      persona: sql<string | null>`persona_id`,
      kind: sql<string | null>`kind`,
      model: sql<string | null>`model`,
    }[options.groupBy];
    const rows = await this.db
      .selectFrom("usage_events")
      .select([
        key.as("key"),
        sql<number>`count(*)`.as("requests"),
        sql<number>`sum(input_tokens)`.as("input_tokens"),
        sql<number>`sum(output_tokens)`.as("output_tokens"),
        sql<number>`sum(cost_usd)`.as("cost_usd"),
        sql<number>`sum(sms_segments)`.as("sms_segments"),
        sql<number>`sum(speech_characters)`.as("speech_characters"),
        sql<number>`sum(audio_seconds)`.as("audio_seconds"),
      ])
      .where("tenant_id", "=", tenantId)
      .where("created_at", ">=", options.from)
      .where("created_at", "<", options.to)
      .groupBy(key)
      .orderBy(key)
      .execute();
    // PostgreSQL returns count/sum as strings (bigint/numeric); normalise to numbers.
    return rows.map((row) => ({
      key: row.key,
      requests: Number(row.requests),
      input_tokens: Number(row.input_tokens),
      output_tokens: Number(row.output_tokens),
      cost_usd: Number(row.cost_usd),
      sms_segments: Number(row.sms_segments),
      speech_characters: Number(row.speech_characters),
      audio_seconds: Number(row.audio_seconds),
    }));
  }
}
