import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { DatabaseJobQueue } from "../../src/jobs/database-job-queue.ts";
import { createJobHandlers } from "../../src/jobs/job-handlers.ts";
import { ModelRegistry } from "../../src/models/model-registry.ts";
import { createOfflineProvider } from "../../src/models/offline-model.ts";
import { localDay } from "../../src/proactive/schedule-planning.ts";
import { InboxService } from "../../src/services/proactive/inbox-service.ts";
import { createServices } from "../../src/composition/create-services.ts";
import { Store } from "../../src/store/store.ts";
import { sqliteBackend } from "../backends.ts";
import { createTestApp, createTestSecretBox, TestClock, type TestApp } from "../test-app.ts";

const MINUTE = 60_000;

async function post(app: TestApp, path: string, json: unknown, user?: string) {
  const response = await app.request(path, { method: "POST", json, user });
  const body = await response.json();
  expect(response.status, JSON.stringify(body)).toBeLessThan(300);
  return body;
}

/** A persona the user has chatted with once, so the pair is active and gets planned for. */
async function chattedPersona(
  app: TestApp,
  user: string,
  settings: { initiative: number; start: string; end: string; timeZone: string; disabled?: boolean },
) {
  const persona = await post(app, "/v1/personas", {
    name: "Mira",
    initiative: settings.initiative,
    active_hours: { start: settings.start, end: settings.end, time_zone: settings.timeZone },
    modifiers: { disable_scheduled_messages: settings.disabled ?? false },
  });
  const conversation = await post(app, "/v1/conversations", { persona_id: persona.id }, user);
  await post(
    app,
    `/v1/conversations/${conversation.id}/messages`,
    { content: "I start a new job on Monday." },
    user,
  );
  return { persona, conversation };
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (let attempt = 0; attempt < 400; attempt++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Moves the user's soonest pending slot of a kind to be due now, instead of waiting for its time. */
async function makeNextDueNow(app: TestApp, user: string, kind: "good_morning" | "good_night") {
  const [slot] = await app.services.store.scheduledMessages.list({
    kind,
    userId: (await app.services.users.resolve("ten_default", user)).id,
    statuses: ["pending"],
    limit: 1,
  });
  if (!slot) throw new Error(`${user} has no pending ${kind}`);
  await app.services.store.db
    .updateTable("scheduled_messages")
    .set({ due_at: app.clock.now().toISOString() })
    .where("id", "=", slot.id)
    .execute();
  return slot;
}

/** Runs the scheduler as the clock moves and waits until every due slot has been settled. */
async function tickAndSettle(app: TestApp): Promise<void> {
  await app.services.proactive.tick();
  await waitFor(
    () => app.services.store.scheduledMessages.findDue(app.clock.now().toISOString(), 1),
    (due) => due.length === 0,
    "due slots to settle",
  );
}

describe("proactive messages", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ clock: new TestClock(new Date("2026-01-05T06:00:00.000Z")) });
  });
  afterAll(async () => app.close());

  it("plans a good morning for initiative 10, sends it once when due, and lists it with statistics and in the inbox", async () => {
    const { persona, conversation } = await chattedPersona(app, "alice", {
      initiative: 10,
      start: "08:00",
      end: "22:00",
      timeZone: "Europe/Lisbon",
    });
    await app.services.proactive.tick();
    const pending = await (await app.request("/v1/scheduled-messages?limit=200", { user: "alice" })).json();
    const kinds = pending.data.map((message: { kind: string }) => message.kind);
    expect(kinds[0]).toBe("good_morning");
    expect(kinds.filter((kind: string) => kind === "check_in")).toHaveLength(4);
    expect(kinds).toContain("good_night");
    const morning = pending.data[0];
    expect(morning).toMatchObject({ persona_id: persona.id, persona_name: "Mira", status: "pending" });
    expect(morning.due_at >= "2026-01-05T08:00:00.000Z" && morning.due_at < "2026-01-05T08:30:00.000Z").toBe(
      true,
    );

    // Planning again (another tick, or another process) adds nothing.
    await app.services.proactive.tick();
    const statistics = await (
      await app.request("/v1/scheduled-messages/statistics", { user: "alice" })
    ).json();
    expect(statistics).toMatchObject({
      total: kinds.length,
      pending: kinds.length,
      good_mornings: 1,
      good_nights: 1,
    });

    app.clock.advance(2 * 60 * MINUTE + 31 * MINUTE); // 08:31 in Lisbon (UTC+0 in winter)
    await tickAndSettle(app);
    const all = await (
      await app.request("/v1/scheduled-messages?include_sent=true&limit=200", { user: "alice" })
    ).json();
    const sent = all.data.find((message: { id: string }) => message.id === morning.id);
    expect(sent.status).toBe("sent");
    expect(sent.content.length).toBeGreaterThan(0);
    const messages = await (
      await app.request(`/v1/conversations/${conversation.id}/messages`, { user: "alice" })
    ).json();
    expect(messages.data.filter((message: { id: string }) => message.id === sent.message_id)).toHaveLength(1);

    const inbox = await (await app.request("/v1/inbox", { user: "alice" })).json();
    expect(inbox.unread).toBe(1);
    expect(inbox.data[0]).toMatchObject({
      scheduled_message_id: morning.id,
      persona_name: "Mira",
      kind: "good_morning",
    });
    expect(
      (await (await app.request("/v1/inbox/read", { method: "POST", user: "alice" })).json()).unread,
    ).toBe(0);
    expect((await (await app.request("/v1/inbox", { user: "alice" })).json()).unread).toBe(0);

    // Cancel a pending one; a sent one is a 409; another user sees none of it.
    const checkIn = all.data.find(
      (message: { kind: string; status: string }) => message.status === "pending",
    );
    const cancelled = await app.request(`/v1/scheduled-messages/${checkIn.id}/cancel`, {
      method: "POST",
      user: "alice",
    });
    expect((await cancelled.json()).status).toBe("cancelled");
    expect(
      (await app.request(`/v1/scheduled-messages/${morning.id}/cancel`, { method: "POST", user: "alice" }))
        .status,
    ).toBe(409);
    expect(
      (await app.request(`/v1/scheduled-messages/${morning.id}/cancel`, { method: "POST", user: "bob" }))
        .status,
    ).toBe(404);
    expect(
      (await (await app.request("/v1/scheduled-messages?include_sent=true", { user: "bob" })).json()).data,
    ).toEqual([]);
  });

  it("sends exactly once however many times a slot's job runs at once", async () => {
    await chattedPersona(app, "carol", { initiative: 10, start: "00:00", end: "23:59", timeZone: "UTC" });
    await app.services.proactive.plan();
    // A greeting: a check-in would be skipped, since carol has just written. Due now, and run by five
    // "workers" at the same time.
    const slot = await makeNextDueNow(app, "carol", "good_night");
    const job = {
      id: "job_test",
      tenantId: "ten_default",
      kind: "scheduled-message",
      payload: { scheduled_message_id: slot.id },
      status: "running",
      result: null,
      error: null,
      attempts: 1,
      maxAttempts: 3,
      crashes: 0,
      idempotencyKey: null,
      createdAt: "",
      updatedAt: "",
      startedAt: null,
      finishedAt: null,
    } as const;
    const signal = new AbortController().signal;
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => app.services.proactive.send({ ...job }, { signal })),
    );
    expect(outcomes.filter((outcome) => (outcome as { status?: string }).status === "sent")).toHaveLength(1);
    const messages = await app.services.store.db
      .selectFrom("messages")
      .select("id")
      .where("conversation_id", "=", slot.conversation_id)
      .where("role", "=", "assistant")
      .where("reply_to", "is", null)
      .execute();
    const stored = await app.services.store.scheduledMessages.findById(slot.id);
    expect(stored?.status).toBe("sent");
    expect(messages.map((message) => message.id)).toContain(stored?.message_id);
    expect(messages.filter((message) => message.id === stored?.message_id)).toHaveLength(1);
  });

  it("writes as the user persona the user last talked as, with the persona's macros replaced", async () => {
    const elena = await post(app, "/v1/user-personas", { name: "Elena", description: "a sailor" }, "hana");
    await app.request(`/v1/user-personas/active/${elena.id}`, { method: "PUT", user: "hana" });
    const persona = await post(app, "/v1/personas", {
      name: "Vex",
      system_message: "{{char}} writes to {{user}} at {{time}} on {{weekday}}.",
      initiative: 10,
      active_hours: { start: "00:00", end: "23:59", time_zone: "UTC" },
    });
    const conversation = await post(app, "/v1/conversations", { persona_id: persona.id }, "hana");
    await post(app, `/v1/conversations/${conversation.id}/messages`, { content: "Good evening" }, "hana");
    // Another persona is active by the time the message is sent: the conversation's one counts.
    await app.request("/v1/user-personas/active", { method: "DELETE", user: "hana" });
    await app.services.proactive.plan();
    const slot = await makeNextDueNow(app, "hana", "good_night");
    const job = {
      id: "job_macros",
      tenantId: "ten_default",
      kind: "scheduled-message",
      payload: { scheduled_message_id: slot.id },
      status: "running",
      result: null,
      error: null,
      attempts: 1,
      maxAttempts: 3,
      crashes: 0,
      idempotencyKey: null,
      createdAt: "",
      updatedAt: "",
      startedAt: null,
      finishedAt: null,
    } as const;
    const outcome = await app.services.proactive.send(job, { signal: new AbortController().signal });
    expect(outcome).toMatchObject({ status: "sent" });
    const sent = await app.services.store.scheduledMessages.findById(slot.id);
    const prompt = await (
      await app.request(`/v1/conversations/${conversation.id}/messages/${sent?.message_id}/prompt`, {
        user: "hana",
      })
    ).json();
    const section = (name: string) => prompt.sections.find((entry: any) => entry.name === name).text;
    // The suite's clock is on Monday 2026-01-05, morning in UTC (earlier tests move it forward).
    expect(section("base_instructions")).toMatch(/^Vex writes to Elena at \d{1,2}:\d\d AM on Monday\.$/);
    expect(section("user_persona")).toContain("as Elena: a sailor");
    expect(JSON.stringify(prompt)).not.toMatch(/\{\{|<user>|<bot>|<char>/i);
  });

  it("streams new messages live, and resumes after Last-Event-ID with what was sent while away", async () => {
    await chattedPersona(app, "fern", { initiative: 10, start: "00:00", end: "23:59", timeZone: "UTC" });
    await app.services.proactive.plan();
    /** Makes the user's next pending greeting of a kind due now and waits until it is sent. */
    const sendNext = async (kind: "good_morning" | "good_night") => {
      const slot = await makeNextDueNow(app, "fern", kind);
      await tickAndSettle(app);
      expect((await app.services.store.scheduledMessages.findById(slot.id))?.status).toBe("sent");
      return slot.id;
    };

    const live = new AbortController();
    const first = await openEvents(app, "fern", live.signal);
    expect(await first.next()).toMatchObject({ event: "unread" });
    const nightId = await sendNext("good_night");
    const message = await first.next();
    // Ids are the user's inbox numbers, in the order messages were stored.
    expect(message).toMatchObject({ event: "message", id: "1" });
    expect(JSON.parse(message.data)).toMatchObject({ scheduled_message_id: nightId, kind: "good_night" });
    live.abort();

    // Sent while nobody listened, at the very same instant (the test clock stands still): a reconnect
    // naming the last id it saw gets it, and nothing before it.
    const morningId = await sendNext("good_morning");
    const again = new AbortController();
    const resumed = await openEvents(app, "fern", again.signal, message.id);
    const missed = await resumed.next();
    expect(missed).toMatchObject({ event: "message" });
    expect(missed.id).toBe("2");
    expect(JSON.parse(missed.data).scheduled_message_id).toBe(morningId);
    expect(await resumed.next()).toMatchObject({ event: "unread" });
    again.abort();
  });

  it("keeps a quiet stream alive, so proxies do not close it as idle", async () => {
    const user = await app.services.users.resolve("ten_default", "gail");
    const inbox = new InboxService(app.services.store, app.clock, { pollMs: 5, keepAlivePolls: 3 });
    const stop = new AbortController();
    const seen: string[] = [];
    for await (const event of inbox.events(user, { signal: stop.signal })) {
      seen.push(event.type);
      if (seen.length === 3) stop.abort();
    }
    expect(seen).toEqual(["unread", "keep-alive", "keep-alive"]);
  });

  it("plans nothing for a persona with scheduled messages disabled, or with initiative 1", async () => {
    await chattedPersona(app, "dave", {
      initiative: 10,
      start: "08:00",
      end: "22:00",
      timeZone: "UTC",
      disabled: true,
    });
    await chattedPersona(app, "erin", { initiative: 1, start: "08:00", end: "22:00", timeZone: "UTC" });
    await app.services.proactive.tick();
    for (const user of ["dave", "erin"]) {
      const statistics = await (await app.request("/v1/scheduled-messages/statistics", { user })).json();
      expect(statistics.total, user).toBe(0);
    }
  });
});

