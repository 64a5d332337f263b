import type { Command } from "commander";
import { addJsonOption, clientCommand, type CommandContext, flagValues } from "./command-context.ts";
import { CommandError } from "./usage-error.ts";

/**
 * Registers `models`: pull and list GGUF files into the data directory, and choose the model personas answer
 * with on a running server (the model setup API).
 *
 * @example registerModelCommands(program, createCommandContext({ io, configFlags, finish }));
 */
export function registerModelCommands(
  program: Command,
  { io, act, loadConfiguration, adminCommand }: CommandContext,
): void {
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
  addJsonOption(
    clientCommand(models, "setup", "which model personas answer with, and how to choose a real one"),
  ).action(act(async (_options, command: Command) => runModelSetup("setup")([], command)));
  addJsonOption(clientCommand(models, "default", "set the tenant's default model (none: the server's)"))
    .argument("<model>", "provider/model, or none")
    .action(
      act(async (model: string, _options, command: Command) => runModelSetup("default")([model], command)),
    );
  addJsonOption(clientCommand(models, "available", "every model the tenant can use (optionally filtered)"))
    .argument("[query...]", "text the model's id or label contains")
    .action(
      act(async (query: string[], _options, command: Command) => runModelSetup("available")(query, command)),
    );
  addJsonOption(
    clientCommand(models, "discover", "model servers on the server's machine (Ollama, LM Studio, ...)"),
  )
    .option("--add <kind>", "add this one as a provider: ollama, lm-studio, llama.cpp or vllm")
    .action(act(async (_options, command: Command) => runModelSetup("discover")([], command)));
  addJsonOption(clientCommand(models, "catalog", "curated models the server can download")).action(
    act(async (_options, command: Command) => runModelSetup("catalog")([], command)),
  );
  addJsonOption(
    clientCommand(models, "download", "download a catalog model on the server, in the background"),
  )
    .argument("<id>", "the catalog entry")
    .action(act(async (id: string, _options, command: Command) => runModelSetup("download")([id], command)));
}
