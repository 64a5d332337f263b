import { unwrap, type Schema } from "@dramatis/sdk";
import {
  listUserPersonas,
  printFailure,
  printStoredMessage,
  recentMessages,
  type ChatSession,
} from "./chat-session.ts";
import { formatCandidates, matchByName } from "./resolve-persona.ts";

/** The `/` commands of `dramatis chat`: /persona, /regenerate, /alt, /edit, /branch and the rest. */

type UserPersona = Schema<"UserPersona">;
type StoredMessage = Schema<"Message">;

const HELP_TEXT = `Commands:
  /persona NAME     speak as one of your user personas from the next message on
  /persona none     speak as yourself (No Persona)
  /persona          show who you are speaking as
  /personas         list your user personas
  /regenerate       ask for another answer to your last message (the earlier ones are kept)
  /alt [N]          list the answers to your last message, or show answer N instead
  /continue         let the persona go on with its last answer
  /edit TEXT        replace the latest message (yours or the persona's) with TEXT
  /delete           delete the latest message (again to go further back)
  /branch           continue in a copy of this conversation (this one stays as it is)
  /title TEXT       rename this conversation
  /help             this list
  /exit             leave (also Ctrl-D); Ctrl-C stops a reply, or leaves at the prompt
Start a message with // to send a line that begins with /.`;

/**
 * Runs one `/command` line (text starts with `/`); a refusal is printed and the chat goes on.
 *
 * @example if ((await runSlashCommand(session, "/title Night talk")) === "exit") return;
 */
export async function runSlashCommand(session: ChatSession, text: string): Promise<"continue" | "exit"> {
  const [command = "", ...rest] = text.slice(1).split(/\s+/);
  const argument = rest.join(" ");
  const { terminal } = session;
  try {
    switch (command.toLowerCase()) {
      case "exit":
      case "quit":
        return "exit";
      case "help":
        terminal.line(HELP_TEXT);
        break;
      case "personas":
        await printUserPersonas(session);
        break;
      case "persona":
        await switchUserPersona(session, argument);
        break;
      case "regenerate":
      case "regen":
        await regenerateReply(session);
        break;
      case "alt":
        await chooseAlternative(session, argument);
        break;
      case "continue":
        await continueReply(session);
        break;
      case "title":
        await renameConversation(session, argument);
        break;
      case "edit":
        await editLatestMessage(session, argument);
        break;
      case "delete":
        await deleteLatestMessage(session);
        break;
      case "branch":
        await branchConversation(session);
        break;
      default:
        terminal.line(terminal.error(`Unknown command /${command}; /help lists the commands.`));
    }
  } catch (error) {
    printFailure(session, error);
  }
  return "continue";
}

/** The persona's latest reply, or a line saying there is none yet. */
function latestReply(session: ChatSession): string | undefined {
  if (!session.lastReplyId) session.terminal.line(session.terminal.error("There is no answer yet."));
  return session.lastReplyId;
}

function printReply(session: ChatSession, message: StoredMessage, label = session.persona.name): void {
  const { terminal } = session;
  const count = message.alternative_count ?? 1;
  const alternatives = count > 1 ? ` [${(message.alternative_index ?? 0) + 1}/${count}]` : "";
  terminal.line(`${terminal.speaker(`${label}:`)} ${message.content}${terminal.hint(alternatives)}`);
  session.lastReplyId = message.id;
}

async function regenerateReply(session: ChatSession): Promise<void> {
  const replyId = latestReply(session);
  if (!replyId) return;
  const reply = await unwrap(
    session.api.POST("/v1/conversations/{id}/messages/{messageId}/regenerate", {
      params: { path: { id: session.conversationId, messageId: replyId } },
      body: {},
    }),
  );
  printReply(session, reply.message);
}

async function chooseAlternative(session: ChatSession, argument: string): Promise<void> {
  const replyId = latestReply(session);
  if (!replyId) return;
  const path = { id: session.conversationId, messageId: replyId };
  if (argument === "") {
    const alternatives = await unwrap(
      session.api.GET("/v1/conversations/{id}/messages/{messageId}/alternatives", { params: { path } }),
    );
    alternatives.data.forEach((message, index) => {
      const shown = index === alternatives.chosen ? "  (shown)" : "";
      session.terminal.line(`  ${index + 1}. ${message.content}${shown}`);
    });
    return;
  }
  const number = Number(argument);
  if (!Number.isInteger(number) || number < 1) {
    session.terminal.line(session.terminal.error("/alt takes the number of an answer: /alt 2"));
    return;
  }
  const chosen = await unwrap(
    session.api.PATCH("/v1/conversations/{id}/messages/{messageId}", {
      params: { path },
      body: { chosen_alternative: number - 1 },
    }),
  );
  printReply(session, chosen);
}

async function continueReply(session: ChatSession): Promise<void> {
  if (!latestReply(session)) return;
  const reply = await unwrap(
    session.api.POST("/v1/conversations/{id}/continue", {
      params: { path: { id: session.conversationId } },
      body: {},
    }),
  );
  printReply(session, reply.message, `${session.persona.name} (continued)`);
}

