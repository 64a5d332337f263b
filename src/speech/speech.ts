import { AppError } from "../errors/app-error.ts";

/**
 * Speech in and out behind two small interfaces: a `SpeechSynthesizer` turns text into audio in one of its
 * voices, a `SpeechRecognizer` turns audio into text. Voices are named `provider/voice` across the server
 * (`espeak/en-us+f3`, `azure/en-US-JennyNeural`, `openai/alloy`); `SpeechRegistry` resolves the names.
 */

/** Encoded audio with its media type (`audio/wav`, `audio/mpeg`, ...). */
export interface AudioClip {
  bytes: Uint8Array;
  contentType: string;
  /** seconds of audio, when the provider or the container says */
  durationSeconds?: number | undefined;
}

export type VoiceGender = "female" | "male" | "neutral";

/** One voice a synthesizer offers. */
export interface VoiceInfo {
  /** `provider/voice`: what a persona's voice configuration stores */
  id: string;
  provider: string;
  /** the provider's own name for it (`en-US-JennyNeural`, `alloy`) */
  name: string;
  /** what a person reads in a list */
  displayName: string;
  /** the BCP 47 tag it speaks (`en-US`); voices that speak many list them in `locales` */
  locale: string;
  /** every locale it speaks well, `locale` first */
  locales: string[];
  gender: VoiceGender | null;
  /** speaking styles it takes (Azure's `cheerful`, `whispering`, ...); empty when none */
  styles: string[];
  /** true for the embedded, robotic-sounding voices */
  basic: boolean;
}

export interface SynthesisRequest {
  /** the provider's own voice name (the part after `provider/`) */
  voice: string;
  text: string;
  /** the language to read in, when the voice speaks several */
  locale?: string | undefined;
  /** speaking rate, 1 = normal (0.5-2) */
  rate?: number | undefined;
  /** a speaking style the voice offers (Azure), ignored by providers without styles */
  style?: string | null | undefined;
  signal?: AbortSignal | undefined;
}

export interface SpeechSynthesizer {
  /** the provider part of voice ids */
  readonly name: string;
  /** shown beside its voices (`Basic (eSpeak NG, offline)`, `Azure Speech`) */
  readonly label: string;
  /** embedded and robotic: labelled as the basic voice wherever it is offered */
  readonly basic: boolean;
  listVoices(signal?: AbortSignal): Promise<VoiceInfo[]>;
  synthesize(request: SynthesisRequest): Promise<AudioClip>;
}

export interface TranscriptionRequest {
  audio: Uint8Array;
  /** the audio's sniffed media type */
  contentType: string;
  /** the language spoken, when known (BCP 47) */
  locale?: string | undefined;
  signal?: AbortSignal | undefined;
}

export interface Transcription {
  text: string;
  /** the language the recognizer heard or was told */
  language?: string | undefined;
  /** seconds of audio transcribed (what the provider bills) */
  durationSeconds: number;
}

export interface StreamingTranscriptionRequest {
  /** of the PCM written: mono float samples, sent as 16-bit linear PCM */
  sampleRate: number;
  /** the language spoken, when known (BCP 47) */
  locale?: string | undefined;
}

/**
 * One utterance transcribed as it is spoken: audio goes to the service while the caller talks, so the
 * transcript is ready moments after they stop rather than a whole upload later.
 */
export interface RecognitionStream {
  /** More of the utterance, mono samples at the stream's rate; buffered until the service is connected. */
  write(samples: Float32Array): void;
  /** The utterance is over: flushes the service and resolves with everything it heard. */
  finish(signal?: AbortSignal): Promise<Transcription>;
  /** Drops the stream (barge-in, hang-up); `finish` is not called after it. */
  abort(): void;
}

export interface SpeechRecognizer {
  /** the provider part of recognizer ids (`openai/whisper-1` names provider `openai`) */
  readonly name: string;
  readonly label: string;
  /** offline and weak on real voices: labelled basic */
  readonly basic: boolean;
  transcribe(request: TranscriptionRequest): Promise<Transcription>;
  /** Live transcription, for services that stream (Deepgram); the others transcribe whole utterances. */
  openStream?(request: StreamingTranscriptionRequest): RecognitionStream;
}

/**
 * A speech provider failed: refused the key, answered garbage, or could not be reached. `status` is the
 * upstream's HTTP status when there was one; callers turn this into a 502 naming the provider.
 */
export class SpeechProviderError extends AppError {
  constructor(
    readonly provider: string,
    message: string,
    readonly upstreamStatus?: number,
  ) {
    super(502, "Bad Gateway", `speech provider ${provider}: ${message}`);
  }
}

/** The request names something the provider does not have (an unknown voice, audio it cannot read): a 400. */
export class SpeechInputError extends AppError {
  constructor(message: string) {
    super(400, "Bad Request", message);
  }
}

/** What one configured speech service offers: a synthesizer, a recognizer, or both. */
export interface SpeechProvider {
  name: string;
  synthesizer?: SpeechSynthesizer | undefined;
  recognizer?: SpeechRecognizer | undefined;
}
