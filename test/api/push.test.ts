import { randomBytes } from "node:crypto";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InboxPresence } from "../../src/channels/push/inbox-presence.ts";
import { shortenNotificationText } from "../../src/channels/push/notification-payload.ts";
import { PushChannel } from "../../src/channels/push/push-channel.ts";
import { DeliveryRecorder } from "../../src/channels/delivery-recorder.ts";
import { SecretBox } from "../../src/lib/secret-box.ts";
import { Store } from "../../src/store/store.ts";
import { BACKENDS } from "../backends.ts";
import {
  startMockPushService,
  type MockBrowserSubscription,
  type MockPushService,
} from "../mock-push-service.ts";
import { TestClock, createTestApp, type TestApp, type TestResponse } from "../test-app.ts";

/**
 * Web push end to end: the real app and a loopback push service that verifies VAPID and decrypts
 * every notification with the private key of a subscription made the way a browser makes one.
 */

const TENANT = "ten_default";
const FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0";
const SUBJECT = "mailto:ops@example.com";

async function fields(response: TestResponse): Promise<string[]> {
  const body = await response.json();
  return (body.errors ?? []).map((error: { field: string }) => error.field);
}

describe.each(BACKENDS)("web push on $name", (backend) => {
  let app: TestApp;
  let push: MockPushService;
  let vapidKey: string;

  beforeAll(async () => {
    push = await startMockPushService();
    app = await createTestApp({
      backend,
      clock: new TestClock(new Date("2026-01-05T06:00:00.000Z")),
      push: { subject: SUBJECT, allowHttp: true, http: { sleep: async () => {}, timeoutMs: 5000 } },
      // The mock push service is on loopback: allow-listed explicitly, as an operator would.
      outboundAllow: new URL(push.baseUrl).host,
    });
    const response = await app.request("/v1/push/vapid-public-key");
    expect(response.status).toBe(200);
    vapidKey = (await response.json()).public_key;
  });
  afterAll(async () => {
    await app?.close();
    await push?.close();
  });

  async function register(
    user: string,
    browser: MockBrowserSubscription,
    extra: Record<string, unknown> = {},
  ) {
    const response = await app.request("/v1/push/subscriptions", {
      method: "POST",
      user,
      json: { ...browser.subscription, ...extra },
      headers: { "user-agent": FIREFOX_ANDROID },
    });
    const body = await response.json();
    return { status: response.status, body };
  }

  async function newDevice(user: string) {
    const browser = push.subscribe({ applicationServerKey: vapidKey });
    const { status, body } = await register(user, browser);
    expect(status, JSON.stringify(body)).toBe(201);
    return { browser, device: body };
  }

  const deliveriesTo = (browser: MockBrowserSubscription) =>
    push.deliveries.filter((delivery) => delivery.subscriptionId === browser.id);

  it("serves the VAPID public key as base64url of an uncompressed P-256 point, stored once with its private half sealed", async () => {
    const point = Buffer.from(vapidKey, "base64url");
    expect(point).toHaveLength(65);
    expect(point[0]).toBe(0x04);
    const again = await (await app.request("/v1/push/vapid-public-key")).json();
    expect(again.public_key).toBe(vapidKey);
    const rows = await app.services.store.db.selectFrom("server_keys").selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ name: "vapid", public_key: vapidKey });
    expect(rows[0]!.private_key).toMatch(/^v2:[0-9a-f]{8}:/);
  });

  it("makes one key pair however many processes start at once, and refuses one sealed with another secret key", async () => {
    const database = await backend.open();
    try {
      const secrets = new SecretBox(randomBytes(32));
      const clock = new TestClock();
      const logger = pino({ level: "silent" });
      const deliveries = new DeliveryRecorder({ logger });
      const processes = Array.from(
        { length: 5 },
        () => new PushChannel({ store: new Store(database.db), clock, secrets, deliveries, logger }),
      );
      const keys = await Promise.all(processes.map((process) => process.vapidPublicKey()));
      expect(new Set(keys).size).toBe(1);
      expect(await database.db.selectFrom("server_keys").selectAll().execute()).toHaveLength(1);
      const stranger = new PushChannel({
        store: new Store(database.db),
        clock,
        secrets: new SecretBox(randomBytes(32)),
        deliveries,
        logger,
      });
      await expect(stranger.ensureVapidKeys()).rejects.toThrow(/DRAMATIS_SECRET_KEY/);
    } finally {
      await database.close();
    }
  });

  it("registers, lists, renames and removes a device; the same endpoint again updates it; keys never come back", async () => {
    const browser = push.subscribe({ applicationServerKey: vapidKey });
    const created = await register("alice", browser);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^dev_/),
      name: "Firefox on Android",
      endpoint_origin: push.baseUrl,
      expiration_time: null,
      last_success_at: null,
      last_failure: null,
    });
    const text = JSON.stringify(created.body);
    for (const secret of [browser.subscription.keys.p256dh, browser.subscription.keys.auth, browser.id]) {
      expect(text).not.toContain(secret);
    }
    const stored = await app.services.store.pushSubscriptions.find(
      TENANT,
      (await aliceId()) ?? "",
      created.body.id,
    );
    expect(stored?.auth).toMatch(/^v2:[0-9a-f]{8}:/); // the auth secret is sealed at rest

    const again = await register("alice", browser, { name: "Phone", expirationTime: 1_900_000_000_000 });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      id: created.body.id,
      name: "Phone",
      expiration_time: "2030-03-17T17:46:40.000Z",
    });
    const unnamed = await register("alice", browser);
    expect(unnamed.status).toBe(200);
    expect(unnamed.body.name).toBe("Phone");

    const listed = await (await app.request("/v1/push/subscriptions", { user: "alice" })).json();
    expect(listed.data.map((device: { id: string }) => device.id)).toContain(created.body.id);
    expect(listed.data.filter((device: { id: string }) => device.id === created.body.id)).toHaveLength(1);

    const renamed = await app.request(`/v1/push/subscriptions/${created.body.id}`, {
      method: "PATCH",
      user: "alice",
      json: { name: "  Kitchen tablet " },
    });
    expect(renamed.status).toBe(200);
    expect((await renamed.json()).name).toBe("Kitchen tablet");
    const empty = await app.request(`/v1/push/subscriptions/${created.body.id}`, {
      method: "PATCH",
      user: "alice",
      json: { name: "   " },
    });
    expect(empty.status).toBe(422);
    expect(await fields(empty)).toEqual(["name"]);
    expect(
      (await (await app.request(`/v1/push/subscriptions/${created.body.id}`, { user: "alice" })).json()).name,
    ).toBe("Kitchen tablet");

    const removed = await app.request(`/v1/push/subscriptions/${created.body.id}`, {
      method: "DELETE",
      user: "alice",
    });
    expect(removed.status).toBe(204);
    expect((await app.request(`/v1/push/subscriptions/${created.body.id}`, { user: "alice" })).status).toBe(
      404,
    );
    expect(
      (await app.request(`/v1/push/subscriptions/${created.body.id}`, { method: "DELETE", user: "alice" }))
        .status,
    ).toBe(404);

    const plain = await register("alice", push.subscribe({ applicationServerKey: vapidKey }), {
      name: "Desk",
    });
    expect(plain.body.name).toBe("Desk");
    const anonymous = await app.request("/v1/push/subscriptions", {
      method: "POST",
      user: "alice",
      json: push.subscribe({ applicationServerKey: vapidKey }).subscription,
      headers: { "user-agent": "curl/8.5.0" },
    });
    expect((await anonymous.json()).name).toBe("This device");
  });

  async function aliceId(): Promise<string | undefined> {
    return (await app.services.store.users.findByExternalId(TENANT, "alice"))?.id;
  }

  it("answers bad subscriptions with 422 naming each field, and stores nothing", async () => {
    const good = push.subscribe({ applicationServerKey: vapidKey }).subscription;
    const before = await app.services.store.db.selectFrom("push_subscriptions").select("id").execute();
    const offCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString("base64url");
    const cases: [unknown, string[]][] = [
      [{ ...good, keys: { ...good.keys, p256dh: randomBytes(32).toString("base64url") } }, ["keys.p256dh"]],
      [{ ...good, keys: { ...good.keys, p256dh: offCurve } }, ["keys.p256dh"]],
      [{ ...good, keys: { ...good.keys, p256dh: "not base64url!" } }, ["keys.p256dh"]],
      [{ ...good, keys: { ...good.keys, auth: randomBytes(8).toString("base64url") } }, ["keys.auth"]],
      [{ ...good, endpoint: "http://push.example.com/send/1" }, ["endpoint"]],
      [{ ...good, endpoint: "ftp://127.0.0.1/send/1" }, ["endpoint"]],
      [{ ...good, endpoint: "a push service" }, ["endpoint"]],
      [{ ...good, endpoint: "https://user:secret@push.example.com/send/1" }, ["endpoint"]],
      [{ ...good, expirationTime: "soon" }, ["expirationTime"]],
      [{ ...good, expirationTime: 1.5 }, ["expirationTime"]],
      [{ endpoint: good.endpoint }, ["keys"]],
      [{ ...good, name: "" }, ["name"]],
      [{ ...good, name: "x".repeat(101) }, ["name"]],
      [{ ...good, extra: true }, ["extra"]],
      [
        { endpoint: "http://10.0.0.1/x", keys: { p256dh: "AAAA", auth: "AAAA" } },
        ["endpoint", "keys.p256dh", "keys.auth"],
      ],
    ];
    for (const [json, expected] of cases) {
      const response = await app.request("/v1/push/subscriptions", { method: "POST", user: "alice", json });
      expect(response.status, JSON.stringify(json)).toBe(422);
      expect((await fields(response)).sort(), JSON.stringify(json)).toEqual([...expected].sort());
    }
    const after = await app.services.store.db.selectFrom("push_subscriptions").select("id").execute();
    expect(after).toHaveLength(before.length);
    const headerless = await app.request("/v1/push/subscriptions", { method: "POST", json: good });
    expect(headerless.status).toBe(400);
  });

  it("keeps devices to their user and tenant: another user's or tenant's device is 404", async () => {
    const { browser, device } = await newDevice("alice");
    const otherTenantKey = (
      await (
        await app.request("/v1/tenants", { method: "POST", json: { name: `Other ${backend.name}` } })
      ).json()
    ).admin_key;
    for (const caller of [{ user: "bob" }, { user: "alice", key: otherTenantKey }]) {
      const label = JSON.stringify(caller.user) + (caller.key ? " of another tenant" : "");
      for (const [method, path, json] of [
        ["GET", `/v1/push/subscriptions/${device.id}`, undefined],
        ["PATCH", `/v1/push/subscriptions/${device.id}`, { name: "Mine now" }],
        ["DELETE", `/v1/push/subscriptions/${device.id}`, undefined],
        ["POST", `/v1/push/subscriptions/${device.id}/test`, undefined],
      ] as const) {
        const response = await app.request(path, { method, json, ...caller });
        expect(response.status, `${method} ${path} as ${label}`).toBe(404);
      }
      const listed = await (await app.request("/v1/push/subscriptions", caller)).json();
      expect(listed.data.map((item: { id: string }) => item.id)).not.toContain(device.id);
    }
    expect(deliveriesTo(browser)).toHaveLength(0);
    const still = await (await app.request(`/v1/push/subscriptions/${device.id}`, { user: "alice" })).json();
    expect(still.name).toBe("Firefox on Android");

    // The endpoint with other keys is not that browser: refused. With its own keys it is the browser,
    // now signed in as bob: the device moves to him.
    const forged = await app.request("/v1/push/subscriptions", {
      method: "POST",
      user: "bob",
      json: {
        ...browser.subscription,
        keys: { ...browser.subscription.keys, auth: randomBytes(16).toString("base64url") },
      },
    });
    expect(forged.status).toBe(409);
    expect((await app.request(`/v1/push/subscriptions/${device.id}`, { user: "alice" })).status).toBe(200);
    const moved = await register("bob", browser);
    expect(moved.status).toBe(201);
    expect(moved.body.id).not.toBe(device.id);
    expect((await app.request(`/v1/push/subscriptions/${device.id}`, { user: "alice" })).status).toBe(404);
    expect((await app.request(`/v1/push/subscriptions/${moved.body.id}`, { user: "bob" })).status).toBe(200);
  });

  it("sends a test notification that the browser decrypts, signed with VAPID for the push service's origin", async () => {
    const { browser, device } = await newDevice("erin");
    const response = await app.request(`/v1/push/subscriptions/${device.id}/test`, {
      method: "POST",
      user: "erin",
    });
    const body = await response.json();
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ outcome: "delivered", push_service_status: 201, device: { id: device.id } });
    expect(body.device.last_success_at).toBe(app.clock.now().toISOString());
    const [delivery] = deliveriesTo(browser);
    expect(delivery?.json).toEqual({
      title: "Test notification",
      body: "Notifications from your personas will appear on Firefox on Android.",
      url: "/",
      tag: `test:${device.id}`,
      test: true,
    });
    expect(delivery?.claims).toMatchObject({ aud: push.baseUrl, sub: SUBJECT });
    expect(delivery?.ttl).toBe(300);
    expect(delivery?.urgency).toBe("high");
    const usage = await (await app.request("/v1/usage?group_by=kind")).json();
    expect(
      usage.totals.find((total: { key: string }) => total.key === "push_notification")?.requests,
    ).toBeGreaterThan(0);
  });

  it("retries 429 and 500, reports a failure that persists as 502, and removes a device the push service says is gone (410, 404)", async () => {
    const { browser, device } = await newDevice("frank");
    const test = () =>
      app.request(`/v1/push/subscriptions/${device.id}/test`, { method: "POST", user: "frank" });
    const tries = () => push.requests.filter((request) => request.subscriptionId === browser.id).length;

    browser.script.push(500, { status: 429, retryAfter: "0" });
    const retried = await test();
    expect(retried.status).toBe(200);
    expect((await retried.json()).outcome).toBe("delivered");
    expect(tries()).toBe(3);
    expect(deliveriesTo(browser)).toHaveLength(1);

    browser.script.push(500, 502, 503);
    const failed = await test();
    expect(failed.status).toBe(502);
    expect((await failed.json()).detail).toMatch(
      /web push notification to 127\.0\.0\.1:\d+ failed: HTTP 503/,
    );
    const recorded = await (
      await app.request(`/v1/push/subscriptions/${device.id}`, { user: "frank" })
    ).json();
    expect(recorded.last_failure).toMatchObject({ status: 503, at: app.clock.now().toISOString() });
    expect(recorded.last_success_at).not.toBeNull();

    browser.script.push(410);
    const gone = await test();
    expect(gone.status).toBe(200);
    expect(await gone.json()).toMatchObject({
      outcome: "removed",
      push_service_status: 410,
      device: { id: device.id },
    });
    expect((await app.request(`/v1/push/subscriptions/${device.id}`, { user: "frank" })).status).toBe(404);

    const second = await newDevice("frank");
    second.browser.script.push(404);
    const unknown = await app.request(`/v1/push/subscriptions/${second.device.id}/test`, {
      method: "POST",
      user: "frank",
    });
    expect((await unknown.json()).outcome).toBe("removed");
    expect((await (await app.request("/v1/push/subscriptions", { user: "frank" })).json()).data).toEqual([]);
  });

  it("refuses endpoints on loopback, private and metadata addresses in every notation (422), storing nothing", async () => {
    const keys = push.subscribe({ applicationServerKey: vapidKey }).subscription.keys;
    const mockPort = new URL(push.baseUrl).port;
    const before = await app.services.store.db.selectFrom("push_subscriptions").select("id").execute();
    const otherPort = Number(mockPort) === 65_535 ? 65_534 : Number(mockPort) + 1;
    const endpoints = [
      `http://127.0.0.1:${otherPort}/send/1`, // loopback, but not the allow-listed port
      `https://127.0.0.1:${otherPort}/send/1`,
      "https://2130706433/send/1",
      "https://0x7f000001/send/1",
      "https://0177.0.0.1/send/1",
      "https://127.1/send/1",
      `https://localhost:${otherPort}/send/1`,
      "https://[::1]/send/1",
      "https://[::ffff:127.0.0.1]/send/1",
      "https://169.254.169.254/latest/meta-data/",
      "https://10.0.0.1/send/1",
      "https://172.16.0.1/send/1",
      "https://192.168.1.1/send/1",
      "https://100.64.0.1/send/1",
      "https://[fe80::1]/send/1",
      "https://[fd00::1]/send/1",
      "https://0.0.0.0/send/1",
    ];
    for (const endpoint of endpoints) {
      const response = await app.request("/v1/push/subscriptions", {
        method: "POST",
        user: "mallory",
        json: { endpoint, keys },
      });
      expect(response.status, endpoint).toBe(422);
      const body = await response.json();
      expect(body.errors, endpoint).toEqual([
        { field: "endpoint", message: expect.stringMatching(/refused by the outbound policy|https URL/) },
      ]);
    }
    const after = await app.services.store.db.selectFrom("push_subscriptions").select("id").execute();
    expect(after).toHaveLength(before.length);
  });

  it("never relays what a push service's host answered: a test reports only the status", async () => {
    const { browser, device } = await newDevice("grace");
    const leak = "root:x:0:0:internal-service-banner";
    browser.script.push(
      { status: 400, body: JSON.stringify({ message: leak, code: "E42" }) },
      { status: 403, body: leak },
    );
    for (const status of [400, 403]) {
      const failed = await app.request(`/v1/push/subscriptions/${device.id}/test`, {
        method: "POST",
        user: "grace",
      });
      const text = await failed.text();
      expect(failed.status).toBe(502);
      expect(text).toMatch(new RegExp(`HTTP ${status}`));
      expect(text).not.toContain("internal-service-banner");
      expect(text).not.toContain("E42");
      const recorded = await (
        await app.request(`/v1/push/subscriptions/${device.id}`, { user: "grace" })
      ).json();
      expect(JSON.stringify(recorded)).not.toContain("internal-service-banner");
    }

    // A stored endpoint the policy forbids (stored before the policy, say) is refused at send time.
    await app.services.store.pushSubscriptions.update(device.id, { endpoint: "http://127.0.0.1:1/gone" });
    const refused = await app.request(`/v1/push/subscriptions/${device.id}/test`, {
      method: "POST",
      user: "grace",
    });
    const detail = (await refused.json()).detail as string;
    expect(refused.status).toBe(502);
    expect(detail).toContain("refused by the outbound policy");
    expect(detail).not.toMatch(/ECONNREFUSED|ETIMEDOUT|no answer within/);
    expect(push.requests.filter((request) => request.subscriptionId === browser.id)).toHaveLength(2);
  });

  describe("notifications of proactive messages", () => {
    let conversationId: string;
    let personaId: string;
    let carolId: string;

    beforeAll(async () => {
      const persona = await (
        await app.request("/v1/personas", {
          method: "POST",
          json: {
            name: "Mira",
            initiative: 10,
            active_hours: { start: "00:00", end: "23:59", time_zone: "UTC" },
          },
        })
      ).json();
      personaId = persona.id;
      const conversation = await (
        await app.request("/v1/conversations", {
          method: "POST",
          user: "carol",
          json: { persona_id: persona.id },
        })
      ).json();
      conversationId = conversation.id;
      const sent = await app.request(`/v1/conversations/${conversation.id}/messages`, {
        method: "POST",
        user: "carol",
        json: { content: "My interview is on Thursday." },
      });
      expect(sent.status).toBeLessThan(300);
      carolId = (await app.services.store.users.findByExternalId(TENANT, "carol"))!.id;
      await app.services.proactive.plan();
    });

    /** Makes a pending slot of carol's due now and runs its job to the end (deliveries included). */
    async function sendSlot(kind: "good_morning" | "good_night" | "check_in") {
      const [slot] = await app.services.store.scheduledMessages.list({
        kind,
        userId: carolId,
        statuses: ["pending"],
        limit: 1,
      });
      expect(slot, kind).toBeDefined();
      await app.services.store.db
        .updateTable("scheduled_messages")
        .set({ due_at: app.clock.now().toISOString() })
        .where("id", "=", slot!.id)
        .execute();
      const outcome = await app.services.proactive.send(
        {
          id: "job_push_test",
          tenantId: TENANT,
          kind: "scheduled-message",
          payload: { scheduled_message_id: slot!.id },
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
        },
        { signal: new AbortController().signal },
      );
      expect((outcome as { status?: string }).status, JSON.stringify(outcome)).toBe("sent");
      return (await app.services.store.scheduledMessages.findById(slot!.id))!;
    }

    it("pushes each message to every device of the user while no inbox stream is open, and to nobody else", async () => {
      const phone = await newDevice("carol");
      const laptop = await newDevice("carol");
      const stranger = await newDevice("dave");
      const slot = await sendSlot("good_night");
      const expected = {
        title: "Mira",
        body: shortenNotificationText(slot.content ?? ""),
        url: `/chat/${conversationId}`,
        tag: slot.id,
        persona_id: personaId,
        conversation_id: conversationId,
        message_id: slot.message_id,
        kind: "good_night",
      };
      for (const browser of [phone.browser, laptop.browser]) {
        const deliveries = deliveriesTo(browser);
        expect(deliveries).toHaveLength(1);
        expect(deliveries[0]!.json).toEqual(expected);
        expect(deliveries[0]!.json.body.length).toBeGreaterThan(0);
        expect(deliveries[0]!.ttl).toBe(86_400);
      }
      expect(deliveriesTo(stranger.browser)).toHaveLength(0);
      const events = await app.services.store.db
        .selectFrom("usage_events")
        .selectAll()
        .where("kind", "=", "push_notification")
        .where("message_id", "=", slot.message_id)
        .execute();
      expect(events).toHaveLength(2);
      expect(events[0]).toMatchObject({
        persona_id: personaId,
        conversation_id: conversationId,
        model: "web-push",
      });
    });

    it("pushes to nobody while an inbox stream is open, and again once it closes", async () => {
      const devices = (await app.services.store.pushSubscriptions.listForUser(TENANT, carolId)).length;
      expect(devices).toBeGreaterThan(0);
      const before = push.deliveries.length;
      const stream = (await app.request("/v1/inbox/events", { user: "carol" })) as unknown as Response;
      expect(stream.status).toBe(200);
      const reader = stream.body!.getReader();
      await reader.read(); // the first event: by now the connection is registered
      expect(await app.services.push.presence.isConnected(carolId)).toBe(true);
      const quiet = await sendSlot("good_morning");
      expect(quiet.status).toBe("sent");
      expect(push.deliveries.length).toBe(before);

      await reader.cancel();
      for (
        let attempt = 0;
        attempt < 200 && (await app.services.push.presence.isConnected(carolId));
        attempt++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(await app.services.push.presence.isConnected(carolId)).toBe(false);
      app.clock.advance(3 * 60 * 60_000); // a check-in needs carol to have been quiet for two hours
      await sendSlot("check_in");
      expect(push.deliveries.length).toBe(before + devices);
    });

    it("stops counting a connection its process no longer renews, on the server's clock however fast it runs", async () => {
      const carol = (await app.services.store.users.findById(TENANT, carolId))!;
      const connection = await app.services.push.presence.connect(carol);
      try {
        expect(await app.services.push.presence.isConnected(carolId)).toBe(true);
        app.clock.advance(44_000);
        expect(await app.services.push.presence.isConnected(carolId)).toBe(true);
        app.clock.advance(2_000); // 46 s without a renewal (they come every 15 real seconds)
        expect(await app.services.push.presence.isConnected(carolId)).toBe(false);
      } finally {
        await connection.close();
      }
      // On a clock running 600 times faster, a minute of clock time is a tenth of a real second: no
      // renewal was due, so the stream still counts; 45 real seconds are 7.5 hours of that clock.
      const fast = { rate: 600, now: () => app.clock.now() };
      const presence = new InboxPresence(app.services.store, fast);
      const fastConnection = await presence.connect(carol);
      try {
        app.clock.advance(60_000);
        expect(await presence.isConnected(carolId)).toBe(true);
        app.clock.advance(45 * 600 * 1000);
        expect(await presence.isConnected(carolId)).toBe(false);
      } finally {
        await fastConnection.close();
      }
    });

    it("leaves SMS conversations to their channel, and survives one device failing", async () => {
      const [slot] = await app.services.store.scheduledMessages.list({
        userId: carolId,
        statuses: ["sent"],
        limit: 1,
      });
      await app.services.store.db
        .updateTable("conversations")
        .set({ channel: "sms" })
        .where("id", "=", conversationId)
        .execute();
      try {
        expect(await app.services.push.deliver(slot!)).toEqual({ status: "skipped", reason: "own_channel" });
      } finally {
        await app.services.store.db
          .updateTable("conversations")
          .set({ channel: "api" })
          .where("id", "=", conversationId)
          .execute();
      }
      const broken = await newDevice("carol");
      broken.browser.script.push(500, 500, 500);
      const gone = await newDevice("carol");
      gone.browser.script.push(410);
      const delivery = await app.services.push.deliver(slot!);
      expect(delivery.status).toBe("sent");
      const outcomes = delivery.status === "sent" ? delivery.devices : [];
      expect(outcomes.find((device) => device.id === broken.device.id)?.outcome).toBe("failed");
      expect(outcomes.find((device) => device.id === gone.device.id)?.outcome).toBe("removed");
      expect(outcomes.filter((device) => device.outcome === "delivered").length).toBeGreaterThan(0);
      const remaining = (await app.services.store.pushSubscriptions.listForUser(TENANT, carolId)).map(
        (row) => row.id,
      );
      expect(remaining).toContain(broken.device.id);
      expect(remaining).not.toContain(gone.device.id);
    });
  });
});
