/**
 * The kill -9 loop, shared by the CI test (test/crash-loop.test.ts, 20 cycles) and the benchmark
 * (bench/crash-bench.ts, `npm run bench:crash`, 200 cycles): real `dramatis serve` processes on one
 * database, clients writing messages, memories and async replies, SIGKILL of the server at a random moment,
 * a restart, again and again. At the end it reports what the clients were told was written (2xx) and what
 * the database actually holds, so the caller can prove nothing acknowledged was lost.
 *
 * It imports nothing from vitest, so the benchmark runs it outside the test runner. Waiting is on events
 * (a process's exit, /healthz answering, a job reaching its final status), each bounded by a count.
 */
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { freePort, spawnServe } from "./serve-process.ts";
import pg from "pg";

const USER = "crash-client";
const OUTPUT_LIMIT_CHARS = 100_000;
/** /healthz polls before a start counts as failed: 100 ms apart, so about two minutes on a busy machine. */
const READINESS_POLLS = 1_200;
/** Job polls at the end, 100 ms apart: leases of 5 s, so far more than any recovery needs. */
const JOB_POLLS = 1_200;
/** The share of cycles that let every acknowledged reply finish before the kill. */
const DRAINING_CYCLES = 0.25;
/** Requests one cycle sends at most, so a server that stops acknowledging cannot stall the loop. */
const REQUESTS_PER_CYCLE = 300;

export interface CrashLoopOptions {
  cycles: number;
  /** concurrent clients writing during each cycle; default 3 */
  clients?: number;
  /** a cycle is killed after 0..this many acknowledged writes (drawn at random); default 12 */
  maxWritesPerCycle?: number;
  /** PostgreSQL database URL; SQLite in a temporary data directory otherwise */
  databaseUrl?: string;
  /** deterministic randomness in [0, 1); default Math.random */
  random?: () => number;
  /** progress lines (the benchmark prints them); default silent */
  log?: (line: string) => void;
}

export interface CrashLoopReport {
  backend: "sqlite" | "postgres";
  cycles: number;
  durationMs: number;
  /** writes the clients got a 2xx for */
  acknowledged: { messages: number; memories: number; asyncReplies: number; total: number };
  /** acknowledged rows missing from the database afterwards (ids) */
  lost: string[];
  /** acknowledged async replies whose job succeeded with its reply message stored */
  asyncRepliesDelivered: number;
  /** acknowledged async replies that did not (job id and what was found) */
  undelivered: Array<{ jobId: string; found: string }>;
  /** highest crash count of any job: how often the loop killed a worker mid-job */
  maxJobCrashes: number;
  /** the five most crashed jobs, to explain a high count (progress events: work done across runs) */
  mostCrashedJobs: Array<{ id: string; kind: string; status: string; crashes: number; events: number }>;
  /** answers that were neither 2xx nor a connection cut by the kill (status: count) */
  rejected: Record<string, number>;
  /** `PRAGMA integrity_check` on SQLite; null on PostgreSQL */
  integrityCheck: string | null;
}

interface Acknowledged {
  messageIds: string[];
  memoryIds: string[];
  asyncReplies: Array<{ jobId: string; userMessageId: string }>;
}

interface ServeProcess {
  child: ChildProcess;
  url: string;
  output: { text: string };
  exited: Promise<void>;
}

