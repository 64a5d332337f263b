import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { closedLoopbackURL, startMockOpenAI, type MockUpstream } from "../../test/mock-upstreams.ts";
import { loadConfig } from "../config/config.ts";
import { startServer, type RunningServer } from "../server.ts";
import type { StoredMessage } from "../store/stored-documents/conversation-documents.ts";
import { ConversationRepository } from "../store/conversation-repository.ts";
import { chatCommand, type ChatCommandOptions } from "./chat-command.ts";

const ADMIN_KEY = "dra_chat_command_test_admin_key_0123456789";
const USER = "alice";

let directory: string;
let upstream: MockUpstream;
let server: RunningServer;
const ids: Record<string, string> = {};

async function api(pathname: string, init: { method?: string; json?: unknown } = {}): Promise<any> {
  const response = await fetch(`${server.url}${pathname}`, {
    method: init.method ?? (init.json === undefined ? "GET" : "POST"),
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      "x-dramatis-user": USER,
      "content-type": "application/json",
    },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  if (!response.ok) throw new Error(`${pathname}: ${response.status} ${await response.text()}`);
  return response.json();
}

beforeAll(async () => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-chat-cli-"));
  // A slow model, so a reply is still streaming when the test presses Ctrl-C.
  upstream = await startMockOpenAI({
    reply: Array.from({ length: 40 }, (_, index) => `word${index}`).join(" "),
    chunkDelayMs: 50,
  });
  const config = loadConfig({
    DRAMATIS_DATA_DIR: directory,
    PORT: "0",
    DRAMATIS_ADMIN_KEY: ADMIN_KEY,
    LOG_LEVEL: "silent",
    DRAMATIS_PROVIDERS: JSON.stringify([
      { name: "mock", kind: "openai-compatible", base_url: upstream.baseURL, api_key: "test" },
    ]),
  });
  server = await startServer({ config });
  const mira = await api("/v1/personas", {
    json: { name: "Mira", first_message: "Olá! I'm Mira, a cartographer." },
  });
  ids.mira = mira.id;
  ids.slow = (await api("/v1/personas", { json: { name: "Slowpoke", model: "mock/mock-small" } })).id;
  ids.twinOne = (await api("/v1/personas", { json: { name: "Twin" } })).id;
  ids.twinTwo = (await api("/v1/personas", { json: { name: "twin" } })).id;
  ids.elena = (
    await api("/v1/user-personas", { json: { name: "Elena", description: "a 28-year-old space pirate" } })
  ).id;
  ids.bob = (await api("/v1/user-personas", { json: { name: "Bob", description: "a baker" } })).id;
});

afterAll(async () => {
  await server?.stop();
  await upstream?.close();
  fs.rmSync(directory, { recursive: true, force: true });
});

interface Run {
  code: Promise<number>;
  input: PassThrough & { isTTY?: boolean };
  /** Everything written so far, output and errors together. */
  text(): string;
  errors: string[];
  /** Resolves once the output contains `pattern`. */
  waitFor(pattern: RegExp): Promise<void>;
}

function startChat(
  overrides: Partial<ChatCommandOptions> & { terminal?: boolean } = {},
): Run & { requests: any[] } {
  const input: PassThrough & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown } = new PassThrough();
  const output: PassThrough & { isTTY?: boolean; columns?: number } = new PassThrough();
  if (overrides.terminal) {
    // What readline needs of a TTY: raw mode (a no-op here) and a width.
    input.isTTY = true;
    input.setRawMode = () => input;
    output.isTTY = true;
    output.columns = 120;
  }
  let written = "";
  output.on("data", (chunk: Buffer) => (written += chunk.toString("utf8")));
  const errors: string[] = [];
  const requests: any[] = [];
  const recordingFetch = async (request: Request) => {
    if (request.body) requests.push({ url: request.url, body: await request.clone().json() });
    return fetch(request);
  };
  const code = chatCommand({
    positionals: ["Mira"],
    values: { url: server.url, key: ADMIN_KEY, user: USER },
    environment: { NO_COLOR: "1" },
    input,
    output,
    printError: (line) => errors.push(line),
    fetch: recordingFetch,
    ...overrides,
  });
  const text = () => stripVTControlCharacters(written);
  const waitFor = (pattern: RegExp) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!pattern.test(text())) return;
        output.off("data", check);
        resolve();
      };
      // Registered after the listener that collects the text, so each check sees the newest output.
      output.on("data", check);
      check();
    });
  return { code, input, text, errors, waitFor, requests };
}

