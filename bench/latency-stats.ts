/** Percentiles of a set of latencies, in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
}

/**
 * Summarizes samples with nearest-rank percentiles (the smallest sample with at least p % of the samples at
 * or below it), so every reported figure is a latency that was actually observed.
 *
 * @example summarizeLatencies([3, 1, 2]).p50 // 2
 */
export function summarizeLatencies(samples: readonly number[]): LatencySummary {
  if (samples.length === 0) throw new Error("no samples to summarize");
  const sorted = [...samples].sort((left, right) => left - right);
  const at = (percent: number) =>
    sorted[
      Math.min(sorted.length - 1, Math.max(0, Math.ceil((percent / 100) * sorted.length) - 1))
    ] as number;
  return {
    count: sorted.length,
    p50: at(50),
    p95: at(95),
    p99: at(99),
    mean: sorted.reduce((total, value) => total + value, 0) / sorted.length,
    max: sorted.at(-1) as number,
  };
}

/** A number with fixed decimals and thousands separators, for tables. */
export function formatNumber(value: number, fractionDigits: number): string {
  return value.toLocaleString("en-US", {
    minimumFractionDigits: fractionDigits,
    maximumFractionDigits: fractionDigits,
  });
}

/** A difference with its sign, e.g. `+1.23`. */
export function formatSigned(value: number, fractionDigits: number): string {
  return `${value >= 0 ? "+" : "−"}${formatNumber(Math.abs(value), fractionDigits)}`;
}
