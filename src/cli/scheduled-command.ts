import { parseArgs } from "node:util";
import { unwrap, watchInbox, type DramatisClient, type Schema } from "@dramatis/sdk";
import { ClientCommandError, reportClientFailure, runClientAction } from "./client-action.ts";
import { collectPages, type ServerFetch } from "./server-connection.ts";
import { formatTable } from "./text-table.ts";

/**
 * `dramatis scheduled list|stats|cancel` and `dramatis inbox [--follow]`: what personas send the user on
 * their own, against a running Dramatis server over the same REST API any client uses (docs/proactive.md).
 */

export interface ScheduledCommandOptions {
  /** `scheduled` or `inbox` */
  command: "scheduled" | "inbox";
  /** The words after the command: the action, its arguments and its flags. */
  argv?: string[];
  /** The same, parsed already (the CLI's parser); used instead of argv. */
  parsed?: { flags: ScheduledFlags; positionals: string[] };
  /** Read for DRAMATIS_URL, DRAMATIS_API_KEY and DRAMATIS_USER. */
  environment: Record<string, string | undefined>;
  /** Tables, JSON and followed messages (stdout from the CLI). */
  output: NodeJS.WritableStream;
  /** Failures (stderr from the CLI). */
  printError: (line: string) => void;
  fetch?: ServerFetch;
  /** Stops `inbox --follow` (Ctrl-C); defaults to the process's SIGINT while it follows. */
  interrupt?: AbortSignal;
}

type Kind = Schema<"ScheduledMessage">["kind"];
const KINDS: Kind[] = ["good_morning", "good_night", "check_in"];
const PAGE_LIMIT = 200;

/** The flags of `dramatis scheduled` and `dramatis inbox`, by their names on the command line. */
export type ScheduledFlags = {
  url?: string;
  key?: string;
  user?: string;
  json?: boolean;
  all?: boolean;
  persona?: string;
  kind?: string;
  follow?: boolean;
};

interface Context {
  options: ScheduledCommandOptions;
  flags: ScheduledFlags;
  positionals: string[];
  client: DramatisClient;
}

const ACTIONS: Record<string, (context: Context) => Promise<number>> = {
  list: listScheduled,
  stats: showStatistics,
  cancel: cancelScheduled,
};

/**
 * Runs `dramatis scheduled ACTION …` or `dramatis inbox …` and returns the exit code: 0, 1 when the
 * server refused or could not be reached, 2 for a wrong command line.
 *
 * @example
 * await scheduledCommand({ command: "scheduled", argv: ["list", "--all"], environment: process.env,
 *   output: process.stdout, printError: console.error });
 */
export async function scheduledCommand(options: ScheduledCommandOptions): Promise<number> {
  const name = `dramatis ${options.command}`;
  let parsed: { flags: ScheduledFlags; positionals: string[] };
  try {
    parsed = options.parsed ?? parseFlags(options.argv ?? []);
  } catch (error) {
    return reportClientFailure(name, error, options.printError);
  }
  const { flags, positionals } = parsed;
  // `dramatis inbox` is a command of one action.
  const inbox = options.command === "inbox";
  const [action, ...rest] = inbox ? ["inbox", ...positionals] : positionals;
  return runClientAction(
    name,
    action ?? "",
    inbox ? { inbox: showInbox } : ACTIONS,
    { ...options, values: flags },
    (run, connect) => run({ options, flags, positionals: rest, client: connect() }),
    `unknown scheduled command ${action ?? "(none)"}: expected ${Object.keys(ACTIONS).join(", ")}`,
  );
}

function parseFlags(argv: string[]): { flags: ScheduledFlags; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        url: { type: "string" },
        key: { type: "string" },
        user: { type: "string" },
        json: { type: "boolean" },
        all: { type: "boolean" },
        persona: { type: "string" },
        kind: { type: "string" },
        follow: { type: "boolean" },
      },
      allowPositionals: true,
      strict: true,
    });
    return { flags: values as ScheduledFlags, positionals };
  } catch (error) {
    throw new ClientCommandError((error as Error).message, 2);
  }
}

function writeLine(context: Context, line: string): void {
  context.options.output.write(`${line}\n`);
}

function noArguments(context: Context, usage: string): void {
  if (context.positionals.length > 0) throw new ClientCommandError(`usage: dramatis ${usage}`, 2);
}

/** A short one-line form of a message for a table cell. */
function summarise(text: string | null, length = 60): string {
  const flat = (text ?? "").replace(/\s+/g, " ").trim();
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
}

