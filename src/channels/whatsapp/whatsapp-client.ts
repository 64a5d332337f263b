import { z } from "zod";
import { randomBytes } from "node:crypto";
import { ProviderHttpClient, type ProviderHttpClientOptions } from "../provider-http.ts";
import { ProviderDownloadTooLargeError, ProviderHttpError } from "../provider-http-errors.ts";

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

/** The kinds of media message Dramatis sends. */
export type WhatsAppMediaType = "audio" | "image" | "video";

/** One media message (an uploaded media id) to one WhatsApp user. */
export interface OutgoingWhatsAppMedia {
  phoneNumberId: string;
  to: string;
  type: WhatsAppMediaType;
  /** Meta's id of the uploaded file (see `uploadMedia`) */
  mediaId: string;
  /** text shown under a picture or video (audio has none) */
  caption?: string | undefined;
}

/** A media file a user sent, downloaded. */
export interface DownloadedWhatsAppMedia {
  bytes: Uint8Array;
  contentType: string;
}

/** Sends WhatsApp messages and moves their media; the Cloud API in production. */
export interface WhatsAppTransport {
  send(message: OutgoingWhatsAppMessage, signal?: AbortSignal): Promise<{ id: string; latencyMs: number }>;
  sendMedia(message: OutgoingWhatsAppMedia, signal?: AbortSignal): Promise<{ id: string; latencyMs: number }>;
  /** Throws WhatsAppMediaTooLargeError past `maxBytes` (Meta's size, or the bytes as they arrive). */
  downloadMedia(
    mediaId: string,
    options: { maxBytes: number; signal?: AbortSignal | undefined },
  ): Promise<DownloadedWhatsAppMedia>;
  /** Uploads a file for a later message from `phoneNumberId`; Meta's media id. */
  uploadMedia(
    phoneNumberId: string,
    file: { bytes: Uint8Array; contentType: string; filename: string },
    signal?: AbortSignal,
  ): Promise<{ id: string }>;
}

/** A user's media file is larger than the server takes (Meta said so, or the bytes passed the limit). */
export const WhatsAppMediaTooLargeError = ProviderDownloadTooLargeError;

const mediaInfoSchema = z.object({
  url: z.string().url(),
  mime_type: z.string().min(1),
  file_size: z.number().int().nonnegative().optional(),
});
const uploadedMediaSchema = z.object({ id: z.string().min(1) });

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

  /** An audio, image or video message of a file uploaded before (`uploadMedia`). */
  async sendMedia(
    message: OutgoingWhatsAppMedia,
    signal?: AbortSignal,
  ): Promise<{ id: string; latencyMs: number }> {
    const caption = message.type !== "audio" && message.caption ? { caption: message.caption } : {};
    const response = await this.http.request(
      {
        call: `send ${message.type}`,
        method: "POST",
        path: `/${this.version()}/${encodeURIComponent(message.phoneNumberId)}/messages`,
        json: {
          messaging_product: "whatsapp",
          recipient_type: "individual",
          to: message.to,
          type: message.type,
          [message.type]: { id: message.mediaId, ...caption },
        },
        signal,
      },
      sentMessageSchema,
    );
    return { id: response.body.messages[0]!.id, latencyMs: response.latencyMs };
  }

  /**
   * A user's media: Meta's lookup (`GET /{version}/{media-id}`) names a short-lived URL, fetched with the
   * same token. The token goes only to Meta's hosts (or the configured base URL's), and never follows a
   * redirect.
   *
   * @example const { bytes } = await whatsapp.downloadMedia(message.mediaId, { maxBytes: 16 << 20 });
   */
  async downloadMedia(
    mediaId: string,
    options: { maxBytes: number; signal?: AbortSignal | undefined },
  ): Promise<DownloadedWhatsAppMedia> {
    const info = await this.http.request(
      {
        call: "look up media",
        path: `/${this.version()}/${encodeURIComponent(mediaId)}`,
        signal: options.signal,
      },
      mediaInfoSchema,
    );
    const { url, mime_type: contentType, file_size: size } = info.body;
    if (size !== undefined && size > options.maxBytes) {
      throw new WhatsAppMediaTooLargeError(options.maxBytes, "whatsapp");
    }
    if (!isMetaMediaUrl(url, this.settings.baseUrl)) {
      throw this.failure("download media", "the media URL is not one of Meta's hosts", false);
    }
    const file = await this.http.download(
      {
        call: "download media",
        url,
        signal: options.signal,
        timeoutMs: this.settings.http?.timeoutMs ?? 30_000,
      },
      { maxBytes: options.maxBytes },
    );
    return { bytes: file.bytes, contentType };
  }

  /** Uploads a file (`POST /{version}/{phone-number-id}/media`, multipart) for an audio, image or video message. */
  async uploadMedia(
    phoneNumberId: string,
    file: { bytes: Uint8Array; contentType: string; filename: string },
    signal?: AbortSignal,
  ): Promise<{ id: string }> {
    const boundary = `dramatis-${randomBytes(12).toString("hex")}`;
    const response = await this.http.request(
      {
        call: "upload media",
        method: "POST",
        path: `/${this.version()}/${encodeURIComponent(phoneNumberId)}/media`,
        binary: {
          contentType: `multipart/form-data; boundary=${boundary}`,
          bytes: multipartBody(boundary, {
            fields: { messaging_product: "whatsapp", type: file.contentType },
            file,
          }),
        },
        signal,
      },
      uploadedMediaSchema,
    );
    return { id: response.body.id };
  }

  private version(): string {
    return encodeURIComponent(this.settings.apiVersion);
  }

  private failure(
    call: string,
    detail: string,
    retryable: boolean,
    cause?: unknown,
    providerStatus?: number,
  ): ProviderHttpError {
    return new ProviderHttpError({
      provider: "whatsapp",
      call,
      detail,
      retryable,
      attempts: 1,
      providerStatus,
      cause,
    });
  }
}

/** Hosts Meta serves media from; the bearer token is sent nowhere else. */
const META_MEDIA_HOSTS = [".fbsbx.com", ".facebook.com", ".fbcdn.net", ".whatsapp.net"];

function isMetaMediaUrl(url: string, baseUrl: string): boolean {
  const parsed = new URL(url);
  if (parsed.origin === new URL(baseUrl).origin) return true;
  return (
    parsed.protocol === "https:" &&
    META_MEDIA_HOSTS.some((suffix) => parsed.hostname.endsWith(suffix) || `.${parsed.hostname}` === suffix)
  );
}

function multipartBody(
  boundary: string,
  parts: {
    fields: Record<string, string>;
    file: { bytes: Uint8Array; contentType: string; filename: string };
  },
): Uint8Array {
  const text = (value: string) => Buffer.from(value, "utf8");
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(parts.fields)) {
    chunks.push(text(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  const { file } = parts;
  chunks.push(
    text(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.filename}"\r\n` +
        `Content-Type: ${file.contentType}\r\n\r\n`,
    ),
    Buffer.from(file.bytes),
    text(`\r\n--${boundary}--\r\n`),
  );
  return new Uint8Array(Buffer.concat(chunks));
}
