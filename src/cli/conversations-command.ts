import fs from "node:fs/promises";
import { unwrap, type DramatisClient, type Schema } from "@dramatis/sdk";
import { ClientCommandError, runClientAction } from "./client-action.ts";
import type { ServerFetch } from "./server-connection.ts";

/**
 * `dramatis conversations search|export|import`: the caller's conversations on a running server, over the
 * REST API (no database access). Export writes SillyTavern JSONL or the Dramatis JSON document; import
 * sends either back as it is.
 */

export interface ConversationsCommandOptions {
  /** `search`, `export` or `import`. */
  action: string;
  /** search: the query words; export: the conversation id; import: the file. */
  positionals: string[];
  /** Parsed flags: `url`, `key`, `user`, `json`, `format`, `output`, `persona`, `limit`. */
  values: Record<string, string | boolean | undefined>;
  /** Read for DRAMATIS_URL, DRAMATIS_API_KEY and DRAMATIS_USER. */
  environment: Record<string, string | undefined>;
  /** Results, and an export without -o. */
  print: (text: string) => void;
  printError: (line: string) => void;
  fetch?: ServerFetch;
}

const ACTIONS: Record<
  string,
  (api: DramatisClient, options: ConversationsCommandOptions) => Promise<number>
> = {
  search,
  export: exportConversation,
  import: importConversation,
};

/**
 * Runs `dramatis conversations ACTION …` and returns the exit code: 0, 1 when the server refused or
 * failed, 2 for a wrong command line.
 *
 * @example await conversationsCommand({ action: "search", positionals: ["lisbon"], values: {}, environment: process.env, print: console.log, printError: console.error });
 */
export async function conversationsCommand(options: ConversationsCommandOptions): Promise<number> {
  return runClientAction(
    "dramatis conversations",
    options.action,
    ACTIONS,
    options,
    (run, connect) => run(connect(), options),
    `unknown conversations command ${options.action}: expected search, export or import`,
  );
}

function text(options: ConversationsCommandOptions, name: string): string | undefined {
  const value = options.values[name];
  return typeof value === "string" ? value : undefined;
}

/** One hit per line: when, conversation title and id, message id, and the snippet. */
function describeHit(hit: Schema<"MessageSearchHit">): string {
  const who = hit.role === "user" ? "you" : "persona";
  return `${hit.created_at.slice(0, 16).replace("T", " ")}  ${hit.conversation.title} (${hit.conversation.id}) ${hit.message_id} [${who}]\n    ${hit.snippet.replace(/\s+/g, " ")}`;
}

async function search(api: DramatisClient, options: ConversationsCommandOptions): Promise<number> {
  const query = options.positionals.join(" ").trim();
  if (!query) throw new ClientCommandError("usage: dramatis conversations search QUERY...", 2);
  const limitText = text(options, "limit");
  const limit = limitText === undefined ? 20 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
    throw new ClientCommandError("--limit must be a whole number from 1 to 200", 2);
  }
  const page = await unwrap(
    api.GET("/v1/conversations/search", {
      params: { query: { q: query, limit, persona_id: text(options, "persona") } },
    }),
  );
  if (options.values.json) {
    options.print(JSON.stringify(page.data, null, 2));
    return 0;
  }
  if (page.data.length === 0) options.print(`no messages match "${query}"`);
  for (const hit of page.data) options.print(describeHit(hit));
  if (page.next_cursor) options.print(`(more: raise --limit to see them)`);
  return 0;
}

async function exportConversation(
  api: DramatisClient,
  options: ConversationsCommandOptions,
): Promise<number> {
  const [id, ...extra] = options.positionals;
  if (!id || extra.length > 0) {
    throw new ClientCommandError(
      "usage: dramatis conversations export ID [--format sillytavern|dramatis] [-o FILE]",
      2,
    );
  }
  const format = text(options, "format") ?? "sillytavern";
  if (format !== "sillytavern" && format !== "dramatis") {
    throw new ClientCommandError("--format must be sillytavern or dramatis", 2);
  }
  const body = await unwrap(
    api.GET("/v1/conversations/{id}/export", {
      params: { path: { id }, query: { format } },
      parseAs: "text",
    }),
  );
  const file = text(options, "output");
  if (file === undefined || file === "-") {
    options.print(body.replace(/\n$/, ""));
  } else {
    await fs.writeFile(file, body, "utf8");
    options.printError(`wrote ${file} (${format})`);
  }
  return 0;
}

async function importConversation(
  api: DramatisClient,
  options: ConversationsCommandOptions,
): Promise<number> {
  const [file, ...extra] = options.positionals;
  if (!file || extra.length > 0) {
    throw new ClientCommandError("usage: dramatis conversations import FILE [--persona ID]", 2);
  }
  let content: string;
  try {
    content = await fs.readFile(file, "utf8");
  } catch (error) {
    throw new ClientCommandError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`, 1);
  }
  const isJson = /\.json$/i.test(file);
  const result = await unwrap(
    api.POST("/v1/conversations/import", {
      params: { query: { persona_id: text(options, "persona") } },
      // The file goes as it is; the typed body is only the Dramatis document's shape.
      body: content as unknown as Schema<"ConversationExport">,
      bodySerializer: (body: unknown) => body as string,
      headers: { "content-type": isJson ? "application/json" : "application/jsonl" },
    }),
  );
  if (options.values.json) {
    options.print(JSON.stringify(result, null, 2));
    return 0;
  }
  options.print(
    `imported ${result.message_count} messages (${result.format}) as ${result.conversation.id} "${result.conversation.title}"`,
  );
  for (const warning of result.warnings) options.printError(`warning: ${warning}`);
  return 0;
}
