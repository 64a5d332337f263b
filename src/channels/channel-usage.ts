import { newId } from "../lib/ids.ts";
import type { Store } from "../store/store.ts";

/** One message a channel carried in or out (an SMS, a WhatsApp message, a notification). */
export interface ChannelUsageEvent {
  tenantId: string;
  /** sms_inbound, sms_outbound, mms_inbound, mms_outbound, whatsapp_inbound, whatsapp_outbound, push_notification */
  kind: string;
  /** the provider: twilio, whatsapp, web-push */
  provider: string;
  userId?: string | null | undefined;
  personaId?: string | null | undefined;
  conversationId?: string | null | undefined;
  messageId?: string | null | undefined;
  latencyMs?: number;
  /** SMS segments billed; 0 for other channels */
  smsSegments?: number;
  /** ISO time of the event */
  at: string;
}

/**
 * Records a channel's message as a usage event: no tokens and no model cost, only what the provider
 * carried (and SMS segments), so GET /v1/usage counts every channel the same way.
 *
 * @example await recordChannelUsage(store, { tenantId, kind: "sms_outbound", provider: "twilio", at, smsSegments: 2 })
 */
export async function recordChannelUsage(store: Store, event: ChannelUsageEvent): Promise<void> {
  await store.usage.insert({
    id: newId("use"),
    tenant_id: event.tenantId,
    user_id: event.userId ?? null,
    persona_id: event.personaId ?? null,
    conversation_id: event.conversationId ?? null,
    message_id: event.messageId ?? null,
    kind: event.kind,
    model: event.provider,
    input_tokens: 0,
    output_tokens: 0,
    latency_ms: event.latencyMs ?? 0,
    cost_usd: 0,
    sms_segments: event.smsSegments ?? 0,
    created_at: event.at,
  });
}
