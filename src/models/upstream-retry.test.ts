import { APICallError } from "ai";
import { describe, expect, it } from "vitest";
import { UpstreamModelError } from "./language-model.ts";
import {
  classifyUpstreamFailure,
  parseRetryAfterMs,
  retryDelayMs,
  withRetry,
  type UpstreamFailure,
} from "./upstream-retry.ts";

function apiError(
  statusCode: number | undefined,
  options: { message?: string; headers?: Record<string, string> } = {},
) {
  return new APICallError({
    message: options.message ?? `upstream said ${statusCode}`,
    url: "http://127.0.0.1/v1/chat/completions",
    requestBodyValues: {},
    statusCode,
    responseHeaders: options.headers,
  });
}

function connectionRefused(): TypeError {
  const cause = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" });
  return new TypeError("fetch failed", { cause });
}

/** Records waits instead of waiting. */
function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (milliseconds: number) => void waits.push(milliseconds) };
}

/** An operation that fails with the given errors in turn, then returns "ok". */
function failingThenOk(errors: unknown[]) {
  const calls: number[] = [];
  const operation = async (attempt: number) => {
    calls.push(attempt);
    const error = errors[attempt - 1];
    if (error !== undefined) {
      throw error;
    }
    return "ok";
  };
  return { calls, operation };
}

describe("withRetry", () => {
  it("retries retryable statuses with growing, jittered delays, then succeeds", async () => {
    const { waits, sleep } = recordingSleep();
    const { calls, operation } = failingThenOk([apiError(503), apiError(429)]);
    const result = await withRetry(operation, { attempts: 3, baseDelayMs: 100, sleep, random: () => 0.5 });
    expect(result).toBe("ok");
    expect(calls).toEqual([1, 2, 3]);
    expect(waits).toEqual([75, 150]);
  });

  it("does not retry a 400 and surfaces the upstream status; the message only for logs", async () => {
    const { waits, sleep } = recordingSleep();
    const { calls, operation } = failingThenOk([apiError(400, { message: "max_tokens is too large" })]);
    const failure = await withRetry(operation, { sleep }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpstreamModelError);
    expect(failure).toMatchObject({ upstreamStatus: 400, retryable: false, status: 502 });
    expect((failure as Error).message).toBe("the model upstream answered HTTP 400");
    expect((failure as UpstreamModelError).upstreamMessage).toContain("max_tokens is too large");
    expect(calls).toEqual([1]);
    expect(waits).toEqual([]);
  });

  it("gives up after the last attempt with a retryable UpstreamModelError", async () => {
    const { sleep } = recordingSleep();
    const { calls, operation } = failingThenOk([apiError(502), apiError(502), apiError(502)]);
    const failure = await withRetry(operation, { attempts: 3, sleep }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ upstreamStatus: 502, retryable: true });
    expect(calls).toEqual([1, 2, 3]);
  });

  it("retries refused connections and reports them without a status", async () => {
    const { sleep } = recordingSleep();
    const { calls, operation } = failingThenOk([connectionRefused(), connectionRefused()]);
    const failure = await withRetry(operation, { attempts: 2, sleep }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpstreamModelError);
    expect(failure).toMatchObject({ upstreamStatus: undefined, retryable: true });
    expect((failure as Error).message).toContain("ECONNREFUSED");
    expect(calls).toEqual([1, 2]);
  });

  it("honours retry-after, capped at maxDelayMs", async () => {
    const { waits, sleep } = recordingSleep();
    const { operation } = failingThenOk([
      apiError(429, { headers: { "retry-after": "1" } }),
      apiError(429, { headers: { "retry-after": "120" } }),
    ]);
    await withRetry(operation, { attempts: 3, maxDelayMs: 4000, sleep });
    expect(waits).toEqual([1000, 4000]);
  });

  it("stops at once when aborted and rethrows the abort, unwrapped", async () => {
    const controller = new AbortController();
    const abortError = new DOMException("aborted", "AbortError");
    const { calls, operation } = failingThenOk([abortError]);
    controller.abort();
    const before = await withRetry(operation, { signal: controller.signal }).catch((error: unknown) => error);
    expect(before).not.toBeInstanceOf(UpstreamModelError);
    expect(calls).toEqual([]);

    const during = await withRetry(
      async () => {
        throw abortError;
      },
      { sleep: recordingSleep().sleep },
    ).catch((error: unknown) => error);
    expect(during).toBe(abortError);
  });

  it("does not retry after the signal aborts during a failed attempt", async () => {
    const controller = new AbortController();
    const { waits, sleep } = recordingSleep();
    let calls = 0;
    const failure = await withRetry(
      async () => {
        calls += 1;
        controller.abort();
        throw apiError(503);
      },
      { signal: controller.signal, sleep },
    ).catch((error: unknown) => error);
    expect(calls).toBe(1);
    expect(waits).toEqual([]);
    expect(APICallError.isInstance(failure)).toBe(true);
  });

  it("stops waiting when aborted during the backoff sleep", async () => {
    const controller = new AbortController();
    const { calls, operation } = failingThenOk([apiError(503), apiError(503)]);
    const pending = withRetry(operation, {
      signal: controller.signal,
      baseDelayMs: 60_000,
      maxDelayMs: 60_000,
    });
    setTimeout(() => controller.abort(), 10);
    const failure = await pending.catch((error: unknown) => error);
    expect((failure as Error).name).toBe("AbortError");
    expect(calls).toEqual([1]);
  });
});

