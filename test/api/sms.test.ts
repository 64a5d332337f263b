import { createHmac } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig, type ConfigError } from "../../src/config/config.ts";
import { BACKENDS } from "../backends.ts";
import { startMockTwilio, MOCK_TWILIO_AUTH_TOKEN, type MockTwilio } from "../mock-twilio.ts";
import { startRunningServer } from "../running-server.ts";
import { createTestApp, type TestApp } from "../test-app.ts";

/**
 * SMS end to end: the real app with a loopback Twilio. Webhooks are signed here by hand (HMAC-SHA1
 * with node:crypto over the URL and the sorted parameters), independently of the server's code.
 */

const WEBHOOK_PATH = "/v1/channels/twilio/sms";
const WEBHOOK_URL = `http://localhost${WEBHOOK_PATH}`;
const TENANT = "ten_default";
const PERSONA_NUMBER = "+14155550100";
/** Answers at once and around the clock: no pacing. */
const IMMEDIATE = { responds_immediately: true, responds_outside_active_hours: true };

function signByHand(url: string, parameters: Record<string, string>, token = MOCK_TWILIO_AUTH_TOKEN): string {
  const data = Object.keys(parameters)
    .sort()
    .reduce((text, name) => text + name + parameters[name], url);
  return createHmac("sha1", token).update(data).digest("base64");
}

let sidCounter = 0;
function newMessageSid(): string {
  sidCounter += 1;
  return `SM${String(sidCounter).padStart(8, "0")}${"f".repeat(24)}`;
}

