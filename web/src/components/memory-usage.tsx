import { ErrorNotice, Loading } from "./notice.tsx";
import type { Schema } from "../lib/api.ts";

type MemoryUsage = Schema<"MemoryUsage">;

const TIER_LABELS: Record<string, string> = {
  basic: "Basic memory",
  extended: "Extended memory",
  longest: "Longest memory",
};

/** Memory held against the persona's tier limit, colour-coded as it fills. */
export function MemoryUsagePanel({
  usage,
  error,
  loading,
}: {
  usage: MemoryUsage | undefined;
  error: Error | undefined;
  loading: boolean;
}) {
  return (
    <section className="card memory-side-card" aria-labelledby="memory-usage-heading">
      <h2 id="memory-usage-heading">Memory usage</h2>
      {error && <ErrorNotice error={error} />}
      {!usage && loading && <Loading />}
      {usage && (
        <>
          <meter
            className="memory-usage-meter"
            min={0}
            max={usage.limit}
            low={usage.limit * 0.7}
            high={usage.limit * 0.9}
            optimum={0}
            value={usage.used}
            aria-label="Memory usage"
            aria-describedby="memory-usage-summary"
          >
            {usage.percent}%
          </meter>
          <p id="memory-usage-summary" className="memory-usage-summary">
            <strong>{usage.used.toLocaleString()}</strong> of {usage.limit.toLocaleString()} memories (
            {usage.percent}%) · {TIER_LABELS[usage.tier] ?? usage.tier}
          </p>
          <dl className="memory-usage-breakdown">
            <div>
              <dt>Timeline</dt>
              <dd>{usage.timeline.toLocaleString()}</dd>
            </div>
            <div>
              <dt>About you</dt>
              <dd>{usage.relationship.toLocaleString()}</dd>
            </div>
            <div>
              <dt>Characters</dt>
              <dd>{usage.characters.toLocaleString()}</dd>
            </div>
          </dl>
          {usage.percent >= 90 ? (
            <p className="notice notice-warning">
              Nearly full: new memories are refused at the limit. Delete memories, or raise the memory tier in
              the persona&apos;s settings.
            </p>
          ) : (
            <p className="field-hint">
              The limit counts every user&apos;s memories of this persona together; the tier is set in the
              persona&apos;s settings.
            </p>
          )}
        </>
      )}
    </section>
  );
}
