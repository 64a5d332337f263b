import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretBox } from "../../src/lib/secret-box.ts";
import { MEDIA_LINK_TTL_MS, MediaLinks } from "../../src/services/media-links.ts";
import { MOCK_TWILIO_AUTH_TOKEN, startMockTwilio, type MockTwilio } from "../mock-twilio.ts";
import { createTestApp, type TestApp } from "../test-app.ts";

/**
 * Replies read aloud over SMS: a persona with auto speech texts its reply, then sends the reply's audio
 * as an MMS whose MediaUrl is a signed link Twilio fetches (here the test fetches it, as Twilio would).
 */

const PUBLIC_URL = "https://dramatis.example";
const WEBHOOK_PATH = "/v1/channels/twilio/sms";
const PERSONA_NUMBER = "+14155550100";
const SILENT_NUMBER = "+14155550101";
const IMMEDIATE = { responds_immediately: true, responds_outside_active_hours: true };

function signByHand(url: string, parameters: Record<string, string>): string {
  const data = Object.keys(parameters)
    .sort()
    .reduce((text, name) => text + name + parameters[name], url);
  return createHmac("sha1", MOCK_TWILIO_AUTH_TOKEN).update(data).digest("base64");
}

let sidCounter = 0;

describe("MMS audio: SMS replies read aloud", () => {
  let app: TestApp;
  let twilio: MockTwilio;

  function text(from: string, body: string, to = PERSONA_NUMBER) {
    sidCounter += 1;
    const parameters = {
      AccountSid: twilio.settings.accountSid,
      Body: body,
      From: from,
      MessageSid: `SM${String(sidCounter).padStart(8, "0")}${"e".repeat(24)}`,
      NumMedia: "0",
      To: to,
    };
    return app.request(WEBHOOK_PATH, {
      method: "POST",
      key: null,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": signByHand(`${PUBLIC_URL}${WEBHOOK_PATH}`, parameters),
      },
      body: new URLSearchParams(parameters).toString(),
    });
  }

  async function verifiedUser(user: string, number: string): Promise<void> {
    const started = await app.request("/v1/phone-numbers", {
      method: "POST",
      user,
      json: { phone_number: number },
    });
    expect(started.status).toBe(202);
    const code = /code is (\d{6})/.exec(
      twilio.messages.filter((m) => m.to === number).at(-1)?.body ?? "",
    )?.[1];
    const confirmed = await app.request("/v1/phone-numbers/verify", {
      method: "POST",
      user,
      json: { phone_number: number, code },
    });
    expect(confirmed.status).toBe(200);
  }

  async function persona(name: string, autoSpeech: boolean, number: string): Promise<string> {
    const created = await app.request("/v1/personas", {
      method: "POST",
      json: { name, features: { sms: true, auto_speech: autoSpeech }, modifiers: IMMEDIATE },
    });
    const { id } = await created.json();
    const bound = await app.request(`/v1/personas/${id}/phone-numbers`, {
      method: "POST",
      json: { phone_number: number },
    });
    expect(bound.status).toBe(201);
    return id;
  }

  /** The path of a media link, to request from the app (Twilio would fetch the public URL). */
  const linkPath = (url: string) => {
    expect(url.startsWith(`${PUBLIC_URL}/v1/media-links/`)).toBe(true);
    return url.slice(PUBLIC_URL.length);
  };

  beforeAll(async () => {
    twilio = await startMockTwilio();
    app = await createTestApp({ twilio: { ...twilio.settings, publicUrl: PUBLIC_URL } });
  });
  afterAll(async () => {
    await app.close();
    await twilio.close();
  });

  it("texts the reply, then sends its audio as an MMS Twilio fetches through a signed link", async () => {
    const personaId = await persona("Ada", true, PERSONA_NUMBER);
    const number = "+14155550121";
    await verifiedUser("mona", number);
    const before = twilio.messages.length;
    expect((await text(number, "Hello Ada, read me something")).status).toBe(200);
    await twilio.waitForMessages(before + 2);
    await app.settleJobs("sms-inbound");
    const [reply, mms] = twilio.messages.slice(before);
    expect(reply).toMatchObject({ from: PERSONA_NUMBER, to: number, mediaUrls: [] });
    expect(reply!.body.length).toBeGreaterThan(0);
    expect(mms).toMatchObject({
      from: PERSONA_NUMBER,
      to: number,
      body: "",
      mediaUrls: [expect.any(String)],
    });

    // Twilio fetches the link with no credentials: MP3 (an MPEG audio frame or an ID3 tag first).
    const fetched = await app.request(linkPath(mms!.mediaUrls[0]!), { key: null });
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get("content-type")).toBe("audio/mpeg");
    const bytes = new Uint8Array(await fetched.arrayBuffer());
    expect(bytes.length).toBeGreaterThan(1000);
    expect(bytes[0] === 0xff || String.fromCharCode(...bytes.subarray(0, 3)) === "ID3").toBe(true);

    // The audio is the reply's reading, kept with the message and billed once with the MMS.
    const conversations = (await (await app.request("/v1/conversations", { user: "mona" })).json()).data;
    const messages = (
      await (await app.request(`/v1/conversations/${conversations[0].id}/messages`, { user: "mona" })).json()
    ).data;
    const spoken = messages.find((message: { content: string }) => message.content.trim() === reply!.body);
    expect(spoken.audio).toEqual([
      expect.objectContaining({ kind: "speech", voice: expect.stringMatching(/^espeak\//) }),
    ]);
    const usage = await (await app.request("/v1/usage?group_by=kind")).json();
    const kinds = usage.totals.map((total: { key: string }) => total.key);
    expect(kinds).toEqual(expect.arrayContaining(["mms_outbound", "tts", "sms_outbound"]));
    const mmsEvents = await app.services.store.db
      .selectFrom("usage_events")
      .selectAll()
      .where("kind", "=", "mms_outbound")
      .execute();
    expect(mmsEvents).toEqual([
      expect.objectContaining({ persona_id: personaId, message_id: spoken.id, sms_segments: 0 }),
    ]);

    // A changed token opens nothing; one signed with another key neither; an expired one says so.
    const path = linkPath(mms!.mediaUrls[0]!);
    const [payload, signature] = path.split("/").at(-1)!.split(".");
    const tampered = `${payload}.${signature!.slice(0, -3)}AAA`;
    expect((await app.request(`/v1/media-links/${tampered}`, { key: null })).status).toBe(404);
    expect((await app.request("/v1/media-links/not-a-token", { key: null })).status).toBe(404);
    const foreign = new MediaLinks({
      secrets: new SecretBox(Buffer.alloc(32, 7)),
      clock: app.clock,
      publicUrl: PUBLIC_URL,
    }).url({
      kind: "audio",
      tenantId: "ten_default",
      conversationId: conversations[0].id,
      audioId: spoken.audio[0].id,
      format: "mp3",
    });
    expect((await app.request(linkPath(foreign), { key: null })).status).toBe(404);
    app.clock.advance(MEDIA_LINK_TTL_MS + 1000);
    const expired = await app.request(path, { key: null });
    expect(expired.status).toBe(410);
    expect((await expired.json()).detail).toMatch(/expired/);
  });

  it("keeps a persona without auto speech to text, and deletes the audio a link opens with its conversation", async () => {
    await persona("Quiet", false, SILENT_NUMBER);
    const number = "+14155550122";
    await verifiedUser("nils", number);
    const before = twilio.messages.length;
    await text(number, "Hi there", SILENT_NUMBER);
    await twilio.waitForMessages(before + 1);
    await app.settleJobs("sms-inbound");
    expect(twilio.messages.slice(before)).toEqual([expect.objectContaining({ mediaUrls: [] })]);

    // A link made for a reply's audio stops opening once the conversation is deleted.
    const conversation = (await (await app.request("/v1/conversations", { user: "nils" })).json()).data[0];
    const messages = (
      await (await app.request(`/v1/conversations/${conversation.id}/messages`, { user: "nils" })).json()
    ).data;
    const reply = messages.find((message: { role: string }) => message.role === "assistant");
    const read = await app.request(`/v1/conversations/${conversation.id}/messages/${reply.id}/speech`, {
      method: "POST",
      user: "nils",
    });
    expect(read.status).toBe(200);
    const audio = await read.json();
    const url = app.services.mediaLinks.url({
      kind: "audio",
      tenantId: "ten_default",
      conversationId: conversation.id,
      audioId: audio.id,
      format: "stored",
    });
    const opened = await app.request(linkPath(url), { key: null });
    expect(opened.status).toBe(200);
    expect(opened.headers.get("content-type")).toBe("audio/wav");
    expect(
      (await app.request(`/v1/conversations/${conversation.id}`, { method: "DELETE", user: "nils" })).status,
    ).toBe(204);
    expect((await app.request(linkPath(url), { key: null })).status).toBe(404);
  });
});

describe("MMS audio without a public URL", () => {
  it("sends no media link: Twilio could not fetch it", async () => {
    const app = await createTestApp();
    try {
      expect(app.services.mediaLinks.available).toBe(false);
      expect(() =>
        app.services.mediaLinks.url({
          kind: "audio",
          tenantId: "ten_default",
          conversationId: "cnv_1",
          audioId: "aud_1",
          format: "mp3",
        }),
      ).toThrow(/DRAMATIS_PUBLIC_URL/);
    } finally {
      await app.close();
    }
  });
});