describe.each(BACKENDS)("SMS through Twilio on $name", (backend) => {
  let app: TestApp;
  let twilio: MockTwilio;
  let personaId: string;

  /** Posts Twilio's webhook for one inbound text, signed unless told otherwise. */
  function text(
    from: string,
    body: string,
    options: { sid?: string; to?: string; signature?: string | null; url?: string } = {},
  ) {
    const parameters = {
      AccountSid: twilio.settings.accountSid,
      ApiVersion: "2010-04-01",
      Body: body,
      From: from,
      MessageSid: options.sid ?? newMessageSid(),
      NumMedia: "0",
      NumSegments: "1",
      To: options.to ?? PERSONA_NUMBER,
    };
    const signature =
      options.signature === undefined
        ? signByHand(options.url ?? WEBHOOK_URL, parameters)
        : options.signature;
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
    if (signature !== null) headers["x-twilio-signature"] = signature;
    return app.request(WEBHOOK_PATH, {
      method: "POST",
      key: null,
      headers,
      body: new URLSearchParams(parameters).toString(),
    });
  }

  /** Waits until no SMS job that may run now is queued or running, so "nothing more was sent" holds. */
  const settle = () => app.settleJobs("sms-inbound");

  function sentTo(number: string) {
    return twilio.messages.filter((message) => message.to === number);
  }

  /** A user whose number went through the whole verification round trip. */
  async function verifiedUser(user: string, number: string): Promise<string> {
    const started = await app.request("/v1/phone-numbers", {
      method: "POST",
      user,
      json: { phone_number: number },
    });
    if (started.status !== 202) throw new Error(`verification of ${number} failed: ${await started.text()}`);
    const message = sentTo(number).at(-1);
    const code = /code is (\d{6})/.exec(message?.body ?? "")?.[1];
    expect(code, message?.body).toBeDefined();
    const confirmed = await app.request("/v1/phone-numbers/verify", {
      method: "POST",
      user,
      json: { phone_number: number, code },
    });
    expect(confirmed.status).toBe(200);
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
    twilio = await startMockTwilio();
    app = await createTestApp({ backend, twilio: twilio.settings });
    const persona = await (
      await app.request("/v1/personas", {
        method: "POST",
        // These tests are about SMS itself; pacing (delays, active hours) has its own test below.
        json: { name: "Ada", features: { sms: true }, modifiers: IMMEDIATE },
      })
    ).json();
    personaId = persona.id;
    const bound = await app.request(`/v1/personas/${personaId}/phone-numbers`, {
      method: "POST",
      json: { phone_number: PERSONA_NUMBER },
    });
    expect(bound.status).toBe(201);
  });
  afterAll(async () => {
    await app.close();
    await twilio.close();
  });
  beforeEach(() => {
    twilio.script = [];
  });

  it("refuses an unsigned webhook with 400 and a tampered one with 403, storing nothing", async () => {
    const unsigned = await text("+14155550131", "hi", { signature: null });
    expect(unsigned.status).toBe(400);
    expect((await unsigned.json()).errors[0].field).toBe("X-Twilio-Signature");

    const parameters = { Body: "hi", From: "+14155550131", MessageSid: "SMtampered", To: PERSONA_NUMBER };
    const signedForOtherBody = signByHand(WEBHOOK_URL, { ...parameters, Body: "bye" });
    expect(
      (await text("+14155550131", "hi", { sid: "SMtampered", signature: signedForOtherBody })).status,
    ).toBe(403);
    const wrongToken = signByHand(WEBHOOK_URL, parameters, "not-the-token");
    expect((await text("+14155550131", "hi", { signature: wrongToken })).status).toBe(403);
    const forOtherUrl = await text("+14155550131", "hi", {
      url: "https://elsewhere.example/v1/channels/twilio/sms",
    });
    expect(forOtherUrl.status).toBe(403);
    expect((await forOtherUrl.json()).detail).toContain("X-Twilio-Signature does not match");

    const receipts = await app.services.store.db.selectFrom("sms_receipts").selectAll().execute();
    expect(receipts).toEqual([]);
    await settle();
    expect(twilio.requests).toBe(0);
  });

  it("binds United States and Canada numbers to a persona, one persona per number", async () => {
    const toronto = "+1 (416) 555-0199";
    const path = `/v1/personas/${personaId}/phone-numbers`;
    const bound = await app.request(path, { method: "POST", json: { phone_number: toronto } });
    expect(bound.status).toBe(201);
    expect(await bound.json()).toMatchObject({ phone_number: "+14165550199", persona_id: personaId });
    expect((await app.request(path, { method: "POST", json: { phone_number: "+14165550199" } })).status).toBe(
      200,
    );

    const other = await (await app.request("/v1/personas", { method: "POST", json: { name: "Bo" } })).json();
    const taken = await app.request(`/v1/personas/${other.id}/phone-numbers`, {
      method: "POST",
      json: { phone_number: toronto },
    });
    expect(taken.status).toBe(409);

    for (const foreign of ["+442071838750", "+18765550100"]) {
      const refused = await app.request(path, { method: "POST", json: { phone_number: foreign } });
      expect(refused.status, foreign).toBe(422);
      const problem = await refused.json();
      expect(problem.errors[0].field).toBe("phone_number");
      expect(problem.detail).toContain("United States and Canada");
    }

    const listed = await (await app.request(path)).json();
    expect(listed).toEqual({
      data: [
        expect.objectContaining({ phone_number: PERSONA_NUMBER }),
        expect.objectContaining({ phone_number: "+14165550199" }),
      ],
      sms_enabled: true,
    });

    const preset = (await (await app.request("/v1/personas?kind=preset&limit=1")).json()).data[0];
    const onPreset = await app.request(`/v1/personas/${preset.id}/phone-numbers`, {
      method: "POST",
      json: { phone_number: "+14165550177" },
    });
    expect(onPreset.status).toBe(403);

    expect((await app.request(`${path}/+14165550199`, { method: "DELETE" })).status).toBe(204);
    expect((await app.request(`${path}/%2B14165550199`, { method: "DELETE" })).status).toBe(404);
  });

  it("hides a persona's numbers from other tenants (404)", async () => {
    const otherKey = (
      await (await app.request("/v1/tenants", { method: "POST", json: { name: "Other" } })).json()
    ).admin_key;
    const path = `/v1/personas/${personaId}/phone-numbers`;
    expect((await app.request(path, { key: otherKey })).status).toBe(404);
    const bind = await app.request(path, {
      method: "POST",
      key: otherKey,
      json: { phone_number: "+14165550188" },
    });
    expect(bind.status).toBe(404);
    expect((await app.request(`${path}/${PERSONA_NUMBER}`, { method: "DELETE", key: otherKey })).status).toBe(
      404,
    );
    expect(
      (await (await app.request(path)).json()).data.map((n: { phone_number: string }) => n.phone_number),
    ).toEqual([PERSONA_NUMBER]);
  });

  it("verifies a user's number with a code texted through Twilio", async () => {
    const number = "+14155550111";
    const started = await app.request("/v1/phone-numbers", {
      method: "POST",
      user: "alice",
      json: { phone_number: number },
    });
    expect(started.status).toBe(202);
    expect(await started.json()).toMatchObject({ phone_number: number, status: "pending", opted_out: false });
    expect(sentTo(number)).toHaveLength(1);
    const [message] = sentTo(number);
    expect(message?.from).toBe(PERSONA_NUMBER);
    const code = /code is (\d{6})/.exec(message?.body ?? "")?.[1] ?? "";

    const again = await app.request("/v1/phone-numbers", {
      method: "POST",
      user: "alice",
      json: { phone_number: number },
    });
    expect(again.status).toBe(429);
    expect(again.headers.get("retry-after")).toBe("30");
    expect(sentTo(number)).toHaveLength(1);

    const wrong = await app.request("/v1/phone-numbers/verify", {
      method: "POST",
      user: "alice",
      json: { phone_number: number, code: code === "000000" ? "111111" : "000000" },
    });
    expect(wrong.status).toBe(422);
    expect((await wrong.json()).errors[0].field).toBe("code");
    const byMallory = await app.request("/v1/phone-numbers/verify", {
      method: "POST",
      user: "mallory",
      json: { phone_number: number, code },
    });
    expect(byMallory.status).toBe(404);

    const confirmed = await app.request("/v1/phone-numbers/verify", {
      method: "POST",
      user: "alice",
      json: { phone_number: number, code },
    });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.json()).toMatchObject({ phone_number: number, status: "verified" });
    expect((await (await app.request("/v1/phone-numbers", { user: "alice" })).json()).data).toEqual([
      expect.objectContaining({ phone_number: number, status: "verified", opted_out: false }),
    ]);
    expect((await (await app.request("/v1/phone-numbers", { user: "mallory" })).json()).data).toEqual([]);
    expect(
      (await app.request(`/v1/phone-numbers/${number}`, { method: "DELETE", user: "mallory" })).status,
    ).toBe(404);

    const already = await app.request("/v1/phone-numbers", {
      method: "POST",
      user: "alice",
      json: { phone_number: number },
    });
    expect(already.status).toBe(200);
    expect(sentTo(number)).toHaveLength(1);
    const foreign = await app.request("/v1/phone-numbers", {
      method: "POST",
      user: "alice",
      json: { phone_number: "+447700900123" },
    });
    expect(foreign.status).toBe(422);
  });

  it("stops accepting guesses after five wrong codes, and lets a code expire", async () => {
    const number = "+14155550112";
    await app.request("/v1/phone-numbers", {
      method: "POST",
      user: "guesser",
      json: { phone_number: number },
    });
    const code = /code is (\d{6})/.exec(sentTo(number).at(-1)?.body ?? "")?.[1] ?? "";
    const wrongCode = code === "000000" ? "111111" : "000000";
    const guess = (value: string) =>
      app.request("/v1/phone-numbers/verify", {
        method: "POST",
        user: "guesser",
        json: { phone_number: number, code: value },
      });
    for (let attempt = 0; attempt < 5; attempt++) expect((await guess(wrongCode)).status).toBe(422);
    const locked = await guess(code);
    expect(locked.status).toBe(422);
    expect((await locked.json()).detail).toContain("too often");

    app.clock.advance(31_000);
    await app.request("/v1/phone-numbers", {
      method: "POST",
      user: "guesser",
      json: { phone_number: number },
    });
    const fresh = /code is (\d{6})/.exec(sentTo(number).at(-1)?.body ?? "")?.[1] ?? "";
    app.clock.advance(11 * 60_000);
    const expired = await guess(fresh);
    expect(expired.status).toBe(422);
    expect((await expired.json()).detail).toContain("expired");
  });

  it("tells an unverified sender how to verify, and nothing reaches a conversation", async () => {
    const stranger = "+14155550121";
    const response = await text(stranger, "hi from a stranger");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/xml");
    expect(await response.text()).toContain("<Response/>");
    await twilio.waitForMessages(twilio.messages.length + (sentTo(stranger).length === 0 ? 1 : 0));
    await settle();
    expect(sentTo(stranger)).toHaveLength(1);
    expect(sentTo(stranger)[0]?.body).toContain(`verify ${stranger}`);
    expect(sentTo(stranger)[0]?.from).toBe(PERSONA_NUMBER);

    await text(stranger, "hello again");
    await settle();
    expect(sentTo(stranger)).toHaveLength(1); // told once an hour, not at every text
    expect(await userMessages("hi from a stranger")).toEqual([]);
    expect(await userMessages("hello again")).toEqual([]);
  });

  it("puts a verified sender's text into their SMS conversation and texts the persona's reply back", async () => {
    const number = "+14155550113";
    await verifiedUser("dana", number);
    const before = sentTo(number).length;
    const response = await text(number, "Hello Ada, how are you?");
    expect(response.status).toBe(200);
    await twilio.waitForMessages(twilio.messages.length + 1);
    await settle();
    const replies = sentTo(number).slice(before);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.from).toBe(PERSONA_NUMBER);

    const conversations = (await (await app.request("/v1/conversations", { user: "dana" })).json()).data;
    expect(conversations).toEqual([expect.objectContaining({ persona_id: personaId, channel: "sms" })]);
    const messages = (
      await (await app.request(`/v1/conversations/${conversations[0].id}/messages`, { user: "dana" })).json()
    ).data;
    const userMessage = messages.find((message: { role: string }) => message.role === "user");
    const reply = messages.find(
      (message: { reply_to: string | null }) => message.reply_to === userMessage.id,
    );
    expect(userMessage.content).toBe("Hello Ada, how are you?");
    expect(reply.content.trim()).toBe(replies[0]?.body);

    await text(number, "Tell me more.");
    await twilio.waitForMessages(twilio.messages.length + 1);
    await settle();
    expect(sentTo(number).slice(before)).toHaveLength(2);
    const after = (await (await app.request("/v1/conversations", { user: "dana" })).json()).data;
    expect(after).toHaveLength(1); // the second text continues the same conversation

    const usage = await (await app.request("/v1/usage?group_by=kind")).json();
    const byKind = Object.fromEntries(usage.totals.map((total: { key: string }) => [total.key, total]));
    expect(byKind.sms_inbound.sms_segments).toBeGreaterThanOrEqual(2);
    expect(byKind.sms_outbound.sms_segments).toBeGreaterThanOrEqual(3); // a code and two replies
    expect(usage.overall.sms_segments).toBe(
      byKind.sms_inbound.sms_segments + byKind.sms_outbound.sms_segments,
    );
    const events = await app.services.store.db
      .selectFrom("usage_events")
      .selectAll()
      .where("kind", "=", "sms_outbound")
      .where("message_id", "=", reply.id)
      .execute();
    expect(events).toEqual([
      expect.objectContaining({ persona_id: personaId, sms_segments: expect.any(Number) }),
    ]);
  });

  it("absorbs a storm of 20 identical webhooks: one stored message, one reply", async () => {
    const number = "+14155550114";
    await verifiedUser("erin", number);
    const before = sentTo(number).length;
    const sid = newMessageSid();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => text(number, "Only once, please", { sid })),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
    await twilio.waitForMessages(twilio.messages.length + (sentTo(number).length === before ? 1 : 0));
    await settle();
    expect(sentTo(number).slice(before)).toHaveLength(1);
    expect(await userMessages("Only once, please")).toHaveLength(1);
    const receipts = await app.services.store.db
      .selectFrom("sms_receipts")
      .selectAll()
      .where("message_sid", "=", sid)
      .execute();
    expect(receipts).toEqual([
      expect.objectContaining({ outcome: "conversation", reply_sid: expect.any(String) }),
    ]);
    const inboundUsage = await app.services.store.db
      .selectFrom("usage_events")
      .selectAll()
      .where("kind", "=", "sms_inbound")
      .where("user_id", "=", receipts[0]!.user_id)
      .execute();
    expect(inboundUsage).toHaveLength(1);
  });

  it("honours STOP, START and HELP", async () => {
    const number = "+14155550115";
    const userId = await verifiedUser("frank", number);
    const before = sentTo(number).length;

    expect((await text(number, "  stop ")).status).toBe(200);
    await settle();
    expect(sentTo(number)).toHaveLength(before);
    const numbers = (await (await app.request("/v1/phone-numbers", { user: "frank" })).json()).data;
    expect(numbers).toEqual([expect.objectContaining({ phone_number: number, opted_out: true })]);

    await text(number, "are you there?");
    await text(number, "HELP");
    await settle();
    expect(sentTo(number)).toHaveLength(before);
    expect(await userMessages("are you there?")).toEqual([]);

    const conversation = await (
      await app.request("/v1/conversations", {
        method: "POST",
        user: "frank",
        json: { persona_id: personaId, channel: "sms" },
      })
    ).json();
    const proactive = {
      tenantId: TENANT,
      userId,
      personaId,
      conversationId: conversation.id,
      text: "Good morning!",
    };
    expect(await app.services.sms.deliver(proactive)).toEqual({ status: "skipped", reason: "opted_out" });
    const byOther = await app.request("/v1/phone-numbers", {
      method: "POST",
      user: "gina",
      json: { phone_number: number },
    });
    expect(byOther.status).toBe(409);
    expect(sentTo(number)).toHaveLength(before);

    await text(number, "Start");
    await twilio.waitForMessages(twilio.messages.length + 1);
    await settle();
    expect(
      sentTo(number)
        .slice(before)
        .map((message) => message.body),
    ).toEqual([expect.stringContaining("subscribed again")]);
    await text(number, "help");
    await twilio.waitForMessages(twilio.messages.length + 1);
    await settle();
    expect(sentTo(number).at(-1)?.body).toContain("Reply STOP");
    expect(await app.services.sms.deliver(proactive)).toMatchObject({ status: "sent", to: number });
  });

  it("delivers a proactive message by SMS in an SMS conversation only", async () => {
    const number = "+14155550116";
    const userId = await verifiedUser("hana", number);
    const sms = await (
      await app.request("/v1/conversations", {
        method: "POST",
        user: "hana",
        json: { persona_id: personaId, channel: "sms" },
      })
    ).json();
    const web = await (
      await app.request("/v1/conversations", {
        method: "POST",
        user: "hana",
        json: { persona_id: personaId, channel: "web" },
      })
    ).json();
    const request = { tenantId: TENANT, userId, personaId, text: "Good morning, Hana!" };
    const delivered = await app.services.sms.deliver({ ...request, conversationId: sms.id });
    expect(delivered).toMatchObject({ status: "sent", from: PERSONA_NUMBER, to: number, segments: 1 });
    expect(sentTo(number).at(-1)?.body).toBe("Good morning, Hana!");
    expect(await app.services.sms.deliver({ ...request, conversationId: web.id })).toEqual({
      status: "skipped",
      reason: "not_sms_conversation",
    });
    // Another user's conversation is not this user's
    expect(
      await app.services.sms.deliver({ ...request, userId: "usr_nobody", conversationId: sms.id }),
    ).toEqual({
      status: "skipped",
      reason: "not_sms_conversation",
    });
  });

  it("retries Twilio's 5xx, and learns Twilio's own opt-outs (error 21610)", async () => {
    const number = "+14155550117";
    const userId = await verifiedUser("ivan", number);
    const conversation = await (
      await app.request("/v1/conversations", {
        method: "POST",
        user: "ivan",
        json: { persona_id: personaId, channel: "sms" },
      })
    ).json();
    const request = { tenantId: TENANT, userId, personaId, conversationId: conversation.id, text: "Hi!" };
    const requestsBefore = twilio.requests;
    twilio.script = [503, 500];
    expect(await app.services.sms.deliver(request)).toMatchObject({ status: "sent" });
    expect(twilio.requests - requestsBefore).toBe(3);

    twilio.script = [400];
    await expect(app.services.sms.deliver(request)).rejects.toMatchObject({
      provider: "twilio",
      call: "send message",
      retryable: false,
    });

    twilio.script = [{ status: 400, code: 21610, message: "Attempt to send to unsubscribed recipient" }];
    expect(await app.services.sms.deliver(request)).toEqual({ status: "skipped", reason: "opted_out" });
    const numbers = (await (await app.request("/v1/phone-numbers", { user: "ivan" })).json()).data;
    expect(numbers).toEqual([expect.objectContaining({ opted_out: true })]);
  });

  it("ignores texts to numbers no persona has, and texts from outside the United States and Canada", async () => {
    const requestsBefore = twilio.requests;
    expect((await text("+14155550118", "hello?", { to: "+14155550199" })).status).toBe(200);
    expect((await text("+447700900123", "hello from London")).status).toBe(200);
    await settle();
    expect(twilio.requests).toBe(requestsBefore);
    const receipt = await app.services.store.db
      .selectFrom("sms_receipts")
      .selectAll()
      .where("from_number", "=", "+447700900123")
      .executeTakeFirst();
    expect(receipt?.outcome).toBe("unsupported_sender");
  });

  it("paces the persona's answer: held outside active hours, then sent after an initiative delay", async () => {
    const personaNumber = "+14155550190";
    const bea = await (
      await app.request("/v1/personas", {
        method: "POST",
        json: {
          name: "Bea",
          features: { sms: true },
          initiative: 10,
          active_hours: { start: "08:00", end: "22:00", time_zone: "America/New_York" },
        },
      })
    ).json();
    await app.request(`/v1/personas/${bea.id}/phone-numbers`, {
      method: "POST",
      json: { phone_number: personaNumber },
    });
    const number = "+14155550191";
    await verifiedUser("ines", number);
    // Move the clock to 23:00 in New York, after Bea's hours.
    const lateEvening = Date.parse("2026-01-02T04:00:00Z");
    app.clock.advance(Math.max(0, lateEvening - app.clock.now().getTime()));
    const sid = newMessageSid();
    expect((await text(number, "Still up, Bea?", { sid, to: personaNumber })).status).toBe(200);
    const [job] = await app.services.store.db
      .selectFrom("jobs")
      .selectAll()
      .where("idempotency_key", "=", `sms-inbound:${sid}`)
      .execute();
    // Held until 08:00 New York (13:00 UTC), plus initiative 10's typing delay of 3 to 9 seconds.
    expect(job?.status).toBe("queued");
    expect(Date.parse(job!.run_after)).toBeGreaterThanOrEqual(Date.parse("2026-01-02T13:00:03Z"));
    expect(Date.parse(job!.run_after)).toBeLessThanOrEqual(Date.parse("2026-01-02T13:00:09Z"));
    app.clock.advance(Date.parse("2026-01-02T12:59:00Z") - app.clock.now().getTime());
    // Every job due by 12:59 has run; the held reply is not among them.
    await settle();
    expect(sentTo(number).filter((message) => message.from === personaNumber)).toHaveLength(0);
    expect(await userMessages("Still up, Bea?")).toHaveLength(0);

    app.clock.advance(Date.parse("2026-01-02T13:00:10Z") - app.clock.now().getTime());
    await twilio.waitForMessages(twilio.messages.length + 1);
    await settle();
    expect(sentTo(number).filter((message) => message.from === personaNumber)).toHaveLength(1);
    expect(await userMessages("Still up, Bea?")).toHaveLength(1);

    // Inside active hours the same persona answers after its short delay only.
    const daytime = newMessageSid();
    await text(number, "Good morning!", { sid: daytime, to: personaNumber });
    const [next] = await app.services.store.db
      .selectFrom("jobs")
      .selectAll()
      .where("idempotency_key", "=", `sms-inbound:${daytime}`)
      .execute();
    const wait = Date.parse(next!.run_after) - app.clock.now().getTime();
    expect(wait).toBeGreaterThanOrEqual(3_000);
    expect(wait).toBeLessThanOrEqual(9_000);
    app.clock.advance(10_000);
    await twilio.waitForMessages(twilio.messages.length + 1);
    await settle();
    expect(sentTo(number).filter((message) => message.from === personaNumber)).toHaveLength(2);
  });
});

