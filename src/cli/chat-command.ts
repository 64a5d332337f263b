import readline from "node:readline/promises";
import { DramatisApiError, streamReply, unwrap, type DramatisClient, type Schema } from "@dramatis/sdk";
import {
  collectPages,
  createServerClient,
  readServerAccess,
  ServerAccessError,
  ServerUnreachableError,
  type ServerAccess,
  type ServerFetch,
} from "./server-connection.ts";

/**
 * `dramatis chat <persona>`: an interactive terminal chat against a running Dramatis server, over the
 * same REST API any client uses (no database access), so it works against remote servers too.
 */

export interface ChatCommandOptions {
  /** The words after `chat`: a persona id or name (a name may span several words). */
  positionals: string[];
  /** Parsed flags: `url`, `key`, `user`, `conversation`. */
  values: Record<string, string | boolean | undefined>;
  /** Read for DRAMATIS_URL, DRAMATIS_API_KEY, DRAMATIS_USER and NO_COLOR. */
  environment: Record<string, string | undefined>;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Where start-up failures go (stderr from the CLI); defaults to a line on `output`. */
  printError?: (line: string) => void;
  fetch?: ServerFetch;
}

/** Usage lines for `dramatis --help`. */
export const CHAT_USAGE = `  chat PERSONA [--conversation ID] [--url URL] [--key KEY] [--user USER]
                                chat with a persona (name or id) on a running server; /help inside
                                (or DRAMATIS_URL, DRAMATIS_API_KEY, DRAMATIS_USER)`;

const PAGE_LIMIT = 200;
/** How much of a continued conversation is reprinted: enough to pick up the thread. */
const RECENT_MESSAGE_COUNT = 10;
/** Longer candidate lists are cut, so an unknown name in a large tenant stays readable. */
const CANDIDATE_LIMIT = 25;
const OFFLINE_MODEL_PREFIX = "offline/";
const KEY_HINT = " (check --key or DRAMATIS_API_KEY)";

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

type Persona = Schema<"Persona">;
type UserPersona = Schema<"UserPersona">;
type StoredMessage = Schema<"Message">;

/** A start-up failure with a message meant for people. */
class ChatStartError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/**
 * Runs `dramatis chat`: resolves the persona, starts (or continues) a conversation, then sends each
 * input line and prints the persona's reply as it streams. Returns the exit code.
 *
 * @example
 * const code = await chatCommand({
 *   positionals: ["Mira"], values: { key: "dra_…" }, environment: process.env,
 *   input: process.stdin, output: process.stdout,
 * });
 */
export async function chatCommand(options: ChatCommandOptions): Promise<number> {
  const printError = options.printError ?? ((line: string) => options.output.write(`${line}\n`));
  const terminal = createTerminal(options);
  let session: ChatSession;
  try {
    const settings = readSettings(options);
    const api = createServerClient(settings, options.fetch);
    session = await openSession({ api, settings, terminal });
  } catch (error) {
    if (error instanceof ChatStartError) {
      printError(`dramatis chat: ${error.message}`);
      return error.exitCode;
    }
    if (error instanceof DramatisApiError) {
      printError(`dramatis chat: ${error.describe()}${error.status === 401 ? KEY_HINT : ""}`);
      return 1;
    }
    if (error instanceof ServerUnreachableError) {
      printError(`dramatis chat: ${error.message}`);
      return 1;
    }
    throw error;
  }
  await readLines(session, options);
  return 0;
}

interface ChatSettings {
  baseUrl: string;
  apiKey: string;
  user: string;
  conversationId: string | undefined;
  personaReference: string | undefined;
}

