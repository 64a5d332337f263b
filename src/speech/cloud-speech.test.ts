import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { failure } from "../../test/rejection.ts";
import { z } from "zod";
import {
  MOCK_CLIP_SECONDS,
  MOCK_TRANSCRIPT,
  mockSine,
  mockWav,
  startMockSpeech,
  type MockSpeech,
} from "../../test/mock-speech.ts";
import { buildSsml } from "./azure-speech.ts";
import { pcm16ToWav } from "./elevenlabs-speech.ts";
import { languageCode } from "./openai-speech.ts";
import type { SpeechProviderConfig } from "./speech-config.ts";
import { createSpeechHttp, readUpstreamMessage } from "./speech-http.ts";
import { createSpeechProvider, createSpeechProviders } from "./speech-providers.ts";
import { SpeechInputError, SpeechProviderError, type SpeechProvider } from "./speech.ts";
import { decodeWav, encodeWav, wavDurationSeconds } from "./wav.ts";

let speech: MockSpeech;

beforeAll(async () => {
  speech = await startMockSpeech();
});
afterAll(() => speech.close());
afterEach(() => {
  speech.requests.length = 0;
  speech.streams.length = 0;
  speech.options.fail = undefined;
  speech.options.transcript = undefined;
  speech.options.plainTranscription = undefined;
});

