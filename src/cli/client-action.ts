import { DramatisApiError, type DramatisClient } from "@dramatis/sdk";
import {
  ServerAccessError,
  ServerUnreachableError,
  createServerClient,
  readServerAccess,
  type ServerFetch,
} from "./server-connection.ts";

/** What an action of a client command was told wrong: printed after the command's name, with its exit code. */
export class ClientCommandError extends Error {
  constructor(
    message: string,
    /** 1: the work failed; 2: the command line makes no sense */
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** What every client command gets: its flags (url, key, user, ...), the environment and where to print. */
export interface ClientCommandIo {
  values: Record<string, string | boolean | undefined>;
  /** Read for DRAMATIS_URL, DRAMATIS_API_KEY and DRAMATIS_USER. */
  environment: Record<string, string | undefined>;
  printError: (line: string) => void;
  fetch?: ServerFetch;
}

const KEY_HINT = " (check --key or DRAMATIS_API_KEY)";

/**
 * Runs one action of a client command (`dramatis NAME ACTION`) against the server the flags and the
 * environment name, and turns every failure into a line on stderr and an exit code (see
 * reportClientFailure). The action gets `connect`, which makes the client when it is called, so an action
 * may check its own command line before a missing key is reported.
 *
 * @example
 * return runClientAction(`dramatis media ${options.action}`, options.action, ACTIONS, options,
 *   (run, connect) => run(connect(), options));
 */
export async function runClientAction<Action>(
  /** What every failure line starts with: `dramatis media list`. */
  name: string,
  action: string,
  actions: Record<string, Action>,
  io: ClientCommandIo,
  run: (chosen: Action, connect: () => DramatisClient) => Promise<number>,
  /** What an action not in `actions` is told; exit code 2. */
  unknownAction = `unknown action ${action}: expected ${Object.keys(actions).join(", ")}`,
): Promise<number> {
  const text = (value: string | boolean | undefined) => (typeof value === "string" ? value : undefined);
  const connect = () =>
    createServerClient(
      readServerAccess(
        { url: text(io.values.url), key: text(io.values.key), user: text(io.values.user) },
        io.environment,
      ),
      io.fetch,
    );
  try {
    const chosen = Object.hasOwn(actions, action) ? actions[action] : undefined;
    if (!chosen) throw new ClientCommandError(unknownAction, 2);
    return await run(chosen, connect);
  } catch (error) {
    return reportClientFailure(name, error, io.printError);
  }
}

/**
 * Prints what went wrong in a client command as `NAME: reason` and returns its exit code: 2 for a command
 * line that makes no sense (an unknown action, a missing argument, no key), 1 when the server refused or
 * could not be reached. Anything else is a bug and is thrown again.
 *
 * @example catch (error) { return reportClientFailure("dramatis chat", error, printError); }
 */
export function reportClientFailure(
  name: string,
  error: unknown,
  printError: (line: string) => void,
): number {
  if (error instanceof ClientCommandError) {
    printError(`${name}: ${error.message}`);
    return error.exitCode;
  }
  if (error instanceof ServerAccessError) {
    printError(`${name}: ${error.message}`);
    return 2;
  }
  if (error instanceof ServerUnreachableError) {
    printError(`${name}: ${error.message}`);
    return 1;
  }
  if (error instanceof DramatisApiError) {
    printError(`${name}: ${error.describe()}${error.status === 401 ? KEY_HINT : ""}`);
    return 1;
  }
  throw error;
}
