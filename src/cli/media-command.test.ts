import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, createTestApp, type TestApp } from "../../test/test-app.ts";
import { mediaCommand } from "./media-command.ts";
import { runCli } from "./main.ts";

describe("dramatis media", () => {
  let app: TestApp;
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-media-cli-"));
  const environment = {
    DRAMATIS_URL: "http://dramatis.test",
    DRAMATIS_API_KEY: ADMIN_KEY,
    DRAMATIS_USER: "painter",
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
    const code = await mediaCommand({
      action,
      positionals,
      values,
      environment,
      print: (line) => out.push(line),
      printError: (line) => errors.push(line),
      fetch: app.fetch,
      workingDirectory: directory,
    });
    return { code, out: out.join("\n"), errors: errors.join("\n") };
  }

  it("lists the gallery, saves a picture and deletes it", async () => {
    expect((await run("list", [])).out).toMatch(/No pictures or videos yet/);
    const persona = await (
      await app.request("/v1/personas", {
        method: "POST",
        json: {
          name: "Vera",
          features: { sms: false, premium_model: false, media_generation: true, auto_speech: false },
        },
      })
    ).json();
    const made = await app.request("/v1/media", {
      method: "POST",
      user: "painter",
      json: { persona_id: persona.id, kind: "image", description: "in a sunflower field" },
    });
    expect(made.status).toBe(202);
    const item = await made.json();
    await app.settleJobs("media-generation");

    const listed = await run("list", []);
    expect(listed.code, listed.errors).toBe(0);
    expect(listed.out).toContain(item.id);
    expect(listed.out).toContain("image (placeholder)");
    expect(listed.out).toContain("Vera");
    expect((await run("list", [], { type: "video" })).out).toMatch(/No pictures or videos yet/);

    const saved = await run("get", [item.id], { output: "vera.png" });
    expect(saved.code, saved.errors).toBe(0);
    const metadata = await sharp(fs.readFileSync(path.join(directory, "vera.png"))).metadata();
    expect(metadata.format).toBe("png");
    expect((await run("get", [item.id])).out).toMatch(/asked for: in a sunflower field/);

    expect((await run("delete", [item.id])).code).toBe(0);
    const gone = await run("get", [item.id]);
    expect(gone.code).toBe(1);
    expect(gone.errors).toMatch(/404|not found/i);
  });

  it("says what is wrong with a command line", async () => {
    expect((await run("list", [], { type: "audio" })).code).toBe(2);
    expect((await run("get", [])).code).toBe(2);
    const printed: string[] = [];
    const code = await runCli(["media", "--help"], {
      print: (line) => printed.push(line),
      printError: (line) => printed.push(line),
      environment,
    });
    expect(code).toBe(0);
    expect(printed.join("\n")).toMatch(/list[\s\S]*get[\s\S]*delete/);
  });
});