function provider(
  kind: SpeechProviderConfig["kind"],
  overrides: Partial<SpeechProviderConfig> = {},
): SpeechProvider {
  const base_url = kind === "openai-compatible" ? `${speech.baseUrl}/v1` : speech.baseUrl;
  return createSpeechProvider({
    name: kind === "openai-compatible" ? "openai" : kind,
    kind,
    base_url,
    api_key: speech.key,
    ...overrides,
  });
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const wav48kStereo = () =>
  encodeWav({
    left: new Float32Array(48_000 * 0.5),
    right: new Float32Array(48_000 * 0.5),
    sampleRate: 48_000,
  });

describe("Azure", () => {
  it("lists voices mapped to VoiceInfo", async () => {
    const voices = await provider("azure").synthesizer!.listVoices();
    expect(voices).toHaveLength(4);
    expect(voices[0]).toEqual({
      id: "azure/en-US-JennyNeural",
      provider: "azure",
      name: "en-US-JennyNeural",
      displayName: "Jenny",
      locale: "en-US",
      locales: ["en-US"],
      gender: "female",
      styles: ["assistant", "cheerful", "sad", "whispering"],
      basic: false,
    });
    expect(voices.find((voice) => voice.name === "de-DE-SeraphinaMultilingualNeural")?.locales).toEqual([
      "de-DE",
      "en-US",
      "fr-FR",
    ]);
    expect(voices.find((voice) => voice.name === "en-GB-SoniaNeural")?.styles).toEqual([]);
    expect(speech.requests[0]).toMatchObject({ method: "GET", path: "/cognitiveservices/voices/list" });
    expect(speech.requests[0]!.headers["ocp-apim-subscription-key"]).toBe(speech.key);
  });

  it("synthesizes SSML with style and rate into a decodable WAV", async () => {
    const clip = await provider("azure").synthesizer!.synthesize({
      voice: "en-US-JennyNeural",
      text: `Fish & chips <now> "please"`,
      style: "cheerful",
      rate: 1.2,
    });
    expect(clip.contentType).toBe("audio/wav");
    expect(decodeWav(clip.bytes).sampleRate).toBe(24_000);
    expect(clip.durationSeconds).toBeCloseTo(MOCK_CLIP_SECONDS, 3);
    const request = speech.requests[0]!;
    expect(request).toMatchObject({ method: "POST", path: "/cognitiveservices/v1" });
    expect(request.headers).toMatchObject({
      "ocp-apim-subscription-key": speech.key,
      "content-type": "application/ssml+xml",
      "x-microsoft-outputformat": "riff-24khz-16bit-mono-pcm",
      "user-agent": "dramatis",
    });
    expect(text(request.body)).toBe(
      `<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xmlns:mstts="https://www.w3.org/2001/mstts" xml:lang="en-US">` +
        `<voice name="en-US-JennyNeural"><mstts:express-as style="cheerful"><prosody rate="+20%">` +
        `Fish &amp; chips &lt;now&gt; &quot;please&quot;</prosody></mstts:express-as></voice></speak>`,
    );
  });

  it("writes slower rates, other languages for multilingual voices, and refuses markup in names", () => {
    const slow = buildSsml({ voice: "en-GB-SoniaNeural", text: "hi", rate: 0.8 });
    expect(slow).toContain(`xml:lang="en-GB"`);
    expect(slow).toContain(`<prosody rate="-20%">hi</prosody>`);
    expect(slow).not.toContain("express-as");
    const german = buildSsml({
      voice: "en-US-AvaMultilingualNeural",
      text: "Hallo",
      locale: "de-DE",
      rate: 1,
    });
    expect(german).toContain(
      `xml:lang="de-DE"><voice name="en-US-AvaMultilingualNeural"><lang xml:lang="de-DE">Hallo</lang>`,
    );
    expect(german).not.toContain("prosody");
    expect(() => buildSsml({ voice: `x"><audio src="y`, text: "hi" })).toThrow(SpeechInputError);
    expect(() => buildSsml({ voice: "en-US-JennyNeural", text: "hi", style: `a"b` })).toThrow(
      SpeechInputError,
    );
  });

  it("recognizes short audio resampled to 16 kHz mono WAV", async () => {
    const result = await provider("azure").recognizer!.transcribe({
      audio: wav48kStereo(),
      contentType: "audio/wav",
      locale: "de-DE",
    });
    expect(result).toEqual({ text: MOCK_TRANSCRIPT, language: "de-DE", durationSeconds: 0.5 });
    const request = speech.requests[0]!;
    expect(request.path).toBe("/speech/recognition/conversation/cognitiveservices/v1");
    expect(request.query).toEqual({ language: "de-DE", format: "simple" });
    expect(request.headers["content-type"]).toBe("audio/wav; codecs=audio/pcm; samplerate=16000");
    expect(request.headers["ocp-apim-subscription-key"]).toBe(speech.key);
    const sent = decodeWav(request.body);
    expect(sent.sampleRate).toBe(16_000);
    expect(sent.samples.length).toBe(8_000);
  });

  it("answers NoMatch with empty text, and defaults the language to en-US", async () => {
    speech.options.transcript = "";
    const result = await provider("azure").recognizer!.transcribe({
      audio: mockWav(16_000),
      contentType: "audio/wav",
    });
    expect(result.text).toBe("");
    expect(speech.requests[0]!.query.language).toBe("en-US");
  });

  it("refuses audio that is not WAV before calling Azure", async () => {
    const error = await failure(
      provider("azure").recognizer!.transcribe({
        audio: new Uint8Array([0x1a, 0x45, 0xdf, 0xa3]),
        contentType: "audio/webm",
      }),
    );
    expect(error).toBeInstanceOf(SpeechInputError);
    expect(error.message).toMatch(/short-audio.*WAV/);
    expect(speech.requests).toHaveLength(0);
  });

  it("turns a refused key into a 401 SpeechProviderError without the key", async () => {
    const error = await failure(provider("azure", { api_key: "wrong-azure-key" }).synthesizer!.listVoices());
    expect(error).toBeInstanceOf(SpeechProviderError);
    expect(error.upstreamStatus).toBe(401);
    expect(error.message).toMatch(/^speech provider azure: 401: Access denied/);
    expect(error.message).not.toContain("wrong-azure-key");
  });

  it("leaves out the halves whose model is null", () => {
    const listenOnly = provider("azure", { tts_model: null });
    expect(listenOnly.synthesizer).toBeUndefined();
    expect(listenOnly.recognizer).toBeDefined();
    expect(provider("azure", { stt_model: null }).recognizer).toBeUndefined();
  });

  it("reaches the regional hosts when no base_url is set", async () => {
    const urls: string[] = [];
    const fetchSpy = (async (url: string) => {
      urls.push(url);
      return new Response(
        url.includes("/voices/") ? "[]" : JSON.stringify({ RecognitionStatus: "NoMatch" }),
        { status: 200 },
      );
    }) as unknown as typeof fetch;
    const azure = createSpeechProvider(
      { name: "azure", kind: "azure", region: "westeurope", api_key: "k" },
      { fetch: fetchSpy },
    );
    await azure.synthesizer!.listVoices();
    await azure.recognizer!.transcribe({ audio: mockWav(16_000), contentType: "audio/wav", locale: "fr-FR" });
    expect(urls).toEqual([
      "https://westeurope.tts.speech.microsoft.com/cognitiveservices/voices/list",
      "https://westeurope.stt.speech.microsoft.com/speech/recognition/conversation/cognitiveservices/v1?language=fr-FR&format=simple",
    ]);
  });
});

describe("OpenAI-compatible", () => {
  it("offers the configured or default voices without calling the server", async () => {
    const voices = await provider("openai-compatible").synthesizer!.listVoices();
    expect(voices.map((voice) => voice.name)).toContain("alloy");
    expect(voices[0]).toEqual({
      id: "openai/alloy",
      provider: "openai",
      name: "alloy",
      displayName: "Alloy",
      locale: "mul",
      locales: [],
      gender: null,
      styles: [],
      basic: false,
    });
    const local = await provider("openai-compatible", { voices: ["af_bella"] }).synthesizer!.listVoices();
    expect(local.map((voice) => voice.id)).toEqual(["openai/af_bella"]);
    expect(speech.requests).toHaveLength(0);
  });

  it("synthesizes with model, voice, speed, style instructions, key and extra headers", async () => {
    const openai = provider("openai-compatible", { headers: { "OpenAI-Organization": "org-1" } });
    const clip = await openai.synthesizer!.synthesize({
      voice: "coral",
      text: "Hello",
      rate: 1.5,
      style: "cheerful",
    });
    expect(clip.contentType).toBe("audio/wav");
    expect(clip.durationSeconds).toBeCloseTo(MOCK_CLIP_SECONDS, 3);
    const request = speech.requests[0]!;
    expect(request).toMatchObject({ method: "POST", path: "/v1/audio/speech" });
    expect(request.headers.authorization).toBe(`Bearer ${speech.key}`);
    expect(request.headers["openai-organization"]).toBe("org-1");
    expect(request.json).toEqual({
      model: "gpt-4o-mini-tts",
      input: "Hello",
      voice: "coral",
      response_format: "wav",
      speed: 1.5,
      instructions: "Speak in a cheerful style.",
    });
  });

  it("sends no instructions to tts-1, no speed at rate 1, and no Authorization without a key", async () => {
    const local = createSpeechProvider({
      name: "kokoro",
      kind: "openai-compatible",
      base_url: `${speech.baseUrl}/v1`,
      tts_model: "tts-1",
      api_key: speech.key,
    });
    await local.synthesizer!.synthesize({ voice: "alloy", text: "Hi", rate: 1, style: "sad" });
    expect(speech.requests[0]!.json).toEqual({
      model: "tts-1",
      input: "Hi",
      voice: "alloy",
      response_format: "wav",
    });
    const keyless = createSpeechProvider({
      name: "local",
      kind: "openai-compatible",
      base_url: `${speech.baseUrl}/v1`,
    });
    await failure(keyless.synthesizer!.synthesize({ voice: "alloy", text: "Hi", rate: 9 }));
    expect(speech.requests[1]!.headers.authorization).toBeUndefined();
    expect((speech.requests[1]!.json as { speed: number }).speed).toBe(4);
  });

  it("accepts MP3 answers and refuses anything else", async () => {
    const answering = (body: Uint8Array) =>
      createSpeechProvider(
        { name: "local", kind: "openai-compatible", base_url: "http://127.0.0.1:9/v1" },
        { fetch: (async () => new Response(body)) as unknown as typeof fetch },
      ).synthesizer!;
    const mp3 = await answering(new Uint8Array([0x49, 0x44, 0x33, 4, 0, 0])).synthesize({
      voice: "alloy",
      text: "x",
    });
    expect(mp3.contentType).toBe("audio/mpeg");
    const error = await failure(
      answering(new TextEncoder().encode("<html>oops</html>")).synthesize({ voice: "alloy", text: "x" }),
    );
    expect(error).toBeInstanceOf(SpeechProviderError);
    expect(error.message).toMatch(/neither WAV nor MP3/);
  });

  it("transcribes with multipart file, model, language and verbose_json", async () => {
    const audio = mockWav(16_000);
    const result = await provider("openai-compatible").recognizer!.transcribe({
      audio,
      contentType: "audio/wav",
      locale: "en-GB",
    });
    expect(result).toEqual({
      text: MOCK_TRANSCRIPT,
      language: "en-GB",
      durationSeconds: wavDurationSeconds(audio),
    });
    const request = speech.requests[0]!;
    expect(request.path).toBe("/v1/audio/transcriptions");
    expect(request.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    expect(request.form).toMatchObject({
      model: "whisper-1",
      language: "en",
      response_format: "verbose_json",
    });
    expect(request.form!.file).toMatchObject({ fileName: "audio.wav", type: "audio/wav", bytes: audio });
  });

  it("works with servers that answer {text} only, and asks gpt-4o transcribers for json", async () => {
    speech.options.plainTranscription = true;
    const whisper = provider("openai-compatible");
    const fromWav = await whisper.recognizer!.transcribe({
      audio: mockWav(16_000),
      contentType: "audio/wav",
    });
    expect(fromWav).toEqual({
      text: MOCK_TRANSCRIPT,
      language: undefined,
      durationSeconds: MOCK_CLIP_SECONDS,
    });
    const webm = await whisper.recognizer!.transcribe({
      audio: new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 0]),
      contentType: "audio/webm;codecs=opus",
      locale: "de-DE",
    });
    expect(webm).toEqual({ text: MOCK_TRANSCRIPT, language: "de-DE", durationSeconds: 0 });
    expect(speech.requests[1]!.form!.file).toMatchObject({ fileName: "audio.webm" });
    await provider("openai-compatible", { stt_model: "gpt-4o-transcribe" }).recognizer!.transcribe({
      audio: mockWav(16_000),
      contentType: "audio/wav",
    });
    expect(speech.requests[2]!.form).toMatchObject({ model: "gpt-4o-transcribe", response_format: "json" });
  });

  it("refuses audio types no transcriber decodes", async () => {
    const error = await failure(
      provider("openai-compatible").recognizer!.transcribe({
        audio: new Uint8Array(4),
        contentType: "application/pdf",
      }),
    );
    expect(error).toBeInstanceOf(SpeechInputError);
    expect(speech.requests).toHaveLength(0);
  });

  it("keeps a key the server echoes out of the error", async () => {
    const error = await failure(
      provider("openai-compatible", { api_key: "sk-wrong-secret-key" }).recognizer!.transcribe({
        audio: mockWav(),
        contentType: "audio/wav",
      }),
    );
    expect(error).toBeInstanceOf(SpeechProviderError);
    expect(error.upstreamStatus).toBe(401);
    expect(error.message).toMatch(/^speech provider openai: 401: Incorrect API key provided/);
    expect(error.message).not.toContain("sk-wrong-secret-key");
  });

  it("reads Whisper's language names back as codes", () => {
    expect(languageCode("german")).toBe("de");
    expect(languageCode("English")).toBe("en");
    expect(languageCode("pt")).toBe("pt");
    expect(languageCode("klingon")).toBeUndefined();
  });
});

