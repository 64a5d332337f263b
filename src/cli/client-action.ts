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
 * environment name, and turns every failure into a line on stderr and an exit code: 2 for a command line
 * that makes no sense (an unknown action, a missing argument, no key), 1 when the server refused or could
 * not be reached. Anything else is a bug and is thrown.
 *
 * @example return runClientAction("dramatis media", options.action, ACTIONS, options, (run, client) => run(client, options));
 */
export async function runClientAction<Action>(
  command: string,
  action: string,
  actions: Record<string, Action>,
  io: ClientCommandIo,
  run: (action: Action, client: DramatisClient) => Promise<number>,
): Promise<number> {
  const name = `${command} ${action}`;
  const text = (value: string | boolean | undefined) => (typeof value === "string" ? value : undefined);
  try {
    const chosen = actions[action];
    if (!chosen) {
      throw new ClientCommandError(
        `unknown action ${action}: expected ${Object.keys(actions).join(", ")}`,
        2,
      );
    }
    const access = readServerAccess(
      { url: text(io.values.url), key: text(io.values.key), user: text(io.values.user) },
      io.environment,
    );
    return await run(chosen, createServerClient(access, io.fetch));
  } catch (error) {
    if (error instanceof ClientCommandError) {
      io.printError(`${name}: ${error.message}`);
      return error.exitCode;
    }
    if (error instanceof ServerAccessError) {
      io.printError(`${name}: ${error.message}`);
      return 2;
    }
    if (error instanceof ServerUnreachableError) {
      io.printError(`${name}: ${error.message}`);
      return 1;
    }
    if (error instanceof DramatisApiError) {
      io.printError(`${name}: ${error.describe()}${error.status === 401 ? KEY_HINT : ""}`);
      return 1;
    }
    throw error;
  }
}
