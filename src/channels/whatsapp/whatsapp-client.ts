import { z } from "zod";
import { ProviderHttpClient, type ProviderHttpClientOptions } from "../provider-http.ts";

/** How the server reaches Meta's Cloud API (WHATSAPP_* settings). */
export interface WhatsAppSettings {
  /** What Meta's dashboard sends as hub.verify_token when the webhook is set up. */
  verifyToken: string;
  /** Keys X-Hub-Signature-256 on every webhook. */
  appSecret: string;
  /** A system user's access token with whatsapp_business_messaging. */
  accessToken: string;
  /** `https://graph.facebook.com`; tests point it at a loopback server. */
  baseUrl: string;
  /** The Graph API version in paths, e.g. `v21.0`. */
  apiVersion: string;
  /** Retry and timeout overrides for the HTTP client (tests make backoff instant). */
  http?: Partial<Omit<ProviderHttpClientOptions, "provider" | "baseUrl" | "auth">>;
}

/** One text to one WhatsApp user from one of the business's numbers. */
export interface OutgoingWhatsAppMessage {
  /** Meta's id of the persona's number (the phone number id, not the number) */
  phoneNumberId: string;
  /** the recipient's WhatsApp id (their number in digits) */
  to: string;
  body: string;
}

/** Sends WhatsApp messages; the Cloud API in production. */
export interface WhatsAppTransport {
  send(message: OutgoingWhatsAppMessage, signal?: AbortSignal): Promise<{ id: string; latencyMs: number }>;
}

/** Meta's answer to a sent message: only what Dramatis reads. */
const sentMessageSchema = z.object({ messages: z.array(z.object({ id: z.string().min(1) })).min(1) });

/** Meta's error code when a free-form message falls outside the 24-hour customer-service window. */
export const WHATSAPP_REENGAGEMENT_REQUIRED = "131047";

/**
 * Sends text messages through the WhatsApp Cloud API (`POST /{version}/{phone-number-id}/messages`,
 * JSON, bearer token).
 *
 * @example
 * const whatsapp = new WhatsAppClient(settings);
 * await whatsapp.send({ phoneNumberId: "106540352242922", to: "14155550111", body: "Good morning!" });
 */
export class WhatsAppClient implements WhatsAppTransport {
  private readonly http: ProviderHttpClient;

  constructor(private readonly settings: WhatsAppSettings) {
    this.http = new ProviderHttpClient({
      ...settings.http,
      provider: "whatsapp",
      baseUrl: settings.baseUrl,
      auth: { type: "bearer", token: settings.accessToken },
    });
  }

  async send(
    message: OutgoingWhatsAppMessage,
    signal?: AbortSignal,
  ): Promise<{ id: string; latencyMs: number }> {
    const version = encodeURIComponent(this.settings.apiVersion);
    const response = await this.http.request(
      {
        call: "send message",
        method: "POST",
        path: `/${version}/${encodeURIComponent(message.phoneNumberId)}/messages`,
        json: {
          messaging_product: "whatsapp",
          recipient_type: "individual",
          to: message.to,
          type: "text",
          text: { preview_url: false, body: message.body },
        },
        signal,
      },
      sentMessageSchema,
    );
    return { id: response.body.messages[0]!.id, latencyMs: response.latencyMs };
  }
}
