/**
 * A loopback stand-in for Twilio's REST API, so SMS and phone tests never reach the internet. It answers
 * `POST /2010-04-01/Accounts/{sid}/Messages.json` (form-encoded From/To/Body/MediaUrl, basic auth with the
 * account SID and auth token) and `POST .../Calls.json` (From/To/Twiml/StatusCallback) like Twilio does,
 * records every message and call, and can be scripted to fail. Media a user "sent" in an MMS (`addMedia`)
 * is served at its MediaUrl with basic auth, as Twilio does: through a redirect to a storage URL that
 * takes no credentials (and refuses any sent to it).
 *
 * @example
 * const twilio = await startMockTwilio();
 * const app = await createTestApp({ twilio: twilio.settings });
 * // ... text the persona ...
 * await twilio.waitForMessages(1);
 * expect(twilio.messages[0]).toMatchObject({ to: "+14155550111" });
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { TwilioSettings } from "../src/channels/sms/twilio-client.ts";
import { waitForCount } from "./wait-for-count.ts";

export interface SentSms {
  sid: string;
  from: string;
  to: string;
  body: string;
  /** MediaUrl of an MMS, in order; empty for a text */
  mediaUrls: string[];
}

/** A call placed through `POST .../Calls.json`. */
export interface PlacedCall {
  sid: string;
  from: string;
  to: string;
  twiml: string;
  statusCallback: string | null;
  statusCallbackEvents: string[];
}

/** A scripted answer: an HTTP status (201 answers normally), optionally with Twilio's error code. */
export type MockTwilioStep = number | { status: number; code?: number; message?: string };

export interface MockTwilio {
  /** account, token and base URL to hand the server; retries wait nothing */
  settings: TwilioSettings;
  /** messages accepted (201), in order */
  messages: SentSms[];
  /** calls placed (201), in order */
  calls: PlacedCall[];
  /** calls ended through `POST .../Calls/{sid}.json` (Status=canceled|completed), in order */
  endedCalls: Array<{ sid: string; status: string }>;
  /** every request, accepted or not */
  requests: number;
  /** Makes a file a user "sent" in an MMS; its MediaUrl, for the webhook's `MediaUrl0`. */
  addMedia(bytes: Uint8Array, contentType: string): string;
  /** media ids whose bytes were fetched from storage, in order */
  mediaDownloads: string[];
  /** answers for the next requests; when it runs out every request is accepted */
  script: MockTwilioStep[];
  /** Resolves once `count` messages were accepted; rejects after `timeoutMs`. */
  waitForMessages(count: number, timeoutMs?: number): Promise<SentSms[]>;
  /** Resolves once `count` calls were placed; rejects after `timeoutMs`. */
  waitForCalls(count: number, timeoutMs?: number): Promise<PlacedCall[]>;
  close(): Promise<void>;
}

export const MOCK_TWILIO_ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef";
export const MOCK_TWILIO_AUTH_TOKEN = "mock-twilio-auth-token-0123456789";

