import type { Readable } from "node:stream";
import { NotFoundError } from "../../errors/app-error.ts";
import type { Clock } from "../../lib/clock.ts";
import type { CallRow } from "../../store/call-repository.ts";
import type { UserRow } from "../../store/schema.ts";
import type { Store } from "../../store/store.ts";
import type { ConversationService } from "../conversation-service.ts";
import type { Message } from "../conversation-views.ts";
import type { PersonaService } from "../persona-service.ts";
import { voiceConfigurationFor } from "../voice-configuration.ts";
import type { SpeechService } from "../speech/speech-service.ts";
import { createCallBrain } from "./call-brain.ts";
import { callPhrasesFor } from "./call-phrases.ts";
import { CallRecordings } from "./call-recordings.ts";
import { CallRecords } from "./call-records.ts";
import { CallSession, type CallTransport } from "./call-session.ts";
import { isFinalCallStatus, shouldAdvanceCallStatus } from "./call-status.ts";
import {
  hashStreamToken,
  issueStreamToken,
  PHONE_STREAM_TOKEN_TTL_MS,
  STREAM_TOKEN_TTL_MS,
} from "./call-stream-tokens.ts";
import { readCallTranscript } from "./call-transcript.ts";
import { decodeCallCursor, encodeCallCursor, toCall, type Call } from "./call-views.ts";

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
  private readonly recordings: CallRecordings;
  private readonly records: CallRecords;
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
    this.recordings = new CallRecordings({ store: this.store, speech: this.speech });
    this.records = new CallRecords({
      store: this.store,
      clock: this.clock,
      personas: this.personas,
      conversations: this.conversations,
      speech: this.speech,
      recordings: this.recordings,
    });
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
    return this.records.create(user, {
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
    return this.records.create(user, {
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
    if (!row || row.started_at !== null || isFinalCallStatus(row.status)) return undefined;
    const streamToken = issueStreamToken(this.clock.now(), PHONE_STREAM_TOKEN_TTL_MS);
    await this.store.calls.update(row.id, {
      stream_token_sha256: streamToken.sha256,
      stream_token_expires_at: streamToken.expiresAt,
    });
    return { call: toCall(row, null), streamToken: streamToken.token };
  }

  /** Notes the provider's id (Twilio's CallSid) and status of a phone call just placed. */
  async recordProviderCall(callId: string, providerCallId: string, status: string): Promise<void> {
    const row = await this.store.calls.findById(callId);
    const changes = row && shouldAdvanceCallStatus(row.status, status) ? { status } : {};
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
    if (running && isFinalCallStatus(status)) {
      // Twilio says the line is down: end the session (it stores its own summary).
      await running.session.hangup();
      await running.stored;
      return this.store.calls.findById(row.id);
    }
    if (!shouldAdvanceCallStatus(row.status, status)) return row;
    const ended =
      isFinalCallStatus(status) && row.started_at === null
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

  /**
   * Takes a call's one-time stream token: the call when the token is right and fresh (it works once),
   * undefined otherwise (the caller answers 404). `runSession` then runs it over the opened stream.
   */
  async claimStream(callId: string, token: string): Promise<CallRow | undefined> {
    if (!token) return undefined;
    const claimed = await this.store.calls.claimStreamToken(
      callId,
      hashStreamToken(token),
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
    const phrases = callPhrasesFor(call.locale);
    const voice = await this.speech.personaVoice(definition, call.locale);
    const brain = createCallBrain({
      speech: this.speech,
      conversations: this.conversations,
      user,
      call,
      voice,
    });
    const session = new CallSession({
      transport,
      brain,
      settings: {
        firstSpeaker: configuration?.first_speaker ?? "agent",
        firstMessage: configuration?.first_message ?? "",
        silenceTimeoutMs: (configuration?.silence_timeout_seconds ?? 30) * 1000,
        maxDurationMs: (configuration?.max_duration_seconds ?? 600) * 1000,
        recording: configuration?.recording ?? false,
        silenceGoodbye: phrases.silence,
        timeLimitGoodbye: phrases.timeLimit,
      },
      opener: definition.first_message.trim() || phrases.hello(definition.name),
      onError: (error) => this.onError(error, call.id),
    });
    const startedAt = this.clock.now().toISOString();
    await this.store.calls.update(call.id, { status: "in-progress", started_at: startedAt });
    const stored = session.ended
      .then((summary) => this.records.recordEnd(user, call, startedAt, summary))
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
    return toCall(row, await this.recordings.describe(row));
  }

  async list(
    user: UserRow,
    options: { personaId?: string | undefined; limit: number; cursor?: string | undefined },
  ): Promise<{ items: Call[]; nextCursor: string | null }> {
    const before = options.cursor ? decodeCallCursor(options.cursor) : undefined;
    const rows = await this.store.calls.list(user.tenant_id, user.id, {
      personaId: options.personaId,
      limit: options.limit + 1,
      ...(before ? { before } : {}),
    });
    const page = rows.slice(0, options.limit);
    const items = await Promise.all(
      page.map(async (row) => toCall(row, await this.recordings.describe(row))),
    );
    const last = page.at(-1);
    return {
      items,
      nextCursor: rows.length > options.limit && last ? encodeCallCursor(last.created_at, last.id) : null,
    };
  }

  /** The messages said during the call, in order. */
  async transcript(user: UserRow, id: string): Promise<Message[]> {
    return readCallTranscript({
      conversations: this.conversations,
      user,
      call: await this.findRow(user, id),
    });
  }

  /** The call's stereo recording (left the caller, right the persona). */
  async openRecording(
    user: UserRow,
    id: string,
  ): Promise<{ stream: Readable; contentType: string; size: number; sha256: string }> {
    return this.recordings.open(user, await this.findRow(user, id));
  }

  private async findRow(user: UserRow, id: string): Promise<CallRow> {
    const row = await this.store.calls.find(user.tenant_id, user.id, id);
    if (!row) throw new NotFoundError(`call ${id}`);
    return row;
  }
}
