/**
 * A loopback stand-in for Meta's WhatsApp Cloud API, so WhatsApp tests never reach the internet. It
 * answers `POST /{version}/{phone-number-id}/messages` (JSON, bearer token) like the Graph API does,
 * records every text, audio, image and video message, and can be scripted to fail with Meta's error shape.
 * Media a user "sent" (`addMedia`: a voice note, a photo) is looked up at `GET /{version}/{media-id}` and
 * downloaded from the URL that names;
 * files uploaded at `POST /{version}/{phone-number-id}/media` (multipart) are kept with their bytes.
 *
 * @example
 * const meta = await startMockWhatsApp();
 * const app = await createTestApp({ whatsapp: meta.settings });
 * // ... post a signed webhook ...
 * await meta.waitForMessages(1);
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { WhatsAppSettings } from "../src/channels/whatsapp/whatsapp-client.ts";
import { waitForCount } from "./wait-for-count.ts";

export interface SentWhatsAppMessage {
  id: string;
  phoneNumberId: string;
  to: string;
  type: "text" | "audio" | "image" | "video";
  /** the text; a picture's or video's caption; "" for an audio message */
  body: string;
  /** the uploaded media an audio message plays */
  audioId?: string;
  /** the uploaded media an image or video message shows */
  mediaId?: string;
}

/** A file uploaded for a later message. */
export interface UploadedWhatsAppMedia {
  id: string;
  phoneNumberId: string;
  /** the `type` field (the media type Meta is told) */
  type: string;
  /** the file part's own Content-Type */
  contentType: string;
  bytes: Uint8Array;
}

/** A scripted answer: an HTTP status (200 answers normally), optionally with Meta's error code. */
export type MockWhatsAppStep = number | { status: number; code?: number; message?: string };

export interface MockWhatsApp {
  /** the app's secrets and base URL to hand the server; retries wait nothing */
  settings: WhatsAppSettings;
  /** texts and media messages accepted, in order */
  messages: SentWhatsAppMessage[];
  /** files uploaded, in order */
  uploads: UploadedWhatsAppMedia[];
  /** media ids downloaded (their URLs fetched), in order */
  downloads: string[];
  /** Makes a file a user "sent"; its media id, for a webhook's `audio.id` or `image.id`. */
  addMedia(bytes: Uint8Array, mimeType: string): string;
  /** every request, accepted or not */
  requests: number;
  /** answers for the next sends and uploads; when it runs out every request is accepted */
  script: MockWhatsAppStep[];
  /** Resolves once `count` texts were accepted; rejects after `timeoutMs`. */
  waitForMessages(count: number, timeoutMs?: number): Promise<SentWhatsAppMessage[]>;
  close(): Promise<void>;
}

export const MOCK_WHATSAPP_APP_SECRET = "mock-whatsapp-app-secret-0123456789";
export const MOCK_WHATSAPP_VERIFY_TOKEN = "mock-whatsapp-verify-token";
export const MOCK_WHATSAPP_ACCESS_TOKEN = "EAAmockaccesstoken0123456789";
const API_VERSION = "v21.0";

