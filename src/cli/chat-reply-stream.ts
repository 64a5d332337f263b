import { streamReply } from "@dramatis/sdk";
import { noteOfflineModel, printFailure, type ChatSession } from "./chat-session.ts";
import type { ChatTerminal } from "./chat-terminal.ts";

/**
 * Sends one message of the user and prints the persona's reply as it streams. Ctrl-C (aborting
 * `session.activeReply`) stops the reply and marks where it stopped; a refusal is printed and the chat
 * goes on.
 *
 * @example await sendMessage(session, "Where to next?");
 */
export async function sendMessage(session: ChatSession, content: string): Promise<void> {
  const controller = new AbortController();
  session.activeReply = controller;
  try {
    await printStreamedReply(session, content, controller.signal);
  } catch (error) {
    if (!controller.signal.aborted) printFailure(session, error);
    else printStopped(session.terminal);
  } finally {
    session.activeReply = undefined;
  }
}

/** Marks the stopped reply where it ends, so what was kept is visible. */
function printStopped(terminal: ChatTerminal): void {
  terminal.append(terminal.hint("[stopped; the partial reply is kept]"));
  terminal.endLine();
}

async function printStreamedReply(session: ChatSession, content: string, signal: AbortSignal): Promise<void> {
  const { terminal } = session;
  const reply = streamReply(
    session.api,
    session.conversationId,
    { content, user_persona_id: session.userPersona?.id ?? null },
    { signal },
  );
  for await (const event of reply) {
    if (event.type === "message-start") {
      terminal.write(`${terminal.speaker(`${session.persona.name}:`)} `);
    } else if (event.type === "message-delta") {
      terminal.write(event.text);
    } else {
      terminal.endLine();
      session.lastReplyId = event.exchange.message.id;
      for (const warning of event.exchange.warnings) terminal.line(terminal.hint(`(warning: ${warning})`));
      noteOfflineModel(session, event.exchange.message.model);
      return;
    }
  }
  terminal.line(terminal.error("Error: the reply ended early (the connection closed)"));
}
