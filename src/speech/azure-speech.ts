import { escapeXml } from "../lib/escape-xml.ts";
import { z } from "zod";
import type { SpeechProviderConfig } from "./speech-config.ts";
import { createSpeechHttp, joinUrl, type CloudSpeechOptions, type SpeechHttp } from "./speech-http.ts";
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
import { decodeWav, encodeWav, resample, wavDurationSeconds, WavFormatError } from "./wav.ts";

/**
 * Azure AI Speech over its REST endpoints: the voice list and SSML synthesis on
 * `{region}.tts.speech.microsoft.com`, short-audio recognition on `{region}.stt.speech.microsoft.com`.
 * A `base_url` replaces both hosts (a private endpoint, a proxy, or the test fake).
 */

const voiceListSchema = z.array(
  z.object({
    ShortName: z.string().min(1),
    DisplayName: z.string().optional(),
    LocalName: z.string().optional(),
    Locale: z.string().min(1),
    Gender: z.string().optional(),
    StyleList: z.array(z.string()).optional(),
    SecondaryLocaleList: z.array(z.string()).optional(),
  }),
);

const recognitionSchema = z.object({
  RecognitionStatus: z.string(),
  DisplayText: z.string().optional(),
  /** 100-nanosecond ticks */
  Duration: z.number().optional(),
});

/** Statuses that mean "heard nothing to write down", not a failure. */
const NOTHING_HEARD = new Set(["NoMatch", "InitialSilenceTimeout", "BabbleTimeout"]);
/** The short-audio API refuses longer audio. */
const SHORT_AUDIO_MAX_SECONDS = 60;
const RECOGNITION_SAMPLE_RATE = 16_000;
/** Voice and style names as Azure spells them; anything else would be markup inside the SSML. */
const VOICE_NAME = /^[A-Za-z0-9][A-Za-z0-9:_-]{0,199}$/;
const STYLE_NAME = /^[A-Za-z0-9_-]{1,60}$/;

/**
 * @example
 * const azure = createAzureSpeech({ name: "azure", kind: "azure", region: "westeurope", api_key: key }, {});
 * const clip = await azure.synthesizer!.synthesize({ voice: "en-US-JennyNeural", text: "Hello" });
 */
export function createAzureSpeech(
  config: SpeechProviderConfig,
  options: CloudSpeechOptions = {},
): SpeechProvider {
  if (!config.base_url && !config.region) {
    throw new Error(`speech provider ${config.name}: an azure provider needs a region or a base_url`);
  }
  const key = config.api_key ?? "";
  const http = createSpeechHttp({ provider: config.name, fetch: options.fetch, secrets: [key] });
  const headers = { ...config.headers, "Ocp-Apim-Subscription-Key": key };
  const ttsBase = config.base_url ?? `https://${config.region}.tts.speech.microsoft.com`;
  const sttBase = config.base_url ?? `https://${config.region}.stt.speech.microsoft.com`;
  return {
    name: config.name,
    synthesizer:
      config.tts_model === null ? undefined : new AzureSynthesizer(config.name, http, headers, ttsBase),
    recognizer:
      config.stt_model === null ? undefined : new AzureRecognizer(config.name, http, headers, sttBase),
  };
}

class AzureSynthesizer implements SpeechSynthesizer {
  readonly label = "Azure Speech";
  readonly basic = false;
  /** Azure's catalogue (several hundred voices, ~1 MB) changes with releases, not per request. */
  private voices: Promise<VoiceInfo[]> | undefined;

  constructor(
    readonly name: string,
    private readonly http: SpeechHttp,
    private readonly headers: Record<string, string>,
    private readonly base: string,
  ) {}

  /** One fetch shared by every caller, so it runs on its own timeout rather than one caller's signal. */
  listVoices(): Promise<VoiceInfo[]> {
    this.voices ??= this.http
      .json(
        { url: joinUrl(this.base, "cognitiveservices/voices/list"), headers: this.headers },
        voiceListSchema,
      )
      .then((voices) => voices.map((voice) => this.toVoiceInfo(voice)));
    this.voices.catch(() => (this.voices = undefined));
    return this.voices;
  }

  private toVoiceInfo(voice: z.infer<typeof voiceListSchema>[number]): VoiceInfo {
    const displayName = voice.DisplayName ?? voice.LocalName ?? voice.ShortName;
    return {
      id: `${this.name}/${voice.ShortName}`,
      provider: this.name,
      name: voice.ShortName,
      // Xiaoxiao (晓晓): the name as written in its own language too, when that differs.
      displayName:
        voice.LocalName && voice.LocalName !== displayName
          ? `${displayName} (${voice.LocalName})`
          : displayName,
      locale: voice.Locale,
      locales: [...new Set([voice.Locale, ...(voice.SecondaryLocaleList ?? [])])],
      gender: genderOf(voice.Gender),
      styles: voice.StyleList ?? [],
      basic: false,
    };
  }