describe("ElevenLabs", () => {
  it("lists the account's voices with their languages", async () => {
    const voices = await provider("elevenlabs").synthesizer!.listVoices();
    expect(voices[0]).toEqual({
      id: "elevenlabs/21m00Tcm4TlvDq8ikWAM",
      provider: "elevenlabs",
      name: "21m00Tcm4TlvDq8ikWAM",
      displayName: "Rachel",
      locale: "en-US",
      locales: ["en-US"],
      gender: "female",
      styles: [],
      basic: false,
    });
    expect(voices[1]).toMatchObject({ displayName: "Adam", locale: "mul", locales: [], gender: "male" });
    expect(voices[2]).toMatchObject({ locale: "de", locales: ["de"], gender: null });
    expect(speech.requests[0]).toMatchObject({ method: "GET", path: "/v1/voices" });
    expect(speech.requests[0]!.headers["xi-api-key"]).toBe(speech.key);
  });

  it("wraps 24 kHz PCM into a WAV of the right duration", async () => {
    const clip = await provider("elevenlabs").synthesizer!.synthesize({
      voice: "21m00Tcm4TlvDq8ikWAM",
      text: "Hi",
      rate: 1.1,
      locale: "en-US",
    });
    expect(clip.contentType).toBe("audio/wav");
    expect(decodeWav(clip.bytes).sampleRate).toBe(24_000);
    expect(clip.durationSeconds).toBeCloseTo(MOCK_CLIP_SECONDS, 3);
    const request = speech.requests[0]!;
    expect(request.path).toBe("/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM");
    expect(request.query).toEqual({ output_format: "pcm_24000" });
    expect(request.headers["xi-api-key"]).toBe(speech.key);
    // eleven_multilingual_v2 answers an error to language_code: it is not sent.
    expect(request.json).toEqual({
      text: "Hi",
      model_id: "eleven_multilingual_v2",
      voice_settings: { speed: 1.1 },
    });
  });

  it("enforces the language on flash models and clamps the speed", async () => {
    await provider("elevenlabs", { tts_model: "eleven_flash_v2_5" }).synthesizer!.synthesize({
      voice: "pNInz6obpgDQGcFMaJgB",
      text: "Hallo",
      rate: 2,
      locale: "de-AT",
    });
    expect(speech.requests[0]!.json).toEqual({
      text: "Hallo",
      model_id: "eleven_flash_v2_5",
      voice_settings: { speed: 1.2 },
      language_code: "de",
    });
    const samples = decodeWav(pcm16ToWav(new Uint8Array([0x00, 0x40, 0x00, 0xc0, 0x7f]), 24_000)).samples;
    expect(Array.from(samples)).toEqual([0.5, -0.5]);
  });

  it("names an unknown voice as the caller's mistake", async () => {
    const error = await failure(
      provider("elevenlabs").synthesizer!.synthesize({ voice: "no-such-voice", text: "Hi" }),
    );
    expect(error).toBeInstanceOf(SpeechInputError);
    expect(error.message).toBe("elevenlabs has no voice no-such-voice");
  });

  it("transcribes with Scribe's multipart fields", async () => {
    const result = await provider("elevenlabs").recognizer!.transcribe({
      audio: mockWav(16_000),
      contentType: "audio/wav",
      locale: "fr-FR",
    });
    expect(result).toEqual({ text: MOCK_TRANSCRIPT, language: "eng", durationSeconds: MOCK_CLIP_SECONDS });
    const request = speech.requests[0]!;
    expect(request).toMatchObject({ method: "POST", path: "/v1/speech-to-text" });
    expect(request.form).toMatchObject({ model_id: "scribe_v1", language_code: "fr" });
    expect(request.form!.file).toMatchObject({ fileName: "audio.wav", type: "audio/wav" });
  });

  it("turns a refused key into a 401 with ElevenLabs' message", async () => {
    const error = await failure(
      provider("elevenlabs", { api_key: "wrong-eleven-key" }).synthesizer!.listVoices(),
    );
    expect(error).toMatchObject({
      name: "SpeechProviderError",
      upstreamStatus: 401,
      message: "speech provider elevenlabs: 401: Invalid API key",
    });
  });
});

