import { createHmac } from "node:crypto";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pictureNotReadText } from "../../src/channels/channel-pictures.ts";
import type { GenerateRequest } from "../../src/models/language-model.ts";
import { ModelRegistry } from "../../src/models/model-registry.ts";
import { createOfflineProvider } from "../../src/models/offline-model.ts";
import { capturingProvider } from "../capturing-model.ts";
import { MOCK_TWILIO_AUTH_TOKEN, startMockTwilio, type MockTwilio } from "../mock-twilio.ts";
import { MOCK_WHATSAPP_APP_SECRET, startMockWhatsApp, type MockWhatsApp } from "../mock-whatsapp.ts";
import { createTestApp, TestClock, type TestApp } from "../test-app.ts";

/**
 * Pictures over SMS and WhatsApp end to end, on loopback fakes of Twilio and Meta: a persona with media
 * generation sends the picture it makes for a reply (a WhatsApp image message, an MMS whose MediaUrl is a
 * signed link), and photos users send become their message, which a vision model is shown.
 */

const PUBLIC_URL = "https://dramatis.example";
const SMS_WEBHOOK = "/v1/channels/twilio/sms";
const WHATSAPP_WEBHOOK = "/v1/channels/whatsapp";
const IMMEDIATE = { responds_immediately: true, responds_outside_active_hours: true };
const FEATURES = { sms: true, premium_model: false, media_generation: true, auto_speech: false };
const VISION = { images: true, audio: false, files: false, tools: false, structuredOutput: false };
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47];

let counter = 0;
const nextId = () => String(++counter).padStart(10, "0");

async function jpegPhoto(): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 80, b: 40 } } })
      .jpeg()
      .toBuffer(),
  );
}

async function createPersona(app: TestApp, name: string, definition: Record<string, unknown> = {}) {
  const response = await app.request("/v1/personas", {
    method: "POST",
    json: {
      name,
      appearance: { description: "short red hair", art_style: "anime", avatar_url: null },
      features: FEATURES,
      modifiers: IMMEDIATE,
      ...definition,
    },
  });
  expect(response.status).toBe(201);
  return (await response.json()).id as string;
}

/** The user's messages in their conversation with the persona, oldest first, as the API lists them. */
async function messagesWith(app: TestApp, user: string, personaId: string) {
  const conversations = (await (await app.request("/v1/conversations", { user })).json()).data;
  const conversation = conversations.find((entry: { persona_id: string }) => entry.persona_id === personaId);
  const listed = await app.request(`/v1/conversations/${conversation.id}/messages`, { user });
  return (await listed.json()).data as Array<{
    id: string;
    role: string;
    content: string;
    media: Array<{ id: string; source: string; kind: string }>;
  }>;
}

/** As if the worker died between sending the reply's text and handing over its pictures. */
async function forgetPictureHandover(app: TestApp, replyId: string): Promise<void> {
  await app.services.store.db
    .updateTable("media")
    .set({ reply_sent_at: null, channel_sent_at: null })
    .where("message_id", "=", replyId)
    .execute();
}

/** The last request the vision model got showed it a JPEG picture. */
function sawPicture(requests: GenerateRequest[]): boolean {
  const last = requests.at(-1)?.messages.at(-1);
  return (
    last?.parts?.some((part) => part.type === "image" && part.url.startsWith("data:image/jpeg;base64,")) ??
    false
  );
}

