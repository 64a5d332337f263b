import { Command, CommanderError } from "commander";
import { type CliIo, createCommandContext } from "./command-context.ts";
import { registerConversationCommands } from "./register-conversation-commands.ts";
import { registerLorebookCommands } from "./register-lorebook-commands.ts";
import { registerMediaCommands } from "./register-media-commands.ts";
import { registerModelCommands } from "./register-model-commands.ts";
import { registerInboxCommand, registerScheduledCommands } from "./register-proactive-commands.ts";
import { registerServerCommands } from "./register-server-commands.ts";
import { registerSpeechCommands } from "./register-speech-commands.ts";
import { registerStudyCommands } from "./register-study-commands.ts";
import { CommandError, UsageError } from "./usage-error.ts";

/*
 * The `dramatis` command line on commander: every command declares its own options (an unknown flag is
 * an error) and its help is generated from them. Each action imports its module when it runs, so
 * `dramatis --help` loads neither the server nor the database drivers. The registrars add the commands
 * in the order `--help` lists them.
 */

/** Commands that read the server's configuration (the data directory, the database, ...). */
const CONFIGURED_COMMANDS = new Set(["serve", "worker", "tenants", "keys", "models"]);

const CLIENT_HELP = `
A client command (chat, conversations, memories, study, scheduled, inbox, lorebooks, media, say, voices,
transcribe, models setup|default|available|discover|catalog|download) talks to a running server: --url or
DRAMATIS_URL (default http://127.0.0.1:8787), --key or DRAMATIS_API_KEY, --user or DRAMATIS_USER
(default the OS account). serve, worker, tenants, keys and models pull|list read the server's configuration from
flags or environment variables (DRAMATIS_DATA_DIR, DATABASE_URL, PORT, ...).`;

/**
 * Runs the `dramatis` command line and returns its exit code: 0, 1 when the work failed, 2 for a command
 * line that makes no sense.
 *
 * @example await runCli(["keys", "create", "--name", "ci", "--scopes", "read"]);
 */
export async function runCli(
  argv: string[],
  io: CliIo = {
    print: (line) => process.stdout.write(`${line}\n`),
    printError: (line) => process.stderr.write(`${line}\n`),
    environment: process.env,
  },
): Promise<number> {
  let exitCode = 0;
  try {
    const commandName = argv[0] === "help" ? argv[1] : argv[0];
    // The configuration flags are listed only where they can apply, so other commands skip loading them.
    const configFlags = CONFIGURED_COMMANDS.has(commandName ?? "")
      ? (await import("../config/config.ts")).CONFIG_FLAGS
      : [];
    const program = buildProgram({ io, configFlags, finish: (code) => (exitCode = code) });
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (error) {
    return reportFailure(error, io);
  }
}

function buildProgram(options: {
  io: CliIo;
  configFlags: readonly string[];
  finish: (code: number) => void;
}): Command {
  const program = new Command("dramatis")
    .description("Dramatis: personas, memory, studies and proactive messages behind one server.")
    .usage("<command> [options]")
    .exitOverride()
    .showHelpAfterError("(add --help for usage)")
    .configureOutput({
      writeOut: (text) => options.io.print(text.replace(/\n$/, "")),
      writeErr: (text) => options.io.printError(text.replace(/\n$/, "")),
    })
    .addHelpText("after", CLIENT_HELP);
  const context = createCommandContext(options);
  registerServerCommands(program, context);
  registerModelCommands(program, context);
  registerConversationCommands(program, context);
  registerStudyCommands(program, context);
  registerScheduledCommands(program, context);
  registerLorebookCommands(program, context);
  registerMediaCommands(program, context);
  registerSpeechCommands(program, context);
  registerInboxCommand(program, context);
  return program;
}

async function reportFailure(error: unknown, io: CliIo): Promise<number> {
  if (error instanceof CommanderError) {
    // Commander printed the help or the error already.
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return 0;
    return 2;
  }
  if (error instanceof UsageError) {
    io.printError(`dramatis: ${error.message}\n(add --help for usage)`);
    return 2;
  }
  if (error instanceof CommandError) {
    io.printError(`dramatis: ${error.message}`);
    return 1;
  }
  const { ConfigError, configuredSecrets } = await import("../config/config.ts");
  const { AppError } = await import("../errors/app-error.ts");
  if (error instanceof ConfigError || error instanceof AppError) {
    io.printError(`dramatis: ${error.message}`);
    return 1;
  }
  // Anything else (a database or Redis driver refusing its URL, say) is printed with its stack, but
  // with credentials and the configured secrets removed: the stack can quote a connection string.
  const { redactSecrets } = await import("../lib/redact.ts");
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.printError(`dramatis: ${redactSecrets(text, configuredSecrets(io.environment))}`);
  return 1;
}