describe("Deepgram", () => {
  it("transcribes the raw audio with model, smart_format and language", async () => {
    const audio = mockWav(16_000);
    const result = await provider("deepgram").recognizer!.transcribe({
      audio,
      contentType: "audio/wav",
      locale: "en-US",
    });
    expect(result).toEqual({ text: MOCK_TRANSCRIPT, language: "en-US", durationSeconds: MOCK_CLIP_SECONDS });
    const request = speech.requests[0]!;
    expect(request).toMatchObject({ method: "POST", path: "/v1/listen" });
    expect(request.query).toEqual({ model: "nova-3", smart_format: "true", language: "en-US" });
    expect(request.headers.authorization).toBe(`Token ${speech.key}`);
    expect(request.headers["content-type"]).toBe("audio/wav");
    expect(request.body).toEqual(audio);
  });

  it("speaks with Aura only when a tts_model is set", async () => {
    expect(provider("deepgram").synthesizer).toBeUndefined();
    const aura = provider("deepgram", { tts_model: "aura-2" }).synthesizer!;
    const voices = await aura.listVoices();
    expect(voices.map((voice) => voice.id)).toContain("deepgram/aura-2-thalia-en");
    expect(voices[0]).toMatchObject({ locale: "en-US", gender: "female", basic: false });
    const clip = await aura.synthesize({ voice: "aura-2-thalia-en", text: "Hello" });
    expect(clip.contentType).toBe("audio/wav");
    expect(clip.durationSeconds).toBeCloseTo(MOCK_CLIP_SECONDS, 3);
    const request = speech.requests[0]!;
    expect(request.path).toBe("/v1/speak");
    expect(request.query).toEqual({
      model: "aura-2-thalia-en",
      encoding: "linear16",
      sample_rate: "24000",
      container: "wav",
    });
    expect(request.json).toEqual({ text: "Hello" });
  });

  it("turns a refused key into a 401 with Deepgram's message", async () => {
    const error = await failure(
      provider("deepgram", { api_key: "wrong-deepgram-key" }).recognizer!.transcribe({
        audio: mockWav(),
        contentType: "audio/wav",
      }),
    );
    expect(error).toMatchObject({
      upstreamStatus: 401,
      message: "speech provider deepgram: 401: Invalid credentials.",
    });
  });
});

