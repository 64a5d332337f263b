import type { Readable } from "node:stream";
import type { Job, JobQueue } from "../../jobs/job-queue.ts";
import type { Clock } from "../../lib/clock.ts";
import type { PersonaDefinition } from "../../domain/persona-definition.ts";
import type { BlobStore } from "../../store/blob-store.ts";
import type { Store } from "../../store/store.ts";
import type { UserRow } from "../../store/schema.ts";
import type { AudioClip, RecognitionStream } from "../../speech/speech.ts";
import type { SpeechRegistry } from "../../speech/speech-registry.ts";
import type { AudioLinkTarget } from "../media-links.ts";
import type { PersonaService } from "../persona-service.ts";
import { ConversationAudio, type UploadedRecording } from "./conversation-audio.ts";
import type { MessageAudio } from "./message-audio.ts";
import { MessageSpeech } from "./message-speech.ts";
import { SpeechSynthesis, type PersonaVoice, type SynthesisInput } from "./speech-synthesis.ts";
import { SpeechTranscription, type Transcription, type TranscriptionInput } from "./speech-transcription.ts";
import { DEFAULT_SPEECH_PRICES, SpeechUsage, type SpeechActor, type SpeechPrices } from "./speech-usage.ts";
import { VoiceCatalog, type SpeechProviderInfo } from "./voice-catalog.ts";

export interface SpeechLimits {
  /** longest text one synthesis reads (OpenAI's limit is 4096) */
  maxCharacters: number;
  /** largest audio upload transcribed */
  maxAudioBytes: number;
}

export const DEFAULT_SPEECH_LIMITS: SpeechLimits = Object.freeze({
  maxCharacters: 4_096,
  maxAudioBytes: 10 * 1024 * 1024,
});

/**
 * Speech for a tenant's users, the one object routes, calls and channels use: voices and their previews
 * (VoiceCatalog), text read aloud (SpeechSynthesis, metered per character), audio transcribed
 * (SpeechTranscription, metered per second), a reply read aloud and kept with its message (MessageSpeech),
 * and voice messages and call recordings kept with their conversation (ConversationAudio). Audio bytes are
 * blobs owned by `message_audio` rows.
 */
export class SpeechService {
  readonly limits: Readonly<SpeechLimits>;
  private readonly usage: SpeechUsage;
  private readonly voices: VoiceCatalog;
  private readonly synthesis: SpeechSynthesis;
  private readonly transcription: SpeechTranscription;
  private readonly messageSpeech: MessageSpeech;
  private readonly conversationAudio: ConversationAudio;

  constructor(dependencies: {
    store: Store;
    blobs: BlobStore;
    clock: Clock;
    personas: PersonaService;
    registry: SpeechRegistry;
    queue: JobQueue;
    prices?: SpeechPrices | undefined;
    limits?: Partial<SpeechLimits> | undefined;
  }) {
    const { store, blobs, clock, personas, registry, queue } = dependencies;
    this.limits = { ...DEFAULT_SPEECH_LIMITS, ...dependencies.limits };
    this.usage = new SpeechUsage({ store, clock, prices: dependencies.prices ?? DEFAULT_SPEECH_PRICES });
    this.voices = new VoiceCatalog({ registry });
    this.synthesis = new SpeechSynthesis({
      registry,
      personas,
      usage: this.usage,
      maxCharacters: this.limits.maxCharacters,
    });
    this.transcription = new SpeechTranscription({
      registry,
      clock,
      usage: this.usage,
      maxAudioBytes: this.limits.maxAudioBytes,
    });
    this.messageSpeech = new MessageSpeech({
      store,
      blobs,
      clock,
      personas,
      queue,
      synthesis: this.synthesis,
      usage: this.usage,
    });
    this.conversationAudio = new ConversationAudio({
      store,
      blobs,
      clock,
      transcription: this.transcription,
    });
  }

  providers(): SpeechProviderInfo[] {
    return this.voices.providers();
  }

  listVoices(filter: { locale?: string | undefined; provider?: string | undefined }) {
    return this.voices.listVoices(filter);
  }

  preview(voiceId: string, locale?: string): Promise<AudioClip> {
    return this.voices.preview(voiceId, locale);
  }

  synthesize(actor: SpeechActor, input: SynthesisInput): Promise<AudioClip & { voice: string }> {
    return this.synthesis.synthesize(actor, input);
  }

  personaVoice(persona: PersonaDefinition, locale?: string): Promise<PersonaVoice> {
    return this.synthesis.personaVoice(persona, locale);
  }

  canListen(): boolean {
    return this.transcription.canListen();
  }

  transcribe(actor: SpeechActor, input: TranscriptionInput): Promise<Transcription> {
    return this.transcription.transcribe(actor, input);
  }

  openTranscriptionStream(
    actor: SpeechActor,
    input: { sampleRate: number; locale?: string | undefined; conversationId?: string | undefined },
  ): RecognitionStream | undefined {
    return this.transcription.openTranscriptionStream(actor, input);
  }

  readMessage(
    user: UserRow,
    conversationId: string,
    messageId: string,
    options: { voice?: string | undefined; locale?: string | undefined } = {},
  ): Promise<MessageAudio> {
    return this.messageSpeech.readMessage(user, conversationId, messageId, options);
  }

  enqueueAutoSpeech(user: UserRow, conversationId: string, messageId: string): Promise<boolean> {
    return this.messageSpeech.enqueueAutoSpeech(user, conversationId, messageId);
  }

  runMessageSpeech(job: Job): Promise<{ audio_id: string } | { skipped: string }> {
    return this.messageSpeech.runMessageSpeech(job);
  }

  uploadRecording(
    user: UserRow,
    conversationId: string,
    input: { audio: Uint8Array; locale?: string | undefined },
  ): Promise<UploadedRecording> {
    return this.conversationAudio.uploadRecording(user, conversationId, input);
  }

  storeCallRecording(user: UserRow, conversationId: string, wav: Uint8Array): Promise<string> {
    return this.conversationAudio.storeCallRecording(user, conversationId, wav);
  }

  openAudio(
    user: UserRow,
    conversationId: string,
    audioId: string,
  ): Promise<{ stream: Readable; contentType: string; size: number; sha256: string }> {
    return this.conversationAudio.openAudio(user, conversationId, audioId);
  }

  playableAudio(
    user: UserRow,
    conversationId: string,
    audioId: string,
    accepted: readonly string[],
  ): Promise<{ bytes: Uint8Array; contentType: string }> {
    return this.conversationAudio.playableAudio(user, conversationId, audioId, accepted);
  }

  openLinkedAudio(target: AudioLinkTarget): Promise<{ bytes: Uint8Array; contentType: string }> {
    return this.conversationAudio.openLinkedAudio(target);
  }

  sweepOrphans(options: { conversationId?: string } = {}): Promise<number> {
    return this.conversationAudio.sweepOrphans(options);
  }

  deletePersonaAudio(tenantId: string, personaId: string): Promise<void> {
    return this.conversationAudio.deletePersonaAudio(tenantId, personaId);
  }

  recordCallUsage(
    user: UserRow,
    call: { personaId: string; conversationId: string; seconds: number; channel: string },
  ): Promise<void> {
    return this.usage.recordCall(user, call);
  }
}
