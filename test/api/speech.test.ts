import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EspeakSynthesizer } from "../../src/speech/espeak-synthesizer.ts";
import type { SpeechRecognizer, TranscriptionRequest } from "../../src/speech/speech.ts";
import { decodeWav } from "../../src/speech/wav.ts";
import { ADMIN_KEY, createTestApp, type TestApp } from "../test-app.ts";

/** A recognizer that hears what the test says it hears, and remembers what it was given. */
class ScriptedRecognizer implements SpeechRecognizer {
  readonly name = "scripted";
  readonly label = "Scripted (test)";
  readonly basic = false;
  readonly heard: TranscriptionRequest[] = [];
  constructor(public text = "what a lovely day it is") {}
  async transcribe(request: TranscriptionRequest) {
    this.heard.push(request);
    const audio = decodeWav(request.audio);
    return {
      text: this.text,
      language: request.locale ?? "en-US",
      durationSeconds: audio.samples.length / audio.sampleRate,
    };
  }
}

const USER = "speech-user";

async function createPersona(app: TestApp, definition: Record<string, unknown>): Promise<string> {
  const response = await app.request("/v1/personas", {
    method: "POST",
    json: { name: "Ada", ...definition },
  });
  expect(response.status).toBe(201);
  return (await response.json()).id;
}

async function startConversation(app: TestApp, personaId: string) {
  const response = await app.request("/v1/conversations", {
    method: "POST",
    user: USER,
    json: { persona_id: personaId },
  });
  expect(response.status).toBe(201);
  return response.json();
}

async function synthesizeWav(text: string): Promise<Uint8Array> {
  return (await new EspeakSynthesizer().synthesize({ voice: "en-us", text })).bytes;
}

