import { DramatisApiError, unwrap, type DramatisClient, type Schema } from "@dramatis/sdk";
import { ClientCommandError } from "./client-action.ts";
import type { ChatTerminal } from "./chat-terminal.ts";
import { describePersona, resolvePersona } from "./resolve-persona.ts";
import { collectPages, ServerUnreachableError } from "./server-connection.ts";

/** The state of one `dramatis chat`, how it starts, and how stored messages are printed in it. */

type Persona = Schema<"Persona">;
type UserPersona = Schema<"UserPersona">;
type StoredMessage = Schema<"Message">;

const PAGE_LIMIT = 200;
/** How much of a continued conversation is reprinted: enough to pick up the thread. */
const RECENT_MESSAGE_COUNT = 10;
const OFFLINE_MODEL_PREFIX = "offline/";

export interface ChatSession {
  api: DramatisClient;
  terminal: ChatTerminal;
  persona: Persona;
  conversationId: string;
  /** Sent with every message, so a switch shows in the stored messages; null is No Persona. */
  userPersona: UserPersona | null;
  offlineHintShown: boolean;
  /** The reply being streamed, so Ctrl-C can stop it. */
  activeReply: AbortController | undefined;
  /** The persona's latest reply, for /regenerate, /alt and /continue; undefined before the first. */
  lastReplyId: string | undefined;
}

/** Where a chat starts: a conversation named by id, else a new one with the persona named. */
export interface ChatStart {
  /** Who chats, for the greeting line. */
  user: string;
  conversationId: string | undefined;
  /** With a conversation id, checked to be that conversation's persona. */
  personaReference: string | undefined;
}

/**
 * Starts (or continues) the conversation, greets, and reprints what a continued one ended with.
 * Unknown personas and a conversation with another persona throw a ClientCommandError.
 *
 * @example
 * const session = await openSession({
 *   api, terminal, start: { user: "alice", conversationId: undefined, personaReference: "Mira" },
 * });
 */
export async function openSession(options: {
  api: DramatisClient;
  terminal: ChatTerminal;
  start: ChatStart;
}): Promise<ChatSession> {
  const { api, terminal, start } = options;
  const { persona, conversationId, messages } = start.conversationId
    ? await continueConversation(api, start.conversationId, start.personaReference)
    : await startConversation(api, start.personaReference ?? "");
  const userPersonas = await listUserPersonas(api);
  const session: ChatSession = {
    api,
    terminal,
    persona,
    conversationId,
    userPersona: userPersonas.find((userPersona) => userPersona.is_active) ?? null,
    offlineHintShown: false,
    activeReply: undefined,
    lastReplyId: messages.at(-1)?.role === "assistant" ? messages.at(-1)?.id : undefined,
  };
  terminal.line(
    terminal.hint(
      `Chatting with ${persona.name} in ${conversationId} as ${start.user}` +
        (session.userPersona ? ` (speaking as ${session.userPersona.name})` : "") +
        ". /help lists commands; /exit or Ctrl-D leaves.",
    ),
  );
  for (const message of messages) printStoredMessage(session, message);
  return session;
}

async function startConversation(
  api: DramatisClient,
  reference: string,
): Promise<{ persona: Persona; conversationId: string; messages: StoredMessage[] }> {
  const persona = await resolvePersona(api, reference);
  const created = await unwrap(api.POST("/v1/conversations", { body: { persona_id: persona.id } }));
  return { persona, conversationId: created.id, messages: created.messages };
}

async function continueConversation(
  api: DramatisClient,
  conversationId: string,
  reference: string | undefined,
): Promise<{ persona: Persona; conversationId: string; messages: StoredMessage[] }> {
  const conversation = await unwrap(
    api.GET("/v1/conversations/{id}", { params: { path: { id: conversationId } } }),
  );
  const persona = await unwrap(
    api.GET("/v1/personas/{id}", { params: { path: { id: conversation.persona_id } } }),
  );
  if (reference && (await resolvePersona(api, reference)).id !== persona.id) {
    throw new ClientCommandError(
      `conversation ${conversation.id} is with ${describePersona(persona)}, not "${reference}"`,
    );
  }
  return { persona, conversationId: conversation.id, messages: await recentMessages(api, conversation.id) };
}

/** The conversation's last RECENT_MESSAGE_COUNT shown messages, oldest first. */
export async function recentMessages(api: DramatisClient, conversationId: string): Promise<StoredMessage[]> {
  const readPage = (after: number | null) =>
    unwrap(
      api.GET("/v1/conversations/{id}/messages", {
        params: {
          path: { id: conversationId },
          query: { limit: PAGE_LIMIT, ...(after === null ? {} : { after_sequence: after }) },
        },
      }),
    );
  let recent: StoredMessage[] = [];
  let after: number | null = null;
  do {
    const page = await readPage(after);
    recent = [...recent, ...page.data].slice(-RECENT_MESSAGE_COUNT);
    after = page.next_sequence;
  } while (after !== null);
  return recent;
}

export function listUserPersonas(api: DramatisClient): Promise<UserPersona[]> {
  return collectPages((after) =>
    unwrap(
      api.GET("/v1/user-personas", { params: { query: { limit: PAGE_LIMIT, ...(after ? { after } : {}) } } }),
    ),
  );
}

/** "You", or "You (Elena)" while speaking as a user persona. */
export function userLabel(userPersona: { name: string } | null): string {
  return userPersona ? `You (${userPersona.name})` : "You";
}

export function printStoredMessage(session: ChatSession, message: StoredMessage): void {
  const { terminal } = session;
  const speaker = message.role === "assistant" ? session.persona.name : userLabel(message.user_persona);
  terminal.write(`${terminal.speaker(`${speaker}:`)} ${message.content}`);
  // A stopped reply is marked, as it was when it streamed.
  if (message.status !== "complete") terminal.append(terminal.hint(`[${message.status}]`));
  terminal.endLine();
  if (message.role === "assistant") noteOfflineModel(session, message.model);
}

/** Offline replies already say so in their text; the hint adds what to do about it, once. */
export function noteOfflineModel(session: ChatSession, model: string | null): void {
  if (session.offlineHintShown || !model?.startsWith(OFFLINE_MODEL_PREFIX)) return;
  session.offlineHintShown = true;
  session.terminal.line(
    session.terminal.hint(
      `(${session.persona.name} is answering with the built-in offline engine, ${model}: no model is ` +
        "configured on the server. Set DRAMATIS_DEFAULT_MODEL, DRAMATIS_PROVIDERS or OPENAI_API_KEY, " +
        "or `dramatis models pull` a GGUF, and restart it.)",
    ),
  );
}

/** A refusal or an unreachable server, as an error line in the chat (it goes on); anything else is thrown. */
export function printFailure(session: ChatSession, error: unknown): void {
  if (!(error instanceof DramatisApiError) && !(error instanceof ServerUnreachableError)) throw error;
  const message = error instanceof DramatisApiError ? error.describe() : error.message;
  session.terminal.line(session.terminal.error(`Error: ${message}`));
}
