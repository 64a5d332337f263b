import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { EspeakSynthesizer } from "../../src/speech/espeak-synthesizer.ts";
import { decodeWav, encodeMuLaw, resample } from "../../src/speech/wav.ts";
import { startMockSpeech, type MockSpeech } from "../mock-speech.ts";
import {
  MOCK_TWILIO_ACCOUNT_SID,
  MOCK_TWILIO_AUTH_TOKEN,
  startMockTwilio,
  type MockTwilio,
} from "../mock-twilio.ts";
import { startRunningServer, type RunningTestServer } from "../running-server.ts";

/**
 * Phone calls end to end: the real server on a loopback port, a loopback Twilio REST API, and a fake
 * Twilio Media Streams client that plays what Twilio would (signed webhooks, TwiML, the JSON stream).
 */

const PUBLIC_URL = "https://dramatis.example";
const PERSONA_NUMBER = "+14155550100";
const USER = "phone-caller";
const USER_NUMBER = "+14155550111";
const IMMEDIATE = { responds_immediately: true, responds_outside_active_hours: true };

function signByHand(url: string, parameters: Record<string, string>, token = MOCK_TWILIO_AUTH_TOKEN): string {
  const data = Object.keys(parameters)
    .sort()
    .reduce((text, name) => text + name + parameters[name], url);
  return createHmac("sha1", token).update(data).digest("base64");
}

let sidCounter = 0;
/** Sids of our own making, unlike the mock's (`CA000…1`) so they never collide. */
const newSid = (prefix: string) => `${prefix}${"f".repeat(24)}${String(++sidCounter).padStart(8, "0")}`;

/** What Twilio's fake client hears and does on one media stream. */
class MediaStreamClient {
  readonly messages: Array<Record<string, any>> = [];
  private waiters: Array<() => void> = [];
  readonly closed: Promise<number>;

  constructor(readonly socket: WebSocket) {
    socket.on("message", (data) => {
      this.messages.push(JSON.parse(data.toString()));
      for (const waiter of this.waiters.splice(0)) waiter();
    });
    this.closed = new Promise((resolve) => socket.on("close", (code) => resolve(code)));
  }

  static async open(url: string): Promise<MediaStreamClient> {
    const socket = new WebSocket(url);
    const client = new MediaStreamClient(socket);
    await new Promise((resolve, reject) => {
      socket.once("open", resolve);
      socket.once("error", reject);
    });
    return client;
  }

  /** Resolves with the first message (from `from` on) that matches. */
  async next(predicate: (message: Record<string, any>) => boolean, from = 0): Promise<Record<string, any>> {
    for (;;) {
      const found = this.messages.slice(from).find(predicate);
      if (found) return found;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  start(streamSid: string, callSid: string, parameters: Record<string, string>): void {
    this.send({ event: "connected", protocol: "Call", version: "1.0.0" });
    this.send({
      event: "start",
      sequenceNumber: "1",
      streamSid,
      start: {
        streamSid,
        accountSid: MOCK_TWILIO_ACCOUNT_SID,
        callSid,
        tracks: ["inbound"],
        customParameters: parameters,
        mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 },
      },
    });
  }

  /** Mu-law 8 kHz in 20 ms media messages, as Twilio sends the caller's voice. */
  say(streamSid: string, mulaw: Uint8Array): void {
    for (let offset = 0; offset < mulaw.length; offset += 160) {
      const payload = Buffer.from(mulaw.subarray(offset, offset + 160)).toString("base64");
      this.send({ event: "media", streamSid, media: { track: "inbound", payload } });
    }
  }
}

/** The <Stream> url and <Parameter>s of TwiML that connects a call. */
function readStreamTwiml(twiml: string): { url: string; parameters: Record<string, string> } {
  const url = /<Stream url="([^"]+)"/.exec(twiml)?.[1];
  if (!url) throw new Error(`no <Stream> in ${twiml}`);
  const parameters: Record<string, string> = {};
  for (const match of twiml.matchAll(/<Parameter name="([^"]+)" value="([^"]*)"\/>/g)) {
    parameters[match[1]!] = match[2]!;
  }
  return { url, parameters };
}

