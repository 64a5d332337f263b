/**
 * One loopback stand-in for the cloud speech services, so speech tests never reach the internet. It
 * answers each service's own paths, headers and error shapes: Azure (voice list, SSML synthesis,
 * short-audio recognition), OpenAI (`/v1/audio/speech`, `/v1/audio/transcriptions`), ElevenLabs
 * (`/v1/voices`, `/v1/text-to-speech/{id}`, `/v1/speech-to-text`) and Deepgram (`/v1/listen`, `/v1/speak`,
 * and live transcription: a WebSocket to `/v1/listen`). Every request is recorded with its parsed JSON or
 * multipart fields, every live stream with what it was sent.
 *
 * @example
 * const speech = await startMockSpeech({ transcript: "hello" });
 * const provider = createSpeechProvider({ name: "azure", kind: "azure", base_url: speech.baseUrl, api_key: speech.key });
 * expect(speech.requests[0]).toMatchObject({ path: "/cognitiveservices/v1" });
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { readRecordedRequest, type RecordedHttpRequest } from "./recorded-request.ts";

export type { RecordedUpload } from "./recorded-request.ts";
import { encodeWav, floatToInt16, wavDurationSeconds } from "../src/speech/wav.ts";

export interface MockSpeechOptions {
  /** what every recognizer hears; "" makes Azure answer NoMatch */
  transcript?: string;
  /** the key every service expects; default `mock-speech-key` */
  key?: string;
  /** every call answers this status, in the service's error shape */
  fail?: number | undefined;
  /** the OpenAI transcription endpoint answers `{text}` only, as whisper.cpp does */
  plainTranscription?: boolean;
}

export type RecordedSpeechRequest = RecordedHttpRequest;

/** One live transcription (Deepgram's WebSocket) as the fake saw it. */
export interface RecordedSpeechStream {
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  /** binary audio frames received, and their bytes (16-bit PCM) */
  frames: number;
  bytes: number;
  /** true once the client sent `{"type":"CloseStream"}` */
  closed: boolean;
}

export interface MockSpeech {
  baseUrl: string;
  key: string;
  /** change between tests: `speech.options.fail = 503` */
  options: MockSpeechOptions;
  requests: RecordedSpeechRequest[];
  streams: RecordedSpeechStream[];
  close(): Promise<void>;
}

export const MOCK_SPEECH_KEY = "mock-speech-key";
export const MOCK_TRANSCRIPT = "hello from the fake recognizer";
/** The synthetic clips are this long, so tests can check durations end to end. */
export const MOCK_CLIP_SECONDS = 0.3;

type Service = "azure" | "openai" | "elevenlabs" | "deepgram";
type Answer = { status: number; type: string; body: Uint8Array | string };

const AZURE_VOICES = [
  voice("en-US-JennyNeural", "Jenny", "Female", "en-US", ["assistant", "cheerful", "sad", "whispering"]),
  voice("en-US-GuyNeural", "Guy", "Male", "en-US"),
  voice("en-GB-SoniaNeural", "Sonia", "Female", "en-GB"),
  {
    ...voice("de-DE-SeraphinaMultilingualNeural", "Seraphina Multilingual", "Female", "de-DE"),
    SecondaryLocaleList: ["en-US", "fr-FR"],
  },
];

function voice(shortName: string, displayName: string, gender: string, locale: string, styles?: string[]) {
  return {
    Name: `Microsoft Server Speech Text to Speech Voice (${locale}, ${shortName.split("-")[2]})`,
    DisplayName: displayName,
    LocalName: displayName,
    ShortName: shortName,
    Gender: gender,
    Locale: locale,
    LocaleName: locale,
    ...(styles ? { StyleList: styles } : {}),
    SampleRateHertz: "48000",
    VoiceType: "Neural",
    Status: "GA",
    WordsPerMinute: "152",
  };
}

const ELEVENLABS_VOICES = [
  {
    voice_id: "21m00Tcm4TlvDq8ikWAM",
    name: "Rachel",
    category: "premade",
    labels: {
      accent: "american",
      description: "calm",
      age: "young",
      gender: "female",
      use_case: "narration",
    },
    verified_languages: [
      { language: "en", model_id: "eleven_multilingual_v2", accent: "american", locale: "en-US" },
    ],
  },
  {
    voice_id: "pNInz6obpgDQGcFMaJgB",
    name: "Adam",
    category: "premade",
    labels: { accent: "american", age: "middle aged", gender: "male", use_case: "narration" },
    verified_languages: [],
  },
  {
    voice_id: "cloned0000000000000x",
    name: "Grandpa (clone)",
    category: "cloned",
    labels: { language: "de" },
  },
];

