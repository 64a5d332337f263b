import { z } from "zod";
import { ProviderHttpClient, type ProviderHttpClientOptions } from "../provider-http.ts";

/** How the server reaches Twilio (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_BASE_URL). */
export interface TwilioSettings {
  accountSid: string;
  /** Authenticates REST calls and keys the webhook signatures. */
  authToken: string;
  /** `https://api.twilio.com`; tests point it at a loopback server. */
  baseUrl: string;
  /**
   * The public address Twilio posts webhooks to (DRAMATIS_PUBLIC_URL, e.g. `https://chat.example.com`);
   * signatures are computed over it. Undefined: the URL of the request as it arrived.
   */
  publicUrl?: string | undefined;
  /** Retry and timeout overrides for the HTTP client (tests make backoff instant). */
  http?: Partial<Omit<ProviderHttpClientOptions, "provider" | "baseUrl" | "auth">>;
}

/** What sending one SMS takes; `from` is a persona's number. With `mediaUrls` it goes as an MMS. */
export interface OutgoingSms {
  from: string;
  to: string;
  body: string;
  /** public URLs Twilio fetches the MMS's media from (signed media links); the body may then be empty */
  mediaUrls?: readonly string[] | undefined;
}

/** Sends SMS; the Twilio REST API in production. */
export interface SmsTransport {
  send(message: OutgoingSms, signal?: AbortSignal): Promise<{ sid: string; latencyMs: number }>;
}

/** What placing one phone call takes; `from` is a persona's number, `twiml` what runs once answered. */
export interface OutgoingCall {
  from: string;
  to: string;
  twiml: string;
  /** where Twilio posts the call's progress (answered, completed, busy, no-answer, ...) */
  statusCallback: string;
}

/** Places phone calls; the Twilio REST API in production. */
export interface PhoneDialer {
  placeCall(call: OutgoingCall, signal?: AbortSignal): Promise<{ sid: string; status: string }>;
  /** Ends a call: `canceled` while it is queued or ringing, `completed` once answered. */
  endCall(sid: string, status: "canceled" | "completed", signal?: AbortSignal): Promise<void>;
}

/** Twilio's answer to a created call: only what Dramatis reads. */
const createdCallSchema = z.object({ sid: z.string().min(1), status: z.string().default("queued") });

/** Twilio's answer to a created message: only what Dramatis reads. */
const createdMessageSchema = z.object({ sid: z.string().min(1), status: z.string().optional() });

/** Twilio's error code for a recipient who texted STOP to this number. */
export const TWILIO_UNSUBSCRIBED_RECIPIENT = "21610";

/**
 * Sends SMS through Twilio's REST API (`POST /2010-04-01/Accounts/{sid}/Messages.json`, form-encoded
 * From/To/Body, and MediaUrl for an MMS; basic auth with the account SID and auth token).
 *
 * @example
 * const twilio = new TwilioClient({ accountSid, authToken, baseUrl: "https://api.twilio.com" });
 * await twilio.send({ from: "+14155550100", to: "+14155550111", body: "Good morning!" });
 *
 * Places calls the same way (`POST .../Calls.json` with From/To/Twiml/StatusCallback).
 */
export class TwilioClient implements SmsTransport, PhoneDialer {
  private readonly http: ProviderHttpClient;

  constructor(private readonly settings: TwilioSettings) {
    this.http = new ProviderHttpClient({
      ...settings.http,
      provider: "twilio",
      baseUrl: settings.baseUrl,
      auth: { type: "basic", username: settings.accountSid, password: settings.authToken },
    });
  }

  async send(message: OutgoingSms, signal?: AbortSignal): Promise<{ sid: string; latencyMs: number }> {
    const response = await this.http.request(
      {
        call: "send message",
        method: "POST",
        path: `/2010-04-01/Accounts/${encodeURIComponent(this.settings.accountSid)}/Messages.json`,
        form: {
          From: message.from,
          To: message.to,
          ...(message.body !== "" ? { Body: message.body } : {}),
          ...(message.mediaUrls?.length ? { MediaUrl: [...message.mediaUrls] } : {}),
        },
        signal,
      },
      createdMessageSchema,
    );
    return { sid: response.body.sid, latencyMs: response.latencyMs };
  }

  /**
   * @example await twilio.placeCall({ from, to, twiml: streamTwiml(...), statusCallback: "https://.../v1/twilio/voice/status" })
   */
  async placeCall(call: OutgoingCall, signal?: AbortSignal): Promise<{ sid: string; status: string }> {
    const form = {
      From: call.from,
      To: call.to,
      Twiml: call.twiml,
      StatusCallback: call.statusCallback,
      StatusCallbackMethod: "POST",
      StatusCallbackEvent: ["initiated", "ringing", "answered", "completed"],
    };
    const response = await this.http.request(
      {
        call: "place call",
        method: "POST",
        path: `/2010-04-01/Accounts/${encodeURIComponent(this.settings.accountSid)}/Calls.json`,
        form,
        signal,
      },
      createdCallSchema,
    );
    return { sid: response.body.sid, status: response.body.status };
  }

  async endCall(sid: string, status: "canceled" | "completed", signal?: AbortSignal): Promise<void> {
    const account = encodeURIComponent(this.settings.accountSid);
    await this.http.request(
      {
        call: "end call",
        method: "POST",
        path: `/2010-04-01/Accounts/${account}/Calls/${encodeURIComponent(sid)}.json`,
        form: { Status: status },
        signal,
      },
      createdCallSchema,
    );
  }
}
