import { BadRequestError } from "../../errors/app-error.ts";
import type { Clock } from "../../lib/clock.ts";
import { newId } from "../../lib/ids.ts";
import type { CallRow } from "../../store/call-repository.ts";
import type { UserRow } from "../../store/schema.ts";
import type { Store } from "../../store/store.ts";
import type { ConversationService } from "../conversation-service.ts";
import type { PersonaService } from "../persona-service.ts";
import type { SpeechService } from "../speech/speech-service.ts";
import type { CallRecordings } from "./call-recordings.ts";
import type { CallSummary } from "./call-session.ts";
import { issueStreamToken } from "./call-stream-tokens.ts";
import { toCall, type Call } from "./call-views.ts";

/** What a new call is: who it is with, where it goes, and how long its stream token stays good. */
export interface NewCall {
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
}

/**
 * A call's row at both ends of its life: created with its voice conversation and one-time stream token,
 * and, once its session has ended, completed with its summary, its recording and its metered minutes.
 */
export class CallRecords {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly personas: PersonaService;
  private readonly conversations: ConversationService;
  private readonly speech: SpeechService;
  private readonly recordings: CallRecordings;

  constructor(dependencies: {
    store: Store;
    clock: Clock;
    personas: PersonaService;
    conversations: ConversationService;
    speech: SpeechService;
    recordings: CallRecordings;
  }) {
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.personas = dependencies.personas;
    this.conversations = dependencies.conversations;
    this.speech = dependencies.speech;
    this.recordings = dependencies.recordings;
  }

  /**
   * Stores a new call in `conversationId` (which must be with the same persona) or a new voice
   * conversation, in the wanted locale or the persona's first voice configuration's.
   */
  async create(user: UserRow, input: NewCall): Promise<{ call: Call; streamToken: string }> {
    const { definition } = await this.personas.getServingDefinition(user.tenant_id, input.personaId);
    const locale = input.locale || (definition.voice_configurations[0]?.locale ?? "en-US");
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
    const now = this.clock.now();
    const streamToken = issueStreamToken(now, input.tokenTtlMs);
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
      stream_token_sha256: streamToken.sha256,
      stream_token_expires_at: streamToken.expiresAt,
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
    return { call: toCall(row, null), streamToken: streamToken.token };
  }

  /** Stores how a call's session ended (status, duration, turns, recording) and meters its minutes. */
  async recordEnd(user: UserRow, call: CallRow, startedAt: string, summary: CallSummary): Promise<void> {
    const durationSeconds = Math.max(0, (summary.endedAt - summary.startedAt) / 1000);
    const recordingAudioId = await this.recordings.keep(user, call, summary.recording);
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
}
