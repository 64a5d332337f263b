import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closedLoopbackURL } from "../../test/mock-upstreams.ts";
import { loadConfig } from "../config/config.ts";
import { startServer, type RunningServer } from "../server.ts";
import { memoriesCommand, type MemoriesCommandOptions } from "./memories-command.ts";

const ADMIN_KEY = "dra_memories_command_test_admin_key_0123456789";
const USER = "alice";

let directory: string;
let server: RunningServer;
const ids: Record<string, string> = {};

async function api(pathname: string, json?: unknown, baseUrl = server.url): Promise<any> {
  const response = await fetch(`${baseUrl}${pathname}`, {
    method: json === undefined ? "GET" : "POST",
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      "x-dramatis-user": USER,
      "content-type": "application/json",
    },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  if (!response.ok) throw new Error(`${pathname}: ${response.status} ${await response.text()}`);
  return pathname.endsWith("/export") ? response.text() : response.json();
}

async function exportedRows(personaId: string): Promise<any[]> {
  const text: string = await api(`/v1/personas/${personaId}/memories/export`);
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

interface Run {
  code: number;
  output: string;
  errors: string[];
  requests: { url: string; contentType: string | null }[];
}

async function run(
  action: string,
  positionals: string[],
  overrides: Partial<MemoriesCommandOptions> & { stdin?: string } = {},
): Promise<Run> {
  const input = new PassThrough();
  if (overrides.stdin !== undefined) input.end(overrides.stdin);
  const output = new PassThrough();
  let written = "";
  output.on("data", (chunk: Buffer) => (written += chunk.toString("utf8")));
  const errors: string[] = [];
  const requests: Run["requests"] = [];
  const recordingFetch = (request: Request) => {
    requests.push({ url: request.url, contentType: request.headers.get("content-type") });
    return fetch(request);
  };
  const code = await memoriesCommand({
    action,
    positionals,
    values: { url: server.url, key: ADMIN_KEY, user: USER },
    environment: {},
    input,
    output,
    printError: (line) => errors.push(line),
    fetch: recordingFetch,
    ...overrides,
  });
  return { code, output: written, errors, requests };
}

function writeFile(name: string, text: string): string {
  const file = path.join(directory, name);
  fs.writeFileSync(file, text);
  return file;
}

beforeAll(async () => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-memories-cli-"));
  server = await startServer({
    config: loadConfig({
      DRAMATIS_DATA_DIR: directory,
      PORT: "0",
      DRAMATIS_ADMIN_KEY: ADMIN_KEY,
      LOG_LEVEL: "silent",
    }),
  });
  ids.archivist = (await api("/v1/personas", { name: "Archivist Vale" })).id;
  ids.copy = (await api("/v1/personas", { name: "Copyist" })).id;
  ids.piped = (await api("/v1/personas", { name: "Piper" })).id;
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(directory, { recursive: true, force: true });
});

describe("dramatis memories", () => {
  it("imports 1,000 JSON Lines memories by persona name, reporting the 2 bad lines with exit 1", async () => {
    const lines = Array.from({ length: 1000 }, (_, index) =>
      JSON.stringify({
        facts: `Logbook entry ${index} about ${index % 2 ? "lighthouses" : "harbours"}.`,
        strength: index % 101,
        type: index % 7 === 0 ? "pride" : "normal",
        metadata: { index, source: "bulk", tags: ["sea", index] },
      }),
    );
    lines.splice(12, 0, JSON.stringify({ facts: "  ", strength: 3 }));
    lines.splice(40, 0, "{not json");
    const file = writeFile("memories.jsonl", `${lines.join("\n")}\n`);
    const result = await run("import", ["archivist vale", file]);
    expect(result.errors).toEqual([]);
    expect(result.code).toBe(1);
    const [summary, ...errorLines] = result.output.trim().split("\n");
    expect(summary).toBe("Imported 1000 memories (2 failed)");
    expect(errorLines[0]).toBe("  item 12, facts: must not be empty");
    expect(errorLines[1]).toMatch(/^ {2}item 40, \(item\): .+/);
    expect(errorLines).toHaveLength(2);
    const importRequest = result.requests.find((request) => request.url.endsWith("/memories/import"));
    expect(importRequest?.contentType).toBe("application/x-ndjson");
    expect(await exportedRows(ids.archivist as string)).toHaveLength(1000);
  });

  it("imports a JSON array file, and prints the raw report with --json", async () => {
    const items = [
      { facts: "The great storm flooded the archive's lower vault.", strength: 95, type: "shame" },
      { facts: "Vale catalogued every lighthouse on the northern coast.", strength: 90, type: "pride" },
      { facts: "A quiet afternoon spent mending book spines.", strength: 20, metadata: { mood: "calm" } },
    ];
    const file = writeFile("extra.json", JSON.stringify(items, null, 2));
    const result = await run("import", [ids.archivist as string, file], {
      values: { url: server.url, key: ADMIN_KEY, user: USER, json: true },
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.output)).toEqual({ imported: 3, failed: 0, errors: [] });
    const importRequest = result.requests.find((request) => request.url.endsWith("/memories/import"));
    expect(importRequest?.contentType).toBe("application/json");
    const plain = await run("import", ["Archivist", writeFile("one.json", JSON.stringify([{ facts: "x" }]))]);
    expect(plain).toMatchObject({ code: 0, output: "Imported 1 memory (0 failed)\n" });
  });

  it("searches with ranked, scored output; --k, --as-of and --json", async () => {
    const result = await run("search", ["Archivist", "lighthouse", "on", "the", "northern", "coast"], {
      values: { url: server.url, key: ADMIN_KEY, user: USER, k: "5" },
    });
    expect(result.errors).toEqual([]);
    expect(result.code).toBe(0);
    const lines = result.output.trim().split("\n");
    expect(lines).toHaveLength(10);
    expect(lines[0]).toMatch(
      /^1\. \d+\.\d{2} {2}pride {2}strength 90 {2}Vale catalogued every lighthouse on the northern coast\.$/,
    );
    expect(lines[1]).toMatch(/^ {3}relevance 1\.00 · importance \d\.\d{2} · recency \d\.\d{2}$/);
    const scores = lines.filter((_, index) => index % 2 === 0).map((line) => Number(line.split(" ")[1]));
    expect(scores).toHaveLength(5);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);

    const raw = await run("search", ["Archivist", "harbours"], {
      values: { url: server.url, key: ADMIN_KEY, user: USER, json: true, k: "3" },
    });
    const body = JSON.parse(raw.output);
    expect(body.data).toHaveLength(3);
    expect(Object.keys(body.data[0].components).sort()).toEqual([
      "importance",
      "recency",
      "relevance",
      "text",
      "vector",
    ]);

    const past = await run("search", ["Archivist", "lighthouse"], {
      values: { url: server.url, key: ADMIN_KEY, user: USER, "as-of": "2000-01-01" },
    });
    expect(past).toMatchObject({ code: 0, output: 'No memories of Archivist Vale match "lighthouse".\n' });

    for (const k of ["0", "101", "ten", "2.5"]) {
      const bad = await run("search", ["Archivist", "lighthouse"], {
        values: { url: server.url, key: ADMIN_KEY, k },
      });
      expect(bad.code).toBe(2);
      expect(bad.errors).toEqual([`dramatis memories: --k: expected a whole number from 1 to 100, got ${k}`]);
      expect(bad.requests).toEqual([]);
    }
    const badTime = await run("search", ["Archivist", "lighthouse"], {
      values: { url: server.url, key: ADMIN_KEY, "as-of": "last tuesday" },
    });
    expect(badTime.code).toBe(2);
    expect(badTime.errors[0]).toContain("--as-of: expected a time like 2024-05-01T12:00:00Z");
  });

  it("exports to a file and re-imports it into another persona with metadata intact", async () => {
    const file = path.join(directory, "backup.jsonl");
    const exported = await run("export", ["ARCHIVIST VALE", file]);
    expect(exported.code).toBe(0);
    expect(exported.output).toBe("");
    expect(exported.errors).toEqual([`Exported 1004 memories to ${file}`]);
    const fileRows = fs
      .readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(fileRows).toHaveLength(1004);
    expect(fileRows[0]).toHaveProperty("id");
    expect(fs.readdirSync(directory).filter((name) => name.endsWith(".partial"))).toEqual([]);

    const imported = await run("import", ["copyist", file]);
    expect(imported.output).toBe("Imported 1004 memories (0 failed)\n");
    expect(imported.code).toBe(0);

    const comparable = (rows: any[]) =>
      rows.map((row) => JSON.stringify([row.facts, row.type, row.strength, row.owner, row.metadata])).sort();
    const copied = await exportedRows(ids.copy as string);
    expect(copied).toHaveLength(1004);
    expect(copied.every((row) => row.persona_id === ids.copy)).toBe(true);
    expect(comparable(copied)).toEqual(comparable(fileRows));
    expect(copied.find((row) => row.metadata.index === 421)?.metadata).toEqual({
      index: 421,
      source: "bulk",
      tags: ["sea", 421],
    });

    const toStdout = await run("export", ["Copyist"]);
    expect(toStdout.code).toBe(0);
    expect(toStdout.errors).toEqual([]);
    expect(toStdout.output.trim().split("\n")).toHaveLength(1004);
  });

  it("imports JSON Lines from stdin with -", async () => {
    const stdin = ["first piped memory", "second piped memory", "third piped memory"]
      .map((facts) => JSON.stringify({ facts }))
      .join("\n");
    const result = await run("import", ["Piper", "-"], { stdin: `${stdin}\n\n` });
    expect(result).toMatchObject({ code: 0, output: "Imported 3 memories (0 failed)\n" });
    expect((await exportedRows(ids.piped as string)).map((row) => row.facts).sort()).toEqual([
      "first piped memory",
      "second piped memory",
      "third piped memory",
    ]);
  });

  it("reports an unknown persona with the choices, and a missing file before any request", async () => {
    const unknown = await run("search", ["Nobody", "lighthouse"]);
    expect(unknown.code).toBe(1);
    expect(unknown.errors[0]).toMatch(/^dramatis memories: no persona named "Nobody"; choose one of:/);
    expect(unknown.errors[0]).toContain(`  Archivist Vale (${ids.archivist})`);

    const missing = await run("import", ["Piper", path.join(directory, "nope.jsonl")]);
    expect(missing.code).toBe(1);
    expect(missing.errors).toEqual([
      `dramatis memories: cannot read ${path.join(directory, "nope.jsonl")}: no such file or directory`,
    ]);
    expect(missing.requests).toEqual([]);
    const folder = await run("import", ["Piper", directory]);
    expect(folder.errors).toEqual([`dramatis memories: cannot read ${directory}: it is not a file`]);
  });

  it("needs a key, names a rejected key, and explains command-line mistakes", async () => {
    const noKey = await run("export", ["Piper"], { values: { url: server.url } });
    expect(noKey.code).toBe(2);
    expect(noKey.errors[0]).toMatch(/an API key is needed: pass --key KEY or set DRAMATIS_API_KEY/);
    expect(noKey.requests).toEqual([]);

    const fromEnvironment = await run("export", ["Piper"], {
      values: {},
      environment: { DRAMATIS_URL: server.url, DRAMATIS_API_KEY: ADMIN_KEY },
    });
    expect(fromEnvironment.code).toBe(0);
    expect(fromEnvironment.output.trim().split("\n")).toHaveLength(3);

    const badKey = await run("export", ["Piper"], { values: { url: server.url, key: "dra_wrong" } });
    expect(badKey.code).toBe(1);
    expect(badKey.errors[0]).toMatch(/^dramatis memories: .+ \(check --key or DRAMATIS_API_KEY\)$/);

    expect((await run("import", ["Piper"])).code).toBe(2);
    expect((await run("search", ["Piper"])).errors).toEqual([
      "dramatis memories: usage: dramatis memories search PERSONA QUERY... [--k N] [--as-of TIME]",
    ]);
    const unknownAction = await run("forget", ["Piper"]);
    expect(unknownAction.code).toBe(2);
    expect(unknownAction.errors[0]).toContain("expected import, search or export");
  });

  it("prints the server's problem detail, and a clear line when the server is down", async () => {
    const small = await startServer({
      config: loadConfig({
        DRAMATIS_DATA_DIR: path.join(directory, "small"),
        PORT: "0",
        DRAMATIS_ADMIN_KEY: ADMIN_KEY,
        DRAMATIS_MEMORY_IMPORT_LIMIT: "1024",
        LOG_LEVEL: "silent",
      }),
    });
    try {
      const personaId = (await api("/v1/personas", { name: "Tiny" }, small.url)).id;
      const big = writeFile("big.jsonl", `${JSON.stringify({ facts: "y".repeat(3000) })}\n`.repeat(200));
      const tooLarge = await run("import", [personaId, big], {
        values: { url: small.url, key: ADMIN_KEY },
      });
      expect(tooLarge.code).toBe(1);
      expect(tooLarge.errors).toEqual([
        "dramatis memories: the request body is larger than the limit of 1024 bytes",
      ]);
    } finally {
      await small.stop();
    }

    const tooLong = await run("search", ["Piper", "x".repeat(2001)]);
    expect(tooLong.code).toBe(1);
    expect(tooLong.errors).toEqual([
      "dramatis memories: query: Too big: expected string to have <=2000 characters",
    ]);

    const closed = (await closedLoopbackURL()).replace(/\/v1$/, "");
    const down = await run("export", ["Piper"], { values: { url: closed, key: ADMIN_KEY } });
    expect(down.code).toBe(1);
    expect(down.errors).toEqual([
      `dramatis memories: cannot reach the Dramatis server at ${closed} (ECONNREFUSED); ` +
        "start it with `dramatis serve` or point --url / DRAMATIS_URL at it",
    ]);
  });
});
