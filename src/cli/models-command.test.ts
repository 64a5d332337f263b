import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig, type Config } from "../config/config.ts";
import { modelsCommand, type ModelsCommandOptions } from "./models-command.ts";

const content = randomBytes(300 * 1024);
const contentSha256 = createHash("sha256").update(content).digest("hex");

let server: Server;
let baseUrl: string;
let dataDir: string;
let config: Config;

beforeAll(async () => {
  // Sends the body in several chunks so progress is reported more than once.
  server = createServer((_request, response) => {
    response.writeHead(200, { "content-length": String(content.length) });
    const chunkSize = 64 * 1024;
    for (let offset = 0; offset < content.length; offset += chunkSize) {
      response.write(content.subarray(offset, offset + chunkSize));
    }
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "dramatis-models-cli-"));
  config = loadConfig({ DRAMATIS_DATA_DIR: dataDir });
});

afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

async function run(
  overrides: Partial<ModelsCommandOptions> & { isTTY?: boolean },
): Promise<{ code: number; lines: string[]; progress: string }> {
  const lines: string[] = [];
  let progress = "";
  const code = await modelsCommand({
    action: "list",
    positionals: [],
    values: {},
    config,
    print: (line) => lines.push(line),
    progressOutput: { write: (text: string) => (progress += text), isTTY: overrides.isTTY ?? false },
    ...overrides,
  });
  return { code, lines, progress };
}

describe("dramatis models pull", () => {
  it("downloads into <dataDir>/models and ends with the file and its sha256", async () => {
    const { code, lines, progress } = await run({
      action: "pull",
      positionals: [`${baseUrl}/tiny.gguf`],
      values: { sha256: contentSha256 },
    });
    expect(code).toBe(0);
    const file = path.join(dataDir, "models", "tiny.gguf");
    expect(lines.at(-1)).toBe(`Saved local/tiny at ${file} (0.29 MB), sha256 ${contentSha256}`);
    expect(progress.split("\n").filter(Boolean).at(-1)).toBe("tiny.gguf: 100% (0.29 of 0.29 MB)");
    expect(progress).not.toContain("\r");
  });

  it("draws a progress bar in place on a terminal", async () => {
    const { progress } = await run({ action: "pull", positionals: [`${baseUrl}/tiny.gguf`], isTTY: true });
    expect(progress.startsWith("\r")).toBe(true);
    expect(progress).toContain(`tiny.gguf [${"#".repeat(30)}] 100% (0.29 of 0.29 MB)\n`);
  });

  it("prints JSON with --json and reports a file that is already there", async () => {
    await run({ action: "pull", positionals: [`${baseUrl}/tiny.gguf`] });
    const { lines } = await run({
      action: "pull",
      positionals: [`${baseUrl}/tiny.gguf`],
      values: { json: true },
    });
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({
      name: "tiny",
      sha256: contentSha256,
      alreadyPresent: true,
    });
  });

  it.each([
    [{ positionals: [] }, /needs a URL/],
    [{ positionals: ["a", "b"] }, /takes one URL/],
    [{ positionals: ["ftp://example.com/x.gguf"] }, /only http:\/\/ and https:\/\//],
    [{ positionals: [`http://127.0.0.1/x.gguf`], values: { sha256: "xyz" } }, /64 hexadecimal characters/],
    [{ positionals: [`http://127.0.0.1/x.gguf`], values: { sha256: true } }, /--sha256 needs a value/],
  ])("rejects bad input %#", async (overrides, message) => {
    await expect(run({ action: "pull", ...overrides })).rejects.toThrow(message);
  });
});

describe("dramatis models list", () => {
  it("says how to download a model when there is none", async () => {
    const { code, lines } = await run({ action: "list" });
    expect(code).toBe(0);
    expect(lines[0]).toMatch(/^No models in .*models\. Download one with: dramatis models pull/);
  });

  it("prints a table of name, size in MB and modification time, or JSON", async () => {
    const directory = path.join(dataDir, "models");
    mkdirSync(directory);
    writeFileSync(path.join(directory, "tiny.gguf"), Buffer.alloc(3 * 1024 * 1024));
    writeFileSync(path.join(directory, "partial.gguf.part"), "x");
    const { lines } = await run({ action: "list" });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^name\s+size_mb\s+modified$/);
    expect(lines[1]).toMatch(/^tiny\s+3\.00\s+\d{4}-\d\d-\d\dT/);

    const json = await run({ action: "list", values: { json: true } });
    expect(JSON.parse(json.lines[0] ?? "")).toEqual([
      expect.objectContaining({
        id: "local/tiny",
        name: "tiny",
        bytes: 3 * 1024 * 1024,
        modified: expect.any(String),
      }),
    ]);
  });

  it("rejects unknown actions", async () => {
    await expect(run({ action: "remove" })).rejects.toThrow(
      /unknown models command remove: expected pull or list/,
    );
    await expect(run({ action: undefined })).rejects.toThrow(/unknown models command \(none\)/);
  });
});
