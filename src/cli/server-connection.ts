import os from "node:os";
import { problemError } from "@dramatis/sdk";

/*
 * What the client commands (`dramatis chat`, `dramatis memories`, `dramatis study`) share about talking
 * to a running server: where it is, who the user is, how requests and event streams go, and how their
 * failures read.
 */

export const DEFAULT_SERVER_URL = "http://127.0.0.1:8787";

/** The server's base URL without a trailing slash, or undefined when the text is not an http(s) URL. */
export function parseServerUrl(text: string): string | undefined {
  try {
    const url = new URL(text);
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  } catch {
    return undefined;
  }
  return text.replace(/\/+$/, "");
}

export function describeBadServerUrl(text: string): string {
  return `--url: expected an http(s) URL like ${DEFAULT_SERVER_URL}, got ${text}`;
}

/** The OS account name; containers without a passwd entry make os.userInfo() throw. */
export function operatingSystemUser(environment: Record<string, string | undefined>): string {
  try {
    return os.userInfo().username;
  } catch {
    return environment.USER ?? environment.LOGNAME ?? environment.USERNAME ?? "cli";
  }
}

/** Why the server could not be reached, and what to do about it. */
export function describeUnreachableServer(baseUrl: string, error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.code ?? cause?.message ?? (error as Error).message;
  return (
    `cannot reach the Dramatis server at ${baseUrl} (${reason}); ` +
    "start it with `dramatis serve` or point --url / DRAMATIS_URL at it"
  );
}

/** Where a client command sends its requests, and as whom. */
export interface ServerAccess {
  baseUrl: string;
  apiKey: string;
  user: string;
}

/** A command line that names no way in: no API key, or a server URL that is not one (exit code 2). */
export class ServerAccessError extends Error {}

/**
 * Where a client command connects and as whom: --url or DRAMATIS_URL (default the local server), --key
 * or DRAMATIS_API_KEY (required), --user or DRAMATIS_USER (default the OS account). Throws a
 * ServerAccessError saying what is missing or wrong.
 *
 * @example const access = readServerAccess({ key: values.key }, process.env);
 */
export function readServerAccess(
  flags: { url?: string | undefined; key?: string | undefined; user?: string | undefined },
  environment: Record<string, string | undefined>,
): ServerAccess {
  const apiKey = flags.key ?? environment.DRAMATIS_API_KEY;
  if (!apiKey) {
    throw new ServerAccessError(
      "an API key is needed: pass --key KEY or set DRAMATIS_API_KEY " +
        "(the first `dramatis serve` prints one; `dramatis keys create --name cli` makes another)",
    );
  }
  const urlText = flags.url ?? environment.DRAMATIS_URL ?? DEFAULT_SERVER_URL;
  const baseUrl = parseServerUrl(urlText);
  if (baseUrl === undefined) throw new ServerAccessError(describeBadServerUrl(urlText));
  const user = flags.user ?? environment.DRAMATIS_USER ?? operatingSystemUser(environment);
  return { baseUrl, apiKey, user };
}

/**
 * Sends one JSON request with the key and the user; a non-2xx answer throws its problem (the SDK's
 * DramatisApiError).
 * A request that never got an answer throws what `unreachable` makes of the failure (each command has its
 * own error for that, and its own idea of what an abort means).
 */
export async function sendApiRequest(options: {
  access: ServerAccess;
  fetch: typeof fetch;
  method: string;
  path: string;
  body?: unknown;
  signal?: AbortSignal | undefined;
  unreachable: (error: unknown) => Error;
}): Promise<Response> {
  const { access, body } = options;
  let response: Response;
  try {
    response = await options.fetch(`${access.baseUrl}${options.path}`, {
      method: options.method,
      headers: {
        authorization: `Bearer ${access.apiKey}`,
        "x-dramatis-user": access.user,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: options.signal,
    });
  } catch (error) {
    throw options.unreachable(error);
  }
  if (!response.ok) throw await readProblem(response);
  return response;
}

/** A failed answer as the SDK's DramatisApiError, carrying the server's problem document. */
export async function readProblem(response: Response): Promise<Error> {
  const text = await response.text().catch(() => "");
  return problemError(text, response.status, response.statusText || `HTTP ${response.status}`);
}
