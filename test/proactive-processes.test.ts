/**
 * Scheduled messages across two real server processes (`node bin/dramatis.js serve`) on one database,
 * both planning, dispatching and sending on one simulated clock (DRAMATIS_CLOCK_SPEED with a shared
 * DRAMATIS_CLOCK_ANCHOR): every good morning is sent exactly once, and both processes sent some.
 *
 * Which process sent what is told apart without server changes: each process's provider `mock` points at
 * its own mock upstream, so the good-morning requests each upstream received are the sends its process
 * made. So that both take part whatever the timing, each upstream holds its first good morning until the
 * other upstream has one too (each process runs one job at a time, so the other must take the next).
 */
import { unwrap, type Schema } from "@dramatis/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { randomToken } from "../src/lib/ids.ts";
import type { RecordedRequest } from "./mock-upstreams.ts";
import {
  Resources,
  createPostgresDatabase,
  databaseUrl,
  hasPostgres,
  providersFor,
  startServe,
  waitUntil,
  serverClient,
} from "./server-processes.ts";

/** Bounds a hang only: every wait below ends on an event (or the simulated clock passing a point). */
const TEST_TIMEOUT_MS = 600_000;
/** Simulated milliseconds per real one: a simulated minute every half second. */
const SPEED = 120;
const SIMULATED_START = Date.parse("2026-12-03T05:00:00Z");
const PERSONAS = 4;
const USERS_PER_PERSONA = 3;
const PAIRS = PERSONAS * USERS_PER_PERSONA;
/** What the scheduler asks for a good morning (src/services/proactive/proactive-scheduler.ts). */
const GOOD_MORNING_PROMPT = "It is the start of your day";

function isGoodMorning(request: RecordedRequest): boolean {
  return JSON.stringify(request.body ?? {}).includes(GOOD_MORNING_PROMPT);
}

/** HH:MM in UTC of an instant. */
function utcTime(instant: number): string {
  return new Date(instant).toISOString().slice(11, 16);
}

