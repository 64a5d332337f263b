import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, createTestApp, type TestApp } from "../../test/test-app.ts";
import { conversationsCommand } from "./conversations-command.ts";

/** `dramatis conversations search|export|import` against the app in process. */
describe("dramatis conversations", () => {
  let app: TestApp;
  let directory: string;
  let personaId: string;
  let conversationId: string;

  beforeAll(async () => {
    app = await createTestApp();
    directory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-conversations-cli-"));
    personaId = (
      await (
        await app.request("/v1/personas", { method: "POST", json: { name: "Mira", first_message: "Ahoy!" } })
      ).json()
    ).id;
    conversationId = (
      await (
        await app.request("/v1/conversations", {
          method: "POST",
          user: "alice",
          json: { persona_id: personaId },
        })
      ).json()
    ).id;
    await app.request(`/v1/conversations/${conversationId}/messages`, {
      method: "POST",
      user: "alice",
      json: { content: "Where is the old lighthouse?" },
    });
  });
  afterAll(async () => {
    await app.close();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  async function run(action: string, positionals: string[], values: Record<string, string | boolean> = {}) {
    const output: string[] = [];
    const errors: string[] = [];
    const code = await conversationsCommand({
      action,
      positionals,
      values: { url: "http://dramatis.test", key: ADMIN_KEY, user: "alice", ...values },
      environment: {},
      print: (text) => output.push(text),
      printError: (line) => errors.push(line),
      fetch: (request) => app.fetch(request),
    });
    return { code, output: output.join("\n"), errors };
  }

  it("searches, exports to a file and imports it back", async () => {
    const found = await run("search", ["OLD", "lighthouse"]);
    expect(found.code).toBe(0);
    expect(found.output).toContain(conversationId);
    expect(found.output).toContain("Where is the old lighthouse?");

    const file = path.join(directory, "chat.jsonl");
    const exported = await run("export", [conversationId], { output: file });
    expect(exported.code).toBe(0);
    const lines = fs.readFileSync(file, "utf8").trim().split("\n");
    expect(JSON.parse(lines[0]!)).toMatchObject({ character_name: "Mira" });

    const refused = await run("import", [file]);
    expect(refused.code).toBe(1);
    expect(refused.errors.join("\n")).toContain("persona_id");
    const imported = await run("import", [file], { persona: personaId });
    expect(imported.code).toBe(0);
    expect(imported.output).toMatch(/^imported 3 messages \(sillytavern\) as cnv_/);

    const dramatis = await run("export", [conversationId], { format: "dramatis" });
    expect(JSON.parse(dramatis.output)).toMatchObject({ format: "dramatis.conversation" });
    expect((await run("export", [conversationId], { format: "csv" })).code).toBe(2);
    expect((await run("search", [])).code).toBe(2);
  });
});
