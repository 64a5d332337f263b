import os from "node:os";

/*
 * What the client commands (`dramatis chat`, `dramatis memories`) share about talking to a running
 * server: where it is, who the user is, and how its failures read.
 */

export const DEFAULT_SERVER_URL = "http://127.0.0.1:8787";

/** A problem document (RFC 9457) the server answered with. */
export class ApiProblemError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

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

/** The problem's detail, followed by the fields at fault when the detail does not name them already. */
export async function readProblem(response: Response): Promise<ApiProblemError> {
  const text = await response.text().catch(() => "");
  let message: string | undefined;
  try {
    const problem = JSON.parse(text) as {
      detail?: unknown;
      title?: unknown;
      errors?: { field?: unknown; message?: unknown }[];
    };
    message = String(problem.detail ?? problem.title ?? "");
    const fields = (problem.errors ?? []).map((error) => `${String(error.field)}: ${String(error.message)}`);
    if (fields.length > 0 && !fields.every((field) => message?.includes(field))) {
      message = `${message} (${fields.join("; ")})`;
    }
  } catch {
    message = text.trim().slice(0, 200);
  }
  return new ApiProblemError(response.status, message || `HTTP ${response.status} ${response.statusText}`);
}
