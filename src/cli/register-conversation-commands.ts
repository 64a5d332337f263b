import type { Command } from "commander";
import { clientCommand, type CommandContext, flagValues } from "./command-context.ts";

/**
 * Registers the commands about your conversations on a running server: chat, memories and conversations.
 *
 * @example registerConversationCommands(program, createCommandContext({ io, configFlags, finish }));
 */
export function registerConversationCommands(program: Command, { io, act }: CommandContext): void {
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
}
