import autocannon from "autocannon";

/** One HTTP request, sent over and over by every connection. */
export interface BenchRequest {
  url: string;
  method: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadSettings {
  /** Seconds of load whose results are discarded, so JIT compilation and caches settle first. */
  warmupSeconds: number;
  /** Seconds of measured load. */
  durationSeconds: number;
  connections: number;
}

/** What one measured run produced. */
export interface LoadResult {
  requestsPerSecond: number;
  latencyP50Milliseconds: number;
  latencyP99Milliseconds: number;
  /** Connection errors and timeouts. */
  errors: number;
  non2xx: number;
  /** Response counts by status code, to explain any non-2xx. */
  statusCodes: Record<string, number>;
  /** Errors and non-2xx seen during the warm-up, which are not part of the figures but still invalidate them. */
  warmupFailures: number;
}

/** Warms up, then measures the request under the given load. */
export async function measureLoad(request: BenchRequest, settings: LoadSettings): Promise<LoadResult> {
  const warmup = await runAutocannon(request, settings.connections, settings.warmupSeconds);
  const measured = await runAutocannon(request, settings.connections, settings.durationSeconds);
  return {
    requestsPerSecond: measured.requests.average,
    latencyP50Milliseconds: measured.latency.p50,
    latencyP99Milliseconds: measured.latency.p99,
    errors: measured.errors + measured.timeouts,
    non2xx: measured.non2xx,
    statusCodes: countStatusCodes(measured),
    warmupFailures: warmup.errors + warmup.timeouts + warmup.non2xx,
  };
}

/**
 * Sends the request once and fails with the status and body when it is not 2xx: autocannon only counts
 * failures, and a clear message up front beats a table of measured 401s.
 */
export async function checkRequest(request: BenchRequest): Promise<void> {
  const response = await fetch(request.url, {
    method: request.method,
    headers: request.headers,
    body: request.body,
  });
  const body = await response.text();
  if (!response.ok) {
    throw new Error(`${request.method} ${request.url} answered ${response.status}: ${body.slice(0, 500)}`);
  }
}

function runAutocannon(
  request: BenchRequest,
  connections: number,
  durationSeconds: number,
): Promise<autocannon.Result> {
  return autocannon({
    url: request.url,
    method: request.method,
    headers: request.headers,
    body: request.body,
    connections,
    duration: durationSeconds,
  });
}

function countStatusCodes(result: autocannon.Result): Record<string, number> {
  return Object.fromEntries(
    Object.entries(result.statusCodeStats).map(([statusCode, stats]) => [statusCode, stats.count]),
  );
}
