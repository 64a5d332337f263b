import { DEFAULT_MEDIA_TIMEOUT_MS } from "./media-http.ts";
import { MediaProviderError } from "./media.ts";

/**
 * What the providers that run a job on their service (ComfyUI's queue, Replicate's predictions) share:
 * one deadline over the whole generation joined with the caller's signal, an abortable pause between
 * polls, and pictures carried as `data:` URIs.
 */

/** How long to wait between polls when the caller did not say. */
export const DEFAULT_POLL_INTERVAL_MS = 1_000;
/** A cancellation is best effort and must not hold up the caller's rejection for long. */
export const CANCEL_TIMEOUT_MS = 15_000;

export interface GenerationDeadline {
  /** aborts when the caller gives up or the generation ran out of time */
  signal: AbortSignal;
  /** What to reject with once `signal` aborted: the caller's own reason, or the provider's timeout. */
  failure(): unknown;
}

/**
 * @example
 * const deadline = startGenerationDeadline("comfy", options.timeoutMs, request.signal);
 * await http.json({ url, signal: deadline.signal }, schema);
 */
export function startGenerationDeadline(
  provider: string,
  timeoutMs: number | undefined,
  callerSignal: AbortSignal | undefined,
): GenerationDeadline {
  const limit = timeoutMs ?? DEFAULT_MEDIA_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(limit);
  const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
  return {
    signal,
    failure: () =>
      callerSignal?.aborted
        ? (callerSignal.reason ?? new DOMException("aborted", "AbortError"))
        : new MediaProviderError(provider, `no result within ${describeDuration(limit)}`),
  };
}

/** Waits `milliseconds`, or rejects as soon as `signal` aborts. */
export function pause(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, milliseconds);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** `data:image/png;base64,...` for a service that takes files inline. */
export function toDataUri(bytes: Uint8Array, contentType: string): string {
  return `data:${contentType};base64,${Buffer.from(bytes).toString("base64")}`;
}

/** The bytes of a `data:` URI (base64 or percent-encoded), or undefined when it is not one. */
export function decodeDataUri(uri: string): { bytes: Uint8Array; contentType: string | null } | undefined {
  const match = /^data:([^,;]*)((?:;[^,;]*)*),(.*)$/s.exec(uri);
  if (!match) return undefined;
  const [, type = "", parameters = "", data = ""] = match;
  const base64 = parameters.split(";").includes("base64");
  const bytes = base64 ? Buffer.from(data, "base64") : Buffer.from(decodeURIComponent(data), "latin1");
  return { bytes: new Uint8Array(bytes), contentType: type.trim().toLowerCase() || null };
}

/** Upstream text cut to a sentence's length: tracebacks and model lists stay out of errors. */
export function shortenUpstreamText(text: string, characters = 300): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > characters ? `${oneLine.slice(0, characters - 1)}…` : oneLine;
}

function describeDuration(milliseconds: number): string {
  return milliseconds >= 1000 ? `${Math.round(milliseconds / 1000)} s` : `${milliseconds} ms`;
}
