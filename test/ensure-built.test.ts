import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "../bin/ensure-built.js";

/**
 * The launcher's build step over a small project of its own: compiled once, not again while nothing
 * changed, again after a source edit, and runnable as plain JavaScript (imports rewritten from .ts).
 */
describe("bin/ensure-built.js", () => {
  const project = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-ensure-built-"));
  afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(project, file)), { recursive: true });
    fs.writeFileSync(path.join(project, file), text);
  };
  const age = (file: string, secondsAgo: number) => {
    const time = new Date(Date.now() - secondsAgo * 1000);
    fs.utimesSync(path.join(project, file), time, time);
  };
  const run = () =>
    spawnSync(process.execPath, [path.join(project, "dist", "main.js")], { encoding: "utf8" }).stdout.trim();

  it("compiles when stale and only then, into JavaScript that runs", async () => {
    // The real build settings, so the test covers tsconfig.build.json too.
    write("tsconfig.json", fs.readFileSync("tsconfig.json", "utf8"));
    write("tsconfig.build.json", fs.readFileSync("tsconfig.build.json", "utf8"));
    write("package.json", JSON.stringify({ type: "module" }));
    fs.symlinkSync(path.resolve("node_modules"), path.join(project, "node_modules"));
    write("src/greeting.ts", 'export const greeting: string = "hello";\n');
    write("src/main.ts", 'import { greeting } from "./greeting.ts";\nconsole.log(greeting);\n');
    for (const file of [
      "tsconfig.json",
      "tsconfig.build.json",
      "package.json",
      "src/greeting.ts",
      "src/main.ts",
      "src",
    ])
      age(file, 60);

    expect(await ensureBuilt({ projectDirectory: project })).toEqual(["server"]);
    expect(run()).toBe("hello");
    expect(await ensureBuilt({ projectDirectory: project })).toEqual([]);

    write("src/greeting.ts", 'export const greeting: string = "hello again";\n');
    expect(await ensureBuilt({ projectDirectory: project })).toEqual(["server"]);
    expect(run()).toBe("hello again");
    expect(fs.existsSync(path.join(project, ".build.lock"))).toBe(false);
  }, 120_000);
});
