import { parseArgs } from "node:util";
import { CONFIG_FLAGS, ConfigError, configuredSecrets, loadConfig, type Config } from "../config/config.ts";
import { redactSecrets } from "../lib/redact.ts";
import { systemClock } from "../lib/clock.ts";
import { DatabaseJobQueue } from "../jobs/database-job-queue.ts";
import { OFFLINE_DEFAULT_MODEL, createModelRegistry } from "../models/create-model-registry.ts";
import { startServer } from "../server.ts";
import { CHAT_USAGE, chatCommand } from "./chat-command.ts";
import { MEMORIES_USAGE, memoriesCommand } from "./memories-command.ts";
import { modelsCommand } from "./models-command.ts";
import { SCHEDULED_USAGE, scheduledCommand } from "./scheduled-command.ts";
import { STUDY_USAGE, studyCommand } from "./study-command.ts";
import { formatTable } from "./text-table.ts";
import { API_KEY_SCOPES, KEY_RATE_LIMIT_MAX, type ApiKeyScope } from "../services/api-key-service.ts";
import { AppError } from "../errors/app-error.ts";
import { createServices, type Services } from "../composition/create-services.ts";
import { openSecretBox } from "../lib/secret-box.ts";
import { DEFAULT_TENANT_ID } from "../services/tenant-service.ts";
import { openDatabase } from "../store/database.ts";
import { Store } from "../store/store.ts";

const USAGE = `Usage: dramatis <command> [options]

Commands:
  serve                         run the server (API, docs, background jobs) on PORT (default 8787)
  serve --role all|api|worker   all (default): HTTP and background jobs; api: HTTP only; worker: jobs only
  worker                        run background jobs only, like serve --role worker (more processes share the work)
  tenants create --name NAME    create a tenant and print its first admin key
  tenants list                  list tenants
  keys create --name NAME [--scopes read,write,admin] [--rate-limit N] [--tenant ID]
                                create an API key (printed once); --rate-limit: its requests per minute
  keys list [--tenant ID]       list API keys (prefix, scopes, rate limit, last used, revoked)
  keys limit KEY_ID N|default [--tenant ID]
                                set a key's requests per minute (default: the server's)
  keys revoke KEY_ID [--tenant ID]
                                revoke an API key
  models pull URL [--sha256 HEX]
                                download a GGUF model into <data dir>/models (resumes, verifies)
  models list                   list downloaded GGUF models
${CHAT_USAGE}
${MEMORIES_USAGE}
${STUDY_USAGE}
${SCHEDULED_USAGE}

Options for every command: --data-dir DIR, --database-url URL (or DRAMATIS_DATA_DIR, DATABASE_URL).
serve also takes --port, --host, --admin-key, --log-level, --body-limit, --import-limit,
--shutdown-timeout-ms (or PORT, HOST, DRAMATIS_ADMIN_KEY, LOG_LEVEL, ...).
Add --json to admin commands for machine-readable output. --tenant defaults to the default tenant.`;

/** Thrown for a command line that makes no sense; printed with the usage text. */
class UsageError extends Error {}

type Output = (line: string) => void;

interface CliContext {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
  config: Config;
  print: Output;
}

