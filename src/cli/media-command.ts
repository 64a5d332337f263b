import fs from "node:fs/promises";
import path from "node:path";
import { unwrap, type DramatisClient, type Schema } from "@dramatis/sdk";
import { collectPages, type ServerFetch } from "./server-connection.ts";
import { ClientCommandError, runClientAction } from "./client-action.ts";
import { formatTable } from "./text-table.ts";

/**
 * `dramatis media list|get|delete`: the gallery (pictures and videos personas made, photos sent) on a
 * running server, through the SDK like every client command.
 */

export interface MediaCommandOptions {
  /** `list`, `get` or `delete`. */
  action: string;
  /** ID for get and delete. */
  positionals: string[];
  /** Flags by their command-line names: url, key, user, json, persona, type, uploads, output. */
  values: Record<string, string | boolean | undefined>;
  /** Read for DRAMATIS_URL, DRAMATIS_API_KEY and DRAMATIS_USER. */
  environment: Record<string, string | undefined>;
  print: (line: string) => void;
  printError: (line: string) => void;
  fetch?: ServerFetch;
  /** where `--output` paths are resolved; default the process's */
  workingDirectory?: string;
}

type Media = Schema<"Media">;

const ACTIONS: Record<string, (client: DramatisClient, options: MediaCommandOptions) => Promise<number>> = {
  list: listMedia,
  get: getMedia,
  delete: deleteMedia,
};

/**
 * Runs `dramatis media ACTION …`; returns 0, 1 when the server refused or was unreachable, 2 for a wrong
 * command line.
 *
 * @example await mediaCommand({ action: "get", positionals: ["med_…"], values: { output: "me.png" },
 *   environment: process.env, print: console.log, printError: console.error });
 */
export async function mediaCommand(options: MediaCommandOptions): Promise<number> {
  return runClientAction(
    `dramatis media ${options.action}`,
    options.action,
    ACTIONS,
    options,
    (run, connect) => run(connect(), options),
  );
}

function text(value: string | boolean | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

async function listMedia(client: DramatisClient, options: MediaCommandOptions): Promise<number> {
  const type = text(options.values.type);
  if (type !== undefined && type !== "image" && type !== "video" && type !== "file") {
    throw new ClientCommandError(`--type must be image, video or file, not ${type}`, 2);
  }
  const persona = text(options.values.persona);
  const items = await collectPages((after) =>
    unwrap(
      client.GET("/v1/media", {
        params: {
          query: {
            limit: 200,
            ...(after ? { after } : {}),
            ...(persona ? { persona_id: persona } : {}),
            ...(type ? { kind: type } : {}),
            ...(options.values.uploads ? {} : { source: "generated" as const }),
          },
        },
      }),
    ),
  );
  if (options.values.json) {
    options.print(JSON.stringify(items, null, 2));
    return 0;
  }
  if (items.length === 0) {
    options.print("No pictures or videos yet: ask a persona with media generation on for one");
    return 0;
  }
  for (const line of formatTable(
    ["ID", "TYPE", "STATUS", "PERSONA", "CREATED", "REQUEST"],
    items.map((item) => [
      item.id,
      item.offline ? `${item.kind} (placeholder)` : item.kind,
      item.status === "running" && item.progress !== null
        ? `running ${Math.round(item.progress * 100)}%`
        : item.status,
      item.persona_name ?? item.persona_id ?? "",
      item.created_at,
      shorten(item.request || item.file_name || ""),
    ]),
  ))
    options.print(line);
  return 0;
}

async function getMedia(client: DramatisClient, options: MediaCommandOptions): Promise<number> {
  const id = options.positionals[0];
  if (!id) throw new ClientCommandError("name the picture or video: dramatis media get ID [-o FILE]", 2);
  const item = await unwrap(client.GET("/v1/media/{id}", { params: { path: { id } } }));
  const output = text(options.values.output);
  if (!output) {
    options.print(options.values.json ? JSON.stringify(item, null, 2) : describe(item));
    return 0;
  }
  if (item.status !== "ready") {
    throw new ClientCommandError(
      `${id} is ${item.status}${item.error ? ` (${item.error})` : ""}: nothing to save yet`,
    );
  }
  const outcome = await client.GET("/v1/media/{id}/content", {
    params: { path: { id }, query: { download: "true" } },
    parseAs: "arrayBuffer",
  });
  const bytes = new Uint8Array((await unwrap(Promise.resolve(outcome))) as unknown as ArrayBuffer);
  const target = path.resolve(options.workingDirectory ?? process.cwd(), output);
  try {
    await fs.writeFile(target, bytes);
  } catch (error) {
    throw new ClientCommandError(`cannot write ${output}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  options.print(`Saved ${item.kind} ${id} (${item.content_type}, ${bytes.length} bytes) to ${output}`);
  return 0;
}

async function deleteMedia(client: DramatisClient, options: MediaCommandOptions): Promise<number> {
  const id = options.positionals[0];
  if (!id) throw new ClientCommandError("name the picture or video: dramatis media delete ID", 2);
  await unwrap(client.DELETE("/v1/media/{id}", { params: { path: { id } } }));
  options.print(`Deleted ${id}`);
  return 0;
}

function describe(item: Media): string {
  return [
    `${item.id}: ${item.kind}${item.offline ? " (placeholder: no image or video model is configured)" : ""}, ${item.status}`,
    item.persona_name ? `persona: ${item.persona_name}` : undefined,
    item.request ? `asked for: ${item.request}` : undefined,
    item.model ? `model: ${item.model}` : undefined,
    item.width && item.height ? `size: ${item.width}×${item.height}` : undefined,
    item.error ? `error: ${item.error}` : undefined,
    `created: ${item.created_at}`,
  ]
    .filter(Boolean)
    .join("\n");
}

function shorten(value: string): string {
  return value.length > 48 ? `${value.slice(0, 47)}…` : value;
}
