import { createHmac } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig, type ConfigError } from "../../src/config/config.ts";
import { BACKENDS } from "../backends.ts";
import {
  MOCK_WHATSAPP_ACCESS_TOKEN,
  MOCK_WHATSAPP_APP_SECRET,
  MOCK_WHATSAPP_VERIFY_TOKEN,
  startMockWhatsApp,
  type MockWhatsApp,
} from "../mock-whatsapp.ts";
import { startRunningServer } from "../running-server.ts";
import { createTestApp, TestClock, type TestApp } from "../test-app.ts";

/**
 * WhatsApp end to end: the real app with a loopback Graph API. Webhooks are signed here by hand
 * (HMAC-SHA256 with node:crypto over the exact body), independently of the server's code.
 */

const WEBHOOK_PATH = "/v1/channels/whatsapp";
const TENANT = "ten_default";
const PHONE_NUMBER_ID = "106540352242922";
/** Answers at once and around the clock: no pacing (pacing has its own test). */
const IMMEDIATE = { responds_immediately: true, responds_outside_active_hours: true };
const MINUTE = 60_000;

function signByHand(body: string, secret = MOCK_WHATSAPP_APP_SECRET): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

let messageCounter = 0;
function newMessageId(): string {
  messageCounter += 1;
  return `wamid.IN${String(messageCounter).padStart(12, "0")}`;
}

/** Meta's webhook body for messages from one sender to one business number. */
function webhookBody(
  from: string,
  messages: Array<{ id: string; text?: string; type?: string }>,
  phoneNumberId = PHONE_NUMBER_ID,
): string {
  return JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "102290129340398",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550100", phone_number_id: phoneNumberId },
              contacts: [{ profile: { name: "Sender" }, wa_id: from }],
              messages: messages.map((message) => ({
                from,
                id: message.id,
                timestamp: "1700000000",
                type: message.type ?? "text",
                ...(message.type && message.type !== "text"
                  ? { [message.type]: { id: "media" } }
                  : { text: { body: message.text ?? "" } }),
              })),
            },
          },
        ],
      },
    ],
  });
}

