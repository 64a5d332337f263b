import { AppError } from "../errors/app-error.ts";

/*
 * Failures of the outbound guard never say what lies behind an address: a refusal is "refused by the
 * outbound policy", every network failure (refused, reset, timed out, unresolvable) is the same "could
 * not be reached".
 */

/** Message of every refusal; callers show it as is. */
export const OUTBOUND_REFUSED_MESSAGE = "refused by the outbound policy";
/** Message of every network failure, whatever it was, so nothing can be told about what lies behind. */
export const OUTBOUND_UNREACHABLE_MESSAGE = "the upstream could not be reached";

/** Thrown when a URL or one of its redirects is not allowed; a neutral 502 if it reaches the API. */
export class OutboundRefusedError extends AppError {
  constructor() {
    super(502, "Bad Gateway", OUTBOUND_REFUSED_MESSAGE);
  }
}

/**
 * The cause of every network failure, wrapped like fetch's own (`TypeError: fetch failed`) so the AI
 * SDK and the retry logic treat it as a retryable connection failure.
 */
export class OutboundUnreachableError extends Error {
  constructor() {
    super(OUTBOUND_UNREACHABLE_MESSAGE);
    this.name = "OutboundUnreachableError";
  }
}

/** The error for any network failure: `TypeError: fetch failed`, caused by `OutboundUnreachableError`. */
export function createUnreachableFailure(): TypeError {
  return new TypeError("fetch failed", { cause: new OutboundUnreachableError() });
}
