import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { EspeakSynthesizer } from "../../src/speech/espeak-synthesizer.ts";
import { decodeWav, resample } from "../../src/speech/wav.ts";
import { startMockSpeech, type MockSpeech } from "../mock-speech.ts";
import { startRunningServer, type RunningTestServer } from "../running-server.ts";

const USER = "caller";

/** A browser-like call client: sends 16 kHz PCM, collects the server's events and audio. */
class CallClient {
  readonly events: Array<Record<string, any>> = [];
  audioSamples = 0;
  private waiters: Array<() => void> = [];
  readonly closed: Promise<number>;

  constructor(readonly socket: WebSocket) {
    socket.on("message", (data, isBinary) => {
      if (isBinary) this.audioSamples += (data as Buffer).length / 2;
      else this.events.push(JSON.parse(data.toString()));
      for (const waiter of this.waiters.splice(0)) waiter();
    });
    this.closed = new Promise((resolve) => socket.on("close", (code) => resolve(code)));
  }

  static async open(url: string): Promise<CallClient> {
    const socket = new WebSocket(url);
    const client = new CallClient(socket);
    await new Promise((resolve, reject) => {
      socket.once("open", resolve);
      socket.once("error", reject);
    });
    return client;
  }

  /** Resolves with the first event (from `from` on) that matches. */
  async next(predicate: (event: Record<string, any>) => boolean, from = 0): Promise<Record<string, any>> {
    for (;;) {
      const found = this.events.slice(from).find(predicate);
      if (found) return found;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  async audioArrives(): Promise<void> {
    const before = this.audioSamples;
    while (this.audioSamples === before) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  say(samples: Float32Array): void {
    const step = 1_600;
    for (let offset = 0; offset < samples.length; offset += step) {
      const chunk = samples.subarray(offset, offset + step);
      const bytes = Buffer.alloc(chunk.length * 2);
      chunk.forEach((sample, index) => bytes.writeInt16LE(Math.round(sample * 32767), index * 2));
      this.socket.send(bytes);
    }
  }
}

async function speech(text: string): Promise<Float32Array> {
  const clip = await new EspeakSynthesizer().synthesize({ voice: "en-us", text });
  const audio = decodeWav(clip.bytes);
  return resample(audio.samples, audio.sampleRate, 16_000);
}

const silence = (seconds: number) => new Float32Array(16_000 * seconds);

describe("live calls over the call stream", () => {
  let running: RunningTestServer;
  let recognizer: MockSpeech;
  let personaId: string;
  let utterance: Float32Array;

  beforeAll(async () => {
    recognizer = await startMockSpeech({ transcript: "what is the weather like today" });
    running = await startRunningServer({
      DRAMATIS_SPEECH_PROVIDERS: JSON.stringify([
        // Deepgram streams: calls transcribe live while the caller speaks (phone-calls.test.ts covers
        // a recognizer that takes whole utterances).
        { name: "fake", kind: "deepgram", base_url: recognizer.baseUrl, api_key: recognizer.key },
      ]),
      DRAMATIS_TRANSCRIPTION: "fake",
      DRAMATIS_OFFLINE_TRANSCRIPTION: "off",
    });
    const persona = await running.call("/v1/personas", {
      method: "POST",
      json: {
        name: "Ada",
        voice_configurations: [
          {
            locale: "en-US",
            voice: "espeak/en-us+f3",
            first_speaker: "agent",
            first_message: "Hello caller, this is Ada speaking.",
            silence_timeout_seconds: 2,
            recording: true,
          },
          { locale: "de-DE", voice: "espeak/de", first_speaker: "user", silence_timeout_seconds: 1 },
        ],
      },
    });
    personaId = persona.body.id as string;
    utterance = await speech("What is the weather like today?");
  });
  afterAll(async () => {
    await running?.stop();
    await recognizer?.close();
  });

  const streamUrl = (path: string) => `${running.url.replace(/^http/, "ws")}${path}`;

  it("follows the locale's voice configuration from first message to silence timeout, and keeps the recording", async () => {
    const started = await running.call("/v1/calls", {
      method: "POST",
      user: USER,
      json: { persona_id: personaId },
    });
    expect(started.status).toBe(201);
    const call = started.body.call as Record<string, any>;
    expect(call).toMatchObject({ status: "ringing", locale: "en-US", channel: "browser" });

    const client = await CallClient.open(streamUrl(started.body.stream_url as string));
    // The agent speaks first: its first message, stored and spoken.
    const opening = await client.next((event) => event.type === "agent-message");
    expect(opening.text).toBe("Hello caller, this is Ada speaking.");
    await client.audioArrives();

    // The user speaks: transcribed, answered, spoken, with its latency.
    const mark = client.events.length;
    client.say(utterance);
    client.say(silence(1.2));
    const transcript = await client.next((event) => event.type === "transcript", mark);
    expect(transcript.text).toBe("what is the weather like today");
    const reply = await client.next((event) => event.type === "reply", mark);
    expect(reply.latency_ms).toBeGreaterThanOrEqual(0);
    expect(reply.interrupted).toBe(false);
    // Heard live: the audio went to the recognizer's WebSocket as it was spoken, nothing uploaded after.
    expect(recognizer.streams.some((stream) => stream.closed && stream.frames > 10)).toBe(true);
    expect(recognizer.requests.filter((request) => request.path === "/v1/listen")).toEqual([]);

    // Then silence: the call says goodbye and ends.
    const ended = await client.next((event) => event.type === "ended", mark);
    expect(ended.reason).toBe("silence_timeout");
    expect(await client.closed).toBe(1000);
    await running.server.services.calls.settled(call.id);

    const stored = await running.call(`/v1/calls/${call.id}`, { user: USER });
    expect(stored.body).toMatchObject({ status: "completed", end_reason: "silence_timeout" });
    const turns = stored.body.turns as Array<Record<string, any>>;
    expect(turns).toHaveLength(1);
    expect(turns[0]).toMatchObject({ user_text: "what is the weather like today", interrupted: false });
    expect(stored.body.median_latency_ms).toBe(turns[0]!.latency_ms);
    expect(stored.body.duration_seconds).toBeGreaterThan(1);

    const transcriptMessages = await running.call(`/v1/calls/${call.id}/transcript`, { user: USER });
    const said = (transcriptMessages.body.data as Array<Record<string, any>>).map(
      (message) => message.content,
    );
    expect(said[0]).toBe("Hello caller, this is Ada speaking.");
    expect(said).toContain("what is the weather like today");
    expect(said.at(-1)).toMatch(/gone quiet/);

    // The recording: stereo WAV, the caller left, the persona right.
    const recording = stored.body.recording as Record<string, any>;
    expect(recording.content_type).toBe("audio/wav");
    const response = await fetch(`${running.url}${recording.url}`, {
      headers: { authorization: `Bearer ${running.adminKey}`, "x-dramatis-user": USER },
    });
    expect(response.status).toBe(200);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(new DataView(bytes.buffer).getUint16(22, true)).toBe(2);
    expect(decodeWav(bytes).samples.length / 16_000).toBeGreaterThan(2);

    // Calls are metered: minutes, and the speech read and heard.
    const usage = await running.call("/v1/usage?group_by=kind");
    const kinds = (usage.body.totals as Array<Record<string, any>>).map((total) => total.key);
    expect(kinds).toEqual(expect.arrayContaining(["call", "tts", "stt"]));

    // The history lists it, per persona.
    const history = await running.call(`/v1/calls?persona_id=${personaId}`, { user: USER });
    expect((history.body.data as Array<Record<string, any>>)[0]!.id).toBe(call.id);
    // Deleting the conversation deletes the recording.
    await running.call(`/v1/conversations/${call.conversation_id}`, { method: "DELETE", user: USER });
    expect((await running.call(`/v1/calls/${call.id}`, { user: USER })).status).toBe(404);
  });

  it("stops speaking when the caller talks over it", async () => {
    const started = await running.call("/v1/calls", {
      method: "POST",
      user: USER,
      json: { persona_id: personaId },
    });
    const client = await CallClient.open(streamUrl(started.body.stream_url as string));
    await client.next((event) => event.type === "agent-message");
    await client.audioArrives();
    const mark = client.events.length;
    client.say(utterance);
    await client.next((event) => event.type === "interrupt", mark);
    client.socket.send(JSON.stringify({ type: "hangup" }));
    const ended = await client.next((event) => event.type === "ended", mark);
    expect(ended.reason).toBe("hangup");
  });

  it("lets the user speak first in a locale whose configuration says so", async () => {
    const started = await running.call("/v1/calls", {
      method: "POST",
      user: USER,
      json: { persona_id: personaId, locale: "de-DE" },
    });
    const client = await CallClient.open(streamUrl(started.body.stream_url as string));
    const first = await client.next(() => true);
    expect(first).toEqual({ type: "state", state: "listening" });
    // Nobody speaks: the one-second silence timeout ends it with a German goodbye.
    const ended = await client.next((event) => event.type === "ended");
    expect(ended.reason).toBe("silence_timeout");
    const goodbye = client.events.find((event) => event.type === "agent-message");
    expect(goodbye?.text).toMatch(/tschüss/i);
  });

  it("refuses a stream without its one-time token, and a token used twice", async () => {
    const started = await running.call("/v1/calls", {
      method: "POST",
      user: USER,
      json: { persona_id: personaId },
    });
    const path = started.body.stream_url as string;
    await expect(CallClient.open(streamUrl(path.replace(/token=.*/, "token=wrong")))).rejects.toThrow(/404/);
    const client = await CallClient.open(streamUrl(path));
    await expect(CallClient.open(streamUrl(path))).rejects.toThrow(/404/);
    client.socket.close();
    await client.closed;
    // A plain GET of the stream is told to upgrade.
    const plain = await fetch(`${running.url}${path}`, {
      headers: { authorization: `Bearer ${running.adminKey}`, "x-dramatis-user": USER },
    });
    expect(plain.status).toBe(426);
  });

  it("keeps calls private to their user and refuses bad starts with a 4xx", async () => {
    const started = await running.call("/v1/calls", {
      method: "POST",
      user: USER,
      json: { persona_id: personaId },
    });
    const id = (started.body.call as Record<string, any>).id;
    expect((await running.call(`/v1/calls/${id}`, { user: "someone-else" })).status).toBe(404);
    expect((await running.call(`/v1/calls/${id}/recording`, { user: USER })).status).toBe(404);
    const hungUp = await running.call(`/v1/calls/${id}/hangup`, { method: "POST", user: USER });
    expect(hungUp.body.status).toBe("canceled");
    expect(
      (await running.call("/v1/calls", { method: "POST", user: USER, json: { persona_id: "psn_nope" } }))
        .status,
    ).toBe(404);
    expect(
      (
        await running.call("/v1/calls", {
          method: "POST",
          user: USER,
          json: { persona_id: personaId, locale: "x y" },
        })
      ).status,
    ).toBe(422);
  });
});
