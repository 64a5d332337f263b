import os from "node:os";
import { createDramatisClient, type DramatisClient } from "@dramatis/sdk";

/*
 * What the client commands (`dramatis chat`, `memories`, `study`, `scheduled`, `inbox`) share about
 * talking to a running server: where it is, who the user is, the SDK client that talks to it, and how
 * its failures read.
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
  return (
    `cannot reach the Dramatis server at ${baseUrl} (${reasonOf(error)}); ` +
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

/** The server gave no answer, or the connection broke while it answered; worth retrying for a while. */
export class ServerUnreachableError extends Error {
  /** The cause in a few words (`ECONNREFUSED`), for a line that says the command is reconnecting. */
  readonly reason: string;

  constructor(message: string, reason?: string) {
    super(message);
    this.name = "ServerUnreachableError";
    this.reason = reason ?? message;
  }
}

/** How a client command sends requests: the SDK's form of fetch (tests pass one that records or breaks). */
export type ServerFetch = (request: Request) => Promise<Response>;

/**
 * The SDK client of the server the command line names. Calls go through `unwrap(...)` (a non-2xx answer
 * throws DramatisApiError); a request that gets no answer, or whose answer breaks off mid-body, throws
 * ServerUnreachableError. A request aborted through its signal throws the abort as it is, so each
 * command decides what Ctrl-C means.
 *
 * @example const client = createServerClient(readServerAccess(flags, process.env));
 */
export function createServerClient(access: ServerAccess, fetchImplementation?: ServerFetch): DramatisClient {
  const send = fetchImplementation ?? ((request: Request) => globalThis.fetch(request));
  return createDramatisClient({
    baseUrl: access.baseUrl,
    apiKey: access.apiKey,
    user: access.user,
    fetch: async (request) => {
      let response: Response;
      try {
        response = await send(request);
      } catch (error) {
        if (request.signal.aborted) throw error;
        throw new ServerUnreachableError(describeUnreachableServer(access.baseUrl, error), reasonOf(error));
      }
      return response.body ? withBrokenConnectionReported(response, request.signal) : response;
    },
  });
}

function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/**
 * The same answer, whose body fails with ServerUnreachableError when the connection breaks mid-body
 * (undici's bare "terminated" otherwise), so event streams and downloads report it like a refused
 * connection.
 */
function withBrokenConnectionReported(response: Response, signal: AbortSignal): Response {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const chunk = await reader.read();
        if (chunk.done) controller.close();
        else controller.enqueue(chunk.value);
      } catch (error) {
        const message = (error as Error).message;
        controller.error(
          signal.aborted
            ? error
            : new ServerUnreachableError(`the connection to the server broke (${message})`, message),
        );
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/** A page of a list endpoint: its items and the cursor of the next page (null after the last). */
export interface CursorPage<T> {
  data: T[];
  next_cursor: string | null;
}

/**
 * Every item of a paged list endpoint, page after page.
 *
 * @example
 * const personas = await collectPages((after) =>
 *   unwrap(client.GET("/v1/personas", { params: { query: { limit: 200, ...(after ? { after } : {}) } } })));
 */
export async function collectPages<T>(
  readPage: (after: string | undefined) => Promise<CursorPage<T>>,
): Promise<T[]> {
  const items: T[] = [];
  let after: string | undefined;
  do {
    const page = await readPage(after);
    items.push(...page.data);
    after = page.next_cursor ?? undefined;
  } while (after);
  return items;
}