describe("Deepgram live transcription", () => {
  /** 20 ms frames of a tone, as a call feeds them. */
  const frames = (count: number) => Array.from({ length: count }, () => mockSine(16_000, 0.02));

  it("streams 16-bit PCM over the WebSocket while the caller talks and hears the final results on CloseStream", async () => {
    const recognizer = provider("deepgram").recognizer!;
    const stream = recognizer.openStream!({ sampleRate: 16_000, locale: "en-US" });
    for (const frame of frames(50)) stream.write(frame);
    const result = await stream.finish();
    expect(result).toEqual({ text: MOCK_TRANSCRIPT, language: "en-US", durationSeconds: 1 });
    expect(speech.streams).toHaveLength(1);
    const live = speech.streams[0]!;
    expect(live.query).toEqual({
      model: "nova-3",
      encoding: "linear16",
      sample_rate: "16000",
      channels: "1",
      smart_format: "true",
      interim_results: "false",
      language: "en-US",
    });
    expect(live.headers.authorization).toBe(`Token ${speech.key}`);
    // Every frame went as its own binary message (written before the socket opened: buffered, then sent).
    expect(live).toMatchObject({ frames: 50, bytes: 50 * 320 * 2, closed: true });
  });

  it("turns a refused key into a 401 with Deepgram's message, and an abort into no result", async () => {
    const refused = provider("deepgram", { api_key: "wrong-deepgram-key" }).recognizer!.openStream!({
      sampleRate: 16_000,
    });
    refused.write(mockSine(16_000, 0.02));
    expect(await failure(refused.finish())).toMatchObject({
      name: "SpeechProviderError",
      upstreamStatus: 401,
      message: "speech provider deepgram: 401: Invalid credentials.",
    });
    const aborted = provider("deepgram").recognizer!.openStream!({ sampleRate: 16_000 });
    aborted.write(mockSine(16_000, 0.02));
    const controller = new AbortController();
    const finishing = aborted.finish(controller.signal);
    controller.abort();
    await expect(finishing).rejects.toThrow();
  });
});