describe("a week of a persona with initiative 7, active 08:00-22:00 in Tokyo, on a controlled clock", () => {
  it("sends nothing outside its hours, and a good morning, a check-in and a good night on each day", async () => {
    const start = new Date("2026-11-22T15:00:00.000Z"); // 00:00 on Nov 23 in Tokyo
    const app = await createTestApp({ clock: new TestClock(start) });
    try {
      await chattedPersona(app, "kenji", {
        initiative: 7,
        start: "08:00",
        end: "22:00",
        timeZone: "Asia/Tokyo",
      });
      const end = start.getTime() + 7 * 24 * 60 * MINUTE;
      while (app.clock.now().getTime() < end) {
        await tickAndSettle(app);
        app.clock.advance(10 * MINUTE);
      }
      const all = await (
        await app.request("/v1/scheduled-messages?include_sent=true&limit=200", { user: "kenji" })
      ).json();
      const sent = all.data.filter((message: { status: string }) => message.status === "sent");
      const localTime = (iso: string) =>
        new Intl.DateTimeFormat("en-GB", {
          timeZone: "Asia/Tokyo",
          hour: "2-digit",
          minute: "2-digit",
          hourCycle: "h23",
        }).format(new Date(iso));
      for (const message of sent) {
        const time = localTime(message.sent_at);
        expect(time >= "08:00" && time < "22:00", `${message.kind} sent at ${time} Tokyo time`).toBe(true);
      }
      const byDay = new Map<string, string[]>();
      for (const message of sent) {
        const day = localDay(new Date(message.sent_at), "Asia/Tokyo");
        byDay.set(day, [...(byDay.get(day) ?? []), message.kind]);
      }
      expect(byDay.size).toBe(7);
      // The first check-in may be skipped: the user wrote that morning (UTC) — everything else was sent.
      if (process.env.DEBUG_WEEK) {
        for (const message of all.data)
          console.log(message.kind, message.status, message.due_at, message.sent_at, message.error);
      }
      for (const [day, kinds] of byDay) {
        expect(kinds[0], day).toBe("good_morning");
        expect(kinds.at(-1), day).toBe("good_night");
        expect(kinds.length, day).toBeLessThanOrEqual(3);
      }
      expect(
        sent.filter((message: { kind: string }) => message.kind === "check_in").length,
      ).toBeGreaterThanOrEqual(6);
      const failed = all.data.filter((message: { status: string }) => message.status === "failed");
      expect(failed).toEqual([]);
    } finally {
      await app.close();
    }
  }, 120_000);
});