export async function startMockTwilio(): Promise<MockTwilio> {
  const expectedAuthorization = `Basic ${Buffer.from(`${MOCK_TWILIO_ACCOUNT_SID}:${MOCK_TWILIO_AUTH_TOKEN}`).toString("base64")}`;
  const media = new Map<string, { bytes: Uint8Array; contentType: string }>();
  const state: Omit<MockTwilio, "settings" | "waitForMessages" | "waitForCalls" | "close" | "addMedia"> = {
    messages: [],
    calls: [],
    endedCalls: [],
    requests: 0,
    script: [],
    mediaDownloads: [],
  };
  const server = http.createServer((request, response) => {
    if (request.method === "GET") return serveMedia(request, response);
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString()));
    request.on("end", () => {
      state.requests += 1;
      const answer = (status: number, body: unknown) => {
        response.writeHead(status, { "content-type": "application/json" });
        response.end(JSON.stringify(body));
      };
      const accountPath = `/2010-04-01/Accounts/${MOCK_TWILIO_ACCOUNT_SID}`;
      const endedSid = new RegExp(`^${accountPath}/Calls/(CA[0-9a-f]+)\\.json$`).exec(request.url ?? "")?.[1];
      const resource =
        request.url === `${accountPath}/Messages.json`
          ? "message"
          : request.url === `${accountPath}/Calls.json`
            ? "call"
            : endedSid
              ? "call-update"
              : undefined;
      if (request.method !== "POST" || !resource) {
        return answer(404, { code: 20404, message: "The requested resource was not found", status: 404 });
      }
      if (request.headers.authorization !== expectedAuthorization) {
        return answer(401, { code: 20003, message: "Authenticate", status: 401 });
      }
      const step = state.script.shift() ?? 201;
      const status = typeof step === "number" ? step : step.status;
      if (status !== 201) {
        const code = typeof step === "number" ? undefined : step.code;
        const message =
          typeof step === "number" ? `scripted ${status}` : (step.message ?? `scripted ${status}`);
        return answer(status, { code, message, status });
      }
      const form = new URLSearchParams(text);
      if (resource === "call-update" && endedSid) {
        const placed = state.calls.find((call) => call.sid === endedSid);
        if (!placed)
          return answer(404, { code: 20404, message: "The requested resource was not found", status: 404 });
        const status = form.get("Status") ?? "";
        state.endedCalls.push({ sid: endedSid, status });
        return answer(200, { sid: endedSid, status, from: placed.from, to: placed.to });
      }
      if (resource === "call") {
        const from = form.get("From");
        const to = form.get("To");
        const twiml = form.get("Twiml");
        if (!from || !to || !twiml) {
          return answer(400, { code: 21205, message: "'To', 'From' and 'Twiml' are required", status: 400 });
        }
        const sid = `CA${String(state.calls.length + 1).padStart(32, "0")}`;
        state.calls.push({
          sid,
          from,
          to,
          twiml,
          statusCallback: form.get("StatusCallback"),
          statusCallbackEvents: form.getAll("StatusCallbackEvent"),
        });
        return answer(201, { sid, status: "queued", from, to, direction: "outbound-api" });
      }
      const from = form.get("From");
      const to = form.get("To");
      const body = form.get("Body");
      const mediaUrls = form.getAll("MediaUrl");
      if (!from || !to || (body === null && mediaUrls.length === 0)) {
        return answer(400, {
          code: 21604,
          message: "A 'To', 'From' and 'Body' or 'MediaUrl' are required",
          status: 400,
        });
      }
      const sid = `${mediaUrls.length > 0 ? "MM" : "SM"}${String(state.messages.length + 1).padStart(32, "0")}`;
      state.messages.push({ sid, from, to, body: body ?? "", mediaUrls });
      answer(201, { sid, status: "queued", from, to, body, num_segments: "1" });
    });
  });
  /** An MMS's MediaUrl (basic auth) redirects to storage (no credentials), as Twilio's does. */
  function serveMedia(request: http.IncomingMessage, response: http.ServerResponse): void {
    state.requests += 1;
    const url = request.url ?? "";
    const mediaPath = new RegExp(
      `^/2010-04-01/Accounts/${MOCK_TWILIO_ACCOUNT_SID}/Messages/MM[0-9a-f]+/Media/(ME[0-9a-f]+)$`,
    ).exec(url);
    const stored = /^\/storage\/(ME[0-9a-f]+)$/.exec(url);
    const file = media.get(mediaPath?.[1] ?? stored?.[1] ?? "");
    if (!file) {
      response.writeHead(404, { "content-type": "application/json" });
      return void response.end(JSON.stringify({ code: 20404, message: "Not found", status: 404 }));
    }
    if (mediaPath) {
      if (request.headers.authorization !== expectedAuthorization) {
        response.writeHead(401, { "content-type": "application/json" });
        return void response.end(JSON.stringify({ code: 20003, message: "Authenticate", status: 401 }));
      }
      response.writeHead(307, { location: `/storage/${mediaPath[1]!}` });
      return void response.end();
    }
    if (request.headers.authorization !== undefined) {
      response.writeHead(400, { "content-type": "text/plain" });
      return void response.end("storage takes no credentials");
    }
    state.mediaDownloads.push(stored![1]!);
    response.writeHead(200, { "content-type": file.contentType });
    response.end(file.bytes);
  }
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    addMedia(bytes: Uint8Array, contentType: string) {
      const id = `ME${String(media.size + 1).padStart(32, "0")}`;
      media.set(id, { bytes, contentType });
      const message = `MM${String(media.size).padStart(32, "f")}`;
      return `${baseUrl}/2010-04-01/Accounts/${MOCK_TWILIO_ACCOUNT_SID}/Messages/${message}/Media/${id}`;
    },
    settings: {
      accountSid: MOCK_TWILIO_ACCOUNT_SID,
      authToken: MOCK_TWILIO_AUTH_TOKEN,
      baseUrl,
      http: { sleep: async () => {}, timeoutMs: 5000 },
    },
    waitForMessages: (count: number, timeoutMs = 10_000) =>
      waitForCount(state.messages, count, { what: "SMS at the mock Twilio", timeoutMs }),
    waitForCalls: (count: number, timeoutMs = 10_000) =>
      waitForCount(state.calls, count, { what: "calls placed at the mock Twilio", timeoutMs }),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  });
}
