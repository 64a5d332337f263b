import { z } from "zod";
import type { SpeechProviderConfig } from "./speech-config.ts";
import {
  audioFileName,
  createSpeechHttp,
  joinUrl,
  languageOf,
  type CloudSpeechOptions,
  type SpeechServiceContext,
} from "./speech-http.ts";
import type {
  AudioClip,
  SpeechProvider,
  SpeechRecognizer,
  SpeechSynthesizer,
  SynthesisRequest,
  Transcription,
  TranscriptionRequest,
  VoiceGender,
  VoiceInfo,
} from "./speech.ts";
import { SpeechInputError, SpeechProviderError } from "./speech.ts";
import { encodeWav, wavDurationSeconds } from "./wav.ts";

/**
 * ElevenLabs: the account's voices (premade and cloned), text to speech as raw 24 kHz PCM wrapped here into
 * WAV (every tier may ask for PCM; WAV output needs a paid tier), and Scribe speech to text.
 */

export const ELEVENLABS_DEFAULT_BASE_URL = "https://api.elevenlabs.io";
const DEFAULT_TTS_MODEL = "eleven_multilingual_v2";
const DEFAULT_STT_MODEL = "scribe_v1";
const PCM_SAMPLE_RATE = 24_000;
/** ElevenLabs' own bounds for `voice_settings.speed`. */
const MIN_SPEED = 0.7;
const MAX_SPEED = 1.2;
/** The models that accept `language_code`; the others answer an error when it is sent. */
const LANGUAGE_ENFORCING_MODEL = /_(turbo|flash)_v2_5$/;

const voiceListSchema = z.object({
  voices: z.array(
    z.object({
      voice_id: z.string().min(1),
      name: z.string(),
      labels: z.record(z.string(), z.string().nullable()).nullish(),
      verified_languages: z.array(z.object({ language: z.string(), locale: z.string().nullish() })).nullish(),
    }),
  ),
});

const transcriptionSchema = z.object({
  text: z.string(),
  language_code: z.string().nullish(),
  words: z.array(z.object({ end: z.number().nullish() })).nullish(),
});

/**
 * @example
 * const elevenlabs = createElevenLabsSpeech({ name: "elevenlabs", kind: "elevenlabs", api_key: key }, {});
 * const voices = await elevenlabs.synthesizer!.listVoices();
 */
export function createElevenLabsSpeech(
  config: SpeechProviderConfig,
  options: CloudSpeechOptions = {},
): SpeechProvider {
  const context: SpeechServiceContext = {
    name: config.name,
    base: config.base_url ?? ELEVENLABS_DEFAULT_BASE_URL,
    http: createSpeechHttp({ provider: config.name, fetch: options.fetch, secrets: [config.api_key] }),
    headers: { ...config.headers, "xi-api-key": config.api_key ?? "" },
  };
  return {
    name: config.name,
    synthesizer:
      config.tts_model === null
        ? undefined
        : new ElevenLabsSynthesizer(context, config.tts_model ?? DEFAULT_TTS_MODEL),
    recognizer:
      config.stt_model === null
        ? undefined
        : new ElevenLabsRecognizer(context, config.stt_model ?? DEFAULT_STT_MODEL),
  };
}

class ElevenLabsSynthesizer implements SpeechSynthesizer {
  readonly name: string;
  readonly label = "ElevenLabs";
  readonly basic = false;

  constructor(
    private readonly context: SpeechServiceContext,
    private readonly model: string,
  ) {
    this.name = context.name;
  }

  /** Not cached: the list holds the account's own cloned voices, which change from the dashboard. */
  async listVoices(signal?: AbortSignal): Promise<VoiceInfo[]> {
    const answer = await this.context.http.json(
      { url: joinUrl(this.context.base, "v1/voices"), headers: this.context.headers, signal },
      voiceListSchema,
    );
    return answer.voices.map((voice) => {
      const verified = (voice.verified_languages ?? []).map((entry) => entry.locale || entry.language);
      const locale = verified[0] ?? voice.labels?.language ?? "mul";
      return {
        id: `${this.name}/${voice.voice_id}`,
        provider: this.name,
        name: voice.voice_id,
        displayName: voice.name,
        locale,
        locales: locale === "mul" ? [] : [...new Set([locale, ...verified])],
        gender: genderOf(voice.labels?.gender),
        styles: [],
        basic: false,
      };
    });
  }