describe("pictures on WhatsApp", () => {
  let app: TestApp;
  let meta: MockWhatsApp;
  const requests: GenerateRequest[] = [];
  const ADA_NUMBER_ID = "106540352242951";
  const VERA_NUMBER_ID = "106540352242952";
  const WA_ID = "14155550161";
  let adaId: string;
  let veraId: string;

  function post(phoneNumberId: string, message: Record<string, unknown>) {
    const body = JSON.stringify({
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
                contacts: [{ profile: { name: "Sender" }, wa_id: WA_ID }],
                messages: [{ from: WA_ID, id: `wamid.PIC${nextId()}`, timestamp: "1700000000", ...message }],
              },
            },
          ],
        },
      ],
    });
    const signature = `sha256=${createHmac("sha256", MOCK_WHATSAPP_APP_SECRET).update(body).digest("hex")}`;
    return app.request(WHATSAPP_WEBHOOK, {
      method: "POST",
      key: null,
      headers: { "content-type": "application/json", "x-hub-signature-256": signature },
      body,
    });
  }
  const write = (phoneNumberId: string, text: string) =>
    post(phoneNumberId, { type: "text", text: { body: text } });

  /** Runs `action`, then waits for `count` more messages at Meta and for the jobs to settle. */
  async function andSent(count: number, action: () => Promise<{ status: number }>) {
    const before = meta.messages.length;
    expect((await action()).status).toBe(200);
    await meta.waitForMessages(before + count);
    await app.settleJobs("whatsapp-inbound");
    await app.settleJobs("media-generation");
    return meta.messages.slice(before);
  }

  async function bind(personaId: string, phoneNumberId: string) {
    const bound = await app.request(`/v1/personas/${personaId}/whatsapp-numbers`, {
      method: "POST",
      json: { phone_number_id: phoneNumberId, display_phone_number: `+1 555 ${phoneNumberId.slice(-4)}` },
    });
    expect(bound.status).toBe(201);
  }

  beforeAll(async () => {
    meta = await startMockWhatsApp();
    app = await createTestApp({
      whatsapp: meta.settings,
      clock: new TestClock(new Date("2026-03-02T15:00:00.000Z")),
      models: new ModelRegistry(
        [createOfflineProvider(), capturingProvider(requests, { name: "vision", capabilities: VISION })],
        "offline/default",
      ),
    });
    adaId = await createPersona(app, "Ada");
    veraId = await createPersona(app, "Vera", { model: "vision/model" });
    await bind(adaId, ADA_NUMBER_ID);
    await bind(veraId, VERA_NUMBER_ID);
    const { code } = await (
      await app.request("/v1/whatsapp/link-codes", { method: "POST", user: "pic-user" })
    ).json();
    const [linked] = await andSent(1, () => write(ADA_NUMBER_ID, code));
    expect(linked?.body).toMatch(/^You're linked!/);
  });
  afterAll(async () => {
    await app?.close();
    await meta?.close();
  });

  it("sends the picture a persona makes for its reply as an uploaded image message", async () => {
    const uploads = meta.uploads.length;
    const sent = await andSent(2, () => write(ADA_NUMBER_ID, "send me a picture of you"));
    const text = sent.find((message) => message.type === "text");
    const image = sent.find((message) => message.type === "image");
    // The reply's text first, then its picture (which is drawn before the text goes out).
    expect(sent.map((message) => message.type)).toEqual(["text", "image"]);
    expect(text).toMatchObject({ to: WA_ID, phoneNumberId: ADA_NUMBER_ID });
    const upload = meta.uploads[uploads];
    expect(upload).toMatchObject({
      phoneNumberId: ADA_NUMBER_ID,
      type: "image/png",
      contentType: "image/png",
    });
    expect([...upload!.bytes.subarray(0, 4)]).toEqual(PNG_SIGNATURE);
    expect(image).toMatchObject({ to: WA_ID, phoneNumberId: ADA_NUMBER_ID, mediaId: upload!.id });

    // The picture is the reply's, and both messages are metered.
    const messages = await messagesWith(app, "pic-user", adaId);
    const reply = messages.find((message) => message.media.some((item) => item.kind === "image"));
    expect(reply).toMatchObject({ role: "assistant", content: text!.body.trim() });
    const metered = await app.services.store.db
      .selectFrom("usage_events")
      .select("message_id")
      .where("kind", "=", "whatsapp_outbound")
      .where("message_id", "=", reply!.id)
      .execute();
    expect(metered).toHaveLength(2);
  });

  it("still sends the picture when its worker died after the reply's text went out", async () => {
    await andSent(2, () => write(ADA_NUMBER_ID, "send me a picture of you"));
    const reply = (await messagesWith(app, "pic-user", adaId)).at(-1)!;
    await forgetPictureHandover(app, reply.id);
    const receipt = await app.services.store.db
      .selectFrom("whatsapp_receipts")
      .selectAll()
      .where("reply_message_id", "=", reply.id)
      .executeTakeFirstOrThrow();
    const retry = {
      tenantId: receipt.tenant_id,
      payload: { message_id: receipt.message_id, answer: "persona" },
    };

    const before = meta.messages.length;
    await app.services.whatsapp.inbound.answer(retry);
    await app.services.whatsapp.inbound.answer(retry);
    // The picture once, and the text not again.
    expect(meta.messages.slice(before).map((message) => message.type)).toEqual(["image"]);
  });

  it("takes a photo with its caption as the user's message, shown to a vision model", async () => {
    requests.length = 0;
    const id = meta.addMedia(await jpegPhoto(), "image/jpeg");
    const [reply] = await andSent(1, () =>
      post(VERA_NUMBER_ID, { type: "image", image: { id, mime_type: "image/jpeg", caption: "My garden!" } }),
    );
    expect(reply).toMatchObject({ type: "text", body: "Noted." });
    expect(meta.downloads.at(-1)).toBe(id);
    const messages = await messagesWith(app, "pic-user", veraId);
    const asked = messages.find((message) => message.role === "user");
    expect(asked).toMatchObject({
      content: "My garden!",
      media: [expect.objectContaining({ source: "upload" })],
    });
    expect(sawPicture(requests)).toBe(true);
  });

  it("answers a photo it cannot open with a text, not silence", async () => {
    const id = meta.addMedia(
      new TextEncoder().encode("<svg xmlns='http://www.w3.org/2000/svg'/>"),
      "image/jpeg",
    );
    const [answer] = await andSent(1, () => post(VERA_NUMBER_ID, { type: "image", image: { id } }));
    expect(answer?.body).toBe(pictureNotReadText("Vera", "not_a_picture"));
  });
});