describe("scheduled messages across two real server processes", () => {
  const resources = new Resources();
  afterEach(async (context) => {
    if (context.task.result?.state === "fail") resources.printOutputs();
    await resources.release();
  });

  it(
    "sends every good morning exactly once while two processes plan, dispatch and send the same slots",
    async () => {
      // Each upstream holds its first good morning until the other has received one.
      const firstHeld: Array<() => void> = [];
      const seen = [false, false];
      const gate = (index: number) => async (body: RecordedRequest["body"]) => {
        if (!JSON.stringify(body ?? {}).includes(GOOD_MORNING_PROMPT) || seen[index]) return;
        seen[index] = true;
        if (seen.every(Boolean)) {
          for (const release of firstHeld.splice(0)) release();
          return;
        }
        await new Promise<void>((resolve) => {
          firstHeld.push(resolve);
          setTimeout(resolve, 30_000); // never a deadlock: the assertions below then say what happened
        });
      };
      const upstreams = await Promise.all([
        resources.upstream({ reply: "Good morning! Did you sleep well?", beforeReply: gate(0) }),
        resources.upstream({ reply: "Good morning! Did you sleep well?", beforeReply: gate(1) }),
      ]);
      const adminKey = `dra_test_${randomToken(32)}`;
      const anchor = Date.now();
      const simulatedNow = () => SIMULATED_START + (Date.now() - anchor) * SPEED;
      const shared = {
        DRAMATIS_DATA_DIR: resources.temporaryDirectory("proactive"),
        DRAMATIS_ADMIN_KEY: adminKey,
        DRAMATIS_CLOCK_START: new Date(SIMULATED_START).toISOString(),
        DRAMATIS_CLOCK_SPEED: String(SPEED),
        DRAMATIS_CLOCK_ANCHOR: new Date(anchor).toISOString(),
        DRAMATIS_WORKER_CONCURRENCY: "1",
        ...(hasPostgres ? { DATABASE_URL: await createPostgresDatabase(resources, databaseUrl!) } : {}),
      };
      // The first process creates the database, the default tenant and the secret key the other reads.
      const first = await startServe(resources, {
        name: "process 1",
        role: "all",
        environment: { ...shared, DRAMATIS_PROVIDERS: providersFor(upstreams[0]!) },
      });
      const second = await startServe(resources, {
        name: "process 2",
        role: "all",
        environment: { ...shared, DRAMATIS_PROVIDERS: providersFor(upstreams[1]!) },
      });
      const apis = [serverClient(() => first.url, adminKey), serverClient(() => second.url, adminKey)];

      // Scheduled messages stay off during the set-up, which takes however long the machine needs; they
      // are turned on afterwards with the day starting just ahead of the simulated clock.
      const personaIds: string[] = [];
      for (let index = 0; index < PERSONAS; index++) {
        const persona = await unwrap(
          apis[index % 2]!.POST("/v1/personas", {
            body: {
              name: `Persona ${index + 1}`,
              model: "mock/m",
              initiative: 10,
              active_hours: { start: "04:00", end: "23:00", time_zone: "UTC" },
              modifiers: { responds_immediately: true, disable_scheduled_messages: true },
              memory: { extraction: false },
            },
          }),
        );
        personaIds.push(persona.id);
      }
      // Every user chats once with a persona, through either process.
      const users = new Map<string, string>(); // conversation id -> its user
      for (const [personaIndex, personaId] of personaIds.entries()) {
        for (let userIndex = 0; userIndex < USERS_PER_PERSONA; userIndex++) {
          const api = apis[(personaIndex + userIndex) % 2]!;
          const user = `user-${personaIndex}-${userIndex}`;
          const headers = { "x-dramatis-user": user };
          const conversation = await unwrap(
            api.POST("/v1/conversations", { body: { persona_id: personaId, channel: "web" }, headers }),
          );
          users.set(conversation.id, user);
          await unwrap(
            api.POST("/v1/conversations/{id}/messages", {
              params: { path: { id: conversation.id } },
              body: { content: "See you tomorrow morning." },
              headers,
            }),
          );
        }
      }
      type Slot = Schema<"ScheduledMessage">;
      const goodMornings = async (): Promise<Slot[]> => {
        const slots: Slot[] = [];
        for (const user of new Set(users.values())) {
          const page = await unwrap(
            apis[0]!.GET("/v1/scheduled-messages", {
              params: { query: { include_sent: "true", kind: "good_morning" } },
              headers: { "x-dramatis-user": user },
            }),
          );
          slots.push(...page.data);
        }
        return slots;
      };
      // Today's slots (tomorrow's are planned as well, and stay pending).
      const today = new Date(SIMULATED_START).toISOString().slice(0, 10);
      const todaysMornings = async () =>
        (await goodMornings()).filter((slot) => slot.due_at.startsWith(today));
      // The day starts eleven simulated minutes (5.5 real seconds) after the mornings are turned on. On a
      // machine too busy to plan every pair before its morning passed, another round starts the day later;
      // slots planned already keep their time, so each pair still gets exactly one good morning.
      for (let round = 1; (await todaysMornings()).length < PAIRS; round++) {
        expect(round, "rounds to get every good morning planned").toBeLessThanOrEqual(10);
        const dayStart = simulatedNow() + 11 * 60_000;
        await Promise.all(
          personaIds.map(async (id) => {
            await unwrap(
              apis[0]!.PATCH("/v1/personas/{id}", {
                params: { path: { id } },
                body: {
                  active_hours: { start: utcTime(dayStart), end: "23:00", time_zone: "UTC" },
                  modifiers: { disable_scheduled_messages: false },
                },
              }),
            );
          }),
        );
        // Good mornings fall within the first 30 simulated minutes of the day.
        const morningOver = dayStart + 30 * 60_000;
        await waitUntil(
          async () => (await todaysMornings()).length >= PAIRS || simulatedNow() > morningOver,
          {
            what: "the good mornings to be planned or the morning to pass",
            timeoutMs: 300_000,
            intervalMs: 500,
          },
        );
      }
      await waitUntil(
        async () => (await goodMornings()).filter((slot) => slot.status !== "pending").length >= PAIRS,
        { what: `${PAIRS} good mornings to be settled`, timeoutMs: 300_000, intervalMs: 500 },
      );

      // One per pair, however often planned.
      const settled = await todaysMornings();
      expect(settled).toHaveLength(PAIRS);
      expect(settled.map((slot) => slot.status)).toEqual(Array(PAIRS).fill("sent"));
      // Each conversation holds its chat reply and exactly one good morning.
      for (const slot of settled) {
        const page = await unwrap(
          apis[1]!.GET("/v1/conversations/{id}/messages", {
            params: { path: { id: slot.conversation_id }, query: { limit: 50 } },
            headers: { "x-dramatis-user": users.get(slot.conversation_id) },
          }),
        );
        const greetings = page.data.filter(
          (message) => message.role === "assistant" && message.reply_to === null,
        );
        expect(greetings.map((message) => message.id)).toEqual([slot.message_id]);
      }

      const sentBy = upstreams.map((upstream) => upstream.generationRequests().filter(isGoodMorning).length);
      expect(sentBy[0], "good mornings sent by process 1").toBeGreaterThan(0);
      expect(sentBy[1], "good mornings sent by process 2").toBeGreaterThan(0);
      // Exactly one model call per slot, by one process: nothing was asked twice.
      expect(sentBy[0]! + sentBy[1]!).toBe(PAIRS);
    },
    TEST_TIMEOUT_MS,
  );
});
