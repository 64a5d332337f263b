import { createHash, randomBytes } from "node:crypto";
import type { Readable } from "node:stream";
import { z } from "zod";
import { BadRequestError, NotFoundError } from "../../errors/app-error.ts";
import type { Clock } from "../../lib/clock.ts";
import { newId } from "../../lib/ids.ts";
import type { CallRow } from "../../store/call-repository.ts";
import type { UserRow } from "../../store/schema.ts";
import type { Store } from "../../store/store.ts";
import { decodeWav, encodeWav, resample } from "../../speech/wav.ts";
import type { ConversationService } from "../conversation-service.ts";
import type { Message } from "../conversation-views.ts";
import type { PersonaService } from "../persona-service.ts";
import { voiceConfigurationFor } from "../voice-configuration.ts";
import type { SpeechService } from "../speech/speech-service.ts";
import {
  CALL_SAMPLE_RATE,
  CallSession,
  CannotHearError,
  type CallBrain,
  type CallSummary,
  type CallTransport,
  type CallTurn,
} from "./call-session.ts";

/** A call as the API shows it. */
export interface Call {
  id: string;
  persona_id: string;
  conversation_id: string;
  channel: "browser" | "phone";
  direction: "inbound" | "outbound";
  status: string;
  locale: string;
  from_number: string | null;
  to_number: string | null;
  started_at: string | null;
  ended_at: string | null;
  duration_seconds: number | null;
  end_reason: string | null;
  turns: CallTurn[];
  /** median speech end -> first audio of the replies, in milliseconds; null before any */
  median_latency_ms: number | null;
  recording: { url: string; duration_seconds: number; content_type: string } | null;
  created_at: string;
}

const turnsSchema = z.array(
  z.object({
    user_message_id: z.string(),
    reply_message_id: z.string().nullable(),
    user_text: z.string(),
    reply_text: z.string(),
    latency_ms: z.number().nullable(),
    interrupted: z.boolean(),
  }),
);

/** A browser's stream token is good for this long after the call is created. */
const STREAM_TOKEN_TTL_MS = 120_000;

/** A phone's stream token: the phone may ring for a minute or two before it is answered. */
const PHONE_STREAM_TOKEN_TTL_MS = 10 * 60_000;

/** How far along a call's status is; a provider's report never moves it back. */
const STATUS_ORDER: Record<string, number> = { queued: 0, initiated: 0, ringing: 1, "in-progress": 2 };
const FINAL_STATUSES = new Set(["completed", "busy", "no-answer", "failed", "canceled"]);

function statusRank(status: string): number {
  return FINAL_STATUSES.has(status) ? 3 : (STATUS_ORDER[status] ?? 0);
}

/** True when `next` is further along than `current` (and `current` is not final already). */
function shouldAdvance(current: string, next: string): boolean {
  return !FINAL_STATUSES.has(current) && statusRank(next) > statusRank(current);
}

/** What a call says when it ends on its own, by language (English otherwise). */
const GOODBYES: Record<string, { silence: string; timeLimit: string; hello: (name: string) => string }> = {
  en: {
    silence: "It seems you've gone quiet, so I'll hang up now. Talk to you soon. Goodbye!",
    timeLimit: "We've reached the time limit for this call. It was lovely talking with you. Goodbye!",
    hello: (name) => `Hi, this is ${name}. How can I help you?`,
  },
  de: {
    silence: "Es ist ganz still geworden, ich lege jetzt auf. Bis bald, tschüss!",
    timeLimit:
      "Wir haben das Zeitlimit für dieses Gespräch erreicht. Es war schön, mit dir zu reden. Tschüss!",
    hello: (name) => `Hallo, hier ist ${name}. Wie kann ich helfen?`,
  },
  fr: {
    silence: "Tu sembles silencieux, je vais raccrocher. À bientôt !",
    timeLimit: "Nous avons atteint la durée maximale de cet appel. C'était un plaisir. Au revoir !",
    hello: (name) => `Bonjour, ici ${name}. Comment puis-je t'aider ?`,
  },
  es: {
    silence: "Parece que te has quedado en silencio, así que voy a colgar. ¡Hasta pronto!",
    timeLimit: "Hemos llegado al tiempo máximo de esta llamada. Me encantó hablar contigo. ¡Adiós!",
    hello: (name) => `Hola, soy ${name}. ¿En qué puedo ayudarte?`,
  },
};

