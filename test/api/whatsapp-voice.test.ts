import { createHmac } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CALLING_TEXT } from "../../src/channels/sms/sms-call-back.ts";
import {
  callsUnavailableText,
  voiceNoteNotHeardText,
  voiceNotesUnavailableText,
} from "../../src/channels/whatsapp/whatsapp-texts.ts";
import { EspeakSynthesizer } from "../../src/speech/espeak-synthesizer.ts";
import type { SpeechRecognizer, TranscriptionRequest } from "../../src/speech/speech.ts";
import { decodeWav } from "../../src/speech/wav.ts";
import { startMockTwilio, type MockTwilio } from "../mock-twilio.ts";
import { MOCK_WHATSAPP_APP_SECRET, startMockWhatsApp, type MockWhatsApp } from "../mock-whatsapp.ts";
import { oggOpusSilence } from "../ogg-opus-file.ts";
import { createTestApp, TestClock, type TestApp } from "../test-app.ts";

/**
 * Voice on WhatsApp end to end, on SQLite: voice notes (Ogg Opus, as WhatsApp records them) heard and
 * kept, replies also sent as MP3 audio, and "call me" answered with a Twilio call. Meta and Twilio are
 * loopback fakes; the recognizer is scripted (it must be given WAV: the Ogg is decoded on the way).
 */

const WEBHOOK_PATH = "/v1/channels/whatsapp";
const TENANT = "ten_default";
const ADA_NUMBER_ID = "106540352242922";
const BEA_NUMBER_ID = "106540352242933";
const BEA_PHONE = "+14155550190";
const IMMEDIATE = { responds_immediately: true, responds_outside_active_hours: true };
const AUTO_SPEECH = { sms: true, premium_model: false, media_generation: false, auto_speech: true };

class ScriptedRecognizer implements SpeechRecognizer {
  readonly name = "scripted";
  readonly label = "Scripted (test)";
  readonly basic = false;
  readonly heard: TranscriptionRequest[] = [];
  text = "tell me about the sea";
  async transcribe(request: TranscriptionRequest) {
    this.heard.push(request);
    const audio = decodeWav(request.audio); // throws unless the voice note arrived as WAV
    return { text: this.text, durationSeconds: audio.samples.length / audio.sampleRate };
  }
}

let messageCounter = 0;
const newMessageId = () => `wamid.VOICE${String(++messageCounter).padStart(10, "0")}`;

function webhookBody(from: string, phoneNumberId: string, message: Record<string, unknown>): string {
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
              messages: [{ from, id: newMessageId(), timestamp: "1700000000", ...message }],
            },
          },
        ],
      },
    ],
  });
}