function pause(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** Polls `check` up to `polls` times, 100 ms apart; throws naming `what` when it never held. */
async function pollUntil(check: () => Promise<boolean>, options: { what: string; polls: number }) {
  for (let poll = 0; poll < options.polls; poll += 1) {
    if (await check()) return;
    await pause(100);
  }
  throw new Error(`gave up waiting for ${options.what} after ${options.polls} polls`);
}

/** Starts `dramatis serve` with only this environment and waits until /healthz answers 200. */
async function startServe(environment: Record<string, string>): Promise<ServeProcess> {
  const port = await freePort();
  const { child, output, exited } = spawnServe({
    environment: { LOG_LEVEL: "warn", PORT: String(port), ...environment },
    outputLimitChars: OUTPUT_LIMIT_CHARS,
  });
  const server = { child, url: `http://127.0.0.1:${port}`, output, exited };
  let gone = false;
  void exited.then(() => (gone = true));
  await pollUntil(
    async () => {
      if (gone) throw new Error(`the server exited while starting:\n${output.text}`);
      const response = await fetch(`${server.url}/healthz`).catch(() => undefined);
      await response?.body?.cancel();
      return response?.status === 200;
    },
    { what: "the server to answer /healthz", polls: READINESS_POLLS },
  );
  return server;
}

async function kill(server: ServeProcess, signal: "SIGKILL" | "SIGTERM"): Promise<void> {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill(signal);
  await server.exited;
}

/** A JSON answer of the API; the loop reads a few ids out of several shapes. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of many shapes, read by field
type Json = any;

function client(baseUrl: () => string, adminKey: string) {
  return async (method: string, pathname: string, body?: unknown) => {
    const response = await fetch(`${baseUrl()}${pathname}`, {
      method,
      headers: {
        authorization: `Bearer ${adminKey}`,
        "x-dramatis-user": USER,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Json) : {} };
  };
}

/** A fresh PostgreSQL database on the server of `url`; returns its URL and how to drop it. */
async function createPostgresDatabase(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `dramatis_crash_${Math.random().toString(36).slice(2, 12)}`;
  const withAdmin = async (query: string) => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(query);
    } finally {
      await admin.end();
    }
  };
  await withAdmin(`create database ${name}`);
  const own = new URL(url);
  own.pathname = `/${name}`;
  return { url: own.toString(), drop: () => withAdmin(`drop database if exists ${name} with (force)`) };
}

/**
 * Runs the loop and checks the database afterwards. Throws only when the loop itself cannot go on (a server
 * that will not start); losses are reported, for the caller to assert or print.
 *
 * @example const report = await runCrashLoop({ cycles: 20 }); expect(report.lost).toEqual([]);
 */