async function renameConversation(session: ChatSession, title: string): Promise<void> {
  if (title === "") {
    session.terminal.line(session.terminal.error("/title takes the new title: /title Night talk"));
    return;
  }
  const renamed = await unwrap(
    session.api.PATCH("/v1/conversations/{id}", {
      params: { path: { id: session.conversationId } },
      body: { title },
    }),
  );
  session.terminal.line(session.terminal.hint(`Renamed to “${renamed.title}”.`));
}

/** The conversation's latest shown message, or a line saying there is none. */
async function latestMessage(session: ChatSession): Promise<StoredMessage | undefined> {
  const latest = (await recentMessages(session.api, session.conversationId)).at(-1);
  if (!latest) session.terminal.line(session.terminal.error("This conversation has no messages yet."));
  return latest;
}

/** "Mira's message" or "your message", for the lines that say what was changed. */
function whoseMessage(session: ChatSession, message: StoredMessage): string {
  return message.role === "assistant" ? `${session.persona.name}'s message` : "your message";
}

async function editLatestMessage(session: ChatSession, content: string): Promise<void> {
  if (content === "") {
    session.terminal.line(session.terminal.error("/edit takes the new text: /edit I meant tomorrow"));
    return;
  }
  const latest = await latestMessage(session);
  if (!latest) return;
  const edited = await unwrap(
    session.api.PATCH("/v1/conversations/{id}/messages/{messageId}", {
      params: { path: { id: session.conversationId, messageId: latest.id } },
      body: { content },
    }),
  );
  session.terminal.line(session.terminal.hint(`Edited ${whoseMessage(session, edited)}:`));
  printStoredMessage(session, edited);
}

async function deleteLatestMessage(session: ChatSession): Promise<void> {
  const latest = await latestMessage(session);
  if (!latest) return;
  await unwrap(
    session.api.DELETE("/v1/conversations/{id}/messages/{messageId}", {
      params: { path: { id: session.conversationId, messageId: latest.id } },
    }),
  );
  const excerpt = latest.content.length > 60 ? `${latest.content.slice(0, 57)}...` : latest.content;
  session.terminal.line(session.terminal.hint(`Deleted ${whoseMessage(session, latest)}: ${excerpt}`));
  await refreshLatestReply(session);
}

/** After a change of what the conversation ends with: the reply /regenerate, /alt and /continue act on. */
async function refreshLatestReply(session: ChatSession): Promise<void> {
  const latest = (await recentMessages(session.api, session.conversationId)).at(-1);
  session.lastReplyId = latest?.role === "assistant" ? latest.id : undefined;
}

async function branchConversation(session: ChatSession): Promise<void> {
  const latest = await latestMessage(session);
  if (!latest) return;
  const branch = await unwrap(
    session.api.POST("/v1/conversations/{id}/branch", {
      params: { path: { id: session.conversationId } },
      body: { message_id: latest.id },
    }),
  );
  const source = session.conversationId;
  session.conversationId = branch.id;
  await refreshLatestReply(session);
  session.terminal.line(
    session.terminal.hint(
      `Now in the branch ${branch.id} (“${branch.title}”); ${source} is kept as it was ` +
        `(dramatis chat --conversation ${source} goes back to it).`,
    ),
  );
}

async function printUserPersonas(session: ChatSession): Promise<void> {
  const { terminal } = session;
  const userPersonas = await listUserPersonas(session.api);
  if (userPersonas.length === 0) {
    terminal.line("You have no user personas yet (POST /v1/user-personas creates one).");
    return;
  }
  const current = (id: string | null) => ((session.userPersona?.id ?? null) === id ? "  (current)" : "");
  terminal.line("Your user personas:");
  for (const userPersona of userPersonas) {
    const description = userPersona.description ? ` — ${userPersona.description}` : "";
    terminal.line(`  ${userPersona.name}${description}${current(userPersona.id)}`);
  }
  terminal.line(`  none — No Persona${current(null)}`);
}

async function switchUserPersona(session: ChatSession, reference: string): Promise<void> {
  const { terminal } = session;
  if (reference === "") {
    terminal.line(`You are speaking as ${session.userPersona?.name ?? "yourself (No Persona)"}.`);
    return;
  }
  if (reference.toLowerCase() === "none") {
    session.userPersona = null;
    terminal.line(terminal.hint("Now speaking as yourself (No Persona)."));
    return;
  }
  const userPersonas = await listUserPersonas(session.api);
  const match = matchByName(userPersonas, reference);
  if ("found" in match) {
    session.userPersona = match.found;
    terminal.line(terminal.hint(`Now speaking as ${match.found.name}.`));
    return;
  }
  const describe = (userPersona: UserPersona) => `${userPersona.name} (${userPersona.id})`;
  const message =
    "ambiguous" in match
      ? `"${reference}" matches more than one user persona; give the id:\n${formatCandidates(match.ambiguous, describe)}`
      : `You have no user persona named "${reference}"` +
        (userPersonas.length ? `; choose one of:\n${formatCandidates(userPersonas, describe)}` : ".");
  terminal.line(terminal.error(message));
}
