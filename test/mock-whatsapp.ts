/**
 * A loopback stand-in for Meta's WhatsApp Cloud API, so WhatsApp tests never reach the internet. It
 * answers `POST /{version}/{phone-number-id}/messages` (JSON, bearer token) like the Graph API does,
 * records every text, and can be scripted to fail with Meta's error shape.
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
  body: string;
}

/** A scripted answer: an HTTP status (200 answers normally), optionally with Meta's error code. */
export type MockWhatsAppStep = number | { status: number; code?: number; message?: string };

export interface MockWhatsApp {
  /** the app's secrets and base URL to hand the server; retries wait nothing */
  settings: WhatsAppSettings;
  /** texts accepted, in order */
  messages: SentWhatsAppMessage[];
  /** every request, accepted or not */
  requests: number;
  /** answers for the next requests; when it runs out every request is accepted */
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
  const state: Omit<MockWhatsApp, "settings" | "waitForMessages" | "close"> = {
    messages: [],
    requests: 0,
    script: [],
  };
  const server = http.createServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString()));
    request.on("end", () => {
      state.requests += 1;
      const answer = (status: number, body: unknown) => {
        response.writeHead(status, { "content-type": "application/json" });
        response.end(JSON.stringify(body));
      };
      const error = (status: number, code: number, message: string) =>
        answer(status, { error: { message, type: "OAuthException", code, fbtrace_id: "mock" } });
      const path = new RegExp(`^/${API_VERSION.replace(".", "\\.")}/(\\d+)/messages$`).exec(
        request.url ?? "",
      );
      if (request.method !== "POST" || !path) return error(404, 100, "Unsupported post request");
      if (request.headers.authorization !== `Bearer ${MOCK_WHATSAPP_ACCESS_TOKEN}`) {
        return error(401, 190, "Invalid OAuth access token");
      }
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
      let body: { messaging_product?: string; to?: string; type?: string; text?: { body?: string } };
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        return error(400, 100, "Invalid JSON");
      }
      if (body.messaging_product !== "whatsapp" || body.type !== "text" || !body.to || !body.text?.body) {
        return error(400, 100, "(#100) Invalid parameter");
      }
      const id = `wamid.OUT${String(state.messages.length + 1).padStart(20, "0")}`;
      state.messages.push({ id, phoneNumberId: path[1]!, to: body.to, body: body.text.body });
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