async function phoneSpeech(text: string): Promise<Uint8Array> {
  const clip = await new EspeakSynthesizer().synthesize({ voice: "en-us", text });
  const audio = decodeWav(clip.bytes);
  const samples = resample(audio.samples, audio.sampleRate, 8_000);
  const withSilence = new Float32Array(samples.length + 8_000 * 1.2);
  withSilence.set(samples);
  return encodeMuLaw(withSilence);
}

describe("phone calls through Twilio Voice", () => {
  let running: RunningTestServer;
  let recognizer: MockSpeech;
  let twilio: MockTwilio;
  let personaId: string;
  let utterance: Uint8Array;
  const completedConversations = new Map<string, () => void>();
  const completed = new Map<string, Promise<void>>();
  /** Resolves once the persona has answered a turn in this conversation. */
  const exchangeCompleted = (conversationId: string) => {
    if (!completed.has(conversationId)) {
      completed.set(
        conversationId,
        new Promise<void>((resolve) => completedConversations.set(conversationId, resolve)),
      );
    }
    return completed.get(conversationId)!;
  };

  /** Posts a signed Twilio webhook (form-encoded), as Twilio would. */
  async function webhook(
    path: string,
    parameters: Record<string, string>,
    options: { signature?: string | null } = {},
  ): Promise<Response> {
    const signature =
      options.signature === undefined ? signByHand(`${PUBLIC_URL}${path}`, parameters) : options.signature;
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
    if (signature !== null) headers["x-twilio-signature"] = signature;
    return fetch(`${running.url}${path}`, {
      method: "POST",
      headers,
      body: new URLSearchParams(parameters).toString(),
    });
  }

  const voiceParameters = (callSid: string, from = USER_NUMBER, to = PERSONA_NUMBER) => ({
    AccountSid: MOCK_TWILIO_ACCOUNT_SID,
    ApiVersion: "2010-04-01",
    CallSid: callSid,
    CallStatus: "ringing",
    Direction: "inbound",
    From: from,
    To: to,
  });

  const socketUrl = (streamUrl: string) =>
    `${running.url.replace(/^http/, "ws")}${new URL(streamUrl).pathname}`;

  beforeAll(async () => {
    recognizer = await startMockSpeech({ transcript: "what is the weather like today" });
    twilio = await startMockTwilio();
    running = await startRunningServer({
      DRAMATIS_SPEECH_PROVIDERS: JSON.stringify([
        {
          name: "fake",
          kind: "openai-compatible",
          base_url: `${recognizer.baseUrl}/v1`,
          api_key: recognizer.key,
        },
      ]),
      DRAMATIS_TRANSCRIPTION: "fake",
      DRAMATIS_OFFLINE_TRANSCRIPTION: "off",
      TWILIO_ACCOUNT_SID: MOCK_TWILIO_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: MOCK_TWILIO_AUTH_TOKEN,
      TWILIO_BASE_URL: twilio.settings.baseUrl,
      DRAMATIS_PUBLIC_URL: PUBLIC_URL,
    });
    running.server.services.conversations.events.on("exchange-completed", ({ exchange }) => {
      void exchangeCompleted(exchange.message.conversation_id);
      completedConversations.get(exchange.message.conversation_id)?.();
    });
    const persona = await running.call("/v1/personas", {
      method: "POST",
      json: {
        name: "Ada",
        features: { sms: true },
        modifiers: IMMEDIATE,
        chat_configuration: { forward_to_voice: true },
        voice_configurations: [
          {
            locale: "en-US",
            voice: "espeak/en-us+f3",
            first_speaker: "agent",
            first_message: "Hello, this is Ada on the phone.",
            silence_timeout_seconds: 30,
            recording: true,
          },
        ],
      },
    });
    expect(persona.status).toBe(201);
    personaId = persona.body.id as string;
    const bound = await running.call(`/v1/personas/${personaId}/phone-numbers`, {
      method: "POST",
      json: { phone_number: PERSONA_NUMBER },
    });
    expect(bound.status).toBe(201);
    // The caller's number is verified to the user, as for SMS.
    expect(
      (
        await running.call("/v1/phone-numbers", {
          method: "POST",
          user: USER,
          json: { phone_number: USER_NUMBER },
        })
      ).status,
    ).toBe(202);
    const code = /code is (\d{6})/.exec(twilio.messages.at(-1)?.body ?? "")?.[1];
    const verified = await running.call("/v1/phone-numbers/verify", {
      method: "POST",
      user: USER,
      json: { phone_number: USER_NUMBER, code },
    });
    expect(verified.status).toBe(200);
    utterance = await phoneSpeech("What is the weather like today?");
  });
  afterAll(async () => {
    await running?.stop();
    await recognizer?.close();
    await twilio?.close();
  });

  it("answers a verified caller on the call pipeline over Twilio's media stream, and keeps the call", async () => {
    const callSid = newSid("CA");
    const answered = await webhook("/v1/twilio/voice", voiceParameters(callSid));
    expect(answered.status).toBe(200);
    expect(answered.headers.get("content-type")).toMatch(/text\/xml/);
    const { url, parameters } = readStreamTwiml(await answered.text());
    expect(url).toBe("wss://dramatis.example/v1/twilio/media-stream");
    expect(Object.keys(parameters).sort()).toEqual(["call_id", "token"]);
    const callId = parameters.call_id!;

    const stream = await MediaStreamClient.open(socketUrl(url));
    const streamSid = newSid("MZ");
    stream.start(streamSid, callSid, parameters);
    // The persona speaks first: its first message, as 20 ms mu-law frames.
    const first = await stream.next(() => true);
    expect(first).toMatchObject({ event: "media", streamSid });
    expect(Buffer.from(first.media.payload as string, "base64")).toHaveLength(160);

    // The caller speaks over it: the persona stops (Twilio is told to clear what it queued), hears the
    // caller, answers, and the answer is spoken down the line.
    stream.say(streamSid, utterance);
    const call = (await running.call(`/v1/calls/${callId}`, { user: USER })).body;
    expect(call).toMatchObject({ channel: "phone", direction: "inbound", status: "in-progress" });
    const clear = await stream.next((message) => message.event === "clear");
    expect(clear).toEqual({ event: "clear", streamSid });
    await exchangeCompleted(call.conversation_id as string);
    await stream.next((message) => message.event === "media", stream.messages.indexOf(clear) + 1);

    stream.send({ event: "stop", streamSid, stop: { accountSid: MOCK_TWILIO_ACCOUNT_SID, callSid } });
    expect(await stream.closed).toBe(1000);
    await running.server.services.calls.settled(callId);

    const stored = (await running.call(`/v1/calls/${callId}`, { user: USER })).body;
    expect(stored).toMatchObject({
      status: "completed",
      end_reason: "hangup",
      from_number: USER_NUMBER,
      to_number: PERSONA_NUMBER,
      locale: "en-US",
    });
    const turns = stored.turns as Array<Record<string, any>>;
    expect(turns[0]).toMatchObject({ user_text: "what is the weather like today" });
    expect(turns[0]!.reply_text).not.toBe("");
    expect(stored.recording).toMatchObject({ content_type: "audio/wav" });

    const usage = await running.call("/v1/usage?group_by=kind");
    const callUsage = (usage.body.totals as Array<Record<string, any>>).find((total) => total.key === "call");
    expect(callUsage?.cost_usd).toBeGreaterThan(0);

    // Twilio's own "completed" afterwards changes nothing the session stored.
    const late = await webhook("/v1/twilio/voice/status", { CallSid: callSid, CallStatus: "completed" });
    expect(late.status).toBe(200);
    expect((await running.call(`/v1/calls/${callId}`, { user: USER })).body).toMatchObject({
      status: "completed",
      end_reason: "hangup",
      turns: stored.turns,
    });
    // Another user does not see it.
    expect((await running.call(`/v1/calls/${callId}`, { user: "someone-else" })).status).toBe(404);
  });

  it("refuses unsigned and wrongly signed webhooks, unknown callers and a stream without its token", async () => {
    const parameters = voiceParameters(newSid("CA"));
    const unsigned = await webhook("/v1/twilio/voice", parameters, { signature: null });
    expect(unsigned.status).toBe(400);
    const forged = signByHand(`${PUBLIC_URL}/v1/twilio/voice`, parameters, "not-the-token");
    expect((await webhook("/v1/twilio/voice", parameters, { signature: forged })).status).toBe(403);
    const statusForged = signByHand(`${PUBLIC_URL}/v1/twilio/voice`, { CallSid: "CA1", CallStatus: "busy" });
    expect(
      (
        await webhook(
          "/v1/twilio/voice/status",
          { CallSid: "CA1", CallStatus: "busy" },
          { signature: statusForged },
        )
      ).status,
    ).toBe(403);

    const stranger = await webhook("/v1/twilio/voice", voiceParameters(newSid("CA"), "+14155550177"));
    expect(stranger.status).toBe(200);
    expect(await stranger.text()).toMatch(/<Say>[^<]*recognise your number[^<]*<\/Say><Hangup\/>/);
    const nobody = await webhook(
      "/v1/twilio/voice",
      voiceParameters(newSid("CA"), USER_NUMBER, "+14155550188"),
    );
    expect(await nobody.text()).toMatch(/<Say>[^<]*not set up[^<]*<\/Say><Hangup\/>/);

    const sid = newSid("CA");
    const answered = await webhook("/v1/twilio/voice", voiceParameters(sid));
    const { url, parameters: streamParameters } = readStreamTwiml(await answered.text());
    const stream = await MediaStreamClient.open(socketUrl(url));
    stream.start(newSid("MZ"), sid, { call_id: streamParameters.call_id!, token: "wrong" });
    expect(await stream.closed).toBe(1008);
    // Twilio asking again for the same CallSid gets the same call with a new token; the old one is void.
    const again = readStreamTwiml(await (await webhook("/v1/twilio/voice", voiceParameters(sid))).text());
    expect(again.parameters.call_id).toBe(streamParameters.call_id);
    expect(again.parameters.token).not.toBe(streamParameters.token);
    const stale = await MediaStreamClient.open(socketUrl(url));
    stale.start(newSid("MZ"), sid, streamParameters);
    expect(await stale.closed).toBe(1008);
  });

  it("places an outbound call with POST /v1/calls {to}, and a no-answer status ends it", async () => {
    const placed = await running.call("/v1/calls", {
      method: "POST",
      user: USER,
      json: { persona_id: personaId, to: "+1 415 555 0111" },
    });
    expect(placed.status).toBe(201);
    const call = placed.body.call as Record<string, any>;
    expect(placed.body.stream_url).toBeNull();
    expect(call).toMatchObject({
      channel: "phone",
      direction: "outbound",
      status: "queued",
      from_number: PERSONA_NUMBER,
      to_number: USER_NUMBER,
    });
    const request = twilio.calls.at(-1)!;
    expect(request).toMatchObject({
      from: PERSONA_NUMBER,
      to: USER_NUMBER,
      statusCallback: `${PUBLIC_URL}/v1/twilio/voice/status`,
    });
    expect(request.statusCallbackEvents).toEqual(expect.arrayContaining(["answered", "completed"]));
    const twiml = readStreamTwiml(request.twiml);
    expect(twiml.url).toBe("wss://dramatis.example/v1/twilio/media-stream");
    expect(twiml.parameters.call_id).toBe(call.id);

    const status = (CallStatus: string) =>
      webhook("/v1/twilio/voice/status", { CallSid: request.sid, CallStatus });
    expect((await status("ringing")).status).toBe(200);
    expect((await running.call(`/v1/calls/${call.id}`, { user: USER })).body.status).toBe("ringing");
    expect((await status("no-answer")).status).toBe(200);
    const ended = (await running.call(`/v1/calls/${call.id}`, { user: USER })).body;
    expect(ended).toMatchObject({ status: "no-answer", end_reason: "no_answer" });
    expect(ended.ended_at).not.toBeNull();
    // A late, earlier status does not move it back; its stream can no longer open.
    await status("ringing");
    expect((await running.call(`/v1/calls/${call.id}`, { user: USER })).body.status).toBe("no-answer");
    const stream = await MediaStreamClient.open(socketUrl(twiml.url));
    stream.start(newSid("MZ"), request.sid, twiml.parameters);
    expect(await stream.closed).toBe(1008);

    // Hanging up a call that still rings cancels it at Twilio too.
    const ringing = await running.call("/v1/calls", {
      method: "POST",
      user: USER,
      json: { persona_id: personaId, to: USER_NUMBER },
    });
    const ringingSid = twilio.calls.at(-1)!.sid;
    const hungUp = await running.call(`/v1/calls/${(ringing.body.call as Record<string, any>).id}/hangup`, {
      method: "POST",
      user: USER,
    });
    expect(hungUp.body).toMatchObject({ status: "canceled" });
    expect(twilio.endedCalls).toContainEqual({ sid: ringingSid, status: "canceled" });

    // Bad numbers and personas without one are refused, naming the field.
    const badNumber = await running.call("/v1/calls", {
      method: "POST",
      user: USER,
      json: { persona_id: personaId, to: "0800 nope" },
    });
    expect(badNumber.status).toBe(422);
    expect((badNumber.body.errors as Array<Record<string, any>>)[0]!.field).toBe("to");
    // Only a number verified to the user is called: never any number someone types.
    const stranger = await running.call("/v1/calls", {
      method: "POST",
      user: USER,
      json: { persona_id: personaId, to: "+14155550199" },
    });
    expect(stranger.status).toBe(422);
    expect(JSON.stringify(stranger.body.errors)).toMatch(/verified to this user/);
    const numberless = await running.call("/v1/personas", { method: "POST", json: { name: "Bo" } });
    const noNumber = await running.call("/v1/calls", {
      method: "POST",
      user: USER,
      json: { persona_id: numberless.body.id, to: USER_NUMBER },
    });
    expect(noNumber.status).toBe(422);
    expect((noNumber.body.errors as Array<Record<string, any>>)[0]!.field).toBe("persona_id");
    expect((await running.call(`/v1/calls/${call.id}`, { user: "someone-else" })).status).toBe(404);
  });

  it("forwards a text asking for a call to voice: places the call and texts back", async () => {
    const callsBefore = twilio.calls.length;
    const textsBefore = twilio.messages.length;
    const parameters = {
      AccountSid: MOCK_TWILIO_ACCOUNT_SID,
      Body: "Can you call me?",
      From: USER_NUMBER,
      MessageSid: newSid("SM"),
      NumMedia: "0",
      To: PERSONA_NUMBER,
    };
    const path = "/v1/channels/twilio/sms";
    const received = await fetch(`${running.url}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": signByHand(`${PUBLIC_URL}${path}`, parameters),
      },
      body: new URLSearchParams(parameters).toString(),
    });
    expect(received.status).toBe(200);
    await running.settleJobs("sms-inbound");
    expect(twilio.calls.slice(callsBefore)).toEqual([
      expect.objectContaining({ from: PERSONA_NUMBER, to: USER_NUMBER }),
    ]);
    expect(twilio.messages.slice(textsBefore)).toEqual([
      expect.objectContaining({ from: PERSONA_NUMBER, to: USER_NUMBER, body: "Calling you now." }),
    ]);
    // The request and the persona's answer stay in the SMS conversation.
    const conversations = await running.call(`/v1/conversations?persona_id=${personaId}`, { user: USER });
    const sms = (conversations.body.data as Array<Record<string, any>>).find(
      (item) => item.channel === "sms",
    );
    const messages = await running.call(`/v1/conversations/${sms!.id}/messages`, { user: USER });
    expect(
      (messages.body.data as Array<Record<string, any>>).slice(-2).map((message) => message.content),
    ).toEqual(["Can you call me?", "Calling you now."]);
    const history = await running.call(`/v1/calls?persona_id=${personaId}`, { user: USER });
    expect((history.body.data as Array<Record<string, any>>)[0]).toMatchObject({
      direction: "outbound",
      to_number: USER_NUMBER,
    });
  });
});