function readSettings(options: ChatCommandOptions): ChatSettings {
  const { values, environment } = options;
  const text = (name: string) => (typeof values[name] === "string" ? (values[name] as string) : undefined);
  let access: ServerAccess;
  try {
    access = readServerAccess({ url: text("url"), key: text("key"), user: text("user") }, environment);
  } catch (error) {
    if (error instanceof ServerAccessError) throw new ChatStartError(error.message, 2);
    throw error;
  }
  const personaReference = options.positionals.join(" ").trim() || undefined;
  const conversationId = text("conversation");
  if (!personaReference && !conversationId) {
    throw new ChatStartError("which persona? dramatis chat PERSONA (a name or an id)", 2);
  }
  return { ...access, conversationId, personaReference };
}

function listPersonas(api: DramatisClient): Promise<Persona[]> {
  return collectPages((after) =>
    unwrap(
      api.GET("/v1/personas", { params: { query: { limit: PAGE_LIMIT, ...(after ? { after } : {}) } } }),
    ),
  );
}

function listUserPersonas(api: DramatisClient): Promise<UserPersona[]> {
  return collectPages((after) =>
    unwrap(
      api.GET("/v1/user-personas", { params: { query: { limit: PAGE_LIMIT, ...(after ? { after } : {}) } } }),
    ),
  );
}

type NameMatch<T> = { found: T } | { ambiguous: T[] } | { unknown: true };

/**
 * Finds an item by id, else by name case-insensitively: a whole name first, then the start of the name
 * or of one of its words (`juniper` finds "Juniper Hale"). `preferred` breaks ties, so the tenant's own
 * persona wins over a preset of the same name.
 */
function matchByName<T extends { id: string; name: string }>(
  items: T[],
  reference: string,
  preferred: (item: T) => boolean = () => false,
): NameMatch<T> {
  const wanted = reference.trim().toLowerCase();
  const byId = items.find((item) => item.id === reference.trim());
  if (byId) return { found: byId };
  const exact = items.filter((item) => item.name.toLowerCase() === wanted);
  const starting = items.filter((item) => {
    const name = item.name.toLowerCase();
    return name.startsWith(wanted) || name.split(/\s+/).some((word) => word.startsWith(wanted));
  });
  for (const group of [exact, starting]) {
    if (group.length === 0) continue;
    const narrowed = group.some(preferred) ? group.filter(preferred) : group;
    return narrowed.length === 1 ? { found: narrowed[0] as T } : { ambiguous: narrowed };
  }
  return { unknown: true };
}

function formatCandidates<T>(items: T[], describe: (item: T) => string): string {
  const shown = items.slice(0, CANDIDATE_LIMIT).map((item) => `  ${describe(item)}`);
  if (items.length > CANDIDATE_LIMIT) shown.push(`  … and ${items.length - CANDIDATE_LIMIT} more`);
  return shown.join("\n");
}

const describePersona = (persona: Persona) =>
  `${persona.name} (${persona.id}${persona.kind === "preset" ? ", preset" : ""})`;

/**
 * A persona by id, else by name (see matchByName). An unknown or ambiguous name throws an Error whose
 * message lists the candidates, meant for people; `dramatis say` reuses it.
 */
export async function resolvePersona(api: DramatisClient, reference: string): Promise<Persona> {
  const byId = await findPersonaById(api, reference);
  if (byId) return byId;
  const personas = await listPersonas(api);
  const match = matchByName(personas, reference, (persona) => persona.kind === "persona");
  if ("found" in match) return match.found;
  if ("ambiguous" in match) {
    throw new ChatStartError(
      `"${reference}" matches more than one persona; give the id:\n${formatCandidates(match.ambiguous, describePersona)}`,
    );
  }
  // The tenant's own personas are the likelier meaning, so they come before the presets.
  const ordered = [...personas].sort(
    (left, right) => Number(left.kind === "preset") - Number(right.kind === "preset"),
  );
  const candidates = personas.length
    ? `choose one of:\n${formatCandidates(ordered, describePersona)}`
    : "this tenant has none yet (POST /v1/personas creates one)";
  throw new ChatStartError(`no persona named "${reference}"; ${candidates}`);
}

