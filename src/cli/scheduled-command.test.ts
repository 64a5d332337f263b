import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRunningServer, type RunningTestServer } from "../../test/running-server.ts";
import type { RunningServer } from "../server.ts";
import { scheduledCommand, type ScheduledCommandOptions } from "./scheduled-command.ts";

function recorder() {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
  /** Resolves once what was written matches `pattern`. */
  const waitFor = (pattern: RegExp) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!pattern.test(text)) return;
        stream.off("data", check);
        resolve();
      };
      stream.on("data", check);
      check();
    });
  return { stream, text: () => text, waitFor };
}

/** A fetch that passes everything on, and a promise kept once the inbox stream's first `unread` event arrives. */
function watchInboxStream(): {
  fetch: (request: Request) => Promise<Response>;
  unreadCountSent: Promise<void>;
} {
  let markSent!: () => void;
  const unreadCountSent = new Promise<void>((resolve) => (markSent = resolve));
  const watchingFetch = async (request: Request) => {
    const response = await fetch(request);
    if (!request.url.endsWith("/v1/inbox/events") || !response.body) return response;
    const decoder = new TextDecoder();
    let text = "";
    const body = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          text += decoder.decode(chunk, { stream: true });
          if (/^event: unread$/m.test(text)) markSent();
          controller.enqueue(chunk);
        },
      }),
    );
    return new Response(body, { status: response.status, headers: response.headers });
  };
  return { fetch: watchingFetch, unreadCountSent };
}

describe("dramatis scheduled and dramatis inbox", () => {
  let running: RunningTestServer;
  let server: RunningServer;
  let conversationId: string;
  let userId: string;

  beforeAll(async () => {
    running = await startRunningServer();
    server = running.server;
    const post = async (route: string, json: unknown) => {
      const response = await running.call(route, { method: "POST", user: "tess", json });
      expect(response.status).toBeLessThan(300);
      return response.body as { id: string };
    };
    const persona = await post("/v1/personas", {
      name: "Mira",
      initiative: 10,
      active_hours: { start: "00:00", end: "00:00", time_zone: "UTC" },
    });
    conversationId = (await post("/v1/conversations", { persona_id: persona.id })).id;
    await post(`/v1/conversations/${conversationId}/messages`, { content: "Off to the market." });
    await server.services.proactive.plan();
    userId = (await server.services.users.resolve("ten_default", "tess")).id;
  });

  afterAll(async () => {
    await running?.stop();
  });

  async function run(command: ScheduledCommandOptions["command"], argv: string[], interrupt?: AbortSignal) {
    const output = recorder();
    const errors: string[] = [];
    const code = await scheduledCommand({
      command,
      argv,
      environment: { DRAMATIS_URL: server.url, DRAMATIS_API_KEY: running.adminKey, DRAMATIS_USER: "tess" },
      output: output.stream,
      printError: (line) => errors.push(line),
      ...(interrupt ? { interrupt } : {}),
    });
    return { code, output: output.text(), errors };
  }

  /** The user's soonest pending greeting of a kind, moved to be due now and sent by one scheduler pass. */
  async function sendNow(kind: "good_morning" | "good_night"): Promise<string> {
    const [slot] = await server.services.store.scheduledMessages.list({
      userId,
      kind,
      statuses: ["pending"],
      limit: 1,
    });
    await server.services.store.db
      .updateTable("scheduled_messages")
      .set({ due_at: new Date().toISOString() })
      .where("id", "=", slot!.id)
      .execute();
    await server.services.proactive.tick();
    return slot!.id;
  }

  it("lists pending messages in a table and as JSON, with counts, and cancels one", async () => {
    const listed = await run("scheduled", ["list"]);
    expect(listed.code).toBe(0);
    expect(listed.output.split("\n")[0]).toMatch(/^id\s+persona\s+kind\s+due\s+status\s+content$/);
    expect(listed.output).toContain("good_morning");
    expect(listed.output).toContain("pending");

    const json = JSON.parse((await run("scheduled", ["list", "--kind", "check_in", "--json"])).output) as {
      id: string;
      kind: string;
    }[];
    expect(json.length).toBeGreaterThan(0);
    expect(new Set(json.map((message) => message.kind))).toEqual(new Set(["check_in"]));

    const cancelled = await run("scheduled", ["cancel", json[0]!.id]);
    expect(cancelled.code).toBe(0);
    expect(cancelled.output).toMatch(/^Cancelled the check in Mira had planned for /);
    const again = await run("scheduled", ["cancel", json[0]!.id]);
    expect(again.code).toBe(1);
    expect(again.errors.join("\n")).toMatch(/^dramatis scheduled: .*cancelled/);

    const statistics = JSON.parse((await run("scheduled", ["stats", "--json"])).output) as Record<
      string,
      number
    >;
    // A day's planning: four check-ins a day at initiative 10, three to five in any 24 hours.
    expect(statistics).toMatchObject({ cancelled: 1, check_ins: json.length });
    expect(statistics.good_mornings).toBeGreaterThanOrEqual(1);
    expect((await run("scheduled", ["stats"])).output).toMatch(/good mornings\s+[12]\b/);
  });

  it("follows the inbox live, and lists it with the unread count", async () => {
    const stop = new AbortController();
    const output = recorder();
    const inboxStream = watchInboxStream();
    const following = scheduledCommand({
      command: "inbox",
      argv: ["--follow"],
      environment: { DRAMATIS_URL: server.url, DRAMATIS_API_KEY: running.adminKey, DRAMATIS_USER: "tess" },
      output: output.stream,
      printError: () => undefined,
      interrupt: stop.signal,
      fetch: inboxStream.fetch,
    });
    // The server sends the first unread count once it follows the inbox: what is sent from then on streams.
    await inboxStream.unreadCountSent;
    await sendNow("good_night");
    await output.waitFor(/Mira \(good night\): \S/);
    stop.abort();
    expect(await following).toBe(0);

    const inbox = await run("inbox", []);
    expect(inbox.output.split("\n")[0]).toBe("1 unread");
    expect(inbox.output).toContain("Mira (good night):");
    expect(JSON.parse((await run("inbox", ["--json"])).output)).toMatchObject({ unread: 1 });
  });

  it("says what is wrong with a command line (exit 2)", async () => {
    expect((await run("scheduled", ["dance"])).errors).toEqual([
      "dramatis scheduled: unknown scheduled command dance: expected list, stats, cancel",
    ]);
    const badKind = await run("scheduled", ["list", "--kind", "lunch"]);
    expect(badKind.code).toBe(2);
    expect(badKind.errors[0]).toMatch(/--kind: expected one of good_morning, good_night, check_in/);
    expect((await run("scheduled", ["cancel"])).code).toBe(2);
    const noKey = await scheduledCommand({
      command: "scheduled",
      argv: ["list"],
      environment: {},
      output: recorder().stream,
      printError: (line) => expect(line).toMatch(/an API key is needed/),
    });
    expect(noKey).toBe(2);
  });
});