function goodbyesFor(locale: string) {
  return GOODBYES[locale.split("-")[0]!.toLowerCase()] ?? GOODBYES.en!;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * Live voice calls: starts them (a conversation, the locale's voice configuration), runs their sessions
 * in this process (one `CallSession` per open stream), and keeps what happened: status, duration, turns
 * with their latency, and the stereo recording when the configuration asks for one.
 */
export class CallService {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly personas: PersonaService;
  private readonly conversations: ConversationService;
  private readonly speech: SpeechService;
  private readonly onError: (error: unknown, callId: string) => void;
  /** Calls running in this process, and the promise that settles once each is ended and stored. */
  private readonly active = new Map<string, { session: CallSession; stored: Promise<void> }>();

  constructor(dependencies: {
    store: Store;
    clock: Clock;
    personas: PersonaService;
    conversations: ConversationService;
    speech: SpeechService;
    /** where failures that end no request go (a call that could not be stored); default none */
    onError?: (error: unknown, callId: string) => void;
  }) {
    this.onError = dependencies.onError ?? (() => undefined);
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.personas = dependencies.personas;
    this.conversations = dependencies.conversations;
    this.speech = dependencies.speech;
  }

  /** Calls running in this process now. */
  get activeCount(): number {
    return this.active.size;
  }

  /**
   * Starts a browser call with a persona: in a new voice conversation, or continuing `conversationId`.
   * Returns the call and a one-time token that opens its audio stream (GET /v1/calls/{id}/stream).
   */
  async startBrowserCall(
    user: UserRow,
    input: { personaId: string; locale?: string | undefined; conversationId?: string | undefined },
  ): Promise<{ call: Call; streamToken: string }> {
    return this.createCall(user, {
      ...input,
      channel: "browser",
      direction: "outbound",
      status: "ringing",
      tokenTtlMs: STREAM_TOKEN_TTL_MS,
    });
  }

  /**
   * Starts a phone call with a persona in a new voice conversation, in the persona's first voice
   * configuration's locale. Returns the call and the one-time token its media stream presents (Twilio
   * passes it back from the TwiML's `<Parameter>`); it stays good while the phone rings.
   *
   * @example await calls.startPhoneCall(user, { personaId, direction: "inbound", from, to, providerCallId: "CA…" })
   */
  async startPhoneCall(
    user: UserRow,
    input: {
      personaId: string;
      direction: "inbound" | "outbound";
      from: string;
      to: string;
      providerCallId?: string | undefined;
    },
  ): Promise<{ call: Call; streamToken: string }> {
    return this.createCall(user, {
      personaId: input.personaId,
      channel: "phone",
      direction: input.direction,
      status: input.direction === "inbound" ? "ringing" : "queued",
      fromNumber: input.from,
      toNumber: input.to,
      providerCallId: input.providerCallId ?? null,
      tokenTtlMs: PHONE_STREAM_TOKEN_TTL_MS,
    });
  }

  /**
   * A fresh stream token for a phone call whose provider asked again how to connect it (Twilio retries a
   * webhook it got no answer to in time); undefined when no such call is still waiting for its stream.
   */
  async renewPhoneStreamToken(
    providerCallId: string,
  ): Promise<{ call: Call; streamToken: string } | undefined> {
    const row = await this.store.calls.findByProviderId(providerCallId);
    if (!row || row.started_at !== null || FINAL_STATUSES.has(row.status)) return undefined;
    const token = randomBytes(24).toString("base64url");
    const expiresAt = new Date(this.clock.now().getTime() + PHONE_STREAM_TOKEN_TTL_MS).toISOString();
    await this.store.calls.update(row.id, {
      stream_token_sha256: sha256(token),
      stream_token_expires_at: expiresAt,
    });
    return { call: this.toCall(row, null), streamToken: token };
  }

  /** Notes the provider's id (Twilio's CallSid) and status of a phone call just placed. */
  async recordProviderCall(callId: string, providerCallId: string, status: string): Promise<void> {
    const row = await this.store.calls.findById(callId);
    const changes = row && shouldAdvance(row.status, status) ? { status } : {};
    await this.store.calls.update(callId, { provider_call_id: providerCallId, ...changes });
  }

  /** A phone call that could not be placed: failed, with why, and its stream token void. */
  async markNotPlaced(callId: string, error: string): Promise<void> {
    await this.store.calls.update(callId, {
      status: "failed",
      end_reason: "error",
      error,
      ended_at: this.clock.now().toISOString(),
      stream_token_sha256: null,
      stream_token_expires_at: null,
    });
  }

  /**
   * Applies a status the phone provider reported (Twilio's status callback). Statuses only move forward
   * (queued, ringing, in-progress, then one final one), so a late callback never overwrites what the call's
   * own session stored; a call that ends before its stream opened (busy, no-answer, failed, canceled) gets
   * its end time and reason here. Undefined when no call has this provider id.
   */
  async applyProviderStatus(providerCallId: string, status: string): Promise<CallRow | undefined> {
    const row = await this.store.calls.findByProviderId(providerCallId);
    if (!row) return undefined;
    const running = this.active.get(row.id);
    if (running && FINAL_STATUSES.has(status)) {
      // Twilio says the line is down: end the session (it stores its own summary).
      await running.session.hangup();
      await running.stored;
      return this.store.calls.findById(row.id);
    }
    if (!shouldAdvance(row.status, status)) return row;
    const ended =
      FINAL_STATUSES.has(status) && row.started_at === null
        ? {
            ended_at: this.clock.now().toISOString(),
            end_reason: status === "completed" ? "hangup" : status.replace(/-/g, "_"),
            stream_token_sha256: null,
            stream_token_expires_at: null,
          }
        : {};
    await this.store.calls.update(row.id, { status, ...ended });
    return this.store.calls.findById(row.id);
  }

  private async createCall(
    user: UserRow,
    input: {
      personaId: string;
      locale?: string | undefined;
      conversationId?: string | undefined;
      channel: CallRow["channel"];
      direction: CallRow["direction"];
      status: string;
      fromNumber?: string | null;
      toNumber?: string | null;
      providerCallId?: string | null;
      tokenTtlMs: number;
    },
  ): Promise<{ call: Call; streamToken: string }> {
    const { definition } = await this.personas.getServingDefinition(user.tenant_id, input.personaId);
    const locale = this.localeFor(definition.voice_configurations, input.locale);
    let conversationId = input.conversationId;
    if (conversationId) {
      const conversation = await this.conversations.get(user, conversationId);
      if (conversation.persona_id !== input.personaId) {
        throw new BadRequestError("conversation_id: that conversation is with another persona", [
          { field: "conversation_id", message: "is with another persona" },
        ]);
      }
    } else {
      const created = await this.conversations.create(user, {
        persona_id: input.personaId,
        channel: "voice",
        title: `${input.channel === "phone" ? "Phone call" : "Call"} with ${definition.name}`,
        greet: false,
      });
      conversationId = created.conversation.id;
    }
    const token = randomBytes(24).toString("base64url");
    const now = this.clock.now();
    const row: CallRow = {
      id: newId("cal"),
      tenant_id: user.tenant_id,
      user_id: user.id,
      persona_id: input.personaId,
      conversation_id: conversationId,
      channel: input.channel,
      direction: input.direction,
      status: input.status,
      locale,
      from_number: input.fromNumber ?? null,
      to_number: input.toNumber ?? null,
      provider_call_id: input.providerCallId ?? null,
      stream_token_sha256: sha256(token),
      stream_token_expires_at: new Date(now.getTime() + input.tokenTtlMs).toISOString(),
      started_at: null,
      ended_at: null,
      duration_seconds: null,
      end_reason: null,
      recording_audio_id: null,
      turns: "[]",
      error: null,
      created_at: now.toISOString(),
    };
    await this.store.calls.insert(row);
    return { call: this.toCall(row, null), streamToken: token };
  }

  /**
   * Takes a call's one-time stream token: the call when the token is right and fresh (it works once),
   * undefined otherwise (the caller answers 404). `runSession` then runs it over the opened stream.
   */
  async claimStream(callId: string, token: string): Promise<CallRow | undefined> {
    if (!token) return undefined;
    const claimed = await this.store.calls.claimStreamToken(
      callId,
      sha256(token),
      this.clock.now().toISOString(),
    );
    return claimed ? this.store.calls.findById(callId) : undefined;
  }

  /** Runs the session of a call whose stream is open (a browser's WebSocket, a phone's media stream). */
  async runSession(call: CallRow, transport: CallTransport): Promise<CallSession> {
    const user = await this.store.users.findById(call.tenant_id, call.user_id);
    if (!user) throw new NotFoundError(`call ${call.id}`);
    const { definition } = await this.personas.getServingDefinition(call.tenant_id, call.persona_id);
    const configuration = voiceConfigurationFor(definition, call.locale);
    const goodbyes = goodbyesFor(call.locale);
    const voice = await this.speech.personaVoice(definition, call.locale);
    const brain = this.brainFor(user, call, voice);
    const session = new CallSession({
      transport,
      brain,
      settings: {
        firstSpeaker: configuration?.first_speaker ?? "agent",
        firstMessage: configuration?.first_message ?? "",
        silenceTimeoutMs: (configuration?.silence_timeout_seconds ?? 30) * 1000,
        maxDurationMs: (configuration?.max_duration_seconds ?? 600) * 1000,
        recording: configuration?.recording ?? false,
        silenceGoodbye: goodbyes.silence,
        timeLimitGoodbye: goodbyes.timeLimit,
      },
      opener: definition.first_message.trim() || goodbyes.hello(definition.name),
      onError: (error) => this.onError(error, call.id),
    });
    const startedAt = this.clock.now().toISOString();
    await this.store.calls.update(call.id, { status: "in-progress", started_at: startedAt });
    const stored = session.ended
      .then((summary) => this.finish(user, call, startedAt, summary))
      .catch((error: unknown) => this.onError(error, call.id))
      .finally(() => this.active.delete(call.id));
    this.active.set(call.id, { session, stored });
    session.start();
    return session;
  }

  /** Ends every call running in this process (the server is stopping). */
  async endAll(): Promise<void> {
    const running = [...this.active.values()];
    await Promise.all(running.map(({ session }) => session.end("server_shutdown")));
    await Promise.all(running.map(({ stored }) => stored));
  }

  /** Waits until the call, if it runs in this process, has ended and been stored. */
  async settled(id: string): Promise<void> {
    await this.active.get(id)?.stored;
  }

  /** Hangs up a call running in this process; a call already over is left as it is. */
  async hangup(user: UserRow, id: string): Promise<Call> {
    const row = await this.findRow(user, id);
    const running = this.active.get(id);
    if (running) {
      await running.session.hangup();
      await running.stored;
    } else if (row.status === "ringing" || row.status === "queued") {
      await this.store.calls.update(id, {
        status: "canceled",
        stream_token_sha256: null,
        stream_token_expires_at: null,
        ended_at: this.clock.now().toISOString(),
      });
    }
    return this.get(user, id);
  }

  async get(user: UserRow, id: string): Promise<Call> {
    const row = await this.findRow(user, id);
    return this.toCall(row, await this.recordingOf(row));
  }

  async list(
    user: UserRow,
    options: { personaId?: string | undefined; limit: number; cursor?: string | undefined },
  ): Promise<{ items: Call[]; nextCursor: string | null }> {
    const before = options.cursor ? decodeCursor(options.cursor) : undefined;
    const rows = await this.store.calls.list(user.tenant_id, user.id, {
      personaId: options.personaId,
      limit: options.limit + 1,
      ...(before ? { before } : {}),
    });
    const page = rows.slice(0, options.limit);
    const items = await Promise.all(page.map(async (row) => this.toCall(row, await this.recordingOf(row))));
    const last = page.at(-1);
    return {
      items,
      nextCursor: rows.length > options.limit && last ? encodeCursor(last.created_at, last.id) : null,
    };
  }

  /** The messages said during the call, in order. */
  async transcript(user: UserRow, id: string): Promise<Message[]> {
    const row = await this.findRow(user, id);
    const turns = turnsSchema.parse(JSON.parse(row.turns));
    const ids = new Set(turns.flatMap((turn) => [turn.user_message_id, turn.reply_message_id ?? ""]));
    const messages: Message[] = [];
    let after: number | undefined;
    for (;;) {
      const page = await this.conversations.listMessages(user, row.conversation_id, {
        limit: 200,
        ...(after === undefined ? {} : { afterSequence: after }),
      });
      for (const message of page.items) {
        const during =
          row.started_at !== null &&
          message.created_at >= row.started_at &&
          (row.ended_at === null || message.created_at <= row.ended_at);
        if (ids.has(message.id) || during) messages.push(message);
      }
      if (page.nextSequence === null) return messages;
      after = page.nextSequence;
    }
  }

  /** The call's stereo recording (left the caller, right the persona). */
  async openRecording(
    user: UserRow,
    id: string,
  ): Promise<{ stream: Readable; contentType: string; size: number; sha256: string }> {
    const row = await this.findRow(user, id);
    if (!row.recording_audio_id) throw new NotFoundError(`a recording of call ${id} (none was kept)`);
    return this.speech.openAudio(user, row.conversation_id, row.recording_audio_id);
  }

  private brainFor(
    user: UserRow,
    call: CallRow,
    voice: Awaited<ReturnType<SpeechService["personaVoice"]>>,
  ): CallBrain {
    const actor = { tenantId: user.tenant_id, userId: user.id };
    return {
      transcribe: async (samples, signal) => {
        if (!this.speech.canListen()) {
          throw new CannotHearError(
            "I'm sorry, I can't hear you on this line: the server has no speech recognizer set up.",
          );
        }
        const wav = encodeWav({ samples, sampleRate: CALL_SAMPLE_RATE });
        const result = await this.speech.transcribe(actor, {
          audio: wav,
          locale: call.locale,
          conversationId: call.conversation_id,
          signal,
        });
        return result.text;
      },
      listen: () =>
        this.speech.openTranscriptionStream(actor, {
          sampleRate: CALL_SAMPLE_RATE,
          locale: call.locale,
          conversationId: call.conversation_id,
        }),
      synthesize: async (text, signal) => {
        const clip = await this.speech.synthesize(actor, {
          text,
          voice: voice.voice,
          locale: voice.locale,
          rate: voice.rate,
          style: voice.style ?? undefined,
          personaId: call.persona_id,
          conversationId: call.conversation_id,
          signal,
        });
        if (clip.contentType !== "audio/wav") {
          throw new BadRequestError(
            `the voice ${voice.voice} answered ${clip.contentType}; calls need a voice that gives WAV`,
          );
        }
        const audio = decodeWav(clip.bytes);
        return resample(audio.samples, audio.sampleRate, CALL_SAMPLE_RATE);
      },
      reply: async (text, options) => {
        const exchange = await this.conversations.send(
          user,
          call.conversation_id,
          { content: text },
          {
            signal: options.signal,
            channel: { kind: "voice", locale: call.locale },
            onDelta: options.onDelta,
          },
        );
        return {
          userMessageId: exchange.user_message.id,
          replyMessageId: exchange.message.id,
          text: exchange.message.content,
        };
      },
      say: async (text) => ({
        messageId: (await this.conversations.say(user, call.conversation_id, text)).id,
      }),
    };
  }

  private async finish(user: UserRow, call: CallRow, startedAt: string, summary: CallSummary): Promise<void> {
    const durationSeconds = Math.max(0, (summary.endedAt - summary.startedAt) / 1000);
    let recordingAudioId: string | null = null;
    if (summary.recording) {
      const wav = encodeWav(summary.recording);
      recordingAudioId = await this.speech.storeCallRecording(user, call.conversation_id, wav);
    }
    await this.store.calls.update(call.id, {
      status: summary.reason === "error" ? "failed" : "completed",
      ended_at: new Date(Date.parse(startedAt) + durationSeconds * 1000).toISOString(),
      duration_seconds: Math.round(durationSeconds * 10) / 10,
      end_reason: summary.reason,
      recording_audio_id: recordingAudioId,
      turns: JSON.stringify(summary.turns),
    });
    await this.speech.recordCallUsage(user, {
      personaId: call.persona_id,
      conversationId: call.conversation_id,
      seconds: durationSeconds,
      channel: call.channel,
    });
  }

  private localeFor(configurations: ReadonlyArray<{ locale: string }>, wanted: string | undefined): string {
    if (!wanted) return configurations[0]?.locale ?? "en-US";
    return wanted;
  }

  private async findRow(user: UserRow, id: string): Promise<CallRow> {
    const row = await this.store.calls.find(user.tenant_id, user.id, id);
    if (!row) throw new NotFoundError(`call ${id}`);
    return row;
  }

  private async recordingOf(row: CallRow): Promise<Call["recording"]> {
    if (!row.recording_audio_id) return null;
    const audio = await this.store.messageAudio.find(row.tenant_id, row.recording_audio_id);
    if (!audio) return null;
    return {
      url: `/v1/calls/${row.id}/recording`,
      duration_seconds: audio.duration_ms / 1000,
      content_type: audio.content_type,
    };
  }

  private toCall(row: CallRow, recording: Call["recording"]): Call {
    const turns = turnsSchema.parse(JSON.parse(row.turns));
    const latencies = turns
      .map((turn) => turn.latency_ms)
      .filter((latency): latency is number => latency !== null)
      .sort((a, b) => a - b);
    return {
      id: row.id,
      persona_id: row.persona_id,
      conversation_id: row.conversation_id,
      channel: row.channel,
      direction: row.direction,
      status: row.status,
      locale: row.locale,
      from_number: row.from_number,
      to_number: row.to_number,
      started_at: row.started_at,
      ended_at: row.ended_at,
      duration_seconds: row.duration_seconds,
      end_reason: row.end_reason,
      turns,
      median_latency_ms: latencies.length ? latencies[Math.floor((latencies.length - 1) / 2)]! : null,
      recording,
      created_at: row.created_at,
    };
  }
}

function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString("base64url");
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as [string, string];
    if (typeof createdAt === "string" && typeof id === "string") return { createdAt, id };
  } catch {
    // fall through
  }
  throw new BadRequestError("cursor: not a cursor this list gave", [{ field: "cursor", message: "invalid" }]);
}
