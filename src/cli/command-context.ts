import type { Command } from "commander";
import type { Config } from "../config/config.ts";

/*
 * What the registrars (`register-*-commands.ts`) define the `dramatis` commands with. Only types come
 * from the configuration module here, so defining the commands loads neither it nor the server.
 */

type Output = (line: string) => void;
export type FlagValues = Record<string, string | boolean | undefined>;

export interface CliIo {
  print: Output;
  printError: Output;
  environment: Record<string, string | undefined>;
}

export interface CommandContext {
  io: CliIo;
  /** The configuration flags this command line may use: none unless it runs a configured command. */
  configFlags: readonly string[];
  /** Runs an action and keeps its exit code (commander ignores what actions return). */
  act: <A extends unknown[]>(work: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;
  /** Adds those of `flags` that are among `configFlags`. */
  withConfig: (command: Command, flags: readonly string[]) => Command;
  /** The server's configuration from the environment and the command's flags. */
  loadConfiguration: (values: FlagValues) => Promise<Config>;
  /** A subcommand that reads where the data is (`--data-dir`, `--database-url`) and offers `--json`. */
  adminCommand: (parent: Command, name: string, description: string) => Command;
}

/** The configuration an administration command needs: where the data is. */
const STORAGE_FLAGS = ["data-dir", "database-url"];

/** The context every registrar receives; `finish` keeps the exit code of the action that ran. */
export function createCommandContext(options: {
  io: CliIo;
  configFlags: readonly string[];
  finish: (code: number) => void;
}): CommandContext {
  const { io, configFlags, finish } = options;
  const withConfig = (command: Command, flags: readonly string[]) => {
    for (const flag of flags) {
      if (configFlags.includes(flag))
        command.option(`--${flag} <value>`, "overrides its environment variable");
    }
    return command;
  };
  return {
    io,
    configFlags,
    act:
      <A extends unknown[]>(work: (...args: A) => Promise<number>) =>
      async (...args: A) =>
        finish(await work(...args)),
    withConfig,
    loadConfiguration: async (values) => {
      const { CONFIG_FLAGS, loadConfig } = await import("../config/config.ts");
      const flags = Object.fromEntries(
        CONFIG_FLAGS.map((flag) => [flag, values[flag] as string | undefined]),
      );
      return loadConfig(io.environment, flags);
    },
    adminCommand: (parent, name, description) =>
      withConfig(parent.command(name).description(description), STORAGE_FLAGS).option(
        "--json",
        "machine-readable output",
      ),
  };
}

/** A subcommand that talks to a running server: where it is, the API key and the end user. */
export function clientCommand(parent: Command, name: string, description: string): Command {
  return parent
    .command(name)
    .description(description)
    .option("--url <url>", "the server (default DRAMATIS_URL or http://127.0.0.1:8787)")
    .option("--key <key>", "an API key (default DRAMATIS_API_KEY)")
    .option("--user <user>", "the end user (default DRAMATIS_USER or the OS account)");
}

/** Adds `--json`: the command prints the server's answer as it came. */
export function addJsonOption(command: Command): Command {
  return command.option("--json", "raw output");
}

/** A command's option values by their names on the command line (`as-of`, not `asOf`). */
export function flagValues(command: Command): FlagValues {
  const values = command.opts();
  return Object.fromEntries(
    command.options.map((option) => [
      option.long?.replace(/^--/, "") ?? option.name(),
      values[option.attributeName()],
    ]),
  );
}
