import { z } from "zod";
import { sniffMediaType } from "../lib/file-signatures.ts";
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
  VoiceInfo,
} from "./speech.ts";
import { SpeechInputError, SpeechProviderError } from "./speech.ts";
import { wavDurationSeconds } from "./wav.ts";

/**
 * OpenAI's audio endpoints (`/audio/speech`, `/audio/transcriptions`) and the local servers that copy them
 * (faster-whisper / speaches, whisper.cpp's server, Kokoro-FastAPI, LocalAI). The key is optional: local
 * servers usually take none.
 */

export const OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1";
export const OPENAI_DEFAULT_VOICES = [
  "alloy",
  "ash",
  "ballad",
  "coral",
  "echo",
  "fable",
  "nova",
  "onyx",
  "sage",
  "shimmer",
  "verse",
];
const DEFAULT_TTS_MODEL = "gpt-4o-mini-tts";
const DEFAULT_STT_MODEL = "whisper-1";

/** `verbose_json` adds language and duration; servers that ignore it answer `{text}`, which also passes. */
const transcriptionSchema = z.object({
  text: z.string(),
  language: z.string().optional(),
  duration: z.number().optional(),
});

/**
 * @example
 * const openai = createOpenAISpeech({ name: "openai", kind: "openai-compatible", api_key: key }, {});
 * const { text } = await openai.recognizer!.transcribe({ audio, contentType: "audio/webm" });
 */
export function createOpenAISpeech(
  config: SpeechProviderConfig,
  options: CloudSpeechOptions = {},
): SpeechProvider {
  const base = config.base_url ?? OPENAI_DEFAULT_BASE_URL;
  const http = createSpeechHttp({ provider: config.name, fetch: options.fetch, secrets: [config.api_key] });
  const headers: Record<string, string> = { ...config.headers };
  if (config.api_key) headers.Authorization = `Bearer ${config.api_key}`;
  const label = isOpenAI(base) ? "OpenAI" : `${config.name} (OpenAI-compatible)`;
  const context = { name: config.name, label, http, headers, base };
  return {
    name: config.name,
    synthesizer:
      config.tts_model === null
        ? undefined
        : new OpenAISynthesizer(
            context,
            config.tts_model ?? DEFAULT_TTS_MODEL,
            config.voices ?? OPENAI_DEFAULT_VOICES,
          ),
    recognizer:
      config.stt_model === null
        ? undefined
        : new OpenAIRecognizer(context, config.stt_model ?? DEFAULT_STT_MODEL),
  };
}

function isOpenAI(base: string): boolean {
  try {
    return new URL(base).hostname === "api.openai.com";
  } catch {
    return false;
  }
}

interface OpenAIContext extends SpeechServiceContext {
  label: string;
}

class OpenAISynthesizer implements SpeechSynthesizer {
  readonly name: string;
  readonly label: string;
  readonly basic = false;

  constructor(
    private readonly context: OpenAIContext,
    private readonly model: string,
    private readonly voices: readonly string[],
  ) {
    this.name = context.name;
    this.label = context.label;
  }

  /** No list endpoint exists: the configured names, each of which speaks many languages. */
  async listVoices(): Promise<VoiceInfo[]> {
    return this.voices.map((voice) => ({
      id: `${this.name}/${voice}`,
      provider: this.name,
      name: voice,
      displayName: voice.charAt(0).toUpperCase() + voice.slice(1),
      locale: "mul",
      locales: [],
      gender: null,
      styles: [],
      basic: false,
    }));
  }

  async synthesize(request: SynthesisRequest): Promise<AudioClip> {
    const body: Record<string, unknown> = {
      model: this.model,
      input: request.text,
      voice: request.voice,
      response_format: "wav",
    };
    if (request.rate !== undefined && request.rate !== 1)
      body.speed = Math.min(4, Math.max(0.25, request.rate));
    // Only the gpt-4o voices take instructions; tts-1 refuses the field.
    if (request.style && this.model.startsWith("gpt-4o"))
      body.instructions = `Speak in a ${request.style} style.`;
    const answer = await this.context.http.bytes({
      url: joinUrl(this.context.base, "audio/speech"),
      method: "POST",
      headers: { ...this.context.headers, "Content-Type": "application/json" },
      body: JSON.stringify(body),
      signal: request.signal,
    });
    // Some compatible servers answer MP3 whatever format was asked for.
    const sniffed = sniffMediaType(answer.bytes);
    if (sniffed === "audio/wav") {
      return { bytes: answer.bytes, contentType: sniffed, durationSeconds: wavDurationSeconds(answer.bytes) };
    }
    if (sniffed === "audio/mpeg") return { bytes: answer.bytes, contentType: sniffed };
    throw new SpeechProviderError(
      this.name,
      `the synthesis answer is neither WAV nor MP3 (${answer.contentType ?? "no content type"})`,
    );
  }
}

class OpenAIRecognizer implements SpeechRecognizer {
  readonly name: string;
  readonly label: string;
  readonly basic = false;

  constructor(
    private readonly context: OpenAIContext,
    private readonly model: string,
  ) {
    this.name = context.name;
    this.label = context.label;
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
    form.append("model", this.model);
    const language = languageOf(request.locale);
    if (language) form.append("language", language);
    // The gpt-4o transcribers refuse verbose_json; their json answer has no duration, read from the audio.
    form.append("response_format", this.model.startsWith("gpt-4o") ? "json" : "verbose_json");
    const answer = await this.context.http.json(
      {
        url: joinUrl(this.context.base, "audio/transcriptions"),
        method: "POST",
        headers: this.context.headers,
        body: form,
        signal: request.signal,
      },
      transcriptionSchema,
    );
    const heard = languageCode(answer.language);
    return {
      text: answer.text.trim(),
      // `en-GB` says more than the `english` Whisper heard, when they agree.
      language: heard && heard !== languageOf(request.locale) ? heard : (request.locale ?? heard),
      durationSeconds: answer.duration ?? wavDurationSeconds(request.audio) ?? 0,
    };
  }
}

/** Whisper's language codes, to read back the English names `verbose_json` reports (`"german"`). */
const WHISPER_LANGUAGES =
  "en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu ta no th ur hr bg lt la mi ml cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn bs kk sq sw gl mr pa si km sn yo so af oc ka be tg sd gu am yi lo uz fo ht ps tk nn mt sa lb my bo tl mg as tt ln ha ba jw su";
let codesByName: Map<string, string> | undefined;

/** `"german"` -> `"de"`; a code stays a code; a name not known stays undefined. */
export function languageCode(language: string | undefined): string | undefined {
  if (!language) return undefined;
  const lower = language.trim().toLowerCase();
  if (/^[a-z]{2,3}(-[a-z0-9]{2,8})*$/.test(lower)) return lower;
  if (!codesByName) {
    const names = new Intl.DisplayNames(["en"], { type: "language" });
    codesByName = new Map(WHISPER_LANGUAGES.split(" ").map((code) => [names.of(code)!.toLowerCase(), code]));
  }
  return codesByName.get(lower);
}
