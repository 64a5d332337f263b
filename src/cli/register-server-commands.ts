import { type Command, Option } from "commander";
import { type CommandContext, type FlagValues, flagValues } from "./command-context.ts";

/**
 * Registers the commands that run the server or administer its data: serve, worker, tenants and keys.
 *
 * @example registerServerCommands(program, createCommandContext({ io, configFlags, finish }));
 */
export function registerServerCommands(
  program: Command,
  { io, act, withConfig, configFlags, loadConfiguration, adminCommand }: CommandContext,
): void {
  const serve = (role: string) => async (values: FlagValues) => {
    const config = await loadConfiguration(values);
    const { serveCommand } = await import("./serve-command.ts");
    return serveCommand({ role, config, print: io.print });
  };
  withConfig(
    program
      .command("serve")
      .description("run the server (API, docs, background jobs) on PORT (default 8787)")
      .addOption(
        new Option("--role <role>", "all: HTTP and background jobs; api: HTTP only; worker: jobs only")
          .choices(["all", "api", "worker"])
          .default("all"),
      ),
    configFlags,
  ).action(
    act(async (_options, command: Command) => serve(String(command.opts().role))(flagValues(command))),
  );
  withConfig(
    program
      .command("worker")
      .description("run background jobs only, like serve --role worker (more processes share the work)"),
    configFlags,
  ).action(act(async (_options, command: Command) => serve("worker")(flagValues(command))));

  const admin = async (command: Command) => {
    const values = flagValues(command);
    return {
      values,
      context: { config: await loadConfiguration(values), print: io.print, json: values.json === true },
    };
  };
  const tenants = program.command("tenants").description("create and list tenants");
  adminCommand(tenants, "create", "create a tenant and print its first admin key")
    .option("--name <name>", "the tenant's name (required)")
    .action(
      act(async (_options, command: Command) => {
        const { context, values } = await admin(command);
        const { createTenant } = await import("./admin-commands.ts");
        return createTenant(context, { name: values.name as string | undefined });
      }),
    );
  adminCommand(tenants, "list", "list tenants").action(
    act(async (_options, command: Command) => {
      const { context } = await admin(command);
      const { listTenants } = await import("./admin-commands.ts");
      return listTenants(context);
    }),
  );

  const keys = program.command("keys").description("create, list, limit and revoke API keys");
  const tenantOption = (command: Command) =>
    command.option("--tenant <id>", "the tenant (default: the default tenant)");
  tenantOption(adminCommand(keys, "create", "create an API key (printed once)"))
    .option("--name <name>", "the key's name (required)")
    .option("--scopes <list>", "read, write and/or admin, comma-separated (default read,write)")
    .option("--rate-limit <n>", "its requests per minute (default: the server's)")
    .action(
      act(async (_options, command: Command) => {
        const { context, values } = await admin(command);
        const { createKey } = await import("./admin-commands.ts");
        return createKey(context, {
          name: values.name as string | undefined,
          scopes: values.scopes as string | undefined,
          rateLimit: values["rate-limit"] as string | undefined,
          tenant: values.tenant as string | undefined,
        });
      }),
    );
  tenantOption(
    adminCommand(keys, "list", "list API keys (prefix, scopes, rate limit, last used, revoked)"),
  ).action(
    act(async (_options, command: Command) => {
      const { context, values } = await admin(command);
      const { listKeys } = await import("./admin-commands.ts");
      return listKeys(context, { tenant: values.tenant as string | undefined });
    }),
  );
  tenantOption(adminCommand(keys, "limit", "set a key's requests per minute (default: the server's)"))
    .argument("<key-id>", "the key")
    .argument("<limit>", "requests per minute, or default")
    .action(
      act(async (keyId: string, limit: string, _options, command: Command) => {
        const { context, values } = await admin(command);
        const { limitKey } = await import("./admin-commands.ts");
        return limitKey(context, keyId, limit, { tenant: values.tenant as string | undefined });
      }),
    );
  tenantOption(adminCommand(keys, "revoke", "revoke an API key"))
    .argument("<key-id>", "the key")
    .action(
      act(async (keyId: string, _options, command: Command) => {
        const { context, values } = await admin(command);
        const { revokeKey } = await import("./admin-commands.ts");
        return revokeKey(context, keyId, { tenant: values.tenant as string | undefined });
      }),
    );
}
