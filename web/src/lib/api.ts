/**
 * The one way the web app talks to the server: the typed SDK client (@dramatis/sdk, generated from the
 * server's OpenAPI document) on same-origin `/v1` requests carrying the session cookie, with the CSRF
 * token on every request that changes state. Failures are DramatisApiError (the server's problem
 * document), exported here as ApiError.
 */
import { createDramatisClient, DramatisApiError, unwrap } from "@dramatis/sdk";

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

/**
 * Like `unwrap`, with the answer's status as well, for routes whose successes differ only by it
 * (201 bound / 200 already bound; 202 code texted / 200 already verified).
 */
export async function unwrapWithStatus<R extends { data?: unknown; error?: unknown; response: Response }>(
  request: Promise<R>,
): Promise<{ data: Awaited<ReturnType<typeof unwrap<R>>>; status: number }> {
  const outcome = await request;
  return { data: await unwrap(Promise.resolve(outcome)), status: outcome.response.status };
}