describe("speech API", () => {
  let app: TestApp;
  const recognizer = new ScriptedRecognizer();

  beforeAll(async () => {
    app = await createTestApp({
      speech: {
        providers: [
          { name: "espeak", synthesizer: new EspeakSynthesizer() },
          { name: "scripted", recognizer },
        ],
      },
    });
  });
  afterAll(async () => app?.close());

  it("lists the embedded voices per locale, labelled basic, with previews", async () => {
    const response = await app.request("/v1/voices?locale=de-DE");
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.data.length).toBeGreaterThan(0);
    for (const voice of body.data) expect(voice.locale.toLowerCase().startsWith("de")).toBe(true);
    const voice = body.data.find((item: any) => item.id === "espeak/de+f3");
    expect(voice).toMatchObject({ provider: "espeak", basic: true, gender: "female" });
    expect(voice.display_name).toMatch(/basic/);
    expect(body.providers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "espeak", synthesis: true, basic: true }),
        expect.objectContaining({ name: "scripted", recognition: true }),
      ]),
    );

    const preview = await app.request(voice.preview_url);
    expect(preview.status).toBe(200);
    expect(preview.headers.get("content-type")).toBe("audio/wav");
    const audio = decodeWav(new Uint8Array(await preview.arrayBuffer()));
    expect(audio.samples.length / audio.sampleRate).toBeGreaterThan(1);
    // The slash may also travel as is.
    expect((await app.request("/v1/voices/espeak/de+f3/preview")).status).toBe(200);
    const unknown = await app.request("/v1/voices/espeak%2Fxx-nowhere/preview");
    expect(unknown.status).toBe(404);
    expect((await app.request("/v1/voices?provider=nobody")).status).toBe(404);
    expect((await app.request("/v1/voices?locale=not a locale")).status).toBe(422);
  });

  it("reads text aloud and bills its characters", async () => {
    const response = await app.request("/v1/speech", {
      method: "POST",
      user: USER,
      json: { text: "Good morning, Ada.", voice: "espeak/en-us+f3", rate: 1.2 },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-dramatis-voice")).toBe("espeak/en-us+f3");
    expect(response.headers.get("x-dramatis-characters")).toBe("18");
    const audio = decodeWav(new Uint8Array(await response.arrayBuffer()));
    expect(audio.samples.some((sample) => Math.abs(sample) > 0.05)).toBe(true);

    const usage = await (await app.request("/v1/usage?group_by=kind")).json();
    const tts = usage.totals.find((total: any) => total.key === "tts");
    expect(tts.speech_characters).toBe(18);
    expect(tts.cost_usd).toBeCloseTo(18 * 0.000018, 10);
  });

  it("refuses bad speech requests with a 4xx that names the problem", async () => {
    const unknownVoice = await app.request("/v1/speech", {
      method: "POST",
      json: { text: "hi", voice: "nobody/x" },
    });
    expect(unknownVoice.status).toBe(400);
    expect((await unknownVoice.json()).detail).toMatch(/unknown voice "nobody\/x"/);
    const badVariant = await app.request("/v1/speech", {
      method: "POST",
      json: { text: "hi", voice: "espeak/en-us+zz" },
    });
    expect(badVariant.status).toBe(400);
    const tooLong = await app.request("/v1/speech", { method: "POST", json: { text: "a".repeat(5000) } });
    expect(tooLong.status).toBe(400);
    expect((await tooLong.json()).detail).toMatch(/4096/);
    const blank = await app.request("/v1/speech", { method: "POST", json: { text: "   " } });
    expect(blank.status).toBe(400);
    const missingPersona = await app.request("/v1/speech", {
      method: "POST",
      json: { text: "hi", persona_id: "psn_nope" },
    });
    expect(missingPersona.status).toBe(404);
    const rate = await app.request("/v1/speech", { method: "POST", json: { text: "hi", rate: 9 } });
    expect(rate.status).toBe(422);
  });

  it("speaks in the persona's voice configuration for the locale", async () => {
    const personaId = await createPersona(app, {
      voice_configurations: [
        { locale: "en-US", voice: "espeak/en-us+m3" },
        { locale: "de-DE", voice: "espeak/de+f5", speech_rate: 0.8 },
      ],
    });
    const german = await app.request("/v1/speech", {
      method: "POST",
      json: { text: "Guten Tag", persona_id: personaId, locale: "de-DE" },
    });
    expect(german.headers.get("x-dramatis-voice")).toBe("espeak/de+f5");
    const fallback = await app.request("/v1/speech", {
      method: "POST",
      json: { text: "Hello", persona_id: personaId, locale: "fr-FR" },
    });
    expect(fallback.headers.get("x-dramatis-voice")).toBe("espeak/en-us+m3");
    // A persona without voice configurations speaks the embedded voice matching its sex.
    const plain = await createPersona(app, { identity: { sex: "female" } });
    const chosen = await app.request("/v1/speech", {
      method: "POST",
      json: { text: "Hello", persona_id: plain },
    });
    expect(chosen.headers.get("x-dramatis-voice")).toMatch(/^espeak\/en.*\+f/);
  });

  it("transcribes uploads (multipart or raw) and bills their seconds", async () => {
    const wav = await synthesizeWav("What a lovely day it is.");
    const form = new FormData();
    form.append("file", new Blob([wav as Uint8Array<ArrayBuffer>], { type: "audio/wav" }), "hello.wav");
    form.append("locale", "en-GB");
    const multipart = await app.request("/v1/transcriptions", { method: "POST", body: form });
    expect(multipart.status).toBe(200);
    const body = await multipart.json();
    expect(body).toMatchObject({
      text: "what a lovely day it is",
      recognizer: "scripted",
      language: "en-GB",
    });
    expect(body.duration_seconds).toBeGreaterThan(0.5);
    expect(recognizer.heard.at(-1)).toMatchObject({ contentType: "audio/wav", locale: "en-GB" });

    const raw = await app.request("/v1/transcriptions?locale=en-US", {
      method: "POST",
      body: wav as Uint8Array<ArrayBuffer>,
      headers: { "content-type": "application/octet-stream" },
    });
    expect(raw.status).toBe(200);

    const notAudio = await app.request("/v1/transcriptions", {
      method: "POST",
      body: "hello, I am text",
      headers: { "content-type": "text/plain" },
    });
    expect(notAudio.status).toBe(400);
    expect((await notAudio.json()).detail).toMatch(/not a recognised audio file/);
    const empty = await app.request("/v1/transcriptions", { method: "POST", body: new Uint8Array() });
    expect(empty.status).toBe(400);
    const unknownRecognizer = await app.request("/v1/transcriptions?recognizer=nobody", {
      method: "POST",
      body: wav as Uint8Array<ArrayBuffer>,
    });
    expect(unknownRecognizer.status).toBe(400);

    const usage = await (await app.request("/v1/usage?group_by=kind")).json();
    const stt = usage.totals.find((total: any) => total.key === "stt");
    expect(stt.audio_seconds).toBeGreaterThan(1);
  });

  it("reads a reply aloud once, keeps the audio with the message and reads an edit anew", async () => {
    const personaId = await createPersona(app, { first_message: "Hello there, traveller." });
    const conversation = await startConversation(app, personaId);
    const messages = await (
      await app.request(`/v1/conversations/${conversation.id}/messages`, { user: USER })
    ).json();
    const greeting = messages.data[0];

    const path = `/v1/conversations/${conversation.id}/messages/${greeting.id}/speech`;
    const first = await app.request(path, { method: "POST", user: USER });
    expect(first.status).toBe(200);
    const audio = await first.json();
    expect(audio).toMatchObject({ kind: "speech", content_type: "audio/wav" });
    expect(audio.duration_seconds).toBeGreaterThan(0.5);
    const again = await (await app.request(path, { method: "POST", user: USER })).json();
    expect(again.id).toBe(audio.id);

    const bytes = await app.request(audio.url, { user: USER });
    expect(bytes.status).toBe(200);
    expect(bytes.headers.get("content-type")).toBe("audio/wav");
    const etag = bytes.headers.get("etag")!;
    expect((await app.request(audio.url, { user: USER, headers: { "if-none-match": etag } })).status).toBe(
      304,
    );

    const listed = await (
      await app.request(`/v1/conversations/${conversation.id}/messages`, { user: USER })
    ).json();
    expect(listed.data[0].audio).toEqual([expect.objectContaining({ id: audio.id, kind: "speech" })]);

    // Another user sees nothing of it.
    expect((await app.request(audio.url, { user: "someone-else" })).status).toBe(404);
    expect((await app.request(path, { method: "POST", user: "someone-else" })).status).toBe(404);

    await app.request(`/v1/conversations/${conversation.id}/messages/${greeting.id}`, {
      method: "PATCH",
      user: USER,
      json: { content: "Hello again, traveller." },
    });
    const edited = await (
      await app.request(`/v1/conversations/${conversation.id}/messages`, { user: USER })
    ).json();
    expect(edited.data[0].audio).toEqual([]);
    const reread = await (await app.request(path, { method: "POST", user: USER })).json();
    expect(reread.id).not.toBe(audio.id);
  });

  it("keeps a voice message with the message it was sent as, and deletes audio with the conversation", async () => {
    const personaId = await createPersona(app, {});
    const conversation = await startConversation(app, personaId);
    const wav = await synthesizeWav("Tell me a story.");
    recognizer.text = "tell me a story";
    const upload = await app.request(`/v1/conversations/${conversation.id}/recordings`, {
      method: "POST",
      user: USER,
      body: wav as Uint8Array<ArrayBuffer>,
      headers: { "content-type": "audio/wav" },
    });
    expect(upload.status).toBe(201);
    const recording = await upload.json();
    expect(recording.text).toBe("tell me a story");

    const sent = await app.request(`/v1/conversations/${conversation.id}/messages`, {
      method: "POST",
      user: USER,
      json: { content: recording.text, recording_id: recording.recording_id },
    });
    expect(sent.status).toBe(200);
    const exchange = await sent.json();
    expect(exchange.user_message.audio).toEqual([
      expect.objectContaining({
        id: recording.recording_id,
        kind: "recording",
        transcript: "tell me a story",
      }),
    ]);
    // A recording is sent once.
    const twice = await app.request(`/v1/conversations/${conversation.id}/messages`, {
      method: "POST",
      user: USER,
      json: { content: "again", recording_id: recording.recording_id },
    });
    expect(twice.status).toBe(404);

    const reply = await app.request(
      `/v1/conversations/${conversation.id}/messages/${exchange.message.id}/speech`,
      { method: "POST", user: USER },
    );
    const replyAudio = await reply.json();
    const recordingUrl = exchange.user_message.audio[0].url;
    expect((await app.request(recordingUrl, { user: USER })).status).toBe(200);

    expect(
      (await app.request(`/v1/conversations/${conversation.id}`, { method: "DELETE", user: USER })).status,
    ).toBe(204);
    const remaining = await app.services.store.db
      .selectFrom("message_audio")
      .select("id")
      .where("conversation_id", "=", conversation.id)
      .execute();
    expect(remaining).toEqual([]);
    const blobs = await app.services.store.db.selectFrom("blobs").select("id").execute();
    expect(blobs.map((blob) => blob.id)).not.toContain(replyAudio.id);
    expect((await app.request(recordingUrl, { user: USER })).status).toBe(404);
  });

  it("gives every reply its audio when the persona auto-generates speech", async () => {
    const speaking = await createPersona(app, {
      features: { sms: false, premium_model: false, media_generation: false, auto_speech: true },
    });
    const conversation = await startConversation(app, speaking);
    const sent = await (
      await app.request(`/v1/conversations/${conversation.id}/messages`, {
        method: "POST",
        user: USER,
        json: { content: "How are you?" },
      })
    ).json();
    await app.settleJobs("message-speech");
    const listed = await (
      await app.request(`/v1/conversations/${conversation.id}/messages`, { user: USER })
    ).json();
    const reply = listed.data.find((message: any) => message.id === sent.message.id);
    expect(reply.audio).toEqual([expect.objectContaining({ kind: "speech" })]);

    // Without the feature, replies are read only when asked.
    const quiet = await startConversation(app, await createPersona(app, {}));
    await app.request(`/v1/conversations/${quiet.id}/messages`, {
      method: "POST",
      user: USER,
      json: { content: "How are you?" },
    });
    await app.settleJobs("message-speech");
    const quietMessages = await (
      await app.request(`/v1/conversations/${quiet.id}/messages`, { user: USER })
    ).json();
    expect(quietMessages.data.every((message: any) => message.audio.length === 0)).toBe(true);
  });

  it("sweeps the audio of a deleted persona's conversations", async () => {
    const personaId = await createPersona(app, { first_message: "Hi." });
    const conversation = await startConversation(app, personaId);
    const messages = await (
      await app.request(`/v1/conversations/${conversation.id}/messages`, { user: USER })
    ).json();
    await app.request(`/v1/conversations/${conversation.id}/messages/${messages.data[0].id}/speech`, {
      method: "POST",
      user: USER,
    });
    const before = await app.services.store.db.selectFrom("blobs").select("id").execute();
    expect(
      (await app.request(`/v1/personas/${personaId}`, { method: "DELETE", key: ADMIN_KEY })).status,
    ).toBe(204);
    const after = await app.services.store.db.selectFrom("blobs").select("id").execute();
    expect(after.length).toBe(before.length - 1);
    const rows = await app.services.store.db
      .selectFrom("message_audio")
      .select("id")
      .where("conversation_id", "=", conversation.id)
      .execute();
    expect(rows).toEqual([]);
  });
});

describe("speech API without a recognizer", () => {
  it("answers 404 naming how to get one", async () => {
    const app = await createTestApp({
      speech: { providers: [{ name: "espeak", synthesizer: new EspeakSynthesizer() }] },
    });
    try {
      const wav = await synthesizeWav("Hello.");
      const response = await app.request("/v1/transcriptions", {
        method: "POST",
        body: wav as Uint8Array<ArrayBuffer>,
      });
      expect(response.status).toBe(404);
      expect((await response.json()).detail).toMatch(/pocketsphinx|DRAMATIS_SPEECH_PROVIDERS/);
    } finally {
      await app.close();
    }
  });
});