/** A 440 Hz tone at half volume: real audio, short, the same every time. */
export function mockSine(sampleRate: number, seconds = MOCK_CLIP_SECONDS): Float32Array {
  const samples = new Float32Array(Math.round(sampleRate * seconds));
  for (let index = 0; index < samples.length; index++) {
    samples[index] = 0.5 * Math.sin((2 * Math.PI * 440 * index) / sampleRate);
  }
  return samples;
}

export function mockWav(sampleRate = 24_000, seconds = MOCK_CLIP_SECONDS): Uint8Array {
  return encodeWav({ samples: mockSine(sampleRate, seconds), sampleRate });
}

function mockPcm(sampleRate: number): Uint8Array {
  const samples = mockSine(sampleRate);
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  samples.forEach((sample, index) => view.setInt16(index * 2, floatToInt16(sample), true));
  return bytes;
}

/** Each service's error body, as it sends it. */
function errorAnswerBody(service: Service, status: number, message: string): unknown {
  switch (service) {
    case "azure":
      return { error: { code: String(status), message } };
    case "openai":
      return { error: { message, type: "invalid_request_error", param: null, code: null } };
    case "elevenlabs":
      return { detail: { status: status === 401 ? "invalid_api_key" : "error", message } };
    case "deepgram":
      return {
        err_code: status === 401 ? "INVALID_AUTH" : "REQUEST_FAILED",
        err_msg: message,
        request_id: "req-mock",
      };
  }
}

function errorAnswer(service: Service, status: number, message: string): Answer {
  return {
    status,
    type: "application/json",
    body: JSON.stringify(errorAnswerBody(service, status, message)),
  };
}

function serviceOf(path: string): Service | undefined {
  if (path.startsWith("/cognitiveservices/") || path.startsWith("/speech/recognition/")) return "azure";
  if (path.startsWith("/v1/audio/")) return "openai";
  if (path === "/v1/voices" || path.startsWith("/v1/text-to-speech/") || path === "/v1/speech-to-text") {
    return "elevenlabs";
  }
  if (path === "/v1/listen" || path === "/v1/speak") return "deepgram";
  return undefined;
}

/** The key as each service carries it. */
function keyOf(service: Service, headers: http.IncomingHttpHeaders): string | undefined {
  const header = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  switch (service) {
    case "azure":
      return header("ocp-apim-subscription-key");
    case "openai":
      return header("authorization")?.replace(/^Bearer /, "");
    case "elevenlabs":
      return header("xi-api-key");
    case "deepgram":
      return header("authorization")?.replace(/^Token /, "");
  }
}