describe("provider factory and HTTP helper", () => {
  it("builds each kind, reads keys from api_key_env, and refuses incomplete configurations", () => {
    const providers = createSpeechProviders(
      [
        { name: "azure", kind: "azure", region: "eastus", api_key_env: "AZURE_SPEECH_KEY" },
        { name: "whisper", kind: "openai-compatible", base_url: "http://127.0.0.1:8000/v1" },
        { name: "elevenlabs", kind: "elevenlabs", api_key: "k" },
        { name: "deepgram", kind: "deepgram", api_key: "k" },
      ],
      { environment: { AZURE_SPEECH_KEY: "from-env" } },
    );
    expect(providers.map((entry) => entry.name)).toEqual(["azure", "whisper", "elevenlabs", "deepgram"]);
    expect(() => createSpeechProvider({ name: "azure", kind: "azure", api_key: "k" })).toThrow(/region/);
    expect(() =>
      createSpeechProvider(
        { name: "azure", kind: "azure", region: "eastus", api_key_env: "NOPE" },
        { environment: {} },
      ),
    ).toThrow(/NOPE/);
    expect(() => createSpeechProvider({ name: "deepgram", kind: "deepgram" }, { environment: {} })).toThrow(
      /api_key/,
    );
  });

  it("reports every status from a failing service with its message", async () => {
    speech.options.fail = 503;
    const error = await failure(
      provider("azure").synthesizer!.synthesize({ voice: "en-US-JennyNeural", text: "x" }),
    );
    expect(error).toMatchObject({
      upstreamStatus: 503,
      message: "speech provider azure: 503: mock failure 503",
    });
  });

  it("turns unreachable hosts, timeouts and odd answers into SpeechProviderError; a caller's abort stays an abort", async () => {
    const refused = Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } });
    const unreachable = createSpeechHttp({
      provider: "p",
      fetch: (async () => Promise.reject(refused)) as unknown as typeof fetch,
    });
    expect((await failure(unreachable.bytes({ url: "http://10.0.0.1/x" }))).message).toBe(
      "speech provider p: cannot reach the service (ECONNREFUSED)",
    );

    const hanging = (async (_url: string, init: RequestInit) =>
      new Promise((_resolve, reject) =>
        init.signal!.addEventListener("abort", () => reject(init.signal!.reason)),
      )) as unknown as typeof fetch;
    const slow = createSpeechHttp({ provider: "p", fetch: hanging, timeoutMs: 1 });
    expect((await failure(slow.bytes({ url: "http://x/" }))).message).toBe(
      "speech provider p: no answer within 1 ms",
    );
    const controller = new AbortController();
    const pending = failure(
      createSpeechHttp({ provider: "p", fetch: hanging }).bytes({
        url: "http://x/",
        signal: controller.signal,
      }),
    );
    controller.abort(new Error("caller gave up"));
    expect((await pending).message).toBe("caller gave up");

    const odd = createSpeechHttp({
      provider: "p",
      fetch: (async () => new Response(`{"voices": 3}`)) as unknown as typeof fetch,
    });
    const shape = await failure(odd.json({ url: "http://x/" }, z.object({ voices: z.array(z.string()) })));
    expect(shape).toBeInstanceOf(SpeechProviderError);
    expect(shape.message).toMatch(/unexpected shape \(voices:/);
  });

  it("refuses answers larger than the cap, declared or streamed", async () => {
    const big = new Uint8Array(2_048);
    const declared = createSpeechHttp({
      provider: "p",
      maxBytes: 1_024,
      fetch: (async () => new Response(big)) as unknown as typeof fetch,
    });
    expect((await failure(declared.bytes({ url: "http://x/" }))).message).toBe(
      "speech provider p: answered more than 1024 bytes",
    );
    const stream = () =>
      new Response(new ReadableStream({ pull: (controller) => controller.enqueue(new Uint8Array(512)) }));
    const streamed = createSpeechHttp({
      provider: "p",
      maxBytes: 1_024,
      fetch: (async () => stream()) as unknown as typeof fetch,
    });
    expect(await failure(streamed.bytes({ url: "http://x/" }))).toBeInstanceOf(SpeechProviderError);
  });

  it("finds the upstream message in each service's error shape", () => {
    const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    expect(
      readUpstreamMessage(json({ detail: [{ loc: ["body"], msg: "field required" }] }), "application/json"),
    ).toBe("field required");
    expect(readUpstreamMessage(json({ err_code: "X", err_msg: "bad model" }), "application/json")).toBe(
      "bad model",
    );
    expect(readUpstreamMessage(json({ message: "quota" }), null)).toBe("quota");
    expect(readUpstreamMessage(new TextEncoder().encode("x".repeat(1_000)), "text/plain")).toHaveLength(300);
    expect(readUpstreamMessage(new TextEncoder().encode("<html><body>502</body></html>"), "text/html")).toBe(
      "",
    );
  });
});
