import fs from "node:fs/promises";
import { unwrap, type DramatisClient, type Schema } from "@dramatis/sdk";
import { collectPages, type ServerFetch } from "./server-connection.ts";
import { ClientCommandError, runClientAction } from "./client-action.ts";
import { formatTable } from "./text-table.ts";

/**
 * `dramatis lorebooks list|import|export|attach`: standalone lorebooks (world info) on a running server,
 * through the SDK like every client command.
 */

export interface LorebooksCommandOptions {
  /** `list`, `import`, `export` or `attach`. */
  action: string;
  /** The action's arguments: FILE for import, ID for export and attach. */
  positionals: string[];
  /** Flags by their command-line names: url, key, user, json, output, name, persona, user-persona, conversation. */
  values: Record<string, string | boolean | undefined>;
  /** Read for DRAMATIS_URL, DRAMATIS_API_KEY and DRAMATIS_USER. */
  environment: Record<string, string | undefined>;
  print: (line: string) => void;
  printError: (line: string) => void;
  fetch?: ServerFetch;
}

type Lorebook = Schema<"Lorebook">;
type Values = LorebooksCommandOptions["values"];

const ACTIONS: Record<string, (client: DramatisClient, options: LorebooksCommandOptions) => Promise<number>> =
  {
    list: listLorebooks,
    import: importLorebook,
    export: exportLorebook,
    attach: attachLorebook,
  };

/**
 * Runs `dramatis lorebooks ACTION …`; returns 0, 1 when the server refused or was unreachable, 2 for a
 * wrong command line.
 *
 * @example await lorebooksCommand({ action: "import", positionals: ["world.json"], values: {},
 *   environment: process.env, print: console.log, printError: console.error });
 */
export async function lorebooksCommand(options: LorebooksCommandOptions): Promise<number> {
  return runClientAction(
    `dramatis lorebooks ${options.action}`,
    options.action,
    ACTIONS,
    options,
    (run, connect) => run(connect(), options),
  );
}

function text(value: string | boolean | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function describeAttachments(book: Pick<Lorebook, "attachments">): string {
  return book.attachments.map((attachment) => `${attachment.kind}:${attachment.target_id}`).join(", ");
}

async function listLorebooks(client: DramatisClient, options: LorebooksCommandOptions): Promise<number> {
  const books = await collectPages((after) =>
    unwrap(client.GET("/v1/lorebooks", { params: { query: { limit: 200, ...(after ? { after } : {}) } } })),
  );
  if (options.values.json) {
    options.print(JSON.stringify(books, null, 2));
    return 0;
  }
  if (books.length === 0) {
    options.print("No lorebooks yet: dramatis lorebooks import FILE");
    return 0;
  }
  const rows = books.map((book) => [
    book.id,
    book.name,
    String(book.entry_count),
    book.visibility,
    describeAttachments(book) || "-",
  ]);
  for (const line of formatTable(["ID", "NAME", "ENTRIES", "VISIBILITY", "ATTACHED TO"], rows))
    options.print(line);
  return 0;
}

async function readJsonFile(path: string): Promise<Record<string, unknown>> {
  let raw: string;
  try {
    raw = await fs.readFile(path, "utf8");
  } catch (error) {
    throw new ClientCommandError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(raw);
  } catch (error) {
    throw new ClientCommandError(`${path} is not JSON: ${(error as Error).message}`);
  }
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw new ClientCommandError(`${path} is not a lorebook: expected a JSON object`);
  }
  return document as Record<string, unknown>;
}

async function importLorebook(client: DramatisClient, options: LorebooksCommandOptions): Promise<number> {
  const [file] = options.positionals;
  if (!file) throw new ClientCommandError("name the file to import: dramatis lorebooks import FILE", 2);
  const document = await readJsonFile(file);
  const name = text(options.values.name);
  const book = await unwrap(
    client.POST("/v1/lorebooks/import", {
      params: { query: name ? { name } : {} },
      body: document,
    }),
  );
  if (options.values.json) options.print(JSON.stringify(book, null, 2));
  else options.print(`Imported ${book.name} (${book.id}): ${book.entry_count} entries`);
  return 0;
}

async function exportLorebook(client: DramatisClient, options: LorebooksCommandOptions): Promise<number> {
  const [id] = options.positionals;
  if (!id) throw new ClientCommandError("name the lorebook: dramatis lorebooks export ID [-o FILE]", 2);
  const format = text(options.values.format) ?? "sillytavern";
  if (format !== "sillytavern" && format !== "character_book") {
    throw new ClientCommandError(`--format: expected sillytavern or character_book, got ${format}`, 2);
  }
  const file = await unwrap(
    client.GET("/v1/lorebooks/{id}/export", { params: { path: { id }, query: { format } } }),
  );
  const json = `${JSON.stringify(file, null, 2)}\n`;
  const output = text(options.values.output);
  if (output) {
    await fs.writeFile(output, json);
    options.printError(`Wrote ${output}`);
  } else {
    options.print(json.trimEnd());
  }
  return 0;
}

function attachmentTarget(values: Values): { kind: "persona" | "user_persona" | "conversation"; id: string } {
  const given = (
    [
      ["persona", text(values.persona)],
      ["user_persona", text(values["user-persona"])],
      ["conversation", text(values.conversation)],
    ] as const
  ).filter(([, id]) => id !== undefined);
  if (given.length !== 1) {
    throw new ClientCommandError(
      "name exactly one target: --persona ID, --user-persona ID or --conversation ID",
      2,
    );
  }
  const [kind, id] = given[0]!;
  return { kind, id: id! };
}

async function attachLorebook(client: DramatisClient, options: LorebooksCommandOptions): Promise<number> {
  const [id] = options.positionals;
  if (!id) throw new ClientCommandError("name the lorebook: dramatis lorebooks attach ID --persona ID", 2);
  const target = attachmentTarget(options.values);
  const params = { params: { path: { id, kind: target.kind, targetId: target.id } } };
  const detach = options.values.detach === true;
  const book = await unwrap(
    detach
      ? client.DELETE("/v1/lorebooks/{id}/attachments/{kind}/{targetId}", params)
      : client.PUT("/v1/lorebooks/{id}/attachments/{kind}/{targetId}", params),
  );
  if (options.values.json) options.print(JSON.stringify(book, null, 2));
  else
    options.print(
      `${detach ? "Detached" : "Attached"} ${book.name} ${detach ? "from" : "to"} ${target.kind} ${target.id}` +
        ` (now attached to: ${describeAttachments(book) || "nothing"})`,
    );
  return 0;
}
