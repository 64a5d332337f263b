import type { Clock } from "../lib/clock.ts";
import type { UsageGrouping, UsageTotal } from "../store/usage-repository.ts";
import type { Store } from "../store/store.ts";
import { ValidationError } from "../errors/app-error.ts";

export interface UsageSummary {
  from: string;
  to: string;
  group_by: UsageGrouping;
  totals: UsageTotal[];
  overall: Omit<UsageTotal, "key">;
}

const DAY_MS = 86_400_000;

/** Metered usage of a tenant: every reply's tokens, model, latency and cost, summed on demand. */
export class UsageService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Totals between `from` (inclusive) and `to` (exclusive); the default window is the last 30 days. */
  async summarize(
    tenantId: string,
    options: { from?: string | undefined; to?: string | undefined; groupBy: UsageGrouping },
  ): Promise<UsageSummary> {
    const to = options.to ?? new Date(this.clock.now().getTime() + 1).toISOString();
    const from = options.from ?? new Date(Date.parse(to) - 30 * DAY_MS).toISOString();
    if (from >= to) throw new ValidationError([{ field: "from", message: "must be before to" }]);
    const totals = await this.store.usage.summarize(tenantId, { from, to, groupBy: options.groupBy });
    const overall = totals.reduce(
      (sum, total) => ({
        requests: sum.requests + total.requests,
        input_tokens: sum.input_tokens + total.input_tokens,
        output_tokens: sum.output_tokens + total.output_tokens,
        cost_usd: sum.cost_usd + total.cost_usd,
        sms_segments: sum.sms_segments + total.sms_segments,
        speech_characters: sum.speech_characters + total.speech_characters,
        audio_seconds: sum.audio_seconds + total.audio_seconds,
      }),
      {
        requests: 0,
        input_tokens: 0,
        output_tokens: 0,
        cost_usd: 0,
        sms_segments: 0,
        speech_characters: 0,
        audio_seconds: 0,
      },
    );
    return { from, to, group_by: options.groupBy, totals, overall };
  }
}
