import { BadRequestError, NotFoundError, PayloadTooLargeError } from "../../errors/app-error.ts";
import type { Clock } from "../../lib/clock.ts";
import { sniffMediaType } from "../../lib/file-signatures.ts";
import type { RecognitionStream } from "../../speech/speech.ts";
import type { SpeechRegistry } from "../../speech/speech-registry.ts";
import { encodeWav } from "../../speech/wav.ts";
import { AudioCodecError, decodeOggOpus, isOgg } from "../../speech/audio-codecs.ts";
import type { SpeechActor, SpeechUsage } from "./speech-usage.ts";

/** Audio to transcribe, with the named or default recognizer. */
export interface TranscriptionInput {
  audio: Uint8Array;
  locale?: string | undefined;
  recognizer?: string | undefined;
  conversationId?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** What a recognizer heard in an upload. */
export interface Transcription {
  text: string;
  language: string | null;
  duration_seconds: number;
  recognizer: string;
}

/** Audio heard: uploads checked and transcribed whole, or one utterance live; metered per second. */
export class SpeechTranscription {
  private readonly registry: SpeechRegistry;
  private readonly clock: Clock;
  private readonly usage: SpeechUsage;
  private readonly maxAudioBytes: number;

  constructor(dependencies: {
    registry: SpeechRegistry;
    clock: Clock;
    usage: SpeechUsage;
    /** largest audio upload transcribed */
    maxAudioBytes: number;
  }) {
    this.registry = dependencies.registry;
    this.clock = dependencies.clock;
    this.usage = dependencies.usage;
    this.maxAudioBytes = dependencies.maxAudioBytes;
  }

  /** Whether this server can transcribe at all (it has a recognizer). */
  canListen(): boolean {
    return this.registry.recognizer() !== undefined;
  }

  /** Transcribes audio with the named or default recognizer, and meters its seconds. */
  async transcribe(actor: SpeechActor, input: TranscriptionInput): Promise<Transcription> {
    const contentType = this.audioType(input.audio);
    const recognizer = this.registry.recognizer(input.recognizer);
    if (!recognizer) throw noRecognizer();
    const started = this.clock.now().getTime();
    const audio = await readableAudio(input.audio, contentType);
    const result = await recognizer.transcribe({
      ...audio,
      locale: input.locale,
      signal: input.signal,
    });
    await this.usage.recordTranscription(actor, {
      recognizer: recognizer.name,
      seconds: result.durationSeconds,
      latencyMs: this.clock.now().getTime() - started,
      conversationId: input.conversationId,
    });
    return {
      text: result.text.trim(),
      language: result.language ?? null,
      duration_seconds: result.durationSeconds,
      recognizer: recognizer.name,
    };
  }

  /**
   * A live transcription of one utterance with the default recognizer, metered like `transcribe` when it
   * finishes; undefined when that recognizer only takes whole recordings (then callers use `transcribe`).
   */
  openTranscriptionStream(
    actor: SpeechActor,
    input: { sampleRate: number; locale?: string | undefined; conversationId?: string | undefined },
  ): RecognitionStream | undefined {
    const recognizer = this.registry.recognizer();
    const stream = recognizer?.openStream?.({ sampleRate: input.sampleRate, locale: input.locale });
    if (!recognizer || !stream) return undefined;
    const started = this.clock.now().getTime();
    return {
      write: (samples) => stream.write(samples),
      abort: () => stream.abort(),
      finish: async (signal) => {
        const result = await stream.finish(signal);
        await this.usage.recordTranscription(actor, {
          recognizer: recognizer.name,
          seconds: result.durationSeconds,
          latencyMs: this.clock.now().getTime() - started,
          conversationId: input.conversationId,
        });
        return { ...result, text: result.text.trim() };
      },
    };
  }

  /** The media type of an audio upload: a 400 when it is empty or not audio, a 413 when too large. */
  audioType(audio: Uint8Array): string {
    if (audio.length === 0)
      throw new BadRequestError("audio: the upload is empty", [{ field: "file", message: "is empty" }]);
    if (audio.length > this.maxAudioBytes) {
      throw new PayloadTooLargeError(
        this.maxAudioBytes,
        `the audio is larger than ${this.maxAudioBytes} bytes`,
      );
    }
    const sniffed = sniffMediaType(audio);
    const ogg = Buffer.from(audio.subarray(0, 4)).toString("latin1") === "OggS";
    const webm = audio[0] === 0x1a && audio[1] === 0x45 && audio[2] === 0xdf && audio[3] === 0xa3;
    const type = sniffed?.startsWith("audio/")
      ? sniffed
      : ogg
        ? "audio/ogg"
        : webm
          ? "audio/webm"
          : undefined;
    if (!type) {
      throw new BadRequestError("audio: not a recognised audio file (WAV, MP3, OGG, WebM, FLAC or M4A)", [
        { field: "file", message: "is not audio" },
      ]);
    }
    return type;
  }
}

function noRecognizer(): NotFoundError {
  return new NotFoundError(
    "a speech recognizer (none is configured: install pocketsphinx, or set DRAMATIS_SPEECH_PROVIDERS or OPENAI_API_KEY)",
  );
}

/**
 * Ogg Opus (WhatsApp's voice notes, some browsers' recordings) decoded to WAV, which every recognizer
 * reads (PocketSphinx and Azure's short-audio API read nothing else); other audio goes as it came. Ogg
 * that is not Opus (Vorbis) also goes as it came, for the recognizers that read it.
 */
async function readableAudio(
  audio: Uint8Array,
  contentType: string,
): Promise<{ audio: Uint8Array; contentType: string }> {
  if (!isOgg(audio)) return { audio, contentType };
  try {
    return { audio: encodeWav(await decodeOggOpus(audio)), contentType: "audio/wav" };
  } catch (error) {
    if (error instanceof AudioCodecError) return { audio, contentType };
    throw error;
  }
}