/** Ids have no spaces; anything the server does not know as an id is then tried as a name. */
async function findPersonaById(api: DramatisClient, reference: string): Promise<Persona | undefined> {
  if (/\s/.test(reference)) return undefined;
  try {
    return await unwrap(api.GET("/v1/personas/{id}", { params: { path: { id: reference } } }));
  } catch (error) {
    if (error instanceof DramatisApiError && (error.status === 404 || error.status === 405)) return undefined;
    throw error;
  }
}

/** Output with colours only on a terminal (and without NO_COLOR), so pipes get plain lines. */
interface Terminal {
  write(text: string): void;
  /** Writes a whole line, first ending a reply that is still on the current line. */
  line(text: string): void;
  /** Ends the current line unless it is empty. */
  endLine(): void;
  /** Adds to the current line, one space after what is already there. */
  append(text: string): void;
  speaker(name: string): string;
  hint(text: string): string;
  error(text: string): string;
}

function createTerminal(options: ChatCommandOptions): Terminal {
  const colors = Boolean((options.output as { isTTY?: boolean }).isTTY) && !options.environment.NO_COLOR;
  const paint = (code: string) => (text: string) => (colors ? `\u001b[${code}m${text}\u001b[0m` : text);
  let atLineStart = true;
  let afterSpace = true;
  const write = (text: string) => {
    if (text === "") return;
    options.output.write(text);
    atLineStart = text.endsWith("\n");
    afterSpace = /\s$/.test(text);
  };
  return {
    write,
    line: (text) => write(`${atLineStart ? "" : "\n"}${text}\n`),
    endLine: () => write(atLineStart ? "" : "\n"),
    append: (text) => write(`${afterSpace ? "" : " "}${text}`),
    speaker: paint("1;36"),
    hint: paint("2"),
    error: paint("31"),
  };
}

interface ChatSession {
  api: DramatisClient;
  terminal: Terminal;
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

async function openSession(options: {
  api: DramatisClient;
  settings: ChatSettings;
  terminal: Terminal;
}): Promise<ChatSession> {
  const { api, settings, terminal } = options;
  const { persona, conversationId, messages } = settings.conversationId
    ? await continueConversation(api, settings.conversationId, settings.personaReference)
    : await startConversation(api, settings.personaReference ?? "");
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
      `Chatting with ${persona.name} in ${conversationId} as ${settings.user}` +
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
    throw new ChatStartError(
      `conversation ${conversation.id} is with ${describePersona(persona)}, not "${reference}"`,
    );
  }
  return { persona, conversationId: conversation.id, messages: await recentMessages(api, conversation.id) };
}

async function recentMessages(api: DramatisClient, conversationId: string): Promise<StoredMessage[]> {
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

function userLabel(userPersona: { name: string } | null): string {
  return userPersona ? `You (${userPersona.name})` : "You";
}

function printStoredMessage(session: ChatSession, message: StoredMessage): void {
  const { terminal } = session;
  const speaker = message.role === "assistant" ? session.persona.name : userLabel(message.user_persona);
  terminal.write(`${terminal.speaker(`${speaker}:`)} ${message.content}`);
  // A stopped reply is marked, as it was when it streamed.
  if (message.status !== "complete") terminal.append(terminal.hint(`[${message.status}]`));
  terminal.endLine();
  if (message.role === "assistant") noteOfflineModel(session, message.model);
}

/** Offline replies already say so in their text; the hint adds what to do about it, once. */
function noteOfflineModel(session: ChatSession, model: string | null): void {
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

async function readLines(session: ChatSession, options: ChatCommandOptions): Promise<void> {
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

async function runSlashCommand(session: ChatSession, text: string): Promise<"continue" | "exit"> {
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

function printFailure(session: ChatSession, error: unknown): void {
  if (!(error instanceof DramatisApiError) && !(error instanceof ServerUnreachableError)) throw error;
  const message = error instanceof DramatisApiError ? error.describe() : error.message;
  session.terminal.line(session.terminal.error(`Error: ${message}`));
}

async function sendMessage(session: ChatSession, content: string): Promise<void> {
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
function printStopped(terminal: Terminal): void {
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
