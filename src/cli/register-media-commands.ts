import type { Command } from "commander";
import { addJsonOption, clientCommand, type CommandContext, flagValues } from "./command-context.ts";

/**
 * Registers `media`: the gallery of pictures and videos personas made.
 *
 * @example registerMediaCommands(program, createCommandContext({ io, configFlags, finish }));
 */
export function registerMediaCommands(program: Command, { io, act }: CommandContext): void {
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
  addJsonOption(clientCommand(media, "list", "your gallery, newest first"))
    .option("--persona <id>", "only this persona's")
    .option("--type <type>", "image, video or file")
    .option("--uploads", "also the photos and files you sent")
    .action(act(async (_options, command: Command) => runMedia("list")([], command)));
  addJsonOption(clientCommand(media, "get", "one picture or video: its details, or its file with -o"))
    .argument("<id>", "the picture or video")
    .option("-o, --output <file>", "save the picture or video to this file")
    .action(act(async (id: string, _options, command: Command) => runMedia("get")([id], command)));
  clientCommand(media, "delete", "delete a picture or video (and its file on the server)")
    .argument("<id>", "the picture or video")
    .action(act(async (id: string, _options, command: Command) => runMedia("delete")([id], command)));
}