describe("SMS configuration and public URL", () => {
  let twilio: MockTwilio;
  let app: TestApp;

  beforeAll(async () => {
    twilio = await startMockTwilio();
    app = await createTestApp({
      twilio: { ...twilio.settings, publicUrl: "https://chat.example.com/dramatis" },
    });
    const persona = await (
      await app.request("/v1/personas", {
        method: "POST",
        // These tests are about SMS itself; pacing (delays, active hours) has its own test below.
        json: { name: "Ada", features: { sms: true }, modifiers: IMMEDIATE },
      })
    ).json();
    await app.request(`/v1/personas/${persona.id}/phone-numbers`, {
      method: "POST",
      json: { phone_number: PERSONA_NUMBER },
    });
  });
  afterAll(async () => {
    await app.close();
    await twilio.close();
  });

  it("checks the signature against DRAMATIS_PUBLIC_URL, where Twilio posted", async () => {
    const parameters = { Body: "HELP", From: "+14155550141", MessageSid: "SMpublic1", To: PERSONA_NUMBER };
    const post = (url: string) =>
      app.request(`${WEBHOOK_PATH}?source=twilio`, {
        method: "POST",
        key: null,
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-twilio-signature": signByHand(url, parameters),
        },
        body: new URLSearchParams(parameters).toString(),
      });
    expect((await post(`${WEBHOOK_URL}?source=twilio`)).status).toBe(403);
    expect((await post(`https://chat.example.com/dramatis${WEBHOOK_PATH}?source=twilio`)).status).toBe(200);
    await twilio.waitForMessages(1);
    expect(twilio.messages[0]?.body).toContain("Reply STOP");
  });

  it("answers 404 for SMS routes while Twilio is not configured", async () => {
    const plain = await createTestApp();
    try {
      const webhook = await plain.request(WEBHOOK_PATH, {
        method: "POST",
        key: null,
        headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": "x" },
        body: "From=%2B14155550111",
      });
      expect(webhook.status).toBe(404);
      expect((await webhook.json()).detail).toContain("TWILIO_ACCOUNT_SID");
      const verification = await plain.request("/v1/phone-numbers", {
        method: "POST",
        user: "alice",
        json: { phone_number: "+14155550111" },
      });
      expect(verification.status).toBe(404);
    } finally {
      await plain.close();
    }
  });

  it("answers a signed webhook posted to the running server with exactly one reply through Twilio", async () => {
    const mock = await startMockTwilio();
    const running = await startRunningServer({
      TWILIO_ACCOUNT_SID: mock.settings.accountSid,
      TWILIO_AUTH_TOKEN: MOCK_TWILIO_AUTH_TOKEN,
      TWILIO_BASE_URL: mock.settings.baseUrl,
    });
    const { server, call } = running;
    try {
      const persona = await call("/v1/personas", {
        method: "POST",
        json: { name: "Ada", features: { sms: true }, modifiers: IMMEDIATE },
      });
      await call(`/v1/personas/${String(persona.body.id)}/phone-numbers`, {
        method: "POST",
        json: { phone_number: PERSONA_NUMBER },
      });
      const user = "+14155550151";
      expect(
        (await call("/v1/phone-numbers", { method: "POST", user: "zoe", json: { phone_number: user } }))
          .status,
      ).toBe(202);
      const code = /code is (\d{6})/.exec((await mock.waitForMessages(1))[0]?.body ?? "")?.[1];
      const verified = await call("/v1/phone-numbers/verify", {
        method: "POST",
        user: "zoe",
        json: { phone_number: user, code },
      });
      expect(verified.status).toBe(200);

      const parameters = { Body: "Hi Ada!", From: user, MessageSid: "SMrunning0001", To: PERSONA_NUMBER };
      const url = `${server.url}${WEBHOOK_PATH}`;
      const post = (signature: string | undefined, body = parameters) =>
        fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            ...(signature === undefined ? {} : { "x-twilio-signature": signature }),
          },
          body: new URLSearchParams(body).toString(),
        });
      expect((await post(undefined)).status).toBe(400);
      expect((await post(signByHand(url, parameters), { ...parameters, Body: "Hi Eve!" })).status).toBe(403);
      const accepted = await post(signByHand(url, parameters));
      expect(accepted.status).toBe(200);
      expect(await accepted.text()).toContain("<Response/>");
      const messages = await mock.waitForMessages(2);
      await running.settleJobs("sms-inbound"); // handled in full: a second reply would be sent by now
      expect(mock.messages).toHaveLength(2);
      expect(messages[1]).toMatchObject({ from: PERSONA_NUMBER, to: user });
    } finally {
      await running.stop();
      await mock.close();
    }
  });

  it("reads Twilio's account from the environment, both variables or neither", () => {
    const sid = "AC0123456789abcdef0123456789abcdef";
    expect(loadConfig({}).twilio).toBeUndefined();
    const config = loadConfig({
      TWILIO_ACCOUNT_SID: sid,
      TWILIO_AUTH_TOKEN: "token",
      DRAMATIS_PUBLIC_URL: "https://chat.example.com/",
    });
    expect(config.twilio).toEqual({ accountSid: sid, authToken: "token", baseUrl: "https://api.twilio.com" });
    expect(config.publicUrl).toBe("https://chat.example.com");
    expect(
      loadConfig({ TWILIO_ACCOUNT_SID: sid, TWILIO_AUTH_TOKEN: "t", TWILIO_BASE_URL: "http://127.0.0.1:9/" })
        .twilio?.baseUrl,
    ).toBe("http://127.0.0.1:9");
    const problems = (environment: Record<string, string>) => {
      try {
        loadConfig(environment);
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(problems({ TWILIO_ACCOUNT_SID: sid })).toEqual([expect.stringContaining("set both")]);
    expect(problems({ TWILIO_ACCOUNT_SID: "AC123", TWILIO_AUTH_TOKEN: "t" })[0]).toContain(
      "TWILIO_ACCOUNT_SID",
    );
    expect(problems({ DRAMATIS_PUBLIC_URL: "https://chat.example.com/?x=1" })[0]).toContain(
      "DRAMATIS_PUBLIC_URL",
    );
    expect(problems({ TWILIO_BASE_URL: "ftp://example.com" })[0]).toContain("TWILIO_BASE_URL");
  });
});
