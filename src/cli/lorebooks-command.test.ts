import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, createTestApp, type TestApp } from "../../test/test-app.ts";
import { runCli } from "./main.ts";
import { lorebooksCommand } from "./lorebooks-command.ts";

describe("dramatis lorebooks", () => {
  let app: TestApp;
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-lorebooks-"));
  const environment = {
    DRAMATIS_URL: "http://dramatis.test",
    DRAMATIS_API_KEY: ADMIN_KEY,
    DRAMATIS_USER: "sailor",
  };

  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => {
    await app?.close();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  async function run(action: string, positionals: string[], values: Record<string, string | boolean> = {}) {
    const out: string[] = [];
    const errors: string[] = [];
    const code = await lorebooksCommand({
      action,
      positionals,
      values,
      environment,
      print: (line) => out.push(line),
      printError: (line) => errors.push(line),
      fetch: app.fetch,
    });
    return { code, out: out.join("\n"), errors: errors.join("\n") };
  }

  it("imports a World Info file, lists it, attaches it and exports it back", async () => {
    const file = path.join(directory, "eldoria.json");
    fs.writeFileSync(
      file,
      JSON.stringify({
        entries: { "0": { uid: 0, key: ["dragon"], content: "Vyrn sleeps.", comment: "Dragons" } },
      }),
    );
    const imported = await run("import", [file], { name: "Eldoria", json: true });
    expect(imported.code, imported.errors).toBe(0);
    const book = JSON.parse(imported.out);
    expect(book).toMatchObject({ name: "Eldoria", entry_count: 1 });

    const persona = await (
      await app.request("/v1/personas", { method: "POST", json: { name: "Mira" } })
    ).json();
    const attached = await run("attach", [book.id], { persona: persona.id });
    expect(attached.code, attached.errors).toBe(0);
    expect(attached.out).toContain(`Attached Eldoria to persona ${persona.id}`);

    const listed = await run("list", []);
    expect(listed.out).toMatch(new RegExp(`${book.id}\\s+Eldoria\\s+1\\s+tenant\\s+persona:${persona.id}`));

    const exported = path.join(directory, "out.json");
    expect((await run("export", [book.id], { output: exported })).code).toBe(0);
    const written = JSON.parse(fs.readFileSync(exported, "utf8"));
    expect(written.entries["0"]).toMatchObject({
      key: ["dragon"],
      content: "Vyrn sleeps.",
      comment: "Dragons",
    });

    const detached = await run("attach", [book.id], { persona: persona.id, detach: true });
    expect(detached.out).toContain("now attached to: nothing");
  });

  it("says what is wrong: a missing target, a file that is no lorebook, an unknown book", async () => {
    expect((await run("attach", ["lbk_x"], {})).code).toBe(2);
    const notBook = path.join(directory, "not.json");
    fs.writeFileSync(notBook, JSON.stringify({ hello: "world" }));
    const refused = await run("import", [notBook]);
    expect(refused.code).toBe(1);
    expect(refused.errors).toMatch(/not a lorebook/);
    const missing = await run("export", ["lbk_missing"]);
    expect(missing.code).toBe(1);
    expect(missing.errors).toMatch(/lorebook lbk_missing was not found/);
  });

  it("is listed in the help", async () => {
    const out: string[] = [];
    const code = await runCli(["lorebooks", "--help"], {
      print: (line) => out.push(line),
      printError: (line) => out.push(line),
      environment: {},
    });
    expect(code).toBe(0);
    expect(out.join("\n")).toMatch(/attach \[options\] <id>/);
  });
});