function parseCommandLine(argv: string[]) {
  const options: Record<string, { type: "string" | "boolean" }> = {
    json: { type: "boolean" },
    help: { type: "boolean" },
    name: { type: "string" },
    scopes: { type: "string" },
    "rate-limit": { type: "string" },
    tenant: { type: "string" },
    sha256: { type: "string" },
    url: { type: "string" },
    key: { type: "string" },
    user: { type: "string" },
    conversation: { type: "string" },
    k: { type: "string" },
    "as-of": { type: "string" },
    role: { type: "string" },
  };
  for (const flag of CONFIG_FLAGS) options[flag] = { type: "string" };
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function configFlags(
  values: Record<string, string | boolean | undefined>,
): Record<string, string | undefined> {
  return Object.fromEntries(CONFIG_FLAGS.map((flag) => [flag, values[flag] as string | undefined]));
}

async function withServices<T>(config: Config, work: (services: Services) => Promise<T>): Promise<T> {
  const database = await openDatabase({ database: config.database });
  try {
    // Admin commands touch no jobs; the database queue here only satisfies the services' wiring. They seal
    // nothing either, but the services get the server's own key, never a throwaway one.
    const services = createServices(new Store(database.db), systemClock, {
      models: createModelRegistry(config, OFFLINE_DEFAULT_MODEL),
      jobs: new DatabaseJobQueue({ db: database.db }),
      secrets: openSecretBox({
        configured: config.secretKey,
        previous: config.previousSecretKey,
        dataDir: config.dataDir,
      }),
    });
    await services.tenants.ensureDefaultTenant(undefined);
    return await work(services);
  } finally {
    await database.close();
  }
}

function parseScopes(text: string | undefined): ApiKeyScope[] {
  if (text === undefined) return ["read", "write"];
  const scopes = text.split(",").map((scope) => scope.trim());
  const unknown = scopes.filter((scope) => !(API_KEY_SCOPES as readonly string[]).includes(scope));
  if (unknown.length > 0) {
    throw new UsageError(`unknown scope ${unknown.join(", ")}: expected ${API_KEY_SCOPES.join(", ")}`);
  }
  return scopes as ApiKeyScope[];
}

function requireName(values: CliContext["values"]): string {
  const name = typeof values.name === "string" ? values.name.trim() : "";
  if (!name) throw new UsageError("--name is required");
  return name;
}

function printTable(print: Output, rows: Record<string, unknown>[], columns: string[]): void {
  const cell = (value: unknown) => (value === null || value === undefined ? "-" : String(value));
  const cells = rows.map((row) => columns.map((column) => cell(row[column])));
  for (const line of formatTable(columns, cells)) print(line);
}

async function serveCommand(context: CliContext): Promise<number> {
  const role = context.positionals[0] === "worker" ? "worker" : (context.values.role ?? "all");
  if (role !== "all" && role !== "api" && role !== "worker") {
    throw new UsageError(`--role must be all, api or worker, got ${String(role)}`);
  }
  const worker = role === "worker";
  const server = await startServer({ config: context.config, role });
  context.print(
    worker
      ? "Dramatis worker is running background jobs"
      : `Dramatis is running at ${server.url}  (API reference: ${server.url}/docs)`,
  );
  if (server.setupUrl) {
    context.print(`First start: create the first admin account at ${server.setupUrl}`);
  }
  if (server.createdAdminKey) {
    context.print(
      `Admin API key for the default tenant (shown once, store it now): ${server.createdAdminKey}`,
    );
  }
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      context.print(`Received ${signal}; finishing in-flight requests and shutting down`);
      process.off("SIGINT", onInterrupt);
      process.off("SIGTERM", onTerminate);
      void server.stop().then(resolve);
    };
    const onInterrupt = () => shutdown("SIGINT");
    const onTerminate = () => shutdown("SIGTERM");
    process.on("SIGINT", onInterrupt);
    process.on("SIGTERM", onTerminate);
  });
  return 0;
}

async function tenantsCommand(context: CliContext): Promise<number> {
  const [, action] = context.positionals;
  const { values, print } = context;
  if (action === "create") {
    const name = requireName(values);
    const { tenant, adminKey } = await withServices(context.config, (services) =>
      services.tenants.create(name),
    );
    if (values.json) print(JSON.stringify({ tenant, admin_key: adminKey }));
    else print(`Created tenant ${tenant.id} (${tenant.name})\nAdmin API key (shown once): ${adminKey}`);
    return 0;
  }
  if (action === "list") {
    const tenants = await withServices(context.config, (services) => services.tenants.list());
    if (values.json) print(JSON.stringify(tenants));
    else
      printTable(print, tenants as unknown as Record<string, unknown>[], [
        "id",
        "name",
        "is_operator",
        "created_at",
      ]);
    return 0;
  }
  throw new UsageError(`unknown tenants command ${action ?? "(none)"}: expected create or list`);
}

async function keysCommand(context: CliContext): Promise<number> {
  const [, action, keyId] = context.positionals;
  const { values, print } = context;
  const tenantId = typeof values.tenant === "string" ? values.tenant : DEFAULT_TENANT_ID;
  if (action === "create") {
    const name = requireName(values);
    const scopes = parseScopes(values.scopes as string | undefined);
    const rateLimit = values["rate-limit"];
    const limit = typeof rateLimit === "string" ? parseRateLimit(rateLimit) : undefined;
    const { key, summary } = await withServices(context.config, async (services) => {
      await services.tenants.get(tenantId);
      return services.apiKeys.create(tenantId, { name, scopes, rate_limit_per_minute: limit });
    });
    if (values.json) print(JSON.stringify({ ...summary, key }));
    else
      print(
        `Created key ${summary.id} (${summary.scopes.join(", ")}) in ${tenantId}\nAPI key (shown once): ${key}`,
      );
    return 0;
  }
  if (action === "list") {
    const keys = await withServices(context.config, async (services) => {
      await services.tenants.get(tenantId);
      return services.apiKeys.list(tenantId);
    });
    if (values.json) print(JSON.stringify(keys));
    else
      printTable(
        print,
        keys.map((key) => ({
          ...key,
          scopes: key.scopes.join(","),
          rate_limit: key.rate_limit_per_minute === null ? "default" : `${key.rate_limit_per_minute}/min`,
        })),
        ["id", "name", "prefix", "scopes", "rate_limit", "created_at", "last_used_at", "revoked_at"],
      );
    return 0;
  }
  if (action === "limit") {
    const value = context.positionals[3];
    if (!keyId || value === undefined)
      throw new UsageError("keys limit needs the key id and a number: dramatis keys limit KEY_ID 60|default");
    const limit = value === "default" ? null : parseRateLimit(value);
    const updated = await withServices(context.config, (services) =>
      services.apiKeys.update(tenantId, keyId, { rate_limit_per_minute: limit }),
    );
    if (values.json) print(JSON.stringify(updated));
    else
      print(
        `Key ${updated.id} may make ${
          updated.rate_limit_per_minute === null
            ? "the server's default number of requests"
            : `${updated.rate_limit_per_minute} requests`
        } per minute`,
      );
    return 0;
  }
  if (action === "revoke") {
    if (!keyId) throw new UsageError("keys revoke needs the key id: dramatis keys revoke KEY_ID");
    const revoked = await withServices(context.config, (services) =>
      services.apiKeys.revoke(tenantId, keyId),
    );
    if (values.json) print(JSON.stringify(revoked));
    else print(`Revoked key ${revoked.id} (${revoked.prefix}…) at ${revoked.revoked_at}`);
    return 0;
  }
  throw new UsageError(`unknown keys command ${action ?? "(none)"}: expected create, list, limit or revoke`);
}