function pipe(lines: string[], overrides: Partial<ChatCommandOptions> = {}) {
  const run = startChat(overrides);
  run.input.end(lines.map((line) => `${line}\n`).join(""));
  return run;
}

/** Resolves with the next assistant message the server stores with `status`. */
function nextStoredReply(status: StoredMessage["status"]): Promise<StoredMessage> {
  const insertMessage = ConversationRepository.prototype.insertMessage;
  return new Promise((resolve) => {
    const spy = vi
      .spyOn(ConversationRepository.prototype, "insertMessage")
      .mockImplementation(async function (this: ConversationRepository, message) {
        await insertMessage.call(this, message);
        if (message.role !== "assistant" || message.status !== status) return;
        spy.mockRestore();
        resolve(message);
      });
  });
}

async function userPersonaNames(conversationId: string): Promise<(string | null)[]> {
  const messages = await api(`/v1/conversations/${conversationId}/messages`);
  return messages.data
    .filter((message: any) => message.role === "user")
    .map((message: any) => message.user_persona?.name ?? null);
}

describe("dramatis chat", () => {
  it("streams replies from piped lines and switches the user persona per message", async () => {
    const run = pipe(["hello", "/persona Elena", "hi again", "/persona none", "bye", "/exit", "never sent"]);
    expect(await run.code).toBe(0);
    const text = run.text();
    expect(run.errors).toEqual([]);
    expect(text).toContain("Mira: Olá! I'm Mira, a cartographer.");
    expect(text).toContain("You: hello\nMira: ");
    expect(text).toMatch(/You \(Elena\): hi again\nMira: (Hello again|Good to see you|Hi), Elena\b/);
    expect(text).toContain("Now speaking as yourself (No Persona).");
    expect(text).toContain("You: bye\nMira: ");
    // Plain lines for a pipe, and the offline hint only once.
    expect(text).not.toContain("\u001b[");
    expect(text).not.toContain("\n\n");
    expect(text.match(/built-in offline engine/g)).toHaveLength(1);
    expect(text).not.toContain("never sent");

    const sends = run.requests.filter((request) => request.url.endsWith("/messages"));
    expect(sends.map((request) => request.body)).toEqual([
      { content: "hello", user_persona_id: null, stream: true },
      { content: "hi again", user_persona_id: ids.elena, stream: true },
      { content: "bye", user_persona_id: null, stream: true },
    ]);
    const conversationId = sends[0].url.split("/").at(-2);
    expect(await userPersonaNames(conversationId)).toEqual([null, "Elena", null]);
    const messages = await api(`/v1/conversations/${conversationId}/messages`);
    const replies = messages.data.filter((message: any) => message.role === "assistant");
    expect(replies.map((reply: any) => reply.status)).toEqual([
      "complete",
      "complete",
      "complete",
      "complete",
    ]);
    expect(text).toContain(replies.at(-1).content);
  });

  it("regenerates, lists and chooses answers, continues and renames from slash commands", async () => {
    const run = pipe([
      "/regenerate",
      "hello there",
      "/regenerate",
      "/alt",
      "/alt 1",
      "/alt 9",
      "/continue",
      "/title Night talk",
    ]);
    expect(await run.code).toBe(0);
    const text = run.text();
    expect(run.errors).toEqual([]);
    // The greeting answers no message of the user's, so it cannot be regenerated: the server says why.
    expect(text).toContain("Error: ");
    expect(text).toMatch(/\nMira: .+ \[2\/2\]\n/);
    expect(text).toMatch(/\n {2}1\. .+\n {2}2\. .+ {2}\(shown\)\n/);
    expect(text).toMatch(/\nMira: .+ \[1\/2\]\n/);
    expect(text).toMatch(/Error: .*chosen_alternative/);
    expect(text).toMatch(/\nMira \(continued\): .+\n/);
    expect(text).toContain("Renamed to “Night talk”.");

    const conversationId = run.requests
      .find((request) => request.url.endsWith("/messages"))
      .url.split("/")
      .at(-2);
    const conversation = await api(`/v1/conversations/${conversationId}`);
    expect(conversation.title).toBe("Night talk");
    const messages = await api(`/v1/conversations/${conversationId}/messages`);
    const reply = messages.data.at(-1);
    expect(reply).toMatchObject({ role: "assistant", alternative_index: 0, alternative_count: 2 });
  });

  it("edits and deletes the latest message and branches the conversation from slash commands", async () => {
    const run = pipe([
      "hello there",
      "/edit A changed answer.",
      "/delete",
      "/edit hello, it is me",
      "/edit",
      "/branch",
      "one more",
    ]);
    expect(await run.code).toBe(0);
    const text = run.text();
    expect(run.errors).toEqual([]);
    expect(text).toContain("Edited Mira's message:\nMira: A changed answer.\n");
    expect(text).toContain("Deleted Mira's message: A changed answer.");
    expect(text).toContain("Edited your message:\nYou: hello, it is me\n");
    expect(text).toContain("/edit takes the new text");
    const sends = run.requests.filter((request) => request.url.endsWith("/messages"));
    const [source, branch] = sends.map((request) => request.url.split("/").at(-2));
    expect(text).toContain(`Now in the branch ${branch}`);
    expect(source).not.toBe(branch);

    const contents = async (id: string) =>
      (await api(`/v1/conversations/${id}/messages`)).data.map((message: any) => [
        message.role,
        message.content,
      ]);
    const kept = await contents(source);
    expect(kept.slice(1)).toEqual([["user", "hello, it is me"]]);
    const branched = await contents(branch);
    expect(branched.slice(0, 3)).toEqual([kept[0], ["user", "hello, it is me"], ["user", "one more"]]);
    expect(branched[3]![0]).toBe("assistant");
    expect((await api(`/v1/conversations/${branch}`)).branched_from.conversation_id).toBe(source);
  });

  it("lists user personas, reports HTTP problems and keeps the session alive", async () => {
    const run = pipe(["/personas", "/persona Nobody", "x".repeat(32_001), "/frobnicate", "still here"]);
    expect(await run.code).toBe(0);
    const text = run.text();
    expect(text).toContain("Your user personas:\n");
    expect(text).toContain("  Elena — a 28-year-old space pirate\n");
    expect(text).toContain("  none — No Persona  (current)\n");
    expect(text).toContain('You have no user persona named "Nobody"; choose one of:');
    expect(text).toContain("Error: content: must be at most 32000 characters");
    expect(text).toContain("Unknown command /frobnicate");
    expect(text).toMatch(/You: still here\nMira: \S.*offline engine/);
  });

  it("continues a conversation with --conversation and reprints its recent messages", async () => {
    const first = pipe(["remember the lighthouse"]);
    expect(await first.code).toBe(0);
    const conversationId = first.requests.at(-1).url.split("/").at(-2);
    const second = pipe(["/persona elena", "and the harbour"], {
      positionals: [],
      values: { url: server.url, key: ADMIN_KEY, user: USER, conversation: conversationId },
    });
    expect(await second.code).toBe(0);
    expect(second.text()).toContain(`in ${conversationId}`);
    expect(second.text()).toContain("You: remember the lighthouse\nMira: ");
    expect(await userPersonaNames(conversationId)).toEqual([null, "Elena"]);
  });

  it("reports a connection that breaks mid-reply and carries on", async () => {
    let broken = false;
    const breakingFetch = async (request: Request) => {
      if (broken || !request.url.endsWith("/messages") || request.method !== "POST") return fetch(request);
      broken = true;
      const encoder = new TextEncoder();
      // Two chunks, then the connection fails (error() would drop chunks still queued, so it waits for a pull).
      const chunks = [
        "event: message-start\ndata: {}\n\nevent: message-delta\n",
        'data: {"text":"Half a"}\n\n',
      ];
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          const chunk = chunks.shift();
          if (chunk) controller.enqueue(encoder.encode(chunk));
          else controller.error(new TypeError("terminated"));
        },
      });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    };
    const run = pipe(["first", "second"], { fetch: breakingFetch });
    expect(await run.code).toBe(0);
    expect(run.text()).toContain(
      "You: first\nMira: Half a\nError: the connection to the server broke (terminated)\nYou: second\nMira: ",
    );
  });

  it("finds presets by the start of a name", async () => {
    const run = pipe([], { positionals: ["juniper"] });
    expect(await run.code).toBe(0);
    expect(run.text()).toContain("Chatting with Juniper Hale");
  });

  it("stops a streamed reply on Ctrl-C, keeps the partial reply, and leaves on Ctrl-C at the prompt", async () => {
    const partialReply = nextStoredReply("partial");
    const run = startChat({ positionals: ["Slowpoke"], terminal: true });
    await run.waitFor(/You> $/);
    run.input.write("tell me a long story\r");
    await run.waitFor(/Slowpoke: word0 word1/);
    run.input.write("\u0003");
    await run.waitFor(
      /Slowpoke: word0 word1 (word\d+ )*\[stopped; the partial reply is kept\]\n(.|\n)*You> $/,
    );
    run.input.write("\u0003");
    expect(await run.code).toBe(0);

    const conversationId = run.requests.at(-1).url.split("/").at(-2);
    // The server notices the stop when the connection closes, and stores what it had.
    const reply = await partialReply;
    expect(reply.conversation_id).toBe(conversationId);
    expect(reply.content).toMatch(/^word0 word1/);
    expect(reply.content).not.toContain("word39");
  });

  it("refuses an unknown persona name and lists the candidates", async () => {
    const run = pipe(["hello"], { positionals: ["Zed"] });
    expect(await run.code).toBe(1);
    const [message] = run.errors;
    expect(message).toContain('dramatis chat: no persona named "Zed"; choose one of:');
    expect(message).toContain(`Mira (${ids.mira})`);
    expect(message).toContain("Juniper Hale (preset_warm_companion, preset)");
  });

  it("refuses an ambiguous name and lists the matches with their ids", async () => {
    const run = pipe(["hello"], { positionals: ["twin"] });
    expect(await run.code).toBe(1);
    expect(run.errors[0]).toContain('"twin" matches more than one persona; give the id:');
    expect(run.errors[0]).toContain(`Twin (${ids.twinOne})`);
    expect(run.errors[0]).toContain(`twin (${ids.twinTwo})`);
    // The id works where the name cannot.
    const byId = pipe([], { positionals: [ids.twinTwo ?? ""] });
    expect(await byId.code).toBe(0);
  });

  it("needs an API key", async () => {
    const run = pipe(["hello"], { values: { url: server.url } });
    expect(await run.code).toBe(2);
    expect(run.errors[0]).toContain("an API key is needed: pass --key KEY or set DRAMATIS_API_KEY");
  });

  it("takes the server, key and user from the environment", async () => {
    const run = pipe([], {
      values: {},
      environment: { DRAMATIS_URL: server.url, DRAMATIS_API_KEY: ADMIN_KEY, DRAMATIS_USER: "bruno" },
    });
    expect(await run.code).toBe(0);
    expect(run.text()).toContain("as bruno.");
  });

  it("exits 1 with a clear message when the server cannot be reached", async () => {
    const url = (await closedLoopbackURL()).replace(/\/v1$/, "");
    const run = pipe(["hello"], { values: { url, key: ADMIN_KEY } });
    expect(await run.code).toBe(1);
    expect(run.errors[0]).toContain(`cannot reach the Dramatis server at ${url} (ECONNREFUSED)`);
  });

  it("reports a refused key", async () => {
    const run = pipe(["hello"], { values: { url: server.url, key: "dra_wrong_key_000000000000000000" } });
    expect(await run.code).toBe(1);
    expect(run.errors[0]).toMatch(/^dramatis chat: .*key.*\(check --key or DRAMATIS_API_KEY\)$/i);
  });
});