async function listScheduled(context: Context): Promise<number> {
  noArguments(context, "scheduled list [--all] [--persona ID] [--kind KIND]");
  const { flags } = context;
  const kind = readKind(flags.kind);
  const messages = await collectPages((after) =>
    unwrap(
      context.client.GET("/v1/scheduled-messages", {
        params: {
          query: {
            ...(flags.all ? { include_sent: "true" as const } : {}),
            ...(flags.persona === undefined ? {} : { persona_id: flags.persona }),
            ...(kind === undefined ? {} : { kind }),
            limit: PAGE_LIMIT,
            ...(after === undefined ? {} : { after }),
          },
        },
      }),
    ),
  );
  if (flags.json) {
    writeLine(context, JSON.stringify(messages));
    return 0;
  }
  if (messages.length === 0) {
    writeLine(
      context,
      flags.all
        ? "No scheduled messages: personas with an initiative of 3 or more plan them for users who chatted in the last 14 days."
        : "Nothing pending; --all also lists what was sent, skipped, failed or cancelled.",
    );
    return 0;
  }
  const rows = messages.map((message) => [
    message.id,
    message.persona_name,
    message.kind,
    message.due_at,
    message.status,
    summarise(message.content ?? message.error),
  ]);
  for (const line of formatTable(["id", "persona", "kind", "due", "status", "content"], rows)) {
    writeLine(context, line);
  }
  return 0;
}

function readKind(text: string | undefined): Kind | undefined {
  if (text === undefined) return undefined;
  const kind = KINDS.find((known) => known === text);
  if (!kind) throw new ClientCommandError(`--kind: expected one of ${KINDS.join(", ")}, got ${text}`, 2);
  return kind;
}

async function showStatistics(context: Context): Promise<number> {
  noArguments(context, "scheduled stats [--persona ID]");
  const { persona } = context.flags;
  const statistics = await unwrap(
    context.client.GET("/v1/scheduled-messages/statistics", {
      params: { query: persona === undefined ? {} : { persona_id: persona } },
    }),
  );
  if (context.flags.json) {
    writeLine(context, JSON.stringify(statistics));
    return 0;
  }
  const rows = Object.entries(statistics).map(([name, count]) => [name.replaceAll("_", " "), String(count)]);
  for (const line of formatTable(["", "count"], rows)) writeLine(context, line);
  return 0;
}

async function cancelScheduled(context: Context): Promise<number> {
  const [id, ...extra] = context.positionals;
  if (!id || extra.length > 0) throw new ClientCommandError("usage: dramatis scheduled cancel ID", 2);
  const message = await unwrap(
    context.client.POST("/v1/scheduled-messages/{id}/cancel", { params: { path: { id } } }),
  );
  writeLine(
    context,
    context.flags.json
      ? JSON.stringify(message)
      : `Cancelled the ${message.kind.replaceAll("_", " ")} ${message.persona_name} had planned for ${message.due_at}.`,
  );
  return 0;
}

function describeInboxItem(item: Schema<"InboxItem">): string {
  return `${item.message.created_at}  ${item.persona_name} (${item.kind.replaceAll("_", " ")}): ${summarise(item.message.content, 200)}`;
}

async function showInbox(context: Context): Promise<number> {
  noArguments(context, "inbox [--follow]");
  if (!context.flags.follow) {
    const inbox = await unwrap(context.client.GET("/v1/inbox"));
    if (context.flags.json) {
      writeLine(context, JSON.stringify(inbox));
      return 0;
    }
    writeLine(context, `${inbox.unread} unread`);
    for (const item of inbox.data) writeLine(context, describeInboxItem(item));
    return 0;
  }
  return followInbox(context);
}

/** Prints each message as it arrives until Ctrl-C (or the interrupt signal); the stream resumes by id. */
async function followInbox(context: Context): Promise<number> {
  const controller = new AbortController();
  const interrupt = context.options.interrupt;
  const stop = () => controller.abort();
  if (interrupt) interrupt.addEventListener("abort", stop, { once: true });
  else process.once("SIGINT", stop);
  try {
    for await (const event of watchInbox(context.client, { signal: controller.signal })) {
      if (event.type !== "message") continue;
      writeLine(context, context.flags.json ? JSON.stringify(event.item) : describeInboxItem(event.item));
    }
    return 0;
  } catch (error) {
    // Ctrl-C is how following ends.
    if (controller.signal.aborted) return 0;
    throw error;
  } finally {
    if (interrupt) interrupt.removeEventListener("abort", stop);
    else process.removeListener("SIGINT", stop);
  }
}
