import { Command, CommanderError, Option } from "commander";
import { CommandError, UsageError } from "./usage-error.ts";

/*
 * The `dramatis` command line on commander: every command declares its own options (an unknown flag is
 * an error) and its help is generated from them. Each action imports its module when it runs, so
 * `dramatis --help` loads neither the server nor the database drivers.
 */

type Output = (line: string) => void;
type FlagValues = Record<string, string | boolean | undefined>;

interface CliIo {
  print: Output;
  printError: Output;
  environment: Record<string, string | undefined>;
}

/** Commands that read the server's configuration (the data directory, the database, ...). */
const CONFIGURED_COMMANDS = new Set(["serve", "worker", "tenants", "keys", "models"]);
/** The configuration an administration command needs: where the data is. */
const STORAGE_FLAGS = ["data-dir", "database-url"];

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
  const { io, configFlags, finish } = options;
  const program = new Command("dramatis")
    .description("Dramatis: personas, memory, studies and proactive messages behind one server.")
    .usage("<command> [options]")
    .exitOverride()
    .showHelpAfterError("(add --help for usage)")
    .configureOutput({
      writeOut: (text) => io.print(text.replace(/\n$/, "")),
      writeErr: (text) => io.printError(text.replace(/\n$/, "")),
    })
    .addHelpText("after", CLIENT_HELP);
  /** Runs an action and keeps its exit code (commander ignores what actions return). */
  const act =
    <A extends unknown[]>(work: (...args: A) => Promise<number>) =>
    async (...args: A) =>
      finish(await work(...args));
  const withConfig = (command: Command, flags: readonly string[]) => {
    for (const flag of flags) {
      if (configFlags.includes(flag))
        command.option(`--${flag} <value>`, "overrides its environment variable");
    }
    return command;
  };
  const loadConfiguration = async (values: FlagValues) => {
    const { CONFIG_FLAGS, loadConfig } = await import("../config/config.ts");
    const flags = Object.fromEntries(CONFIG_FLAGS.map((flag) => [flag, values[flag] as string | undefined]));
    return loadConfig(io.environment, flags);
  };

  const serve = (role: string) => async (values: FlagValues) => {
    const config = await loadConfiguration(values);
    const { serveCommand } = await import("./serve-command.ts");
    return serveCommand({ role, config, print: io.print });
  };
  withConfig(
    program
      .command("serve")
      .description("run the server (API, docs, background jobs) on PORT (default 8787)")
      .addOption(
        new Option("--role <role>", "all: HTTP and background jobs; api: HTTP only; worker: jobs only")
          .choices(["all", "api", "worker"])
          .default("all"),
      ),
    configFlags,
  ).action(
    act(async (_options, command: Command) => serve(String(command.opts().role))(flagValues(command))),
  );
  withConfig(
    program
      .command("worker")
      .description("run background jobs only, like serve --role worker (more processes share the work)"),
    configFlags,
  ).action(act(async (_options, command: Command) => serve("worker")(flagValues(command))));

  const admin = async (command: Command) => {
    const values = flagValues(command);
    return {
      values,
      context: { config: await loadConfiguration(values), print: io.print, json: values.json === true },
    };
  };
  const adminCommand = (parent: Command, name: string, description: string) =>
    withConfig(parent.command(name).description(description), STORAGE_FLAGS).option(
      "--json",
      "machine-readable output",
    );
  const tenants = program.command("tenants").description("create and list tenants");
  adminCommand(tenants, "create", "create a tenant and print its first admin key")
    .option("--name <name>", "the tenant's name (required)")
    .action(
      act(async (_options, command: Command) => {
        const { context, values } = await admin(command);
        const { createTenant } = await import("./admin-commands.ts");
        return createTenant(context, { name: values.name as string | undefined });
      }),
    );
  adminCommand(tenants, "list", "list tenants").action(
    act(async (_options, command: Command) => {
      const { context } = await admin(command);
      const { listTenants } = await import("./admin-commands.ts");
      return listTenants(context);
    }),
  );

  const keys = program.command("keys").description("create, list, limit and revoke API keys");
  const tenantOption = (command: Command) =>
    command.option("--tenant <id>", "the tenant (default: the default tenant)");
  tenantOption(adminCommand(keys, "create", "create an API key (printed once)"))
    .option("--name <name>", "the key's name (required)")
    .option("--scopes <list>", "read, write and/or admin, comma-separated (default read,write)")
    .option("--rate-limit <n>", "its requests per minute (default: the server's)")
    .action(
      act(async (_options, command: Command) => {
        const { context, values } = await admin(command);
        const { createKey } = await import("./admin-commands.ts");
        return createKey(context, {
          name: values.name as string | undefined,
          scopes: values.scopes as string | undefined,
          rateLimit: values["rate-limit"] as string | undefined,
          tenant: values.tenant as string | undefined,
        });
      }),
    );
  tenantOption(
    adminCommand(keys, "list", "list API keys (prefix, scopes, rate limit, last used, revoked)"),
  ).action(
    act(async (_options, command: Command) => {
      const { context, values } = await admin(command);
      const { listKeys } = await import("./admin-commands.ts");
      return listKeys(context, { tenant: values.tenant as string | undefined });
    }),
  );
  tenantOption(adminCommand(keys, "limit", "set a key's requests per minute (default: the server's)"))
    .argument("<key-id>", "the key")
    .argument("<limit>", "requests per minute, or default")
    .action(
      act(async (keyId: string, limit: string, _options, command: Command) => {
        const { context, values } = await admin(command);
        const { limitKey } = await import("./admin-commands.ts");
        return limitKey(context, keyId, limit, { tenant: values.tenant as string | undefined });
      }),
    );
  tenantOption(adminCommand(keys, "revoke", "revoke an API key"))
    .argument("<key-id>", "the key")
    .action(
      act(async (keyId: string, _options, command: Command) => {
        const { context, values } = await admin(command);
        const { revokeKey } = await import("./admin-commands.ts");
        return revokeKey(context, keyId, { tenant: values.tenant as string | undefined });
      }),
    );

  const models = program
    .command("models")
    .description("choose the model personas answer with; download and list local GGUF models");
  const runModels = (action: string) => async (positionals: string[], command: Command) => {
    const values = flagValues(command);
    const config = await loadConfiguration(values);
    const { modelsCommand } = await import("./models-command.ts");
    try {
      return await modelsCommand({ action, positionals, values, config, print: io.print });
    } catch (error) {
      throw new CommandError((error as Error).message, { cause: error });
    }
  };
  adminCommand(models, "pull", "download a GGUF model into <data dir>/models (resumes, verifies)")
    .argument("<url>", "the .gguf file's URL")
    .option("--sha256 <hex>", "the file's expected SHA-256")
    .action(act(async (url: string, _options, command: Command) => runModels("pull")([url], command)));
  adminCommand(models, "list", "list downloaded GGUF models").action(
    act(async (_options, command: Command) => runModels("list")([], command)),
  );

  const clientCommand = (parent: Command, name: string, description: string) =>
    parent
      .command(name)
      .description(description)
      .option("--url <url>", "the server (default DRAMATIS_URL or http://127.0.0.1:8787)")
      .option("--key <key>", "an API key (default DRAMATIS_API_KEY)")
      .option("--user <user>", "the end user (default DRAMATIS_USER or the OS account)");

  // Choosing the model personas answer with, on a running server (the model setup API).
  const runModelSetup = (action: string) => async (positionals: string[], command: Command) => {
    const { modelSetupCommand } = await import("./model-setup-command.ts");
    return modelSetupCommand({
      action,
      positionals,
      values: flagValues(command),
      environment: io.environment,
      print: io.print,
      printError: io.printError,
    });
  };
  const modelsJson = (command: Command) => command.option("--json", "raw output");
  modelsJson(
    clientCommand(models, "setup", "which model personas answer with, and how to choose a real one"),
  ).action(act(async (_options, command: Command) => runModelSetup("setup")([], command)));
  modelsJson(clientCommand(models, "default", "set the tenant's default model (none: the server's)"))
    .argument("<model>", "provider/model, or none")
    .action(
      act(async (model: string, _options, command: Command) => runModelSetup("default")([model], command)),
    );
  modelsJson(clientCommand(models, "available", "every model the tenant can use (optionally filtered)"))
    .argument("[query...]", "text the model's id or label contains")
    .action(
      act(async (query: string[], _options, command: Command) => runModelSetup("available")(query, command)),
    );
  modelsJson(
    clientCommand(models, "discover", "model servers on the server's machine (Ollama, LM Studio, ...)"),
  )
    .option("--add <kind>", "add this one as a provider: ollama, lm-studio, llama.cpp or vllm")
    .action(act(async (_options, command: Command) => runModelSetup("discover")([], command)));
  modelsJson(clientCommand(models, "catalog", "curated models the server can download")).action(
    act(async (_options, command: Command) => runModelSetup("catalog")([], command)),
  );
  modelsJson(clientCommand(models, "download", "download a catalog model on the server, in the background"))
    .argument("<id>", "the catalog entry")
    .action(act(async (id: string, _options, command: Command) => runModelSetup("download")([id], command)));

  clientCommand(program, "chat", "chat with a persona (name or id) on a running server; /help inside")
    .argument("[persona...]", "the persona's name or id")
    .option("--conversation <id>", "continue this conversation")
    .action(
      act(async (persona: string[], _options, command: Command) => {
        const { chatCommand } = await import("./chat-command.ts");
        return chatCommand({
          positionals: persona,
          values: flagValues(command),
          environment: io.environment,
          input: process.stdin,
          output: process.stdout,
          printError: io.printError,
        });
      }),
    );

  const memories = program.command("memories").description("import, search and export a persona's memories");
  const runMemories = (action: string) => async (positionals: string[], command: Command) => {
    const { memoriesCommand } = await import("./memories-command.ts");
    return memoriesCommand({
      action,
      positionals,
      values: flagValues(command),
      environment: io.environment,
      input: process.stdin,
      output: process.stdout,
      printError: io.printError,
    });
  };
  clientCommand(
    memories,
    "import",
    "import memories: JSON Lines (.jsonl, .ndjson, or - for stdin) or a JSON array; exports re-import as they are",
  )
    .argument("<persona>", "the persona's name or id")
    .argument("<file>", "the file, or - for stdin")
    .option("--json", "the import report as JSON")
    .action(
      act(async (persona: string, file: string, _options, command: Command) =>
        runMemories("import")([persona, file], command),
      ),
    );
  clientCommand(memories, "search", "a persona's best-matching memories, with their score components")
    .argument("<persona>", "the persona's name or id")
    .argument("<query...>", "what to look for")
    .option("--k <n>", "how many (default 10, at most 100)")
    .option("--as-of <time>", "search as of this time (ISO 8601; a date or a time without offset is UTC)")
    .option("--json", "the results as JSON")
    .action(
      act(async (persona: string, query: string[], _options, command: Command) =>
        runMemories("search")([persona, ...query], command),
      ),
    );
  clientCommand(memories, "export", "write every memory as JSON Lines to FILE (default stdout)")
    .argument("<persona>", "the persona's name or id")
    .argument("[file]", "where to write (default stdout)")
    .action(
      act(async (persona: string, file: string | undefined, _options, command: Command) =>
        runMemories("export")(file === undefined ? [persona] : [persona, file], command),
      ),
    );

  const conversations = program
    .command("conversations")
    .description("search, export and import your conversations on a running server");
  const runConversations =
    (action: string) =>
    async (positionals: string[], command: Command): Promise<number> => {
      const { conversationsCommand } = await import("./conversations-command.ts");
      return conversationsCommand({
        action,
        positionals,
        values: flagValues(command),
        environment: io.environment,
        print: io.print,
        printError: io.printError,
      });
    };
  clientCommand(conversations, "search", "find messages in your conversations (case-insensitive)")
    .argument("<query...>", "the text to find")
    .option("--persona <id>", "only conversations with this persona")
    .option("--limit <n>", "how many hits (default 20, at most 200)")
    .option("--json", "the hits as JSON")
    .action(
      act(async (query: string[], _options, command: Command) => runConversations("search")(query, command)),
    );
  clientCommand(conversations, "export", "write a conversation as SillyTavern JSONL or Dramatis JSON")
    .argument("<id>", "the conversation's id")
    .option("--format <format>", "sillytavern (default) or dramatis")
    .option("-o, --output <file>", "where to write (default stdout)")
    .action(act(async (id: string, _options, command: Command) => runConversations("export")([id], command)));
  clientCommand(conversations, "import", "create a conversation from a SillyTavern chat or a Dramatis export")
    .argument("<file>", "a .jsonl (SillyTavern) or .json (Dramatis) file")
    .option("--persona <id>", "the persona the chat is with (required for a SillyTavern chat)")
    .option("--json", "the result as JSON")
    .action(
      act(async (file: string, _options, command: Command) => runConversations("import")([file], command)),
    );

  const study = program
    .command("study")
    .description("research studies on a running server (docs/studies.md)");
  const runStudy = (action: string) => async (positionals: string[], command: Command) => {
    const { runStudyAction } = await import("./study-command.ts");
    return runStudyAction({
      action,
      positionals,
      flags: flagValues(command),
      environment: io.environment,
      output: process.stdout,
      errorOutput: process.stderr,
      printError: io.printError,
    });
  };
  const studyCommand = (name: string, description: string) => clientCommand(study, name, description);
  const json = (command: Command) => command.option("--json", "raw output");
  studyCommand(
    "run",
    "create a study from a spec (docs/examples/study-spec.json), follow its progress and print per-cohort statistics; Ctrl-C stops following, not the study",
  )
    .argument("<spec>", "the spec file (JSON)")
    .option("--detach", "return once the study is created")
    .option(
      "--timeout <seconds>",
      "give up once the server has been unreachable that long in all (default 3600)",
    )
    .action(act(async (spec: string, _options, command: Command) => runStudy("run")([spec], command)));
  json(studyCommand("status", "a study's progress, counts and usage"))
    .argument("<id>", "the study")
    .action(act(async (id: string, _options, command: Command) => runStudy("status")([id], command)));
  json(studyCommand("cancel", "stop a study (runs in flight go back to pending)"))
    .argument("<id>", "the study")
    .action(act(async (id: string, _options, command: Command) => runStudy("cancel")([id], command)));
  json(studyCommand("resume", "run what is left of a study"))
    .argument("<id>", "the study")
    .option("--retry-failed", "also its failed and invalid runs")
    .action(act(async (id: string, _options, command: Command) => runStudy("resume")([id], command)));
  studyCommand("results", "per-cohort statistics (table), or every run as CSV or JSON")
    .argument("<id>", "the study")
    .addOption(new Option("--format <format>", "table, csv or json").choices(["table", "csv", "json"]))
    .option("--output <file>", "write to this file instead of stdout")
    .action(act(async (id: string, _options, command: Command) => runStudy("results")([id], command)));
  json(studyCommand("list", "list studies")).action(
    act(async (_options, command: Command) => runStudy("list")([], command)),
  );

  const scheduled = program
    .command("scheduled")
    .description("the messages personas plan to send you (docs/proactive.md)");
  const runScheduled =
    (name: "scheduled" | "inbox", action?: string) => async (positionals: string[], command: Command) => {
      const { scheduledCommand } = await import("./scheduled-command.ts");
      return scheduledCommand({
        command: name,
        parsed: { flags: flagValues(command), positionals: action ? [action, ...positionals] : positionals },
        environment: io.environment,
        output: process.stdout,
        printError: io.printError,
      });
    };
  json(clientCommand(scheduled, "list", "the messages personas plan to send you, soonest first"))
    .option("--all", "also the sent, skipped, failed and cancelled ones")
    .option("--persona <id>", "only this persona's")
    .addOption(
      new Option("--kind <kind>", "only this kind").choices(["good_morning", "good_night", "check_in"]),
    )
    .action(act(async (_options, command: Command) => runScheduled("scheduled", "list")([], command)));
  json(clientCommand(scheduled, "stats", "counts by status and kind"))
    .option("--persona <id>", "only this persona's")
    .action(act(async (_options, command: Command) => runScheduled("scheduled", "stats")([], command)));
  json(clientCommand(scheduled, "cancel", "cancel a pending scheduled message"))
    .argument("<id>", "the scheduled message")
    .action(
      act(async (id: string, _options, command: Command) =>
        runScheduled("scheduled", "cancel")([id], command),
      ),
    );
  const lorebooks = program
    .command("lorebooks")
    .description("standalone lorebooks (world info): list, import, export, attach");
  const runLorebooks = (action: string) => async (positionals: string[], command: Command) => {
    const { lorebooksCommand } = await import("./lorebooks-command.ts");
    return lorebooksCommand({
      action,
      positionals,
      values: flagValues(command),
      environment: io.environment,
      print: io.print,
      printError: io.printError,
    });
  };
  json(
    clientCommand(lorebooks, "list", "the lorebooks you can see, with entry counts and attachments"),
  ).action(act(async (_options, command: Command) => runLorebooks("list")([], command)));
  json(
    clientCommand(
      lorebooks,
      "import",
      "import a SillyTavern World Info file, a character_book or a card JSON",
    ),
  )
    .argument("<file>", "the JSON file")
    .option("--name <name>", "the book's name (default: the file's own)")
    .action(act(async (file: string, _options, command: Command) => runLorebooks("import")([file], command)));
  clientCommand(lorebooks, "export", "write a lorebook as JSON (SillyTavern World Info by default)")
    .argument("<id>", "the lorebook")
    .option("-o, --output <file>", "write to this file instead of stdout")
    .addOption(
      new Option("--format <format>", "the file format")
        .choices(["sillytavern", "character_book"])
        .default("sillytavern"),
    )
    .action(act(async (id: string, _options, command: Command) => runLorebooks("export")([id], command)));
  json(clientCommand(lorebooks, "attach", "attach a lorebook to a persona, a user persona or a conversation"))
    .argument("<id>", "the lorebook")
    .option("--persona <id>", "the persona whose replies scan it")
    .option("--user-persona <id>", "your user persona: conversations held as it scan it")
    .option("--conversation <id>", "your conversation")
    .option("--detach", "detach instead")
    .action(act(async (id: string, _options, command: Command) => runLorebooks("attach")([id], command)));

  // Media: the gallery of pictures and videos.
  const media = program.command("media").description("pictures and videos personas made: list, get, delete");
  const runMedia = (action: string) => async (positionals: string[], command: Command) => {
    const { mediaCommand } = await import("./media-command.ts");
    return mediaCommand({
      action,
      positionals,
      values: flagValues(command),
      environment: io.environment,
      print: io.print,
      printError: io.printError,
    });
  };
  json(clientCommand(media, "list", "your gallery, newest first"))
    .option("--persona <id>", "only this persona's")
    .option("--type <type>", "image, video or file")
    .option("--uploads", "also the photos and files you sent")
    .action(act(async (_options, command: Command) => runMedia("list")([], command)));
  json(clientCommand(media, "get", "one picture or video: its details, or its file with -o"))
    .argument("<id>", "the picture or video")
    .option("-o, --output <file>", "save the picture or video to this file")
    .action(act(async (id: string, _options, command: Command) => runMedia("get")([id], command)));
  clientCommand(media, "delete", "delete a picture or video (and its file on the server)")
    .argument("<id>", "the picture or video")
    .action(act(async (id: string, _options, command: Command) => runMedia("delete")([id], command)));

  // Speech: text read aloud, the voices the server offers, audio transcribed.
  const runSpeech = (action: string) => async (positionals: string[], command: Command) => {
    const { speechCommand } = await import("./speech-command.ts");
    return speechCommand({
      action,
      positionals,
      values: flagValues(command),
      environment: io.environment,
      print: io.print,
      printError: io.printError,
      output: process.stdout,
    });
  };
  clientCommand(program, "say", "read text aloud in a persona's voice (or --voice) and save the audio")
    .argument("[persona]", "the persona's name or id; may be left out when --voice names the voice")
    .argument("[text...]", "what to read")
    .option("-o, --output <file>", "where to write the audio, - for stdout (default PERSONA.wav, or .mp3)")
    .option("--voice <id>", "provider/voice, e.g. espeak/en-us+f3 (default the persona's voice)")
    .option("--locale <locale>", "the language to read in, e.g. en-US (picks the persona's voice for it)")
    .option("--rate <rate>", "speaking rate, 0.5-2 (default the voice configuration's, else 1)")
    .option("--style <style>", "a speaking style the voice offers (e.g. cheerful)")
    .addHelpText(
      "after",
      `
Examples:
  dramatis say Mira "Good morning!"              writes Mira.wav in Mira's voice
  dramatis say Mira Good morning -o - | aplay     the audio on stdout
  dramatis say --voice espeak/en-us "Hello"       no persona: quote the text (one argument)`,
    )
    .action(
      act(async (persona: string | undefined, words: string[], _options, command: Command) =>
        runSpeech("say")(persona === undefined ? words : [persona, ...words], command),
      ),
    );
  json(clientCommand(program, "voices", "the voices the server can speak with, and its speech services"))
    .option("--locale <locale>", "only voices speaking this language, e.g. de-DE")
    .option("--provider <name>", "only this provider's voices, e.g. espeak")
    .action(act(async (_options, command: Command) => runSpeech("voices")([], command)));
  json(clientCommand(program, "transcribe", "turn an audio file into text on the server"))
    .argument("<file>", "the audio (WAV, MP3, OGG, WebM, ...)")
    .option("--locale <locale>", "the language spoken, e.g. en-US")
    .option("--recognizer <name>", "the speech service to use (default the server's)")
    .action(
      act(async (file: string, _options, command: Command) => runSpeech("transcribe")([file], command)),
    );

  json(clientCommand(program, "inbox", "what personas sent you on their own, newest first"))
    .option("--follow", "print each new one as it arrives (Ctrl-C stops)")
    .action(act(async (_options, command: Command) => runScheduled("inbox")([], command)));

  return program;
}

/** A command's option values by their names on the command line (`as-of`, not `asOf`). */
function flagValues(command: Command): FlagValues {
  const values = command.opts();
  return Object.fromEntries(
    command.options.map((option) => [
      option.long?.replace(/^--/, "") ?? option.name(),
      values[option.attributeName()],
    ]),
  );
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