describe("pictures over SMS", () => {
  let app: TestApp;
  let twilio: MockTwilio;
  const requests: GenerateRequest[] = [];
  const ADA_NUMBER = "+14155550170";
  const VERA_NUMBER = "+14155550171";
  const USER_NUMBER = "+14155550172";
  let adaId: string;
  let veraId: string;

  function text(to: string, body: string, media: Array<{ url: string; type: string }> = []) {
    const parameters: Record<string, string> = {
      AccountSid: twilio.settings.accountSid,
      Body: body,
      From: USER_NUMBER,
      MessageSid: `${media.length ? "MM" : "SM"}${nextId()}${"c".repeat(22)}`,
      NumMedia: String(media.length),
      To: to,
    };
    media.forEach((file, index) => {
      parameters[`MediaUrl${index}`] = file.url;
      parameters[`MediaContentType${index}`] = file.type;
    });
    const data = Object.keys(parameters)
      .sort()
      .reduce((signed, name) => signed + name + parameters[name], `${PUBLIC_URL}${SMS_WEBHOOK}`);
    return app.request(SMS_WEBHOOK, {
      method: "POST",
      key: null,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": createHmac("sha1", MOCK_TWILIO_AUTH_TOKEN).update(data).digest("base64"),
      },
      body: new URLSearchParams(parameters).toString(),
    });
  }

  /** Runs `action`, then waits for `count` more messages at Twilio and for the jobs to settle. */
  async function andSent(count: number, action: () => Promise<{ status: number }>) {
    const before = twilio.messages.length;
    expect((await action()).status).toBe(200);
    await twilio.waitForMessages(before + count);
    await app.settleJobs("sms-inbound");
    await app.settleJobs("media-generation");
    return twilio.messages.slice(before);
  }

  async function bind(personaId: string, number: string) {
    const bound = await app.request(`/v1/personas/${personaId}/phone-numbers`, {
      method: "POST",
      json: { phone_number: number },
    });
    expect(bound.status).toBe(201);
  }

  beforeAll(async () => {
    twilio = await startMockTwilio();
    app = await createTestApp({
      twilio: { ...twilio.settings, publicUrl: PUBLIC_URL },
      models: new ModelRegistry(
        [createOfflineProvider(), capturingProvider(requests, { name: "vision", capabilities: VISION })],
        "offline/default",
      ),
    });
    adaId = await createPersona(app, "Ada");
    veraId = await createPersona(app, "Vera", { model: "vision/model" });
    await bind(adaId, ADA_NUMBER);
    await bind(veraId, VERA_NUMBER);
    const started = await app.request("/v1/phone-numbers", {
      method: "POST",
      user: "mms-user",
      json: { phone_number: USER_NUMBER },
    });
    expect(started.status).toBe(202);
    const code = /code is (\d{6})/.exec(twilio.messages.at(-1)?.body ?? "")?.[1];
    const confirmed = await app.request("/v1/phone-numbers/verify", {
      method: "POST",
      user: "mms-user",
      json: { phone_number: USER_NUMBER, code },
    });
    expect(confirmed.status).toBe(200);
  });
  afterAll(async () => {
    await app?.close();
    await twilio?.close();
  });

  it("sends the picture a persona makes for its reply as an MMS Twilio fetches through a signed link", async () => {
    const sent = await andSent(2, () => text(ADA_NUMBER, "send me a picture of you"));
    const reply = sent.find((message) => message.mediaUrls.length === 0);
    const mms = sent.find((message) => message.mediaUrls.length > 0);
    expect(sent.map((message) => message.mediaUrls.length > 0)).toEqual([false, true]);
    expect(reply).toMatchObject({ from: ADA_NUMBER, to: USER_NUMBER });
    expect(mms).toMatchObject({ from: ADA_NUMBER, to: USER_NUMBER, body: "" });
    const url = mms!.mediaUrls[0]!;
    expect(url.startsWith(`${PUBLIC_URL}/v1/media-links/`)).toBe(true);

    // Twilio fetches the link with no credentials: the PNG.
    const fetched = await app.request(url.slice(PUBLIC_URL.length), { key: null });
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get("content-type")).toBe("image/png");
    expect(fetched.headers.get("x-content-type-options")).toBe("nosniff");
    const bytes = new Uint8Array(await fetched.arrayBuffer());
    expect([...bytes.subarray(0, 4)]).toEqual(PNG_SIGNATURE);

    // Metered as an MMS with the reply that made the picture; the link stops opening once it is deleted.
    const messages = await messagesWith(app, "mms-user", adaId);
    const withPicture = messages.find((message) => message.media.some((item) => item.kind === "image"));
    const events = await app.services.store.db
      .selectFrom("usage_events")
      .selectAll()
      .where("kind", "=", "mms_outbound")
      .execute();
    expect(events).toEqual([expect.objectContaining({ message_id: withPicture!.id, sms_segments: 0 })]);
    const mediaId = withPicture!.media[0]!.id;
    expect((await app.request(`/v1/media/${mediaId}`, { method: "DELETE", user: "mms-user" })).status).toBe(
      204,
    );
    expect((await app.request(url.slice(PUBLIC_URL.length), { key: null })).status).toBe(404);
  });

  it("still sends the MMS when its worker died after the reply's text went out", async () => {
    await andSent(2, () => text(ADA_NUMBER, "send me another picture of you"));
    const reply = (await messagesWith(app, "mms-user", adaId)).at(-1)!;
    await forgetPictureHandover(app, reply.id);
    const receipt = await app.services.store.db
      .selectFrom("sms_receipts")
      .selectAll()
      .where("reply_message_id", "=", reply.id)
      .executeTakeFirstOrThrow();
    const retry = {
      tenantId: receipt.tenant_id,
      payload: { message_sid: receipt.message_sid, answer: "persona" },
    };

    const before = twilio.messages.length;
    await app.services.sms.inbound.answer(retry);
    await app.services.sms.inbound.answer(retry);
    // The picture once, and the text not again.
    expect(twilio.messages.slice(before).map((message) => message.mediaUrls.length)).toEqual([1]);
  });

  it("takes an MMS's picture (fetched with the account's credentials) as the user's message for a vision model", async () => {
    requests.length = 0;
    const url = twilio.addMedia(await jpegPhoto(), "image/jpeg");
    const [reply] = await andSent(1, () =>
      text(VERA_NUMBER, "What do you think?", [{ url, type: "image/jpeg" }]),
    );
    expect(reply).toMatchObject({ from: VERA_NUMBER, body: "Noted." });
    expect(twilio.mediaDownloads).toHaveLength(1);
    const messages = await messagesWith(app, "mms-user", veraId);
    const asked = messages.find((message) => message.role === "user");
    expect(asked).toMatchObject({
      content: "What do you think?",
      media: [expect.objectContaining({ source: "upload", kind: "image" })],
    });
    expect(sawPicture(requests)).toBe(true);
    const inbound = await app.services.store.db
      .selectFrom("usage_events")
      .select("kind")
      .where("kind", "=", "mms_inbound")
      .execute();
    expect(inbound).toHaveLength(1);
  });

  it("answers an MMS whose media is not a picture with a text, without downloading it", async () => {
    const url = twilio.addMedia(new TextEncoder().encode("BEGIN:VCARD"), "text/vcard");
    const downloads = twilio.mediaDownloads.length;
    const [answer] = await andSent(1, () => text(VERA_NUMBER, "", [{ url, type: "text/vcard" }]));
    expect(answer?.body).toBe(pictureNotReadText("Vera", "not_a_picture"));
    expect(twilio.mediaDownloads.length).toBe(downloads);
  });
});
