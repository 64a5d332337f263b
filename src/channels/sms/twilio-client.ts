import { z } from "zod";
import { ProviderHttpClient, type ProviderHttpClientOptions } from "../provider-http.ts";
import { ProviderHttpError } from "../provider-http-errors.ts";

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

/** A file a user sent in an MMS, downloaded. */
export interface DownloadedMmsMedia {
  bytes: Uint8Array;
  /** the type Twilio served it as; undefined when it named none */
  contentType: string | undefined;
}

/** Sends SMS and fetches what users send in MMS; the Twilio REST API in production. */
export interface SmsTransport {
  send(message: OutgoingSms, signal?: AbortSignal): Promise<{ sid: string; latencyMs: number }>;
  /**
   * A file of an inbound MMS (its MediaUrl): throws ProviderDownloadTooLargeError past `maxBytes`, a
   * ProviderHttpError when Twilio fails.
   */
  downloadMedia(
    url: string,
    options: { maxBytes: number; signal?: AbortSignal | undefined },
  ): Promise<DownloadedMmsMedia>;
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
   * A file of an inbound MMS, from the MediaUrl Twilio posted: fetched with the account's credentials,
   * which go to Twilio's API host (the base URL's origin) only; Twilio's redirect to its storage is
   * followed without them.
   *
   * @example const { bytes } = await twilio.downloadMedia(fields.get("MediaUrl0"), { maxBytes: 5 << 20 });
   */
  async downloadMedia(
    url: string,
    options: { maxBytes: number; signal?: AbortSignal | undefined },
  ): Promise<DownloadedMmsMedia> {
    const media = URL.canParse(url) ? new URL(url) : undefined;
    if (media?.origin !== new URL(this.settings.baseUrl).origin) {
      throw new ProviderHttpError({
        provider: "twilio",
        call: "download media",
        detail: "the media URL is not on Twilio's API host",
        retryable: false,
        attempts: 1,
      });
    }
    const file = await this.http.download(
      {
        call: "download media",
        path: `${media.pathname}${media.search}`,
        redirect: "follow-without-credentials",
        signal: options.signal,
        timeoutMs: this.settings.http?.timeoutMs ?? 30_000,
      },
      { maxBytes: options.maxBytes },
    );
    return { bytes: file.bytes, contentType: file.contentType };
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