/** A key's requests per minute as typed on the command line. */
function parseRateLimit(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > KEY_RATE_LIMIT_MAX) {
    throw new UsageError(
      `the rate limit must be a whole number of requests per minute, 1-${KEY_RATE_LIMIT_MAX}`,
    );
  }
  return Number(text);
}

/** Errors a command reports as a message for people, not as a stack trace. */
class CommandError extends Error {}

async function modelsCliCommand(context: CliContext): Promise<number> {
  const [, action, ...positionals] = context.positionals;
  try {
    return await modelsCommand({
      action,
      positionals,
      values: context.values,
      config: context.config,
      print: context.print,
    });
  } catch (error) {
    throw new CommandError((error as Error).message, { cause: error });
  }
}

const COMMANDS: Record<string, (context: CliContext) => Promise<number>> = {
  serve: serveCommand,
  worker: serveCommand,
  tenants: tenantsCommand,
  keys: keysCommand,
  models: modelsCliCommand,
};

/**
 * Runs the `dramatis` command line and returns its exit code.
 *
 * @example await runCli(["keys", "create", "--name", "ci", "--scopes", "read"]);
 */
export async function runCli(
  argv: string[],
  io: { print: Output; printError: Output; environment: Record<string, string | undefined> } = {
    print: (line) => process.stdout.write(`${line}\n`),
    printError: (line) => process.stderr.write(`${line}\n`),
    environment: process.env,
  },
): Promise<number> {
  try {
    if (argv[0] === "study") {
      // A client of a running server with flags of its own (--detach, --format, ...): it parses them itself.
      return await studyCommand({
        argv: argv.slice(1),
        environment: io.environment,
        output: process.stdout,
        errorOutput: process.stderr,
        printError: io.printError,
      });
    }
    if (argv[0] === "scheduled" || argv[0] === "inbox") {
      return await scheduledCommand({
        command: argv[0],
        argv: argv.slice(1),
        environment: io.environment,
        output: process.stdout,
        printError: io.printError,
      });
    }
    const { values, positionals } = parseCommandLine(argv);
    const command = positionals[0];
    if (values.help || command === undefined || command === "help") {
      io.print(USAGE);
      return command === undefined && !values.help ? 2 : 0;
    }
    if (command === "chat") {
      // A client of a running server: it needs no server configuration of its own.
      return await chatCommand({
        positionals: positionals.slice(1),
        values,
        environment: io.environment,
        input: process.stdin,
        output: process.stdout,
        printError: io.printError,
      });
    }
    if (command === "memories") {
      return await memoriesCommand({
        action: positionals[1],
        positionals: positionals.slice(2),
        values,
        environment: io.environment,
        input: process.stdin,
        output: process.stdout,
        printError: io.printError,
      });
    }
    const run = COMMANDS[command];
    if (!run) throw new UsageError(`unknown command ${command}`);
    const config = loadConfig(io.environment, configFlags(values));
    return await run({ positionals, values, config, print: io.print });
  } catch (error) {
    if (error instanceof UsageError) {
      io.printError(`dramatis: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof ConfigError || error instanceof AppError || error instanceof CommandError) {
      io.printError(`dramatis: ${error.message}`);
      return 1;
    }
    // Anything else (a database or Redis driver refusing its URL, say) is printed with its stack, but
    // with credentials and the configured secrets removed: the stack can quote a connection string.
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.printError(`dramatis: ${redactSecrets(text, configuredSecrets(io.environment))}`);
    return 1;
  }
}
