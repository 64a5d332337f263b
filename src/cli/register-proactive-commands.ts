import { type Command, Option } from "commander";
import {
  addJsonOption,
  type CliIo,
  clientCommand,
  type CommandContext,
  flagValues,
} from "./command-context.ts";

/** Runs `scheduled` (with its subcommand as the first positional) or `inbox`. */
const runScheduled =
  (io: CliIo, name: "scheduled" | "inbox", action?: string) =>
  async (positionals: string[], command: Command) => {
    const { scheduledCommand } = await import("./scheduled-command.ts");
    return scheduledCommand({
      command: name,
      parsed: { flags: flagValues(command), positionals: action ? [action, ...positionals] : positionals },
      environment: io.environment,
      output: process.stdout,
      printError: io.printError,
    });
  };

/**
 * Registers `scheduled`: the messages personas plan to send you (docs/proactive.md).
 *
 * @example registerScheduledCommands(program, createCommandContext({ io, configFlags, finish }));
 */
export function registerScheduledCommands(program: Command, { io, act }: CommandContext): void {
  const scheduled = program
    .command("scheduled")
    .description("the messages personas plan to send you (docs/proactive.md)");
  addJsonOption(clientCommand(scheduled, "list", "the messages personas plan to send you, soonest first"))
    .option("--all", "also the sent, skipped, failed and cancelled ones")
    .option("--persona <id>", "only this persona's")
    .addOption(
      new Option("--kind <kind>", "only this kind").choices(["good_morning", "good_night", "check_in"]),
    )
    .action(act(async (_options, command: Command) => runScheduled(io, "scheduled", "list")([], command)));
  addJsonOption(clientCommand(scheduled, "stats", "counts by status and kind"))
    .option("--persona <id>", "only this persona's")
    .action(act(async (_options, command: Command) => runScheduled(io, "scheduled", "stats")([], command)));
  addJsonOption(clientCommand(scheduled, "cancel", "cancel a pending scheduled message"))
    .argument("<id>", "the scheduled message")
    .action(
      act(async (id: string, _options, command: Command) =>
        runScheduled(io, "scheduled", "cancel")([id], command),
      ),
    );
}

/**
 * Registers `inbox`: what personas sent you on their own. Apart from `scheduled` because `dramatis --help`
 * lists it last, after the speech commands.
 *
 * @example registerInboxCommand(program, createCommandContext({ io, configFlags, finish }));
 */
export function registerInboxCommand(program: Command, { io, act }: CommandContext): void {
  addJsonOption(clientCommand(program, "inbox", "what personas sent you on their own, newest first"))
    .option("--follow", "print each new one as it arrives (Ctrl-C stops)")
    .action(act(async (_options, command: Command) => runScheduled(io, "inbox")([], command)));
}