export async function runCrashLoop(options: CrashLoopOptions): Promise<CrashLoopReport> {
  const random = options.random ?? Math.random;
  const log = options.log ?? (() => undefined);
  const clients = options.clients ?? 3;
  const maxWrites = options.maxWritesPerCycle ?? 12;
  const dataDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-crash-loop-"));
  const postgres = options.databaseUrl ? await createPostgresDatabase(options.databaseUrl) : undefined;
  const adminKey = `dra_crash_loop_${Math.random().toString(36).slice(2).padEnd(24, "0")}`;
  const environment: Record<string, string> = {
    DRAMATIS_DATA_DIR: dataDirectory,
    DRAMATIS_ADMIN_KEY: adminKey,
    // Leases are written by the process that claims a job, so every process gets the short one. Not
    // shorter: on a busy machine a late heartbeat would let a live worker lose its job (counted as a crash).
    DRAMATIS_JOB_LEASE_MS: "5000",
    // The clients write as fast as they can from one key: the loop is about crashes, not rate limits.
    DRAMATIS_RATE_LIMIT_PER_MINUTE: "1000000",
    ...(postgres ? { DATABASE_URL: postgres.url } : {}),
  };
  let server: ServeProcess | undefined;
  const started = Date.now();
  try {
    server = await startServe(environment);
    const request = client(() => server!.url, adminKey);
    const persona = await request("POST", "/v1/personas", {
      name: "Crash test",
      system_message: "Be brief.",
    });
    if (persona.status !== 201) throw new Error(`creating the persona answered ${persona.status}`);
    const conversations: string[] = [];
    for (let index = 0; index < clients; index += 1) {
      const created = await request("POST", "/v1/conversations", { persona_id: persona.body.id });
      if (created.status !== 201) throw new Error(`creating a conversation answered ${created.status}`);
      conversations.push(created.body.id as string);
    }

    const acknowledged: Acknowledged = { messageIds: [], memoryIds: [], asyncReplies: [] };
    /** Waits (bounded) until these replies' jobs have finished; a cut connection ends the wait early. */
    const drainReplies = async (replies: Acknowledged["asyncReplies"]) => {
      for (const reply of [...replies]) {
        await pollUntil(
          async () => {
            const job = (await request("GET", `/v1/jobs/${reply.jobId}`)).body;
            return ["succeeded", "failed", "cancelled"].includes(job.status);
          },
          { what: `job ${reply.jobId} to finish`, polls: JOB_POLLS },
        ).catch(() => undefined);
      }
    };
    const rejected: Record<string, number> = {};
    for (let cycle = 1; cycle <= options.cycles; cycle += 1) {
      if (!server) server = await startServe(environment);
      const running = server;
      const target = Math.floor(random() * (maxWrites + 1));
      let writes = 0;
      let requests = 0;
      let killed = false;
      let clientsDone = false;
      // One cycle in four also lets the replies acknowledged so far finish before it may be killed: a loop
      // that always kills sooner than a reply takes would fail replies by the crash bound, which is the
      // bound's job for a poison job but says nothing about recovery. Writes go on meanwhile.
      const draining = random() < DRAINING_CYCLES ? drainReplies(acknowledged.asyncReplies) : undefined;
      let drained = draining === undefined;
      void draining?.then(() => {
        drained = true;
        if (writes >= target || clientsDone) killNow();
      });
      const killNow = () => {
        if (killed || !drained) return;
        killed = true;
        running.child.kill("SIGKILL");
      };
      const write = async (conversationId: string, sequence: string) => {
        const choice = random();
        if (choice < 0.34) {
          const answer = await request("POST", `/v1/conversations/${conversationId}/messages`, {
            content: `sync ${sequence}`,
          });
          if (answer.status !== 200) return String(answer.status);
          acknowledged.messageIds.push(answer.body.user_message.id, answer.body.message.id);
        } else if (choice < 0.67) {
          const answer = await request("POST", `/v1/conversations/${conversationId}/messages`, {
            content: `async ${sequence}`,
            mode: "async",
          });
          if (answer.status !== 202) return String(answer.status);
          acknowledged.messageIds.push(answer.body.user_message.id);
          acknowledged.asyncReplies.push({
            jobId: answer.body.job.id,
            userMessageId: answer.body.user_message.id,
          });
        } else {
          const answer = await request("POST", `/v1/personas/${persona.body.id}/memories`, {
            facts: `memory ${sequence}`,
          });
          if (answer.status !== 201) return String(answer.status);
          acknowledged.memoryIds.push(answer.body.id);
        }
        return "ok";
      };
      if (target === 0) killNow();
      await Promise.all(
        conversations.map(async (conversationId, clientIndex) => {
          while (!killed && requests < REQUESTS_PER_CYCLE) {
            requests += 1;
            let outcome: string;
            try {
              outcome = await write(conversationId, `${cycle}.${clientIndex}.${requests}`);
            } catch {
              // The connection was cut: the kill, or the process already gone. Not acknowledged.
              return;
            }
            if (outcome !== "ok") rejected[outcome] = (rejected[outcome] ?? 0) + 1;
            else if ((writes += 1) >= target) killNow();
          }
          killNow();
        }),
      );
      clientsDone = true;
      killNow();
      await running.exited;
      server = undefined;
      log(`cycle ${cycle}/${options.cycles}: ${writes} acknowledged, killed (${Date.now() - started} ms)`);
    }

    // A last start recovers what the last kill left; every acknowledged async reply must then be delivered.
    server = await startServe(environment);
    const delivered: Array<{ jobId: string; userMessageId: string; messageId: string }> = [];
    const undelivered: CrashLoopReport["undelivered"] = [];
    for (const reply of acknowledged.asyncReplies) {
      let job: Json;
      await pollUntil(
        async () => {
          job = (await request("GET", `/v1/jobs/${reply.jobId}`)).body;
          return ["succeeded", "failed", "cancelled"].includes(job.status);
        },
        { what: `job ${reply.jobId} to finish`, polls: JOB_POLLS },
      ).catch(() => undefined);
      const messageId = job?.result?.message?.id as string | undefined;
      if (job?.status === "succeeded" && messageId) delivered.push({ ...reply, messageId });
      else undelivered.push({ jobId: reply.jobId, found: `${job?.status}: ${job?.error ?? "no reply"}` });
    }
    await kill(server, "SIGTERM");
    if (server.child.exitCode !== 0) throw new Error(`the last server exited with ${server.child.exitCode}`);
    server = undefined;

    const check = await checkDatabase({ dataDirectory, postgresUrl: postgres?.url, acknowledged, delivered });
    for (const reply of delivered) {
      if (!check.replies.has(reply.messageId)) {
        undelivered.push({ jobId: reply.jobId, found: `reply message ${reply.messageId} not stored` });
      }
    }
    const asyncReplies = acknowledged.asyncReplies.length;
    return {
      backend: postgres ? "postgres" : "sqlite",
      cycles: options.cycles,
      durationMs: Date.now() - started,
      acknowledged: {
        messages: acknowledged.messageIds.length,
        memories: acknowledged.memoryIds.length,
        asyncReplies,
        total: acknowledged.messageIds.length + acknowledged.memoryIds.length,
      },
      lost: check.lost,
      asyncRepliesDelivered: asyncReplies - undelivered.length,
      undelivered,
      maxJobCrashes: check.maxJobCrashes,
      mostCrashedJobs: check.mostCrashedJobs,
      rejected,
      integrityCheck: check.integrityCheck,
    };
  } catch (error) {
    if (server) log(`output of the last server:\n${server.output.text}`);
    throw error;
  } finally {
    if (server) await kill(server, "SIGKILL");
    await postgres?.drop().catch((error: unknown) => log(`dropping the database failed: ${String(error)}`));
    fs.rmSync(dataDirectory, { recursive: true, force: true });
  }
}