  async synthesize(request: SynthesisRequest): Promise<AudioClip> {
    const body: Record<string, unknown> = { text: request.text, model_id: this.model };
    if (request.rate !== undefined && request.rate !== 1) {
      body.voice_settings = { speed: Math.min(MAX_SPEED, Math.max(MIN_SPEED, request.rate)) };
    }
    const language = languageOf(request.locale);
    if (language && LANGUAGE_ENFORCING_MODEL.test(this.model)) body.language_code = language;
    const path = `v1/text-to-speech/${encodeURIComponent(request.voice)}?output_format=pcm_${PCM_SAMPLE_RATE}`;
    const answer = await this.context.http
      .bytes({
        url: joinUrl(this.context.base, path),
        method: "POST",
        headers: { ...this.context.headers, "Content-Type": "application/json" },
        body: JSON.stringify(body),
        signal: request.signal,
      })
      .catch((error: unknown) => {
        // The path names the voice, so its 404 is an unknown voice: the caller's mistake, not an outage.
        if (error instanceof SpeechProviderError && error.upstreamStatus === 404) {
          throw new SpeechInputError(`${this.name} has no voice ${request.voice}`);
        }
        throw error;
      });
    const wav = pcm16ToWav(answer.bytes, PCM_SAMPLE_RATE);
    return { bytes: wav, contentType: "audio/wav", durationSeconds: wavDurationSeconds(wav) };
  }
}

/** Raw signed 16-bit little-endian mono PCM -> a WAV file (a trailing odd byte is dropped). */
export function pcm16ToWav(pcm: Uint8Array, sampleRate: number): Uint8Array {
  const view = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const samples = new Float32Array(Math.floor(pcm.byteLength / 2));
  for (let index = 0; index < samples.length; index++)
    samples[index] = view.getInt16(index * 2, true) / 32768;
  return encodeWav({ samples, sampleRate });
}

function genderOf(gender: string | null | undefined): VoiceGender | null {
  const lower = gender?.toLowerCase();
  return lower === "female" || lower === "male" || lower === "neutral" ? lower : null;
}

class ElevenLabsRecognizer implements SpeechRecognizer {
  readonly name: string;
  readonly label = "ElevenLabs Scribe";
  readonly basic = false;

  constructor(
    private readonly context: SpeechServiceContext,
    private readonly model: string,
  ) {
    this.name = context.name;
  }

  async transcribe(request: TranscriptionRequest): Promise<Transcription> {
    const fileName = audioFileName(request.contentType);
    if (!fileName) {
      throw new SpeechInputError(
        `${this.name} cannot transcribe ${request.contentType}; send WAV, MP3, WebM, Ogg, M4A or FLAC audio`,
      );
    }
    const form = new FormData();
    form.append("file", new Blob([request.audio], { type: request.contentType }), fileName);
    form.append("model_id", this.model);
    const language = languageOf(request.locale);
    if (language) form.append("language_code", language);
    const answer = await this.context.http.json(
      {
        url: joinUrl(this.context.base, "v1/speech-to-text"),
        method: "POST",
        headers: this.context.headers,
        body: form,
        signal: request.signal,
      },
      transcriptionSchema,
    );
    // Scribe reports no duration; the last word's end is the next best when the audio is not WAV.
    const lastWordEnd = answer.words?.at(-1)?.end ?? undefined;
    return {
      text: answer.text.trim(),
      language: answer.language_code ?? request.locale,
      durationSeconds: wavDurationSeconds(request.audio) ?? lastWordEnd ?? 0,
    };
  }
}
