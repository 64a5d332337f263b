import { reportClientFailure, ClientCommandError } from "./client-action.ts";
import { runChatLoop } from "./chat-loop.ts";
import { openSession, type ChatSession, type ChatStart } from "./chat-session.ts";
import { createChatTerminal } from "./chat-terminal.ts";
import {
  createServerClient,
  readServerAccess,
  type ServerAccess,
  type ServerFetch,
} from "./server-connection.ts";

/**
 * `dramatis chat <persona>`: an interactive terminal chat against a running Dramatis server, over the
 * same REST API any client uses (no database access), so it works against remote servers too.
 */

export interface ChatCommandOptions {
  /** The words after `chat`: a persona id or name (a name may span several words). */
  positionals: string[];
  /** Parsed flags: `url`, `key`, `user`, `conversation`. */
  values: Record<string, string | boolean | undefined>;
  /** Read for DRAMATIS_URL, DRAMATIS_API_KEY, DRAMATIS_USER and NO_COLOR. */
  environment: Record<string, string | undefined>;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Where start-up failures go (stderr from the CLI); defaults to a line on `output`. */
  printError?: (line: string) => void;
  fetch?: ServerFetch;
}

/**
 * Runs `dramatis chat`: resolves the persona, starts (or continues) a conversation, then sends each
 * input line and prints the persona's reply as it streams. Returns the exit code.
 *
 * @example
 * const code = await chatCommand({
 *   positionals: ["Mira"], values: { key: "dra_…" }, environment: process.env,
 *   input: process.stdin, output: process.stdout,
 * });
 */
export async function chatCommand(options: ChatCommandOptions): Promise<number> {
  const printError = options.printError ?? ((line: string) => options.output.write(`${line}\n`));
  const terminal = createChatTerminal(options);
  let session: ChatSession;
  try {
    const settings = readSettings(options);
    const api = createServerClient(settings, options.fetch);
    session = await openSession({ api, terminal, start: settings });
  } catch (error) {
    return reportClientFailure("dramatis chat", error, printError);
  }
  await runChatLoop(session, options);
  return 0;
}

function readSettings(options: ChatCommandOptions): ServerAccess & ChatStart {
  const { values, environment } = options;
  const text = (name: string) => (typeof values[name] === "string" ? (values[name] as string) : undefined);
  const access = readServerAccess({ url: text("url"), key: text("key"), user: text("user") }, environment);
  const personaReference = options.positionals.join(" ").trim() || undefined;
  const conversationId = text("conversation");
  if (!personaReference && !conversationId) {
    throw new ClientCommandError("which persona? dramatis chat PERSONA (a name or an id)", 2);
  }
  return { ...access, conversationId, personaReference };
}
