import { createServiceHttp, type ServiceHttp, type ServiceHttpOptions } from "../lib/service-http.ts";
import { MediaProviderError } from "./media.ts";

/** What every media provider factory takes besides its configuration. */
export interface CloudMediaOptions {
  /** the network; tests pass one that reaches the loopback fake */
  fetch?: typeof fetch | undefined;
  /** how long to wait between polls of a running job (Replicate, A1111 progress); tests make it 0 */
  pollIntervalMs?: number | undefined;
  /** the longest a generation may run before it is given up (and cancelled where the service can) */
  timeoutMs?: number | undefined;
}

/** Pictures and videos take longer than speech: ten minutes before a request is given up. */
export const DEFAULT_MEDIA_TIMEOUT_MS = 10 * 60_000;
/** The largest answer read: a few pictures as base64 JSON, or a short video. */
export const DEFAULT_MEDIA_MAX_BYTES = 256 * 1024 * 1024;

export type MediaHttp = ServiceHttp;

/**
 * The HTTP of a media provider (lib/service-http.ts): failures are `MediaProviderError`s naming it.
 *
 * @example
 * const http = createMediaHttp({ provider: "forge", fetch, secrets: [key] });
 */
export function createMediaHttp(options: Omit<ServiceHttpOptions, "fail"> & { provider: string }): MediaHttp {
  const { provider, ...rest } = options;
  return createServiceHttp({
    timeoutMs: DEFAULT_MEDIA_TIMEOUT_MS,
    maxBytes: DEFAULT_MEDIA_MAX_BYTES,
    ...rest,
    fail: (message, status) => new MediaProviderError(provider, message, status),
  });
}
