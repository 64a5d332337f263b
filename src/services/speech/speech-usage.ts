import type { Clock } from "../../lib/clock.ts";
import { newId } from "../../lib/ids.ts";
import type { UserRow } from "../../store/schema.ts";
import type { Store } from "../../store/store.ts";

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

/** Who speech is done for and billed to: a tenant, and the end user when the request names one. */
export interface SpeechActor {
  tenantId: string;
  userId: string | null;
}

export const actorOf = (user: UserRow): SpeechActor => ({ tenantId: user.tenant_id, userId: user.id });

/** The usage rows speech writes: characters read aloud (tts), seconds heard (stt) and calls' minutes. */
export class SpeechUsage {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly prices: SpeechPrices;

  constructor(dependencies: { store: Store; clock: Clock; prices: SpeechPrices }) {
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.prices = dependencies.prices;
  }

  async recordSpeech(
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

  async recordTranscription(
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

  /** Meters a call's minutes (usage kind call; its speech is metered as it is read and heard). */
  async recordCall(
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
}
