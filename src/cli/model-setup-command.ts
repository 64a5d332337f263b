import { ClientCommandError, runClientAction } from "./client-action.ts";
import { unwrap, type DramatisClient } from "@dramatis/sdk";
import type { ServerFetch } from "./server-connection.ts";
import { formatTable } from "./text-table.ts";

/**
 * `dramatis models setup|default|available|discover|catalog|download`: choosing the model personas answer
 * with, against a running server over the model setup API (the same one the web app's setup uses).
 */

export interface ModelSetupCommandOptions {
  action: string;
  positionals: string[];
  /** `url`, `key`, `user`, `json`, `add` */
  values: Record<string, string | boolean | undefined>;
  environment: Record<string, string | undefined>;
  print: (line: string) => void;
  printError: (line: string) => void;
  fetch?: ServerFetch;
}

interface Context {
  client: DramatisClient;
  options: ModelSetupCommandOptions;
  json: boolean;
}

const ACTIONS: Record<string, (context: Context, positionals: string[]) => Promise<number>> = {
  setup: showSetup,
  default: setDefault,
  available: listAvailable,
  discover: discover,
  catalog: showCatalog,
  download: startDownload,
};

/**
 * Runs one model setup action and returns the exit code (0, 1 refused or unreachable, 2 wrong usage).
 *
 * @example await modelSetupCommand({ action: "default", positionals: ["ollama/llama3.2"], values: {}, environment: process.env, print: console.log, printError: console.error })
 */
export async function modelSetupCommand(options: ModelSetupCommandOptions): Promise<number> {
  return runClientAction(
    `dramatis models ${options.action}`,
    options.action,
    ACTIONS,
    options,
    (run, connect) =>
      run({ client: connect(), options, json: options.values.json === true }, options.positionals),
  );
}

function printJson(context: Context, value: unknown): number {
  context.options.print(JSON.stringify(value, null, 2));
  return 0;
}

/** Where the tenant stands, and what to do next when personas still answer with the offline engine. */
async function showSetup(context: Context): Promise<number> {
  const setup = await unwrap(context.client.GET("/v1/model-setup"));
  if (context.json) return printJson(context, setup);
  const print = context.options.print;
  print(`default model: ${setup.effective_default_model}${setup.default_model ? "" : " (the server's)"}`);
  if (setup.offline) {
    print("personas answer with the offline test engine: canned replies, no AI.");
    print("choose a real model:");
    print("  dramatis models discover            model servers on this machine (Ollama, LM Studio, ...)");
    print("  dramatis models discover --add ollama");
    print("  dramatis models catalog             small models this server can download and run");
    print("  dramatis models available [TEXT]    every model you can use");
    print("  dramatis models default PROVIDER/MODEL");
  }
  return 0;
}

async function setDefault(context: Context, positionals: string[]): Promise<number> {
  const [model, ...rest] = positionals;
  if (!model || rest.length > 0) {
    throw new ClientCommandError("usage: dramatis models default PROVIDER/MODEL|none", 2);
  }
  const setup = await unwrap(
    context.client.PUT("/v1/model-setup/default-model", { body: { model: model === "none" ? null : model } }),
  );
  if (context.json) return printJson(context, setup);
  context.options.print(
    `personas without a model of their own now answer with ${setup.effective_default_model}` +
      (setup.offline ? " (the offline test engine)" : ""),
  );
  return 0;
}

async function listAvailable(context: Context, positionals: string[]): Promise<number> {
  const query = positionals.join(" ").trim();
  const listed = await unwrap(
    context.client.GET("/v1/model-setup/models", { params: { query: query ? { q: query } : {} } }),
  );
  if (context.json) return printJson(context, listed);
  for (const line of formatTable(
    ["MODEL", "SOURCE", "LABEL"],
    listed.models.map((model) => [model.id, model.source, model.label]),
  )) {
    context.options.print(line);
  }
  for (const warning of listed.warnings)
    context.options.printError(`${warning.provider}: ${warning.message}`);
  return 0;
}

async function discover(context: Context): Promise<number> {
  const add = context.options.values.add;
  if (typeof add === "string") {
    const kinds = ["ollama", "lm-studio", "llama.cpp", "vllm"] as const;
    const kind = kinds.find((candidate) => candidate === add);
    if (!kind) throw new ClientCommandError(`--add: expected one of ${kinds.join(", ")}`, 2);
    const provider = await unwrap(context.client.POST("/v1/model-setup/local-servers", { body: { kind } }));
    if (context.json) return printJson(context, provider);
    context.options.print(`added ${kind} as provider ${provider.name} (${provider.base_url ?? ""})`);
    context.options.print(`its models: dramatis models available ${provider.name}/`);
    return 0;
  }
  const { servers } = await unwrap(context.client.GET("/v1/model-setup/local-servers"));
  if (context.json) return printJson(context, { servers });
  if (servers.length === 0) {
    context.options.print(
      "no local model servers are offered (only to the operator's tenant, and only while discovery is on)",
    );
    return 0;
  }
  for (const line of formatTable(
    ["KIND", "ADDRESS", "STATE", "MODELS"],
    servers.map((server) => [
      server.kind,
      server.base_url,
      server.added ? "added" : server.reachable ? "found" : "not running",
      server.models.slice(0, 5).join(", ") + (server.models.length > 5 ? ", ..." : ""),
    ]),
  )) {
    context.options.print(line);
  }
  return 0;
}

async function showCatalog(context: Context): Promise<number> {
  const { models } = await unwrap(context.client.GET("/v1/model-setup/downloads/catalog"));
  if (context.json) return printJson(context, { models });
  for (const line of formatTable(
    ["ID", "SIZE", "LICENCE", "STATE"],
    models.map((model) => [
      model.id,
      `${Math.round(model.size_bytes / 1_000_000)} MB`,
      model.licence,
      model.downloaded ? `downloaded (${model.model_id})` : "",
    ]),
  )) {
    context.options.print(line);
  }
  return 0;
}

async function startDownload(context: Context, positionals: string[]): Promise<number> {
  const [catalogId, ...rest] = positionals;
  if (!catalogId || rest.length > 0) throw new ClientCommandError("usage: dramatis models download ID", 2);
  const download = await unwrap(
    context.client.POST("/v1/model-setup/downloads", { body: { catalog_id: catalogId } }),
  );
  if (context.json) return printJson(context, download);
  context.options.print(
    `${download.catalog_id}: ${download.status} (${download.received_bytes} of ${download.total_bytes ?? "?"} bytes); ` +
      `once done use it with: dramatis models default ${download.model_id}`,
  );
  return 0;
}
