import { z } from "zod";
import type { SpeechProviderConfig } from "./speech-config.ts";
import {
  createSpeechHttp,
  joinUrl,
  mediaTypeOf,
  type CloudSpeechOptions,
  type SpeechServiceContext,
} from "./speech-http.ts";
import { openDeepgramStream } from "./deepgram-stream.ts";
import type {
  AudioClip,
  RecognitionStream,
  SpeechProvider,
  SpeechRecognizer,
  SpeechSynthesizer,
  StreamingTranscriptionRequest,
  SynthesisRequest,
  Transcription,
  TranscriptionRequest,
  VoiceGender,
  VoiceInfo,
} from "./speech.ts";
import { SpeechProviderError } from "./speech.ts";
import { wavDurationSeconds } from "./wav.ts";

/**
 * Deepgram: pre-recorded transcription (`/v1/listen`, the audio as the raw request body), live
 * transcription over a WebSocket to the same path for calls (deepgram-stream.ts) and, when a `tts_model`
 * is configured, Aura synthesis (`/v1/speak`), whose voice is the model name itself.
 */

export const DEEPGRAM_DEFAULT_BASE_URL = "https://api.deepgram.com";
const DEFAULT_STT_MODEL = "nova-3";
const SPEAK_SAMPLE_RATE = 24_000;

/** Deepgram has no voice list endpoint; a few Aura-2 English voices unless `voices` names others. */
const AURA_VOICES: ReadonlyArray<{ name: string; displayName: string; gender: VoiceGender }> = [
  { name: "aura-2-thalia-en", displayName: "Thalia", gender: "female" },
  { name: "aura-2-andromeda-en", displayName: "Andromeda", gender: "female" },
  { name: "aura-2-helena-en", displayName: "Helena", gender: "female" },
  { name: "aura-2-apollo-en", displayName: "Apollo", gender: "male" },
  { name: "aura-2-orion-en", displayName: "Orion", gender: "male" },
  { name: "aura-2-arcas-en", displayName: "Arcas", gender: "male" },
];

const listenSchema = z.object({
  metadata: z.object({ duration: z.number().optional() }).optional(),
  results: z.object({
    channels: z
      .array(
        z.object({
          alternatives: z.array(z.object({ transcript: z.string() })),
          detected_language: z.string().optional(),
        }),
      )
      .min(1),
  }),
});

/**
 * @example
 * const deepgram = createDeepgramSpeech({ name: "deepgram", kind: "deepgram", api_key: key }, {});
 * const { text } = await deepgram.recognizer!.transcribe({ audio, contentType: "audio/webm", locale: "en-US" });
 */
export function createDeepgramSpeech(
  config: SpeechProviderConfig,
  options: CloudSpeechOptions = {},
): SpeechProvider {
  const context: SpeechServiceContext = {
    name: config.name,
    base: config.base_url ?? DEEPGRAM_DEFAULT_BASE_URL,
    http: createSpeechHttp({ provider: config.name, fetch: options.fetch, secrets: [config.api_key] }),
    headers: { ...config.headers, Authorization: `Token ${config.api_key ?? ""}` },
  };
  return {
    name: config.name,
    // Synthesis is opt-in: most configure Deepgram for listening only.
    synthesizer: config.tts_model ? new DeepgramSynthesizer(context, config.voices) : undefined,
    recognizer:
      config.stt_model === null
        ? undefined
        : new DeepgramRecognizer(context, config.stt_model ?? DEFAULT_STT_MODEL),
  };
}

class DeepgramSynthesizer implements SpeechSynthesizer {
  readonly name: string;
  readonly label = "Deepgram Aura";
  readonly basic = false;

  constructor(
    private readonly context: SpeechServiceContext,
    private readonly voices: readonly string[] | undefined,
  ) {
    this.name = context.name;
  }

  async listVoices(): Promise<VoiceInfo[]> {
    const voices = this.voices?.map((name) => ({ name, displayName: name, gender: null })) ?? AURA_VOICES;
    return voices.map((voice) => ({
      id: `${this.name}/${voice.name}`,
      provider: this.name,
      name: voice.name,
      displayName: voice.displayName,
      locale: "en-US",
      locales: ["en-US"],
      gender: voice.gender,
      styles: [],
      basic: false,
    }));
  }

  async synthesize(request: SynthesisRequest): Promise<AudioClip> {
    const query = new URLSearchParams({
      model: request.voice,
      encoding: "linear16",
      sample_rate: String(SPEAK_SAMPLE_RATE),
      container: "wav",
    });
    const answer = await this.context.http.bytes({
      url: `${joinUrl(this.context.base, "v1/speak")}?${query}`,
      method: "POST",
      headers: { ...this.context.headers, "Content-Type": "application/json" },
      body: JSON.stringify({ text: request.text }),
      signal: request.signal,
    });
    const durationSeconds = wavDurationSeconds(answer.bytes);
    if (durationSeconds === undefined)
      throw new SpeechProviderError(this.name, "the synthesis answer is not a WAV file");
    return { bytes: answer.bytes, contentType: "audio/wav", durationSeconds };
  }
}

class DeepgramRecognizer implements SpeechRecognizer {
  readonly name: string;
  readonly label = "Deepgram";
  readonly basic = false;

  constructor(
    private readonly context: SpeechServiceContext,
    private readonly model: string,
  ) {
    this.name = context.name;
  }

  async transcribe(request: TranscriptionRequest): Promise<Transcription> {
    const query = new URLSearchParams({ model: this.model, smart_format: "true" });
    if (request.locale) query.set("language", request.locale);
    const answer = await this.context.http.json(
      {
        url: `${joinUrl(this.context.base, "v1/listen")}?${query}`,
        method: "POST",
        headers: {
          ...this.context.headers,
          "Content-Type": mediaTypeOf(request.contentType) ?? "application/octet-stream",
        },
        body: request.audio,
        signal: request.signal,
      },
      listenSchema,
    );
    const channel = answer.results.channels[0]!;
    return {
      text: channel.alternatives[0]?.transcript.trim() ?? "",
      language: channel.detected_language ?? request.locale,
      durationSeconds: answer.metadata?.duration ?? wavDurationSeconds(request.audio) ?? 0,
    };
  }

  openStream(request: StreamingTranscriptionRequest): RecognitionStream {
    return openDeepgramStream(
      { provider: this.name, baseUrl: this.context.base, headers: this.context.headers, model: this.model },
      request,
    );
  }
}
