import { type Command, Option } from "commander";
import { addJsonOption, clientCommand, type CommandContext, flagValues } from "./command-context.ts";

/**
 * Registers `study`: research studies on a running server (docs/studies.md).
 *
 * @example registerStudyCommands(program, createCommandContext({ io, configFlags, finish }));
 */
export function registerStudyCommands(program: Command, { io, act }: CommandContext): void {
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
  addJsonOption(studyCommand("status", "a study's progress, counts and usage"))
    .argument("<id>", "the study")
    .action(act(async (id: string, _options, command: Command) => runStudy("status")([id], command)));
  addJsonOption(studyCommand("cancel", "stop a study (runs in flight go back to pending)"))
    .argument("<id>", "the study")
    .action(act(async (id: string, _options, command: Command) => runStudy("cancel")([id], command)));
  addJsonOption(studyCommand("resume", "run what is left of a study"))
    .argument("<id>", "the study")
    .option("--retry-failed", "also its failed and invalid runs")
    .action(act(async (id: string, _options, command: Command) => runStudy("resume")([id], command)));
  studyCommand("results", "per-cohort statistics (table), or every run as CSV or JSON")
    .argument("<id>", "the study")
    .addOption(new Option("--format <format>", "table, csv or json").choices(["table", "csv", "json"]))
    .option("--output <file>", "write to this file instead of stdout")
    .action(act(async (id: string, _options, command: Command) => runStudy("results")([id], command)));
  addJsonOption(studyCommand("list", "list studies")).action(
    act(async (_options, command: Command) => runStudy("list")([], command)),
  );
}
