import type { Logger } from "pino";
import type { DeliveryMetrics } from "../lib/metrics.ts";

export type DeliveryChannel = "sms" | "whatsapp" | "push";

/** The ids of what a delivery carried, for the log line an operator searches by. */
export interface DeliveryIds {
  tenantId: string;
  userId?: string | null | undefined;
  personaId?: string | null | undefined;
  conversationId?: string | null | undefined;
  messageId?: string | null | undefined;
  /** the push device, for web push */
  deviceId?: string | undefined;
}

/**
 * Where every outbound message's outcome goes: counted by channel and outcome, and a failure logged
 * with the ids of the tenant, user, persona, conversation and message it carried. The channels' senders
 * (SMS, WhatsApp, web push) report each provider call here.
 *
 * @example deliveries.failed("sms", error, { tenantId, messageId });
 */
export class DeliveryRecorder {
  constructor(
    private readonly options: {
      logger: Logger;
      /** none: not counted */
      metrics?: DeliveryMetrics | undefined;
    },
  ) {}

  sent(channel: DeliveryChannel): void {
    this.options.metrics?.deliveries.inc({ channel, outcome: "sent" });
  }

  failed(channel: DeliveryChannel, error: unknown, ids: DeliveryIds): void {
    this.options.metrics?.deliveries.inc({ channel, outcome: "failed" });
    this.options.logger.warn({ channel, ...deliveryLogFields(ids), err: error }, "delivery failed");
  }
}

/** The ids as log fields, snake_case like the API's. */
export function deliveryLogFields(ids: DeliveryIds): Record<string, unknown> {
  return {
    tenant_id: ids.tenantId,
    user_id: ids.userId ?? undefined,
    persona_id: ids.personaId ?? undefined,
    conversation_id: ids.conversationId ?? undefined,
    message_id: ids.messageId ?? undefined,
    device_id: ids.deviceId,
  };
}