  async synthesize(request: SynthesisRequest): Promise<AudioClip> {
    const answer = await this.http.bytes({
      url: joinUrl(this.base, "cognitiveservices/v1"),
      method: "POST",
      headers: {
        ...this.headers,
        "Content-Type": "application/ssml+xml",
        "X-Microsoft-OutputFormat": "riff-24khz-16bit-mono-pcm",
        "User-Agent": "dramatis",
      },
      body: buildSsml(request),
      signal: request.signal,
    });
    const durationSeconds = wavDurationSeconds(answer.bytes);
    if (durationSeconds === undefined) {
      throw new SpeechProviderError(this.name, "the synthesis answer is not a WAV file");
    }
    return { bytes: answer.bytes, contentType: "audio/wav", durationSeconds };
  }
}

/**
 * The SSML document for one request. `xml:lang` is the requested locale or the voice's own (its name
 * without the last part: `en-US-JennyNeural` -> `en-US`); a multilingual voice asked for another
 * language reads it inside `<lang>`, which is how Azure switches such a voice's language.
 */
export function buildSsml(request: SynthesisRequest): string {
  if (!VOICE_NAME.test(request.voice))
    throw new SpeechInputError(`not an Azure voice name: ${request.voice}`);
  const voiceLocale = request.voice.includes("-")
    ? request.voice.slice(0, request.voice.lastIndexOf("-"))
    : "en-US";
  const locale = request.locale && /^[A-Za-z0-9-]{2,35}$/.test(request.locale) ? request.locale : voiceLocale;
  let inner = escapeXml(request.text);
  if (locale.toLowerCase() !== voiceLocale.toLowerCase())
    inner = `<lang xml:lang="${locale}">${inner}</lang>`;
  if (request.rate !== undefined && request.rate !== 1) {
    const percent = Math.round((Math.min(2, Math.max(0.5, request.rate)) - 1) * 100);
    inner = `<prosody rate="${percent >= 0 ? "+" : ""}${percent}%">${inner}</prosody>`;
  }
  if (request.style) {
    if (!STYLE_NAME.test(request.style))
      throw new SpeechInputError(`not an Azure speaking style: ${request.style}`);
    inner = `<mstts:express-as style="${request.style}">${inner}</mstts:express-as>`;
  }
  return (
    `<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xmlns:mstts="https://www.w3.org/2001/mstts" xml:lang="${locale}">` +
    `<voice name="${request.voice}">${inner}</voice></speak>`
  );
}

function genderOf(gender: string | undefined): VoiceGender | null {
  const lower = gender?.toLowerCase();
  return lower === "female" || lower === "male" || lower === "neutral" ? lower : null;
}

class AzureRecognizer implements SpeechRecognizer {
  readonly label = "Azure Speech";
  readonly basic = false;

  constructor(
    readonly name: string,
    private readonly http: SpeechHttp,
    private readonly headers: Record<string, string>,
    private readonly base: string,
  ) {}

  async transcribe(request: TranscriptionRequest): Promise<Transcription> {
    const { wav, durationSeconds } = toShortAudioWav(request);
    const language = request.locale ?? "en-US";
    const query = new URLSearchParams({ language, format: "simple" });
    const answer = await this.http.json(
      {
        url: `${joinUrl(this.base, "speech/recognition/conversation/cognitiveservices/v1")}?${query}`,
        method: "POST",
        headers: {
          ...this.headers,
          "Content-Type": `audio/wav; codecs=audio/pcm; samplerate=${RECOGNITION_SAMPLE_RATE}`,
        },
        body: wav,
        signal: request.signal,
      },
      recognitionSchema,
    );
    if (NOTHING_HEARD.has(answer.RecognitionStatus)) return { text: "", language, durationSeconds };
    if (answer.RecognitionStatus !== "Success") {
      throw new SpeechProviderError(this.name, `recognition failed (${answer.RecognitionStatus})`);
    }
    return { text: answer.DisplayText ?? "", language, durationSeconds };
  }
}

/** The short-audio API takes 16 kHz mono PCM WAV of at most a minute. */
function toShortAudioWav(request: TranscriptionRequest): { wav: Uint8Array; durationSeconds: number } {
  if (!/^audio\/(x-)?wav(e)?$/.test(request.contentType.split(";")[0]!.trim().toLowerCase())) {
    throw new SpeechInputError(
      `Azure's short-audio recognition takes WAV audio only (got ${request.contentType}); record WAV or configure another speech-to-text provider`,
    );
  }
  let audio;
  try {
    audio = decodeWav(request.audio);
  } catch (error) {
    if (error instanceof WavFormatError) throw new SpeechInputError(`audio: ${error.message}`);
    throw error;
  }
  const durationSeconds = audio.samples.length / audio.sampleRate;
  if (durationSeconds > SHORT_AUDIO_MAX_SECONDS) {
    throw new SpeechInputError(
      `Azure's short-audio recognition takes at most ${SHORT_AUDIO_MAX_SECONDS} s of audio (got ${Math.round(durationSeconds)} s)`,
    );
  }
  const samples = resample(audio.samples, audio.sampleRate, RECOGNITION_SAMPLE_RATE);
  return { wav: encodeWav({ samples, sampleRate: RECOGNITION_SAMPLE_RATE }), durationSeconds };
}
