/**
 * The one way the web app talks to the server: the typed SDK client (@dramatis/sdk, generated from the
 * server's OpenAPI document) on same-origin `/v1` requests carrying the session cookie, with the CSRF
 * token on every request that changes state. Failures are DramatisApiError (the server's problem
 * document), exported here as ApiError.
 */
import { createDramatisClient, DramatisApiError } from "@dramatis/sdk";

export { DramatisApiError as ApiError, problemError, unwrap } from "@dramatis/sdk";
export type { FieldError, Schema, ServerSentEvent } from "@dramatis/sdk";

let csrfToken: string | undefined;

/** Set from the session response; sent as X-CSRF-Token on unsafe methods. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** The session's CSRF token, for requests made outside `client` (uploads with progress, downloads). */
export function currentCsrfToken(): string | undefined {
  return csrfToken;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The app's API client: `unwrap(client.GET("/v1/personas/{id}", { params: { path: { id } }, signal }))`. */
export const client = createDramatisClient({
  credentials: "same-origin",
  headers: (request) => ({
    "x-csrf-token": SAFE_METHODS.has(request.method) ? undefined : csrfToken,
  }),
});

/** True for a failure worth retrying (network, 5xx, 429); never for a 4xx the user must fix. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof DramatisApiError))
    return !(error instanceof DOMException && error.name === "AbortError");
  return error.status >= 500 || error.status === 429;
}

// MIGRATION ONLY (deleted when the last screen moves to `client`): the old hand-written helpers.
export { api, apiErrorFromProblem, apiFetch, query, streamEvents } from "./legacy-api.ts";
export type { RequestOptions } from "./legacy-api.ts";
