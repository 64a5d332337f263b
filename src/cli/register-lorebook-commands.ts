import { type Command, Option } from "commander";
import { addJsonOption, clientCommand, type CommandContext, flagValues } from "./command-context.ts";

/**
 * Registers `lorebooks`: standalone lorebooks (world info) on a running server.
 *
 * @example registerLorebookCommands(program, createCommandContext({ io, configFlags, finish }));
 */
export function registerLorebookCommands(program: Command, { io, act }: CommandContext): void {
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
  addJsonOption(
    clientCommand(lorebooks, "list", "the lorebooks you can see, with entry counts and attachments"),
  ).action(act(async (_options, command: Command) => runLorebooks("list")([], command)));
  addJsonOption(
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
  addJsonOption(
    clientCommand(lorebooks, "attach", "attach a lorebook to a persona, a user persona or a conversation"),
  )
    .argument("<id>", "the lorebook")
    .option("--persona <id>", "the persona whose replies scan it")
    .option("--user-persona <id>", "your user persona: conversations held as it scan it")
    .option("--conversation <id>", "your conversation")
    .option("--detach", "detach instead")
    .action(act(async (id: string, _options, command: Command) => runLorebooks("attach")([id], command)));
}