export async function startMockSpeech(initial: MockSpeechOptions = {}): Promise<MockSpeech> {
  const options: MockSpeechOptions = { ...initial };
  const requests: RecordedSpeechRequest[] = [];
  const key = options.key ?? MOCK_SPEECH_KEY;
  let baseUrl = "";

  async function record(request: http.IncomingMessage, body: Uint8Array): Promise<RecordedSpeechRequest> {
    const recorded = await readRecordedRequest(request, body, baseUrl);
    requests.push(recorded);
    return recorded;
  }

  function answerFor(service: Service, request: RecordedSpeechRequest): Answer {
    const transcript = options.transcript ?? MOCK_TRANSCRIPT;
    const json = (body: unknown): Answer => ({
      status: 200,
      type: "application/json",
      body: JSON.stringify(body),
    });
    const wav = (sampleRate = 24_000): Answer => ({
      status: 200,
      type: "audio/wav",
      body: mockWav(sampleRate),
    });
    const sentKey = keyOf(service, request.headers);
    if (sentKey !== key) {
      // OpenAI echoes the wrong key back, as the real one does (masked there): clients must not repeat it.
      const message =
        service === "openai"
          ? `Incorrect API key provided: ${sentKey ?? ""}. You can find your API key at https://platform.openai.com/account/api-keys.`
          : service === "azure"
            ? "Access denied due to invalid subscription key or wrong API endpoint."
            : service === "elevenlabs"
              ? "Invalid API key"
              : "Invalid credentials.";
      return errorAnswer(service, 401, message);
    }
    if (options.fail) return errorAnswer(service, options.fail, `mock failure ${options.fail}`);
    const route = `${request.method} ${request.path}`;
    const audioSeconds = (bytes: Uint8Array | undefined) => (bytes && wavDurationSeconds(bytes)) ?? 1.5;
    switch (service) {
      case "azure":
        if (route === "GET /cognitiveservices/voices/list") return json(AZURE_VOICES);
        if (route === "POST /cognitiveservices/v1") return wav();
        if (route === "POST /speech/recognition/conversation/cognitiveservices/v1") {
          const ticks = Math.round(audioSeconds(request.body) * 10_000_000);
          return transcript
            ? json({ RecognitionStatus: "Success", DisplayText: transcript, Offset: 0, Duration: ticks })
            : json({ RecognitionStatus: "NoMatch", Offset: 0, Duration: ticks });
        }
        break;
      case "openai": {
        if (route === "POST /v1/audio/speech") return wav();
        if (route === "POST /v1/audio/transcriptions") {
          const file = request.form?.file;
          const duration = audioSeconds(typeof file === "object" ? file.bytes : undefined);
          if (options.plainTranscription || request.form?.response_format !== "verbose_json") {
            return json({ text: transcript });
          }
          return json({ task: "transcribe", language: "english", duration, text: transcript, segments: [] });
        }
        break;
      }
      case "elevenlabs":
        if (route === "GET /v1/voices") return json({ voices: ELEVENLABS_VOICES });
        if (request.method === "POST" && request.path.startsWith("/v1/text-to-speech/")) {
          const voiceId = decodeURIComponent(request.path.slice("/v1/text-to-speech/".length));
          if (!ELEVENLABS_VOICES.some((known) => known.voice_id === voiceId)) {
            return {
              status: 404,
              type: "application/json",
              body: JSON.stringify({
                detail: {
                  status: "voice_not_found",
                  message: `A voice with voice_id ${voiceId} was not found.`,
                },
              }),
            };
          }
          const rate = Number(/^pcm_(\d+)$/.exec(request.query.output_format ?? "")?.[1] ?? 0);
          if (!rate)
            return { status: 200, type: "audio/mpeg", body: new Uint8Array([0xff, 0xfb, 0x90, 0x00]) };
          return { status: 200, type: "application/octet-stream", body: mockPcm(rate) };
        }
        if (route === "POST /v1/speech-to-text") {
          const words = transcript.split(" ").filter(Boolean);
          return json({
            language_code: "eng",
            language_probability: 0.98,
            text: transcript,
            words: words.map((text, index) => ({
              text,
              start: index * 0.3,
              end: index * 0.3 + 0.25,
              type: "word",
            })),
          });
        }
        break;
      case "deepgram":
        if (route === "POST /v1/listen") {
          const duration = audioSeconds(request.body);
          return json({
            metadata: { request_id: "req-mock", duration, channels: 1, models: [request.query.model] },
            results: { channels: [{ alternatives: [{ transcript, confidence: 0.99, words: [] }] }] },
          });
        }
        if (route === "POST /v1/speak") return wav(Number(request.query.sample_rate ?? 24_000));
        break;
    }
    return errorAnswer(service, 404, `no route ${route}`);
  }

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      void (async () => {
        let answer: Answer;
        try {
          const recorded = await record(request, new Uint8Array(Buffer.concat(chunks)));
          const service = serviceOf(recorded.path);
          answer = service
            ? answerFor(service, recorded)
            : { status: 404, type: "text/plain", body: `no service at ${recorded.path}` };
        } catch (error) {
          answer = { status: 400, type: "text/plain", body: `bad request: ${(error as Error).message}` };
        }
        response.writeHead(answer.status, { "content-type": answer.type });
        response.end(answer.body);
      })();
    });
  });
  // Deepgram's live transcription: audio frames in, on CloseStream the final Results, Metadata, close.
  const streams: RecordedSpeechStream[] = [];
  const sockets = new WebSocketServer({ noServer: true });
  server.on("upgrade", (request, socket, head) => {
    const url = new URL(request.url ?? "/", baseUrl);
    const refuse = (status: number, message: string) => {
      const body = JSON.stringify(errorAnswerBody("deepgram", status, message));
      socket.end(
        `HTTP/1.1 ${status} Refused\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    };
    if (url.pathname !== "/v1/listen") return refuse(404, `no live route ${url.pathname}`);
    if (keyOf("deepgram", request.headers) !== key) return refuse(401, "Invalid credentials.");
    if (options.fail) return refuse(options.fail, `mock failure ${options.fail}`);
    sockets.handleUpgrade(request, socket, head, (live) => {
      const stream: RecordedSpeechStream = {
        query: Object.fromEntries(url.searchParams),
        headers: request.headers,
        frames: 0,
        bytes: 0,
        closed: false,
      };
      streams.push(stream);
      live.on("message", (data: Buffer, isBinary) => {
        if (isBinary) {
          stream.frames += 1;
          stream.bytes += data.length;
          return;
        }
        if ((JSON.parse(data.toString()) as { type?: string }).type !== "CloseStream") return;
        stream.closed = true;
        const duration = stream.bytes / 2 / Number(stream.query.sample_rate ?? 16_000);
        const transcript = options.transcript ?? MOCK_TRANSCRIPT;
        live.send(
          JSON.stringify({
            type: "Results",
            channel_index: [0, 1],
            duration,
            start: 0,
            is_final: true,
            speech_final: true,
            channel: { alternatives: [{ transcript, confidence: 0.98, words: [] }] },
          }),
        );
        live.send(JSON.stringify({ type: "Metadata", request_id: "req-mock", duration, channels: 1 }));
        live.close(1000);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    key,
    options,
    requests,
    streams,
    async close() {
      for (const client of sockets.clients) client.terminate();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