/** Reads the database directly (the servers are stopped): which acknowledged ids are missing, and more. */
async function checkDatabase(options: {
  dataDirectory: string;
  postgresUrl: string | undefined;
  acknowledged: Acknowledged;
  delivered: Array<{ userMessageId: string; messageId: string }>;
}) {
  const query = await openReader(options);
  try {
    const messages = new Set((await query<{ id: string }>("select id from messages")).map((row) => row.id));
    const memories = new Set((await query<{ id: string }>("select id from memories")).map((row) => row.id));
    const replyRows = await query<{ id: string; reply_to: string | null }>(
      "select id, reply_to from messages where role = 'assistant'",
    );
    const replyTo = new Map(replyRows.map((row) => [row.id, row.reply_to]));
    const replies = new Set(
      options.delivered
        .filter((reply) => replyTo.get(reply.messageId) === reply.userMessageId)
        .map((reply) => reply.messageId),
    );
    const lost = [
      ...options.acknowledged.messageIds.filter((id) => !messages.has(id)),
      ...options.acknowledged.memoryIds.filter((id) => !memories.has(id)),
    ];
    const crashes = await query<{ crashes: number | string | null }>(
      "select max(crashes) as crashes from jobs",
    );
    const mostCrashed = await query<{
      id: string;
      kind: string;
      status: string;
      crashes: number;
      events: number;
    }>(
      "select id, kind, status, crashes, (select count(*) from job_events where job_id = jobs.id) as events " +
        "from jobs order by crashes desc limit 5",
    );
    const integrity = options.postgresUrl
      ? null
      : (await query<{ integrity_check: string }>("pragma integrity_check"))
          .map((row) => row.integrity_check)
          .join("; ");
    return {
      lost,
      replies,
      maxJobCrashes: Number(crashes[0]?.crashes ?? 0),
      mostCrashedJobs: mostCrashed.map((row) => ({
        ...row,
        crashes: Number(row.crashes),
        events: Number(row.events),
      })),
      integrityCheck: integrity,
    };
  } finally {
    await query.close();
  }
}

type Reader = (<Row>(sql: string) => Promise<Row[]>) & { close(): Promise<void> };

async function openReader(options: {
  dataDirectory: string;
  postgresUrl: string | undefined;
}): Promise<Reader> {
  if (options.postgresUrl) {
    const connection = new pg.Client({ connectionString: options.postgresUrl });
    await connection.connect();
    const reader = (async (sql: string) => (await connection.query(sql)).rows) as Reader;
    reader.close = () => connection.end();
    return reader;
  }
  const database = new Database(path.join(options.dataDirectory, "dramatis.sqlite"), { readonly: true });
  const reader = (async (sql: string) => database.prepare(sql).all()) as Reader;
  reader.close = async () => {
    database.close();
  };
  return reader;
}