/** A WhatsApp setup: the app, Meta's fake, a linked user and helpers to write to a persona's number. */
function whatsAppHarness() {
  const harness = {
    app: undefined as unknown as TestApp,
    meta: undefined as unknown as MockWhatsApp,
    post(body: string) {
      const signature = `sha256=${createHmac("sha256", MOCK_WHATSAPP_APP_SECRET).update(body).digest("hex")}`;
      return harness.app.request(WEBHOOK_PATH, {
        method: "POST",
        key: null,
        headers: { "content-type": "application/json", "x-hub-signature-256": signature },
        body,
      });
    },
    write(from: string, phoneNumberId: string, text: string) {
      return harness.post(webhookBody(from, phoneNumberId, { type: "text", text: { body: text } }));
    },
    sendVoiceNote(from: string, phoneNumberId: string, bytes = oggOpusSilence({ seconds: 1 })) {
      const id = harness.meta.addMedia(bytes, "audio/ogg; codecs=opus");
      return harness.post(
        webhookBody(from, phoneNumberId, {
          type: "audio",
          audio: { id, mime_type: "audio/ogg; codecs=opus", sha256: "x", voice: true },
        }),
      );
    },
    /** Runs `action`, then waits for `count` more messages at Meta and for the jobs to settle. */
    async andSent(count: number, action: () => Promise<{ status: number }>) {
      const before = harness.meta.messages.length;
      expect((await action()).status).toBe(200);
      await harness.meta.waitForMessages(before + count);
      await harness.app.settleJobs("whatsapp-inbound");
      return harness.meta.messages.slice(before);
    },
    async createPersona(name: string, phoneNumberId: string, definition: Record<string, unknown> = {}) {
      const persona = await (
        await harness.app.request("/v1/personas", {
          method: "POST",
          json: { name, modifiers: IMMEDIATE, ...definition },
        })
      ).json();
      const bound = await harness.app.request(`/v1/personas/${persona.id}/whatsapp-numbers`, {
        method: "POST",
        json: { phone_number_id: phoneNumberId, display_phone_number: `+1 555 ${phoneNumberId.slice(-4)}` },
      });
      expect(bound.status).toBe(201);
      return persona.id as string;
    },
    async link(user: string, waId: string, phoneNumberId: string): Promise<string> {
      const { code } = await (
        await harness.app.request("/v1/whatsapp/link-codes", { method: "POST", user })
      ).json();
      const [linked] = await harness.andSent(1, () => harness.write(waId, phoneNumberId, code));
      expect(linked?.body).toMatch(/^You're linked!/);
      return (await harness.app.services.store.users.findByExternalId(TENANT, user))!.id;
    },
  };
  return harness;
}

describe("WhatsApp voice with a recognizer and Twilio", () => {
  const harness = whatsAppHarness();
  const recognizer = new ScriptedRecognizer();
  let twilio: MockTwilio;
  let adaId: string;
  let beaId: string;
  let userId: string;
  const WA_ID = "14155550177";

  beforeAll(async () => {
    harness.meta = await startMockWhatsApp();
    twilio = await startMockTwilio();
    harness.app = await createTestApp({
      whatsapp: harness.meta.settings,
      twilio: { ...twilio.settings, publicUrl: "https://dramatis.example" },
      clock: new TestClock(new Date("2026-03-02T15:00:00.000Z")),
      speech: {
        providers: [
          { name: "espeak", synthesizer: new EspeakSynthesizer() },
          { name: "scripted", recognizer },
        ],
      },
    });
    adaId = await harness.createPersona("Ada", ADA_NUMBER_ID);
    beaId = await harness.createPersona("Bea", BEA_NUMBER_ID, {
      features: AUTO_SPEECH,
      chat_configuration: { forward_to_voice: true },
    });
    const bound = await harness.app.request(`/v1/personas/${beaId}/phone-numbers`, {
      method: "POST",
      json: { phone_number: BEA_PHONE },
    });
    expect(bound.status).toBe(201);
    userId = await harness.link("voice-user", WA_ID, ADA_NUMBER_ID);
  });
  afterAll(async () => {
    await harness.app?.close();
    await harness.meta?.close();
    await twilio?.close();
  });
  beforeEach(() => {
    harness.meta.script = [];
    recognizer.text = "tell me about the sea";
  });

  it("hears an Ogg Opus voice note, keeps it with its transcript and answers it", async () => {
    const [reply] = await harness.andSent(1, () => harness.sendVoiceNote(WA_ID, ADA_NUMBER_ID));
    expect(harness.meta.downloads).toHaveLength(1);
    expect(recognizer.heard.at(-1)?.contentType).toBe("audio/wav");
    const { db } = harness.app.services.store;
    const conversation = await db
      .selectFrom("conversations")
      .selectAll()
      .where("persona_id", "=", adaId)
      .where("user_id", "=", userId)
      .executeTakeFirstOrThrow();
    expect(conversation.channel).toBe("whatsapp");
    const messages = await db
      .selectFrom("messages")
      .selectAll()
      .where("conversation_id", "=", conversation.id)
      .orderBy("created_at")
      .execute();
    const asked = messages.find((message) => message.role === "user");
    const answered = messages.find((message) => message.role === "assistant");
    expect(asked?.content).toBe("tell me about the sea");
    expect(answered?.content).toBe(reply?.body);
    const recordings = await db
      .selectFrom("message_audio")
      .selectAll()
      .where("conversation_id", "=", conversation.id)
      .execute();
    expect(recordings).toEqual([
      expect.objectContaining({
        kind: "recording",
        message_id: asked!.id,
        transcript: "tell me about the sea",
        content_type: "audio/ogg",
      }),
    ]);
    // The web shows the voice note with its message.
    const listed = await (
      await harness.app.request(`/v1/conversations/${conversation.id}/messages`, { user: "voice-user" })
    ).json();
    const shown = listed.data.find((message: { id: string }) => message.id === asked!.id);
    expect(JSON.stringify(shown)).toContain('"recording"');
  });

  it("answers a voice note it hears no words in with a text, not silence", async () => {
    recognizer.text = "";
    const [answer] = await harness.andSent(1, () => harness.sendVoiceNote(WA_ID, ADA_NUMBER_ID));
    expect(answer?.body).toBe(voiceNoteNotHeardText("Ada"));
  });

  it("sends a speaking persona's reply as MP3 audio after its text", async () => {
    const uploads = harness.meta.uploads.length;
    const [text, audio] = await harness.andSent(2, () =>
      harness.write(WA_ID, BEA_NUMBER_ID, "Good morning!"),
    );
    expect(text).toMatchObject({ type: "text", to: WA_ID, phoneNumberId: BEA_NUMBER_ID });
    expect(text?.body.length).toBeGreaterThan(0);
    const upload = harness.meta.uploads[uploads];
    expect(upload).toMatchObject({
      phoneNumberId: BEA_NUMBER_ID,
      type: "audio/mpeg",
      contentType: "audio/mpeg",
    });
    // An MPEG audio frame header: 11 sync bits, then layer III.
    const bytes = upload!.bytes;
    const frame = bytes.findIndex(
      (byte, index) => byte === 0xff && ((bytes[index + 1] ?? 0) & 0xe2) === 0xe2,
    );
    expect(frame).toBeGreaterThanOrEqual(0);
    expect(audio).toMatchObject({ type: "audio", to: WA_ID, audioId: upload!.id });
    // Read aloud once: the reply's stored speech is the one sent.
    const speech = await harness.app.services.store.db
      .selectFrom("message_audio")
      .select("id")
      .where("kind", "=", "speech")
      .execute();
    expect(speech).toHaveLength(1);
  });

  it("keeps the text when the audio cannot be sent, and does not send the text again", async () => {
    harness.meta.script = [200, 400]; // the text goes; the upload is refused
    const before = harness.meta.messages.length;
    const sent = await harness.andSent(1, () => harness.write(WA_ID, BEA_NUMBER_ID, "Still there?"));
    expect(sent.map((message) => message.type)).toEqual(["text"]);
    expect(harness.meta.messages.length).toBe(before + 1);
    expect(harness.meta.script).toEqual([]); // the upload was tried (and refused)
  });

  it("calls the sender's WhatsApp number when asked and the persona forwards to voice", async () => {
    const [answer] = await harness.andSent(1, () =>
      harness.write(WA_ID, BEA_NUMBER_ID, "Can you call me please?"),
    );
    expect(answer?.body).toBe(CALLING_TEXT);
    await twilio.waitForCalls(1);
    expect(twilio.calls.at(-1)).toMatchObject({ from: BEA_PHONE, to: `+${WA_ID}` });
  });
});

describe("WhatsApp voice without a recognizer or Twilio", () => {
  const harness = whatsAppHarness();
  const WA_ID = "14155550188";

  beforeAll(async () => {
    harness.meta = await startMockWhatsApp();
    harness.app = await createTestApp({
      whatsapp: harness.meta.settings,
      clock: new TestClock(new Date("2026-03-02T15:00:00.000Z")),
    });
    await harness.createPersona("Cleo", ADA_NUMBER_ID, { chat_configuration: { forward_to_voice: true } });
    await harness.link("quiet-user", WA_ID, ADA_NUMBER_ID);
  });
  afterAll(async () => {
    await harness.app?.close();
    await harness.meta?.close();
  });

  it("explains that voice notes cannot be heard, without downloading them", async () => {
    const [answer] = await harness.andSent(1, () => harness.sendVoiceNote(WA_ID, ADA_NUMBER_ID));
    expect(answer?.body).toBe(voiceNotesUnavailableText("Cleo"));
    expect(harness.meta.downloads).toEqual([]);
  });

  it("explains that calls are not available", async () => {
    const [answer] = await harness.andSent(1, () => harness.write(WA_ID, ADA_NUMBER_ID, "call me"));
    expect(answer?.body).toBe(callsUnavailableText());
  });
});