describe("two worker processes on one database", () => {
  it("never double-send: both plan and dispatch the same slots, each is sent once", async () => {
    const database = await sqliteBackend.open();
    const clock = new TestClock(new Date("2026-01-05T00:40:00.000Z"));
    const processes = await Promise.all(
      [0, 1].map(async () => {
        const queue = new DatabaseJobQueue({ db: database.db, clock, pollIntervalMs: 10 });
        const services = createServices(new Store(database.db), clock, {
          models: new ModelRegistry([createOfflineProvider()], "offline/default"),
          jobs: queue,
          secrets: createTestSecretBox(),
        });
        const worker = queue.startWorker({ handlers: createJobHandlers(services), concurrency: 4 });
        return { queue, services, worker };
      }),
    );
    try {
      const first = processes[0]!.services;
      await first.personas.installPresets();
      const { createdAdminKey } = await first.tenants.ensureDefaultTenant(
        "dra_testadmin_0123456789abcdefghijklmnopqrstuv",
      );
      expect(createdAdminKey).toBeTruthy();
      const app = createApp({
        services: first,
        logger: pino({ level: "silent" }),
        config: { bodyLimitBytes: 1 << 20, importLimitBytes: 1 << 20 },
      });
      const request = async (path: string, json?: unknown): Promise<any> =>
        (
          await app.request(path, {
            method: json === undefined ? "GET" : "POST",
            headers: {
              authorization: "Bearer dra_testadmin_0123456789abcdefghijklmnopqrstuv",
              "x-dramatis-user": "zoe",
              "content-type": "application/json",
            },
            body: json === undefined ? undefined : JSON.stringify(json),
          })
        ).json();
      for (let index = 0; index < 3; index++) {
        const persona = await request("/v1/personas", {
          name: `P${index}`,
          initiative: 10,
          active_hours: { start: "00:00", end: "23:59", time_zone: "UTC" },
        });
        const conversation = await request("/v1/conversations", { persona_id: persona.id });
        await request(`/v1/conversations/${conversation.id}/messages`, { content: "hello" });
      }
      for (let step = 0; step < 72; step++) {
        clock.advance(20 * 60_000);
        await Promise.all(processes.map((process) => process.services.proactive.tick()));
        await waitFor(
          () => first.store.scheduledMessages.findDue(clock.now().toISOString(), 1),
          (due) => due.length === 0,
          "due slots",
        );
      }
      const sent = await database.db
        .selectFrom("scheduled_messages")
        .selectAll()
        .where("status", "=", "sent")
        .execute();
      // A day of three personas at initiative 10: four check-ins (less any within two hours of the
      // user's message) and a good night each, never twice.
      expect(sent.length).toBeGreaterThanOrEqual(9);
      const messageIds = sent.map((row) => row.message_id);
      expect(new Set(messageIds).size).toBe(sent.length);
      const proactiveMessages = await database.db
        .selectFrom("messages")
        .select("id")
        .where("role", "=", "assistant")
        .where("reply_to", "is", null)
        .execute();
      // Each persona's opener (if any) has no reply_to either; every other such message is a sent slot.
      const slotMessages = proactiveMessages.filter((message) => messageIds.includes(message.id));
      expect(slotMessages).toHaveLength(sent.length);
      const keys = sent.map((row) => `${row.persona_id}/${row.user_id}/${row.slot_key}`);
      expect(new Set(keys).size).toBe(keys.length);
    } finally {
      for (const process of processes) {
        await process.worker.stop();
        await process.queue.close();
      }
      await database.close();
    }
  }, 120_000);
});

interface StreamedEvent {
  event: string;
  data: string;
  id?: string;
}

/** Opens the user's inbox stream; `next()` reads its next event (abort the signal to close it). */
async function openEvents(app: TestApp, user: string, signal: AbortSignal, lastEventId?: string) {
  const response = await app.request("/v1/inbox/events", {
    user,
    signal,
    headers: lastEventId === undefined ? {} : { "last-event-id": lastEventId },
  });
  expect(response.status).toBe(200);
  const reader = (response as unknown as Response).body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  signal.addEventListener("abort", () => void reader.cancel().catch(() => undefined), { once: true });
  return {
    async next(): Promise<StreamedEvent> {
      for (;;) {
        const boundary = buffer.indexOf("\n\n");
        if (boundary !== -1) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          const event: StreamedEvent = { event: "message", data: "" };
          for (const line of block.split("\n")) {
            const [field, ...rest] = line.split(":");
            const value = rest.join(":").replace(/^ /, "");
            if (field === "event") event.event = value;
            else if (field === "data") event.data += value;
            else if (field === "id") event.id = value;
          }
          if (event.data) return event;
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("the stream ended");
        buffer += value;
      }
    },
  };
}
