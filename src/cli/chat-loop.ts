import readline from "node:readline/promises";
import { sendMessage } from "./chat-reply-stream.ts";
import { userLabel, type ChatSession } from "./chat-session.ts";
import { runSlashCommand } from "./chat-slash-commands.ts";

/**
 * Reads the user's lines until /exit, Ctrl-D or (at the prompt) Ctrl-C: each is a `/` command or a message
 * whose reply is printed as it streams. At a terminal it prompts; piped input is read as plain lines and
 * echoed, so the transcript shows what was said.
 *
 * @example await runChatLoop(session, { input: process.stdin, output: process.stdout });
 */
export async function runChatLoop(
  session: ChatSession,
  options: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream },
): Promise<void> {
  const isTerminal = (stream: unknown) => Boolean((stream as { isTTY?: boolean }).isTTY);
  // Prompts and Ctrl-C handling need a person at a terminal; anything else is read as plain lines.
  const interactive = isTerminal(options.input) && isTerminal(options.output);
  const lines = readline.createInterface({
    input: options.input,
    output: interactive ? options.output : undefined,
    terminal: interactive,
  });
  let closed = false;
  lines.once("close", () => (closed = true));
  // In raw mode Ctrl-C reaches readline as a key, not as a signal to the process.
  lines.on("SIGINT", () => {
    if (session.activeReply) session.activeReply.abort();
    else lines.close();
  });
  // The iterator buffers lines that arrive while a reply streams, so piped input is never dropped.
  const iterator = lines[Symbol.asyncIterator]();
  try {
    for (;;) {
      if (interactive) {
        lines.setPrompt(`${userLabel(session.userPersona)}> `);
        lines.prompt();
      }
      const next = await iterator.next();
      if (next.done) {
        // Ctrl-D or Ctrl-C leave the cursor after the prompt; the shell's prompt belongs on a new line.
        if (interactive) session.terminal.write("\n");
        return;
      }
      if ((await handleLine(session, next.value, { echo: !interactive })) === "exit") return;
    }
  } finally {
    if (!closed) lines.close();
  }
}

async function handleLine(
  session: ChatSession,
  line: string,
  options: { echo: boolean },
): Promise<"continue" | "exit"> {
  const text = line.trim();
  if (text === "") return "continue";
  if (text.startsWith("/") && !text.startsWith("//")) return runSlashCommand(session, text);
  const content = text.startsWith("//") ? text.slice(1) : text;
  // Piped input is not echoed by a terminal, so the transcript shows what was said.
  if (options.echo) {
    session.terminal.line(`${session.terminal.speaker(`${userLabel(session.userPersona)}:`)} ${content}`);
  }
  await sendMessage(session, content);
  return "continue";
}
