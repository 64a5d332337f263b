import { createHash } from "node:crypto";
import { z } from "zod";
import type { Job, JobQueue } from "../jobs/job-queue.ts";
import { readJobPayload } from "../jobs/job-payload.ts";
import type { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { BadRequestError, NotFoundError, PayloadTooLargeError } from "../errors/app-error.ts";
import type { Clock } from "../lib/clock.ts";
import { sniffMediaType } from "../lib/file-signatures.ts";
import { newId } from "../lib/ids.ts";
import type { PersonaDefinition } from "../domain/persona-definition.ts";
import type { BlobStore } from "../store/blob-store.ts";
import type { MessageAudioRow } from "../store/message-audio-repository.ts";
import type { Store } from "../store/store.ts";
import type { UserRow } from "../store/schema.ts";
import type { AudioClip, RecognitionStream, VoiceInfo } from "../speech/speech.ts";
import { SpeechInputError } from "../speech/speech.ts";
import type { SpeechRegistry } from "../speech/speech-registry.ts";
import { encodeWav, wavDurationSeconds } from "../speech/wav.ts";
import { AudioCodecError, decodeOggOpus, isOgg, toPlayableAudio } from "../speech/audio-codecs.ts";
import type { AudioLinkTarget } from "./media-links.ts";
import type { PersonaService } from "./persona-service.ts";
import { voiceConfigurationFor } from "./voice-configuration.ts";

/** What speech costs the tenant: the reference product's TTS price, and a whisper-class STT price. */
export interface SpeechPrices {
  /** US dollars per character read aloud (reference: $0.000018) */
  ttsPerCharacter: number;
  /** US dollars per minute of audio transcribed */
  sttPerMinute: number;
  /** US dollars per minute of a phone call's line (Twilio's); browser calls cost their speech only */
  callPerMinute: number;
}

export const DEFAULT_SPEECH_PRICES: SpeechPrices = Object.freeze({
  ttsPerCharacter: 0.000018,
  sttPerMinute: 0.006,
  callPerMinute: 0.014,
});

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

/** Who speech is done for and billed to: a tenant, and the end user when the request names one. */
export interface SpeechActor {
  tenantId: string;
  userId: string | null;
}

const actorOf = (user: UserRow): SpeechActor => ({ tenantId: user.tenant_id, userId: user.id });

/** A message's stored audio as the API shows it. */
export interface MessageAudio {
  id: string;
  kind: "speech" | "recording" | "call_recording";
  /** `provider/voice` that read a reply aloud; null for a recording */
  voice: string | null;
  duration_seconds: number;
  /** what the recognizer heard (recordings) */
  transcript: string | null;
  content_type: string;
  /** where the bytes are served */
  url: string;
}

/** A voice message uploaded and transcribed, waiting to be sent as a message. */
export interface UploadedRecording {
  recording_id: string;
  text: string;
  duration_seconds: number;
  recognizer: string;
}

/** What a speech provider offers, for the voice pickers. */
export interface SpeechProviderInfo {
  name: string;
  label: string;
  basic: boolean;
  synthesis: boolean;
  recognition: boolean;
}

/** Reads a reply aloud in the background: personas with "auto generate speech" on. */
export const MESSAGE_SPEECH_JOB = "message-speech";
export const messageSpeechPayloadSchema = z.object({
  user_id: z.string(),
  conversation_id: z.string(),
  message_id: z.string(),
});

const PREVIEW_CACHE_SIZE = 200;
/** Unsent recordings are kept this long, then swept with their blobs. */
const UNSENT_RECORDING_MS = 24 * 3_600_000;

/** A sentence to hear a voice by, in the voice's language where we have one. */
const PREVIEW_TEXTS: Record<string, string> = {
  en: "Hello! This is how I sound. I'm looking forward to talking with you.",
  de: "Hallo! So klinge ich. Ich freue mich darauf, mit dir zu sprechen.",
  fr: "Bonjour ! Voici ma voix. J'ai hâte de parler avec toi.",
  es: "¡Hola! Así es como sueno. Tengo muchas ganas de hablar contigo.",
  it: "Ciao! Questa è la mia voce. Non vedo l'ora di parlare con te.",
  pt: "Olá! É assim que eu soo. Estou ansioso para conversar com você.",
  nl: "Hallo! Zo klink ik. Ik kijk ernaar uit om met je te praten.",
  pl: "Cześć! Tak brzmi mój głos. Cieszę się, że porozmawiamy.",
  ru: "Привет! Вот как звучит мой голос. Рад с тобой поговорить.",
  ja: "こんにちは。これが私の声です。お話しできるのを楽しみにしています。",
  zh: "你好！这就是我的声音。很高兴和你聊天。",
  ko: "안녕하세요! 제 목소리는 이렇습니다. 이야기 나누기를 기대하고 있어요.",
};

export function previewText(locale: string): string {
  return PREVIEW_TEXTS[locale.split("-")[0]!.toLowerCase()] ?? PREVIEW_TEXTS.en!;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * Speech for a tenant's users: voices and their previews, text read aloud (metered per character),
 * audio transcribed (metered per second), a reply read aloud and kept with its message, and voice
 * messages kept with the message they became. Audio bytes are blobs owned by `message_audio` rows.
 */
export class SpeechService {
  private readonly store: Store;
  private readonly blobs: BlobStore;
  private readonly clock: Clock;
  private readonly personas: PersonaService;
  private readonly registry: SpeechRegistry;
  private readonly queue: JobQueue;
  private readonly prices: SpeechPrices;
  readonly limits: SpeechLimits;
  private readonly previews = new Map<string, Promise<AudioClip>>();

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
    this.store = dependencies.store;
    this.blobs = dependencies.blobs;
    this.clock = dependencies.clock;
    this.personas = dependencies.personas;
    this.registry = dependencies.registry;
    this.queue = dependencies.queue;
    this.prices = dependencies.prices ?? DEFAULT_SPEECH_PRICES;
    this.limits = { ...DEFAULT_SPEECH_LIMITS, ...dependencies.limits };
  }

  /** The speech services of this server and what each does. */
  providers(): SpeechProviderInfo[] {
    const byName = new Map<string, SpeechProviderInfo>();
    for (const synthesizer of this.registry.synthesizers()) {
      byName.set(synthesizer.name, {
        name: synthesizer.name,
        label: synthesizer.label,
        basic: synthesizer.basic,
        synthesis: true,
        recognition: false,
      });
    }
    for (const recognizer of this.registry.recognizers()) {
      const known = byName.get(recognizer.name);
      byName.set(recognizer.name, {
        name: recognizer.name,
        label: known?.label ?? recognizer.label,
        basic: known?.basic ?? recognizer.basic,
        synthesis: known?.synthesis ?? false,
        recognition: true,
      });
    }
    return [...byName.values()];
  }

  async listVoices(filter: { locale?: string | undefined; provider?: string | undefined }) {
    if (
      filter.provider &&
      !this.registry.synthesizers().some((synthesizer) => synthesizer.name === filter.provider)
    ) {
      throw new NotFoundError(`speech provider ${filter.provider}`);
    }
    return this.registry.listVoices(filter);
  }

  /**
   * A short clip of the voice, cached per voice and language (previews are the same for every tenant, so
   * they are not billed). An unknown voice is a 404.
   */
  async preview(voiceId: string, locale?: string): Promise<AudioClip> {
    const voice = await this.knownVoice(voiceId);
    const language = (locale ?? voice.locale).split("-")[0]!.toLowerCase();
    const key = `${voiceId}\n${language}`;
    let clip = this.previews.get(key);
    if (!clip) {
      const { synthesizer, voice: name } = this.registry.resolveVoice(voiceId);
      clip = synthesizer.synthesize({
        voice: name,
        text: previewText(language),
        locale: locale ?? voice.locale,
      });
      this.previews.set(key, clip);
      clip.catch(() => this.previews.delete(key));
      if (this.previews.size > PREVIEW_CACHE_SIZE) this.previews.delete(this.previews.keys().next().value!);
    }
    return clip;
  }

  /**
   * Reads text aloud in a voice, or in a persona's voice for the locale, and meters the characters.
   */
  async synthesize(
    actor: SpeechActor,
    input: {
      text: string;
      voice?: string | undefined;
      personaId?: string | undefined;
      locale?: string | undefined;
      rate?: number | undefined;
      style?: string | undefined;
      /** the conversation it is said in (a call), for the usage record */
      conversationId?: string | undefined;
      signal?: AbortSignal | undefined;
    },
  ): Promise<AudioClip & { voice: string }> {
    const text = input.text.trim();
    if (!text)
      throw new BadRequestError("text: must not be empty", [{ field: "text", message: "must not be empty" }]);
    this.checkLength(text);
    let voice = input.voice;
    let rate = input.rate;
    let style = input.style;
    let locale = input.locale;
    if (!voice) {
      if (!input.personaId) {
        voice = await this.registry.defaultVoice(locale ?? "en-US");
      } else {
        const { definition } = await this.personas.getServingDefinition(actor.tenantId, input.personaId);
        const chosen = await this.personaVoice(definition, locale);
        voice = chosen.voice;
        locale ??= chosen.locale;
        rate ??= chosen.rate;
        style ??= chosen.style ?? undefined;
      }
    }
    const clip = await this.read(voice, text, { locale, rate, style, signal: input.signal });
    await this.recordSpeechUsage(actor, {
      voice,
      characters: text.length,
      personaId: input.personaId ?? null,
      ...(input.conversationId ? { conversationId: input.conversationId } : {}),
    });
    return { ...clip, voice };
  }

  /** Whether this server can transcribe at all (it has a recognizer). */
  canListen(): boolean {
    return this.registry.recognizer() !== undefined;
  }

  /** Transcribes audio with the named or default recognizer, and meters its seconds. */
  async transcribe(
    actor: SpeechActor,
    input: {
      audio: Uint8Array;
      locale?: string | undefined;
      recognizer?: string | undefined;
      conversationId?: string | undefined;
      signal?: AbortSignal | undefined;
    },
  ): Promise<{ text: string; language: string | null; duration_seconds: number; recognizer: string }> {
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
    await this.recordTranscriptionUsage(actor, {
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
        await this.recordTranscriptionUsage(actor, {
          recognizer: recognizer.name,
          seconds: result.durationSeconds,
          latencyMs: this.clock.now().getTime() - started,
          conversationId: input.conversationId,
        });
        return { ...result, text: result.text.trim() };
      },
    };
  }

  /**
   * A conversation's message read aloud in the persona's voice (or `voice`): the stored reading when the
   * message's text was read in that voice before, else a new one, stored and billed once.
   */
  async readMessage(
    user: UserRow,
    conversationId: string,
    messageId: string,
    options: { voice?: string | undefined; locale?: string | undefined } = {},
  ): Promise<MessageAudio> {
    const { conversation, message } = await this.findMessage(user, conversationId, messageId);
    const text = message.content.trim();
    if (!text) throw new BadRequestError(`message ${messageId} has no text to read aloud`);
    this.checkLength(text);
    const { definition } = await this.personas.getServingDefinition(user.tenant_id, conversation.persona_id);
    const chosen = options.voice
      ? { voice: options.voice, locale: options.locale, rate: undefined, style: undefined }
      : await this.personaVoice(definition, options.locale);
    const textSha256 = sha256(text);
    const stored = await this.store.messageAudio.findSpeech(message.id, chosen.voice, textSha256);
    if (stored) return toMessageAudio(conversationId, stored);
    const clip = await this.read(chosen.voice, text, chosen);
    const blob = await this.blobs.put(clip.bytes, {
      tenantId: user.tenant_id,
      contentType: clip.contentType,
    });
    const row: MessageAudioRow = {
      id: newId("aud"),
      tenant_id: user.tenant_id,
      conversation_id: conversationId,
      message_id: message.id,
      kind: "speech",
      blob_id: blob.id,
      content_type: clip.contentType,
      voice: chosen.voice,
      text_sha256: textSha256,
      duration_ms: Math.round((clip.durationSeconds ?? 0) * 1000),
      transcript: null,
      created_at: this.clock.now().toISOString(),
    };
    if (!(await this.store.messageAudio.insert(row))) {
      // Another request read the same text in the same voice first: keep its copy, bill once.
      await this.blobs.delete(user.tenant_id, blob.id);
      const winner = await this.store.messageAudio.findSpeech(message.id, chosen.voice, textSha256);
      if (winner) return toMessageAudio(conversationId, winner);
    }
    await this.recordSpeechUsage(actorOf(user), {
      voice: chosen.voice,
      characters: text.length,
      personaId: conversation.persona_id,
      conversationId,
      messageId: message.id,
    });
    return toMessageAudio(conversationId, row);
  }

  /**
   * Queues reading a reply aloud when its persona has "auto generate speech" on, so every reply gets its
   * audio (played by the web chat, sent by the channels) without anyone asking.
   */
  async enqueueAutoSpeech(user: UserRow, conversationId: string, messageId: string): Promise<boolean> {
    const conversation = await this.store.conversations.find(user.id, conversationId);
    if (!conversation) return false;
    const { definition } = await this.personas.getServingDefinition(user.tenant_id, conversation.persona_id);
    if (!definition.features.auto_speech) return false;
    await this.queue.enqueue({
      tenantId: user.tenant_id,
      kind: MESSAGE_SPEECH_JOB,
      payload: { user_id: user.id, conversation_id: conversationId, message_id: messageId },
      idempotencyKey: `speech:${messageId}`,
    });
    return true;
  }

  /** Runs a message-speech job: the worker side of `enqueueAutoSpeech`. */
  async runMessageSpeech(job: Job): Promise<{ audio_id: string } | { skipped: string }> {
    const payload = readJobPayload(job, messageSpeechPayloadSchema);
    const user = await this.store.users.findById(job.tenantId, payload.user_id);
    if (!user) return { skipped: "the user is gone" };
    try {
      return { audio_id: (await this.readMessage(user, payload.conversation_id, payload.message_id)).id };
    } catch (error) {
      // Deleted meanwhile, or too long to read in one go: nothing to retry.
      if (error instanceof NotFoundError || error instanceof BadRequestError)
        return { skipped: error.message };
      throw error;
    }
  }

  /**
   * Stores a voice message and transcribes it; the user then sends the text as a message with
   * `recording_id`, which keeps the audio with it. Unsent recordings are swept after a day.
   */
  async uploadRecording(
    user: UserRow,
    conversationId: string,
    input: { audio: Uint8Array; locale?: string | undefined },
  ): Promise<UploadedRecording> {
    const conversation = await this.store.conversations.find(user.id, conversationId);
    if (!conversation) throw new NotFoundError(`conversation ${conversationId}`);
    const transcription = await this.transcribe(actorOf(user), { ...input, conversationId });
    const contentType = this.audioType(input.audio);
    const blob = await this.blobs.put(input.audio, { tenantId: user.tenant_id, contentType });
    const id = newId("aud");
    await this.store.messageAudio.insert({
      id,
      tenant_id: user.tenant_id,
      conversation_id: conversationId,
      message_id: null,
      kind: "recording",
      blob_id: blob.id,
      content_type: contentType,
      voice: null,
      text_sha256: null,
      duration_ms: Math.round(transcription.duration_seconds * 1000),
      transcript: transcription.text,
      created_at: this.clock.now().toISOString(),
    });
    return {
      recording_id: id,
      text: transcription.text,
      duration_seconds: transcription.duration_seconds,
      recognizer: transcription.recognizer,
    };
  }

  /** A stored audio's bytes, for the conversation's owner only. */
  async openAudio(
    user: UserRow,
    conversationId: string,
    audioId: string,
  ): Promise<{ stream: Readable; contentType: string; size: number; sha256: string }> {
    const conversation = await this.store.conversations.find(user.id, conversationId);
    const row = conversation ? await this.store.messageAudio.find(user.tenant_id, audioId) : undefined;
    if (!row || row.conversation_id !== conversationId) throw new NotFoundError(`audio ${audioId}`);
    const opened = await this.blobs.open(user.tenant_id, row.blob_id);
    if (!opened) throw new NotFoundError(`audio ${audioId}`);
    return {
      stream: opened.stream,
      contentType: opened.blob.contentType,
      size: opened.blob.size,
      sha256: opened.blob.sha256,
    };
  }

  /** A stored audio of the user's conversation, whole, in a type of `accepted` (WAV encoded to MP3). */
  async playableAudio(
    user: UserRow,
    conversationId: string,
    audioId: string,
    accepted: readonly string[],
  ): Promise<{ bytes: Uint8Array; contentType: string }> {
    const opened = await this.openAudio(user, conversationId, audioId);
    return toPlayableAudio(new Uint8Array(await buffer(opened.stream)), opened.contentType, accepted);
  }

  /**
   * The audio a signed media link opens (MediaLinks.open checked the signature and expiry): looked up in
   * the link's tenant, and only while its message is still in the conversation.
   */
  async openLinkedAudio(target: AudioLinkTarget): Promise<{ bytes: Uint8Array; contentType: string }> {
    const missing = new NotFoundError(`audio ${target.audioId}`);
    const row = await this.store.messageAudio.find(target.tenantId, target.audioId);
    if (!row || row.conversation_id !== target.conversationId || row.message_id === null) throw missing;
    if (!(await this.store.conversations.findMessage(row.conversation_id, row.message_id))) throw missing;
    const opened = await this.blobs.open(target.tenantId, row.blob_id);
    if (!opened) throw missing;
    const bytes = new Uint8Array(await buffer(opened.stream));
    if (target.format === "stored") return { bytes, contentType: opened.blob.contentType };
    return toPlayableAudio(bytes, opened.blob.contentType, ["audio/mpeg"]);
  }

  /**
   * Deletes the audio whose message or conversation is gone, and recordings never sent: blob first, then
   * row, so a failure midway leaves a row to retry. `conversationId` limits the sweep to one conversation.
   */
  async sweepOrphans(options: { conversationId?: string } = {}): Promise<number> {
    const unsentBefore = new Date(this.clock.now().getTime() - UNSENT_RECORDING_MS).toISOString();
    let swept = 0;
    for (;;) {
      const rows = await this.store.messageAudio.listOrphans({ unsentBefore, limit: 200, ...options });
      for (const row of rows) {
        await this.blobs.delete(row.tenant_id, row.blob_id);
        await this.store.messageAudio.delete(row.id);
      }
      swept += rows.length;
      if (rows.length < 200) return swept;
    }
  }

  /** Keeps a call's stereo recording with its conversation; the id of its audio row. */
  async storeCallRecording(user: UserRow, conversationId: string, wav: Uint8Array): Promise<string> {
    const blob = await this.blobs.put(wav, { tenantId: user.tenant_id, contentType: "audio/wav" });
    const id = newId("aud");
    await this.store.messageAudio.insert({
      id,
      tenant_id: user.tenant_id,
      conversation_id: conversationId,
      message_id: null,
      kind: "call_recording",
      blob_id: blob.id,
      content_type: "audio/wav",
      voice: null,
      text_sha256: null,
      duration_ms: Math.round((wavDurationSeconds(wav) ?? 0) * 1000),
      transcript: null,
      created_at: this.clock.now().toISOString(),
    });
    return id;
  }

  /** Meters a call's minutes (usage kind call; its speech is metered as it is read and heard). */
  async recordCallUsage(
    user: UserRow,
    call: { personaId: string; conversationId: string; seconds: number; channel: string },
  ): Promise<void> {
    await this.store.usage.insert({
      id: newId("use"),
      tenant_id: user.tenant_id,
      user_id: user.id,
      persona_id: call.personaId,
      conversation_id: call.conversationId,
      message_id: null,
      kind: "call",
      model: call.channel,
      input_tokens: 0,
      output_tokens: 0,
      latency_ms: 0,
      cost_usd: call.channel === "phone" ? (call.seconds / 60) * this.prices.callPerMinute : 0,
      audio_seconds: call.seconds,
      created_at: this.clock.now().toISOString(),
    });
  }

  /** Deletes the audio of a persona's conversations (before the persona and its conversations go). */
  async deletePersonaAudio(tenantId: string, personaId: string): Promise<void> {
    for (const row of await this.store.messageAudio.listForPersona(tenantId, personaId)) {
      await this.blobs.delete(row.tenant_id, row.blob_id);
      await this.store.messageAudio.delete(row.id);
    }
  }

  /** Which voice, locale, rate and style a persona speaks with for a locale (its voice configuration's). */
  async personaVoice(
    persona: PersonaDefinition,
    locale?: string,
  ): Promise<{
    voice: string;
    locale: string;
    rate?: number | undefined;
    style?: string | null | undefined;
  }> {
    const configuration = locale ? voiceConfigurationFor(persona, locale) : persona.voice_configurations[0];
    const speaksIn = configuration?.locale ?? locale ?? "en-US";
    const gender =
      persona.identity.sex === "female" ? "female" : persona.identity.sex === "male" ? "male" : null;
    // A voice this server cannot speak (a bare name from an imported card, a provider not configured
    // here) falls back to the default voice for the locale rather than leaving the persona mute.
    const configured = configuration?.voice;
    const voice =
      configured && this.registry.canSpeak(configured)
        ? configured
        : await this.registry.defaultVoice(speaksIn, gender);
    return { voice, locale: speaksIn, rate: configuration?.speech_rate, style: configuration?.speech_style };
  }

  private async read(
    voiceId: string,
    text: string,
    options: {
      locale?: string | undefined;
      rate?: number | undefined;
      style?: string | null | undefined;
      signal?: AbortSignal | undefined;
    },
  ): Promise<AudioClip> {
    const { synthesizer, voice } = this.registry.resolveVoice(voiceId);
    const clip = await synthesizer.synthesize({
      voice,
      text,
      locale: options.locale,
      rate: options.rate,
      style: options.style,
      signal: options.signal,
    });
    return {
      ...clip,
      durationSeconds:
        clip.durationSeconds ??
        (clip.contentType === "audio/wav" ? wavDurationSeconds(clip.bytes) : undefined),
    };
  }

  private async knownVoice(voiceId: string): Promise<VoiceInfo> {
    let voice: VoiceInfo | undefined;
    try {
      voice = await this.registry.findVoice(voiceId);
    } catch (error) {
      if (error instanceof SpeechInputError) throw new NotFoundError(`voice ${voiceId}`);
      throw error;
    }
    if (!voice) throw new NotFoundError(`voice ${voiceId}`);
    return voice;
  }

  private checkLength(text: string): void {
    if (text.length > this.limits.maxCharacters) {
      throw new BadRequestError(
        `text: ${text.length} characters is more than one reading takes (${this.limits.maxCharacters})`,
        [{ field: "text", message: `must be at most ${this.limits.maxCharacters} characters` }],
      );
    }
  }

  private audioType(audio: Uint8Array): string {
    if (audio.length === 0)
      throw new BadRequestError("audio: the upload is empty", [{ field: "file", message: "is empty" }]);
    if (audio.length > this.limits.maxAudioBytes) {
      throw new PayloadTooLargeError(
        this.limits.maxAudioBytes,
        `the audio is larger than ${this.limits.maxAudioBytes} bytes`,
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

  private async findMessage(user: UserRow, conversationId: string, messageId: string) {
    const conversation = await this.store.conversations.find(user.id, conversationId);
    if (!conversation) throw new NotFoundError(`conversation ${conversationId}`);
    const message = await this.store.conversations.findMessage(conversationId, messageId);
    if (!message) throw new NotFoundError(`message ${messageId}`);
    return { conversation, message };
  }

  private async recordTranscriptionUsage(
    actor: SpeechActor,
    event: { recognizer: string; seconds: number; latencyMs: number; conversationId?: string | undefined },
  ): Promise<void> {
    await this.store.usage.insert({
      id: newId("use"),
      tenant_id: actor.tenantId,
      user_id: actor.userId,
      persona_id: null,
      conversation_id: event.conversationId ?? null,
      message_id: null,
      kind: "stt",
      model: event.recognizer,
      input_tokens: 0,
      output_tokens: 0,
      latency_ms: event.latencyMs,
      cost_usd: (event.seconds / 60) * this.prices.sttPerMinute,
      audio_seconds: event.seconds,
      created_at: this.clock.now().toISOString(),
    });
  }

  private async recordSpeechUsage(
    actor: SpeechActor,
    event: {
      voice: string;
      characters: number;
      personaId: string | null;
      conversationId?: string;
      messageId?: string;
    },
  ): Promise<void> {
    await this.store.usage.insert({
      id: newId("use"),
      tenant_id: actor.tenantId,
      user_id: actor.userId,
      persona_id: event.personaId,
      conversation_id: event.conversationId ?? null,
      message_id: event.messageId ?? null,
      kind: "tts",
      model: event.voice,
      input_tokens: 0,
      output_tokens: 0,
      latency_ms: 0,
      cost_usd: event.characters * this.prices.ttsPerCharacter,
      speech_characters: event.characters,
      created_at: this.clock.now().toISOString(),
    });
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

/** A stored audio row as the API shows it. */
export function toMessageAudio(conversationId: string, row: MessageAudioRow): MessageAudio {
  return {
    id: row.id,
    kind: row.kind,
    voice: row.voice,
    duration_seconds: row.duration_ms / 1000,
    transcript: row.transcript,
    content_type: row.content_type,
    url: `/v1/conversations/${conversationId}/audio/${row.id}`,
  };
}

/**
 * The audio to show with each message: its recording, and the newest reading of its current text (an
 * edited message is read anew). `rows` are the messages' audio rows, newest first.
 */
export function audioByMessage(
  conversationId: string,
  messages: ReadonlyArray<{ id: string; content: string }>,
  rows: readonly MessageAudioRow[],
): Map<string, MessageAudio[]> {
  const textHashes = new Map(messages.map((message) => [message.id, sha256(message.content.trim())]));
  const byMessage = new Map<string, MessageAudio[]>();
  const seenSpeech = new Set<string>();
  for (const row of rows) {
    if (!row.message_id) continue;
    if (row.kind === "speech") {
      if (row.text_sha256 !== textHashes.get(row.message_id) || seenSpeech.has(row.message_id)) continue;
      seenSpeech.add(row.message_id);
    }
    byMessage.set(row.message_id, [
      ...(byMessage.get(row.message_id) ?? []),
      toMessageAudio(conversationId, row),
    ]);
  }
  return byMessage;
}
