import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../src/cli/main.ts";

describe("dramatis CLI", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-cli-"));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  async function run(...argv: string[]) {
    const out: string[] = [];
    const errors: string[] = [];
    const code = await runCli(argv, {
      print: (line) => out.push(line),
      printError: (line) => errors.push(line),
      environment: { DRAMATIS_DATA_DIR: dataDir },
    });
    return { code, out: out.join("\n"), errors: errors.join("\n") };
  }

  it("creates tenants and manages their keys", async () => {
    const tenant = await run("tenants", "create", "--name", "Acme", "--json");
    expect(tenant.code).toBe(0);
    const { tenant: created, admin_key: adminKey } = JSON.parse(tenant.out);
    expect(adminKey).toMatch(/^dra_/);

    const key = await run(
      "keys",
      "create",
      "--tenant",
      created.id,
      "--name",
      "ci",
      "--scopes",
      "read,write",
      "--json",
    );
    const { id, key: secret, prefix } = JSON.parse(key.out);
    expect(secret.startsWith(prefix)).toBe(true);

    const listed = await run("keys", "list", "--tenant", created.id);
    expect(listed.out).toContain(prefix);
    expect(listed.out).toContain("read,write");
    expect(listed.out).not.toContain(secret);

    const limited = await run("keys", "limit", id, "60", "--tenant", created.id, "--json");
    expect(JSON.parse(limited.out).rate_limit_per_minute).toBe(60);
    expect((await run("keys", "list", "--tenant", created.id)).out).toContain("60/min");
    const capped = await run(
      "keys",
      "create",
      "--tenant",
      created.id,
      "--name",
      "bot",
      "--rate-limit",
      "5",
      "--json",
    );
    expect(JSON.parse(capped.out).rate_limit_per_minute).toBe(5);
    expect((await run("keys", "limit", id, "lots", "--tenant", created.id)).errors).toMatch(
      /whole number of requests per minute/,
    );
    const restored = await run("keys", "limit", id, "default", "--tenant", created.id, "--json");
    expect(JSON.parse(restored.out).rate_limit_per_minute).toBeNull();

    const revoked = await run("keys", "revoke", id, "--tenant", created.id);
    expect(revoked.out).toMatch(/Revoked key/);
    const list = JSON.parse((await run("keys", "list", "--tenant", created.id, "--json")).out);
    expect(list.find((entry: { id: string }) => entry.id === id).revoked_at).not.toBeNull();

    const tenants = await run("tenants", "list");
    expect(tenants.out).toContain("ten_default");
    expect(tenants.out).toContain("Acme");
  });

  it("explains mistakes: unknown command, bad scope, missing name, other tenant's key, bad config", async () => {
    const unknown = await run("frobnicate");
    expect(unknown.code).toBe(2);
    expect(unknown.errors).toMatch(/unknown command 'frobnicate'/);
    expect((await run("keys", "create", "--name", "x", "--scopes", "root")).errors).toMatch(
      /unknown scope root/,
    );
    expect((await run("tenants", "create")).errors).toMatch(/--name is required/);
    const missing = await run("keys", "revoke", "key_nope");
    expect(missing.code).toBe(1);
    expect(missing.errors).toMatch(/API key key_nope was not found/);
    const badPort = await run("serve", "--port", "nope");
    expect(badPort.code).toBe(1);
    expect(badPort.errors).toMatch(/--port: expected a port number/);
    expect(badPort.errors).not.toContain("nope");
    const badRedis = await run("serve", "--redis-url", "redis://default:redis-password-0001@cache:notaport");
    expect(badRedis.code).toBe(1);
    expect(badRedis.errors).toMatch(/--redis-url: expected a redis:\/\/ or rediss:\/\/ URL/);
    expect(badRedis.errors).not.toContain("redis-password-0001");
  });

  it("rejects a flag the command does not take, naming it", async () => {
    const misplaced = await run("keys", "list", "--role", "worker", "--sha256", "abc");
    expect(misplaced.code).toBe(2);
    expect(misplaced.errors).toMatch(/unknown option '--role'/);
    const studyFlag = await run("study", "status", "std_1", "--detach");
    expect(studyFlag.code).toBe(2);
    expect(studyFlag.errors).toMatch(/unknown option '--detach'/);
    const badRole = await run("serve", "--role", "everything");
    expect(badRole.code).toBe(2);
    expect(badRole.errors).toMatch(/Allowed choices are all, api, worker/);
    const extra = await run("models", "list", "more");
    expect(extra.code).toBe(2);
    expect(extra.errors).toMatch(/too many arguments/);
    const missingArgument = await run("keys", "revoke");
    expect(missingArgument.code).toBe(2);
    expect(missingArgument.errors).toMatch(/missing required argument 'key-id'/);
  });

  it("generates help for the program and for each command", async () => {
    const help = await run("--help");
    expect(help.code).toBe(0);
    for (const command of [
      "serve",
      "worker",
      "tenants",
      "keys",
      "models",
      "chat",
      "memories",
      "study",
      "scheduled",
      "inbox",
    ]) {
      expect(help.out).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    }
    const serve = await run("serve", "--help");
    expect(serve.out).toContain("--role <role>");
    expect(serve.out).toContain("--data-dir <value>");
    const keysCreate = await run("keys", "create", "--help");
    expect(keysCreate.out).toContain("--rate-limit <n>");
    expect(keysCreate.out).not.toContain("--port");
    const search = await run("memories", "search", "--help");
    expect(search.out).toContain("--as-of <time>");
    const none = await run();
    expect(none.code).toBe(2);
    expect(none.errors).toContain("Usage: dramatis <command> [options]");
  });
});