describe("classifyUpstreamFailure", () => {
  it("treats 408, 409, 429 and 5xx as retryable and other statuses as final", () => {
    for (const status of [408, 409, 429, 500, 503, 529]) {
      expect(classifyUpstreamFailure(apiError(status)).retryable).toBe(true);
    }
    for (const status of [400, 401, 403, 404, 422]) {
      expect(classifyUpstreamFailure(apiError(status)).retryable).toBe(false);
    }
  });

  it("reads an error object an upstream sent inside a stream", () => {
    expect(classifyUpstreamFailure({ type: "overloaded_error", message: "Overloaded" })).toEqual({
      detail: "the model upstream reported an error (overloaded_error)",
      upstreamMessage: "Overloaded",
      upstreamStatus: undefined,
      retryable: true,
      retryAfterMs: undefined,
    });
    expect(classifyUpstreamFailure({ message: "bad chunk" }).retryable).toBe(false);
  });

  it("summarises for callers: provider, status and a plausible request id, never what the upstream said", () => {
    const key = "sk-operator-0123456789";
    const echoing = apiError(401, {
      message: `bad key Authorization: Bearer ${key}`,
      headers: { "x-request-id": key },
    });
    const failure = classifyUpstreamFailure(echoing, { provider: "openai", secrets: [key] });
    expect(failure.detail).toBe("the model provider openai answered HTTP 401");
    expect(failure.upstreamMessage).toContain("bad key");
    expect(JSON.stringify(failure)).not.toContain(key);
    const plausible = classifyUpstreamFailure(apiError(429, { headers: { "x-request-id": "req_abc123" } }), {
      provider: "openai",
    });
    expect(plausible.detail).toBe("the model provider openai answered HTTP 429 (request id req_abc123)");
  });

  it("treats a reset connection as retryable", () => {
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    expect(classifyUpstreamFailure(reset)).toMatchObject({ retryable: true, upstreamStatus: undefined });
  });

  it("keeps an UpstreamModelError as it is", () => {
    const error = new UpstreamModelError("quota", 429, true);
    expect(classifyUpstreamFailure(error)).toMatchObject({ upstreamStatus: 429, retryable: true });
  });
});

describe("parseRetryAfterMs", () => {
  it("reads milliseconds, seconds and HTTP dates", () => {
    const now = () => Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfterMs({ "retry-after-ms": "250" })).toBe(250);
    expect(parseRetryAfterMs({ "retry-after": "1.5" })).toBe(1500);
    expect(parseRetryAfterMs({ "retry-after": "Thu, 01 Jan 2026 00:00:03 GMT" }, now)).toBe(3000);
    expect(parseRetryAfterMs({ "retry-after": "soon" })).toBeUndefined();
    expect(parseRetryAfterMs(undefined)).toBeUndefined();
  });
});

describe("retryDelayMs", () => {
  const failure: UpstreamFailure = {
    detail: "",
    upstreamStatus: 503,
    retryable: true,
    retryAfterMs: undefined,
  };

  it("doubles per attempt, keeps at least half the delay, and never exceeds the cap", () => {
    expect(retryDelayMs({ attempt: 1, failure, baseDelayMs: 250, random: () => 0 })).toBe(125);
    expect(retryDelayMs({ attempt: 2, failure, baseDelayMs: 250, random: () => 0.999 })).toBe(500);
    const capped = retryDelayMs({
      attempt: 10,
      failure,
      baseDelayMs: 250,
      maxDelayMs: 4000,
      random: () => 0.999,
    });
    expect(capped).toBeGreaterThanOrEqual(2000);
    expect(capped).toBeLessThanOrEqual(4000);
  });
});