describe.each(BACKENDS)("WhatsApp through Meta's Cloud API on $name", (backend) => {
  let app: TestApp;
  let meta: MockWhatsApp;
  let personaId: string;

  function post(body: string, signature: string | null = signByHand(body)) {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (signature !== null) headers["x-hub-signature-256"] = signature;
    return app.request(WEBHOOK_PATH, { method: "POST", key: null, headers, body });
  }

  /** One text from a sender, signed. */
  function write(from: string, text: string, options: { id?: string; to?: string } = {}) {
    return post(webhookBody(from, [{ id: options.id ?? newMessageId(), text }], options.to));
  }

  /** Waits until no WhatsApp job that may run now is queued or running, so "nothing more was sent" holds. */
  const settle = () => app.settleJobs("whatsapp-inbound");

  /** Runs an action that makes the server send one more WhatsApp message, and waits until it did. */
  async function andOneSent(action: () => Promise<unknown>): Promise<void> {
    const count = meta.messages.length;
    await action();
    await meta.waitForMessages(count + 1);
    await settle();
  }

  function sentTo(waId: string) {
    return meta.messages.filter((message) => message.to === waId);
  }

  /** A user whose WhatsApp went through the link-code round trip. */
  async function linkedUser(user: string, waId: string): Promise<string> {
    const created = await app.request("/v1/whatsapp/link-codes", { method: "POST", user });
    expect(created.status).toBe(201);
    const { code } = await created.json();
    await andOneSent(() => write(waId, code));
    expect(sentTo(waId).at(-1)?.body).toMatch(/^You're linked!/);
    const found = await app.services.store.users.findByExternalId(TENANT, user);
    if (!found) throw new Error(`user ${user} missing`);
    return found.id;
  }

  async function userMessages(content: string) {
    return app.services.store.db
      .selectFrom("messages")
      .selectAll()
      .where("role", "=", "user")
      .where("content", "=", content)
      .execute();
  }

  beforeAll(async () => {
    meta = await startMockWhatsApp();
    // 15:00 UTC: inside the default active hours (08:00-22:00 UTC).
    app = await createTestApp({
      backend,
      whatsapp: meta.settings,
      clock: new TestClock(new Date("2026-03-02T15:00:00.000Z")),
    });
    const persona = await (
      await app.request("/v1/personas", { method: "POST", json: { name: "Ada", modifiers: IMMEDIATE } })
    ).json();
    personaId = persona.id;
    const bound = await app.request(`/v1/personas/${personaId}/whatsapp-numbers`, {
      method: "POST",
      json: { phone_number_id: PHONE_NUMBER_ID, display_phone_number: "+1 555 0100" },
    });
    expect(bound.status).toBe(201);
  });
  afterAll(async () => {
    await app.close();
    await meta.close();
  });
  beforeEach(() => {
    meta.script = [];
  });

  it("answers Meta's verification handshake only with the verify token", async () => {
    const handshake = (query: string) => app.request(`${WEBHOOK_PATH}?${query}`, { key: null });
    const good = await handshake(
      `hub.mode=subscribe&hub.verify_token=${MOCK_WHATSAPP_VERIFY_TOKEN}&hub.challenge=1158201444`,
    );
    expect(good.status).toBe(200);
    expect(await good.text()).toBe("1158201444");
    expect((await handshake("hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1")).status).toBe(403);
    const missing = await handshake("hub.mode=subscribe&hub.challenge=1");
    expect(missing.status).toBe(400);
    expect((await missing.json()).detail).toContain("hub.verify_token");
  });

  it("refuses an unsigned webhook with 400 and a tampered one with 403, storing nothing", async () => {
    const body = webhookBody("14155550101", [{ id: newMessageId(), text: "Hi" }]);
    const unsigned = await post(body, null);
    expect(unsigned.status).toBe(400);
    expect((await unsigned.json()).detail).toContain("X-Hub-Signature-256");
    const tampered = await post(body.replace('"Hi"', '"Hi!"'), signByHand(body));
    expect(tampered.status).toBe(403);
    expect((await post(body, signByHand(body, "another-secret"))).status).toBe(403);
    const receipts = await app.services.store.db.selectFrom("whatsapp_receipts").selectAll().execute();
    expect(receipts).toEqual([]);
    // Signed but not what Meta sends: 400 naming the problem.
    const notJson = await post("{not json");
    expect(notJson.status).toBe(400);
    const wrongShape = await post(JSON.stringify({ entry: [] }));
    expect(wrongShape.status).toBe(400);
    expect((await wrongShape.json()).detail).toContain("object");
    // Status updates carry no messages: acknowledged, nothing stored.
    const statuses = JSON.stringify({
      object: "whatsapp_business_account",
      entry: [
        {
          changes: [
            {
              field: "messages",
              value: {
                metadata: { phone_number_id: PHONE_NUMBER_ID },
                statuses: [{ id: "wamid.x", status: "read" }],
              },
            },
          ],
        },
      ],
    });
    expect((await post(statuses)).status).toBe(200);
  });

  it("binds numbers to the tenant's own personas, one persona per number", async () => {
    const other = await (await app.request("/v1/personas", { method: "POST", json: { name: "Bo" } })).json();
    const again = await app.request(`/v1/personas/${personaId}/whatsapp-numbers`, {
      method: "POST",
      json: { phone_number_id: PHONE_NUMBER_ID, display_phone_number: "+1 555 0100" },
    });
    expect(again.status).toBe(200);
    const taken = await app.request(`/v1/personas/${other.id}/whatsapp-numbers`, {
      method: "POST",
      json: { phone_number_id: PHONE_NUMBER_ID, display_phone_number: "+1 555 0100" },
    });
    expect(taken.status).toBe(409);
    const bad = await app.request(`/v1/personas/${other.id}/whatsapp-numbers`, {
      method: "POST",
      json: { phone_number_id: "+1 555 0100", display_phone_number: "" },
    });
    expect(bad.status).toBe(422);
    const fields = (await bad.json()).errors.map((error: { field: string }) => error.field);
    expect(fields).toEqual(expect.arrayContaining(["phone_number_id", "display_phone_number"]));
    const list = await (await app.request(`/v1/personas/${personaId}/whatsapp-numbers`)).json();
    expect(list.data).toEqual([
      expect.objectContaining({ phone_number_id: PHONE_NUMBER_ID, persona_id: personaId }),
    ]);
    // Another tenant sees none of it.
    const otherKey = (
      await (
        await app.request("/v1/tenants", { method: "POST", json: { name: `Other ${backend.name}` } })
      ).json()
    ).admin_key;
    expect((await app.request(`/v1/personas/${personaId}/whatsapp-numbers`, { key: otherKey })).status).toBe(
      404,
    );
    expect(
      (
        await app.request(`/v1/personas/${personaId}/whatsapp-numbers/${PHONE_NUMBER_ID}`, {
          method: "DELETE",
          key: otherKey,
        })
      ).status,
    ).toBe(404);
  });

  it("tells an unlinked sender how to link, once an hour, and lets nothing reach a conversation", async () => {
    const waId = "14155550102";
    await andOneSent(() => write(waId, "Hello Ada?"));
    expect(sentTo(waId)).toHaveLength(1);
    expect(sentTo(waId)[0]?.body).toContain("Settings → WhatsApp");
    expect(sentTo(waId)[0]?.phoneNumberId).toBe(PHONE_NUMBER_ID);
    await write(waId, "Anyone there?");
    // The webhook queued its job before answering: once no job is left, the second message is handled.
    await settle();
    expect(sentTo(waId)).toHaveLength(1);
    expect(await userMessages("Hello Ada?")).toEqual([]);
    // A wrong code is answered; five a sender's hour, then codes are no longer checked.
    await andOneSent(() => write(waId, "ABCD-1234"));
    expect(sentTo(waId).at(-1)?.body).toMatch(/not valid/);
  });

  it("links a WhatsApp with a code from the app, then puts its texts in a WhatsApp conversation and replies once", async () => {
    const waId = "14155550103";
    const userId = await linkedUser("dana", waId);
    const contacts = await (await app.request("/v1/whatsapp/contacts", { user: "dana" })).json();
    expect(contacts.data).toEqual([
      expect.objectContaining({ wa_id: waId, profile_name: "Sender", linked_at: expect.any(String) }),
    ]);
    const before = sentTo(waId).length;
    await andOneSent(() => write(waId, "How are you, Ada?"));
    const replies = sentTo(waId).slice(before);
    expect(replies).toHaveLength(1);
    const conversations = (await (await app.request("/v1/conversations", { user: "dana" })).json()).data;
    expect(conversations).toEqual([expect.objectContaining({ persona_id: personaId, channel: "whatsapp" })]);
    const messages = (
      await (await app.request(`/v1/conversations/${conversations[0].id}/messages`, { user: "dana" })).json()
    ).data;
    const userMessage = messages.find((message: { role: string }) => message.role === "user");
    expect(userMessage.content).toBe("How are you, Ada?");
    const reply = messages.find(
      (message: { reply_to: string | null }) => message.reply_to === userMessage.id,
    );
    expect(reply.content.trim()).toBe(replies[0]?.body);

    // A sticker is answered politely, and stored nowhere.
    await andOneSent(() => post(webhookBody(waId, [{ id: newMessageId(), type: "sticker" }])));
    expect(sentTo(waId).at(-1)?.body).toContain("only read text");

    const usage = await (await app.request("/v1/usage?group_by=kind")).json();
    const byKind = Object.fromEntries(usage.totals.map((total: { key: string }) => [total.key, total]));
    expect(byKind.whatsapp_inbound.requests).toBeGreaterThanOrEqual(3);
    expect(byKind.whatsapp_outbound.requests).toBeGreaterThanOrEqual(3);

    // Another user cannot unlink it; dana can, and then her texts no longer reach her.
    expect(
      (await app.request(`/v1/whatsapp/contacts/${waId}`, { method: "DELETE", user: "eve" })).status,
    ).toBe(404);
    expect(
      (await app.request(`/v1/whatsapp/contacts/${waId}`, { method: "DELETE", user: "dana" })).status,
    ).toBe(204);
    const contact = await app.services.store.whatsapp.findContact(TENANT, waId);
    expect(contact?.user_id).toBeNull();
    expect(userId).toMatch(/^usr_/);
  });

  it("absorbs a storm of 20 identical webhooks: one stored message, one reply", async () => {
    const waId = "14155550104";
    await linkedUser("fay", waId);
    const before = sentTo(waId).length;
    const body = webhookBody(waId, [{ id: newMessageId(), text: "Storm check" }]);
    await andOneSent(async () => {
      const responses = await Promise.all(Array.from({ length: 20 }, () => post(body)));
      expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
    });
    await settle(); // all 20 deliveries handled, not only the first
    expect(await userMessages("Storm check")).toHaveLength(1);
    expect(sentTo(waId).slice(before)).toHaveLength(1);
  });

  it("paces the persona's answer: an initiative delay, and held outside active hours", async () => {
    const paced = await (
      await app.request("/v1/personas", {
        method: "POST",
        json: {
          name: "Bea",
          initiative: 10,
          active_hours: { start: "08:00", end: "22:00", time_zone: "America/New_York" },
        },
      })
    ).json();
    const numberId = "106540352249999";
    await app.request(`/v1/personas/${paced.id}/whatsapp-numbers`, {
      method: "POST",
      json: { phone_number_id: numberId, display_phone_number: "+1 555 0199" },
    });
    const waId = "14155550105";
    const created = await (
      await app.request("/v1/whatsapp/link-codes", { method: "POST", user: "gus" })
    ).json();
    await andOneSent(() => write(waId, created.code, { to: numberId }));

    // 10:00 in New York: Bea answers after initiative 10's delay of 3 to 9 seconds.
    const id = newMessageId();
    await write(waId, "Coffee?", { id, to: numberId });
    const jobOf = async (messageId: string) =>
      (
        await app.services.store.db
          .selectFrom("jobs")
          .selectAll()
          .where("idempotency_key", "=", `whatsapp-inbound:${messageId}`)
          .executeTakeFirstOrThrow()
      ).run_after;
    const wait = Date.parse(await jobOf(id)) - app.clock.now().getTime();
    expect(wait).toBeGreaterThanOrEqual(3_000);
    expect(wait).toBeLessThanOrEqual(9_000);
    // Every job that is due has run; this one is not due yet, so nothing may be stored.
    await settle();
    expect(await userMessages("Coffee?")).toEqual([]);
    const before = sentTo(waId).length;
    await andOneSent(async () => app.clock.advance(10_000));
    expect(sentTo(waId).slice(before)).toHaveLength(1);

    // 23:00 in New York: held until 08:00 (13:00 UTC in March before DST: 2026-03-03T13:00Z), plus the delay.
    app.clock.advance(Date.parse("2026-03-03T04:00:00.000Z") - app.clock.now().getTime());
    const late = newMessageId();
    await write(waId, "Still up?", { id: late, to: numberId });
    const runAfter = Date.parse(await jobOf(late));
    expect(runAfter).toBeGreaterThanOrEqual(Date.parse("2026-03-03T13:00:03Z"));
    expect(runAfter).toBeLessThanOrEqual(Date.parse("2026-03-03T13:00:09Z"));
    await andOneSent(async () =>
      app.clock.advance(Date.parse("2026-03-03T13:00:10Z") - app.clock.now().getTime()),
    );
    expect(await userMessages("Still up?")).toHaveLength(1);
  });

  it("delivers a proactive message over WhatsApp only in a WhatsApp conversation and within 24 hours", async () => {
    const waId = "14155550106";
    const userId = await linkedUser("hana", waId);
    await andOneSent(() => write(waId, "Talk tomorrow!"));
    const conversations = (await (await app.request("/v1/conversations", { user: "hana" })).json()).data;
    const whatsappConversation = conversations.find((c: { channel: string }) => c.channel === "whatsapp");
    const web = await (
      await app.request("/v1/conversations", {
        method: "POST",
        user: "hana",
        json: { persona_id: personaId, channel: "web" },
      })
    ).json();
    const request = { tenantId: TENANT, userId, personaId, text: "Good morning, Hana!" };
    const delivered = await app.services.whatsapp.deliver({
      ...request,
      conversationId: whatsappConversation.id,
    });
    expect(delivered).toMatchObject({ status: "sent", from: PHONE_NUMBER_ID, to: waId });
    expect(sentTo(waId).at(-1)?.body).toBe("Good morning, Hana!");
    expect(await app.services.whatsapp.deliver({ ...request, conversationId: web.id })).toEqual({
      status: "skipped",
      reason: "not_whatsapp_conversation",
    });
    app.clock.advance(25 * 60 * MINUTE);
    expect(
      await app.services.whatsapp.deliver({ ...request, conversationId: whatsappConversation.id }),
    ).toEqual({
      status: "skipped",
      reason: "outside_customer_service_window",
    });
  });

  it("retries the Graph API's 5xx, and fails a job on a 4xx with Meta's code", async () => {
    const waId = "14155550107";
    await linkedUser("ivy", waId);
    meta.script = [500, 503];
    const before = sentTo(waId).length;
    await andOneSent(() => write(waId, "Are you there?"));
    expect(sentTo(waId).slice(before)).toHaveLength(1);
    meta.script = [{ status: 400, code: 131047, message: "Re-engagement message" }];
    const id = newMessageId();
    await write(waId, "And now?", { id });
    for (let attempt = 0; attempt < 300; attempt++) {
      const job = await app.services.store.db
        .selectFrom("jobs")
        .selectAll()
        .where("idempotency_key", "=", `whatsapp-inbound:${id}`)
        .executeTakeFirstOrThrow();
      if (job.status === "failed") {
        expect(job.error).toContain("131047");
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error("the job did not fail");
  });

  it("answers 404 for WhatsApp routes while it is not configured", async () => {
    const plain = await createTestApp({ backend });
    try {
      const webhook = await plain.request(WEBHOOK_PATH, {
        method: "POST",
        key: null,
        headers: { "content-type": "application/json", "x-hub-signature-256": "sha256=00" },
        body: "{}",
      });
      expect(webhook.status).toBe(404);
      expect((await webhook.json()).detail).toContain("WHATSAPP_APP_SECRET");
      expect((await plain.request(`${WEBHOOK_PATH}?hub.mode=subscribe`, { key: null })).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});

describe("WhatsApp on a running server", () => {
  it("answers a signed webhook posted to the running server with exactly one reply through the Graph API", async () => {
    const meta = await startMockWhatsApp();
    const running = await startRunningServer({
      WHATSAPP_VERIFY_TOKEN: MOCK_WHATSAPP_VERIFY_TOKEN,
      WHATSAPP_APP_SECRET: MOCK_WHATSAPP_APP_SECRET,
      WHATSAPP_ACCESS_TOKEN: MOCK_WHATSAPP_ACCESS_TOKEN,
      WHATSAPP_BASE_URL: meta.settings.baseUrl,
    });
    const { server, call } = running;
    try {
      const persona = await call("/v1/personas", {
        method: "POST",
        json: { name: "Ada", modifiers: IMMEDIATE },
      });
      await call(`/v1/personas/${String(persona.body.id)}/whatsapp-numbers`, {
        method: "POST",
        json: { phone_number_id: PHONE_NUMBER_ID, display_phone_number: "+1 555 0100" },
      });
      const code = String((await call("/v1/whatsapp/link-codes", { method: "POST", user: "zoe" })).body.code);
      const url = `${server.url}${WEBHOOK_PATH}`;
      const send = (body: string, signature?: string) =>
        fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(signature === undefined ? {} : { "x-hub-signature-256": signature }),
          },
          body,
        });
      const waId = "14155550151";
      expect(
        (
          await send(
            webhookBody(waId, [{ id: "wamid.RUN1", text: code }]),
            signByHand(webhookBody(waId, [{ id: "wamid.RUN1", text: code }])),
          )
        ).status,
      ).toBe(200);
      await meta.waitForMessages(1);

      const body = webhookBody(waId, [{ id: "wamid.RUN2", text: "Hi Ada!" }]);
      expect((await send(body)).status).toBe(400);
      expect((await send(body.replace("Hi Ada!", "Hi Eve!"), signByHand(body))).status).toBe(403);
      const accepted = await send(body, signByHand(body));
      expect(accepted.status).toBe(200);
      const messages = await meta.waitForMessages(2);
      await running.settleJobs("whatsapp-inbound"); // handled in full: a second reply would be sent by now
      expect(meta.messages).toHaveLength(2);
      expect(messages[1]).toMatchObject({ phoneNumberId: PHONE_NUMBER_ID, to: waId });
    } finally {
      await running.stop();
      await meta.close();
    }
  });

  it("reads Meta's app from the environment: all three secrets or none", () => {
    expect(loadConfig({}).whatsapp).toBeUndefined();
    expect(
      loadConfig({ WHATSAPP_VERIFY_TOKEN: "v", WHATSAPP_APP_SECRET: "s", WHATSAPP_ACCESS_TOKEN: "t" })
        .whatsapp,
    ).toEqual({
      verifyToken: "v",
      appSecret: "s",
      accessToken: "t",
      baseUrl: "https://graph.facebook.com",
      apiVersion: "v21.0",
    });
    const problems = (environment: Record<string, string>) => {
      try {
        loadConfig(environment);
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(problems({ WHATSAPP_APP_SECRET: "s" })).toEqual([expect.stringContaining("set all three")]);
    expect(problems({ WHATSAPP_API_VERSION: "21" })).toEqual([
      expect.stringMatching(/^WHATSAPP_API_VERSION: expected a Graph API version/),
    ]);
  });
});