export async function startMockWhatsApp(): Promise<MockWhatsApp> {
  const media = new Map<string, { bytes: Uint8Array; mimeType: string }>();
  const state: Omit<MockWhatsApp, "settings" | "waitForMessages" | "close" | "addMedia"> = {
    messages: [],
    uploads: [],
    downloads: [],
    requests: 0,
    script: [],
  };
  const version = API_VERSION.replace(".", "\\.");
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      state.requests += 1;
      const raw = Buffer.concat(chunks);
      const text = raw.toString();
      const answer = (status: number, body: unknown) => {
        response.writeHead(status, { "content-type": "application/json" });
        response.end(JSON.stringify(body));
      };
      const error = (status: number, code: number, message: string) =>
        answer(status, { error: { message, type: "OAuthException", code, fbtrace_id: "mock" } });
      if (request.headers.authorization !== `Bearer ${MOCK_WHATSAPP_ACCESS_TOKEN}`) {
        return error(401, 190, "Invalid OAuth access token");
      }
      const url = request.url ?? "";
      const download = /^\/media-files\/([\w.-]+)$/.exec(url);
      if (request.method === "GET" && download) {
        const file = media.get(download[1]!);
        if (!file) return error(404, 100, "Unknown media");
        state.downloads.push(download[1]!);
        response.writeHead(200, { "content-type": file.mimeType.split(";")[0]! });
        return response.end(file.bytes);
      }
      const lookup = new RegExp(`^/${version}/([\\w.-]+)$`).exec(url);
      if (request.method === "GET" && lookup) {
        const file = media.get(lookup[1]!);
        if (!file) return error(404, 100, "Unsupported get request");
        return answer(200, {
          messaging_product: "whatsapp",
          url: `${baseUrl}/media-files/${lookup[1]!}`,
          mime_type: file.mimeType,
          sha256: "mock",
          file_size: file.bytes.length,
          id: lookup[1]!,
        });
      }
      const upload = new RegExp(`^/${version}/(\\d+)/media$`).exec(url);
      if (request.method === "POST" && upload) {
        const scripted = state.script.shift() ?? 200;
        const scriptedStatus = typeof scripted === "number" ? scripted : scripted.status;
        if (scriptedStatus !== 200) return error(scriptedStatus, 1, `scripted ${scriptedStatus}`);
        void new Response(raw, { headers: { "content-type": request.headers["content-type"] ?? "" } })
          .formData()
          .then(async (form) => {
            const file = form.get("file");
            const type = form.get("type");
            if (
              form.get("messaging_product") !== "whatsapp" ||
              typeof type !== "string" ||
              !(file instanceof Blob)
            ) {
              return error(400, 100, "(#100) Invalid parameter");
            }
            const id = `media-up-${state.uploads.length + 1}`;
            state.uploads.push({
              id,
              phoneNumberId: upload[1]!,
              type,
              contentType: file.type,
              bytes: new Uint8Array(await file.arrayBuffer()),
            });
            answer(200, { id });
          })
          .catch(() => error(400, 100, "(#100) Invalid multipart body"));
        return;
      }
      const path = new RegExp(`^/${version}/(\\d+)/messages$`).exec(url);
      if (request.method !== "POST" || !path) return error(404, 100, "Unsupported post request");
      const step = state.script.shift() ?? 200;
      const status = typeof step === "number" ? step : step.status;
      if (status !== 200) {
        const code = typeof step === "number" ? 1 : (step.code ?? 1);
        return error(
          status,
          code,
          typeof step === "number" ? `scripted ${status}` : (step.message ?? "scripted"),
        );
      }
      type MediaObject = { id?: string; caption?: string };
      let body: {
        messaging_product?: string;
        to?: string;
        type?: string;
        text?: { body?: string };
        audio?: MediaObject;
        image?: MediaObject;
        video?: MediaObject;
      };
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        return error(400, 100, "Invalid JSON");
      }
      const mediaType =
        body.type === "audio" || body.type === "image" || body.type === "video" ? body.type : null;
      const sentMedia = mediaType ? body[mediaType] : undefined;
      // Meta shows pictures and videos whose upload it took (JPEG and PNG; MP4), audio of audio types.
      const uploaded = state.uploads.find((file) => file.id === sentMedia?.id);
      const playable =
        uploaded !== undefined &&
        (mediaType === "image"
          ? ["image/jpeg", "image/png"].includes(uploaded.type)
          : mediaType === "video"
            ? uploaded.type === "video/mp4"
            : uploaded.type.startsWith("audio/"));
      const valid =
        body.messaging_product === "whatsapp" &&
        body.to &&
        ((body.type === "text" && body.text?.body) || playable);
      if (!valid || !body.to) return error(400, 100, "(#100) Invalid parameter");
      const id = `wamid.OUT${String(state.messages.length + 1).padStart(20, "0")}`;
      const sent = { id, phoneNumberId: path[1]!, to: body.to };
      state.messages.push(
        mediaType === "audio"
          ? { ...sent, type: "audio", body: "", audioId: uploaded!.id, mediaId: uploaded!.id }
          : mediaType
            ? { ...sent, type: mediaType, body: sentMedia?.caption ?? "", mediaId: uploaded!.id }
            : { ...sent, type: "text", body: body.text?.body ?? "" },
      );
      answer(200, {
        messaging_product: "whatsapp",
        contacts: [{ input: body.to, wa_id: body.to }],
        messages: [{ id }],
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    addMedia(bytes: Uint8Array, mimeType: string) {
      const id = String(900_000 + media.size);
      media.set(id, { bytes, mimeType });
      return id;
    },
    settings: {
      verifyToken: MOCK_WHATSAPP_VERIFY_TOKEN,
      appSecret: MOCK_WHATSAPP_APP_SECRET,
      accessToken: MOCK_WHATSAPP_ACCESS_TOKEN,
      baseUrl,
      apiVersion: API_VERSION,
      http: { sleep: async () => {}, timeoutMs: 5000 },
    },
    waitForMessages: (count: number, timeoutMs = 10_000) =>
      waitForCount(state.messages, count, { what: "WhatsApp messages at the mock Graph API", timeoutMs }),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  });
}
