import { equalInConstantTime } from "../../lib/constant-time.ts";
import { BadRequestError, ForbiddenError } from "../../errors/app-error.ts";
import type { WhatsAppSettings } from "./whatsapp-client.ts";
import { WhatsAppNotConfiguredError } from "./whatsapp-sender.ts";
import { isValidWhatsAppSignature } from "./whatsapp-signature.ts";
import {
  WhatsAppPayloadError,
  readInboundMessages,
  type InboundWhatsAppMessage,
} from "./whatsapp-webhook-payload.ts";

/* Meta's webhook at the door: the subscription handshake, and a delivery's signature and body checked. */

/** What Meta's webhook request brings: the body exactly as sent, and its signature header. */
export interface WhatsAppWebhookRequest {
  body: Uint8Array;
  /** X-Hub-Signature-256, undefined when absent */
  signature: string | undefined;
}

/** The query of Meta's subscription handshake (hub.mode, hub.verify_token, hub.challenge). */
export interface WebhookSubscriptionQuery {
  mode?: string | undefined;
  verifyToken?: string | undefined;
  challenge?: string | undefined;
}

/**
 * The verification handshake when the webhook is set up in Meta's dashboard: the challenge echoed when
 * the verify token matches (403 when not, 400 when the parameters are missing, 404 when WhatsApp is not
 * configured).
 */
export function verifyWebhookSubscription(
  settings: WhatsAppSettings | undefined,
  query: WebhookSubscriptionQuery,
): string {
  if (!settings) throw new WhatsAppNotConfiguredError();
  const missing = (["mode", "verifyToken", "challenge"] as const).filter((name) => !query[name]);
  if (missing.length > 0) {
    const names = { mode: "hub.mode", verifyToken: "hub.verify_token", challenge: "hub.challenge" };
    throw new BadRequestError(
      `Meta's verification request needs ${missing.map((name) => names[name]).join(", ")}`,
      missing.map((name) => ({ field: names[name], message: "required" })),
    );
  }
  if (query.mode !== "subscribe") {
    throw new BadRequestError(`hub.mode must be subscribe, got ${query.mode}`, [
      { field: "hub.mode", message: "must be subscribe" },
    ]);
  }
  if (!equalInConstantTime(settings.verifyToken, query.verifyToken ?? "")) {
    throw new ForbiddenError("hub.verify_token does not match WHATSAPP_VERIFY_TOKEN");
  }
  return query.challenge ?? "";
}

/**
 * The messages of a webhook delivery once its signature is checked: 400 when X-Hub-Signature-256 is
 * missing or the body is not a WhatsApp webhook, 403 when the signature does not match.
 */
export function readSignedWebhook(
  settings: WhatsAppSettings | undefined,
  request: WhatsAppWebhookRequest,
): InboundWhatsAppMessage[] {
  if (!settings) throw new WhatsAppNotConfiguredError();
  if (request.signature === undefined || request.signature.trim() === "") {
    throw new BadRequestError("only Meta may post here: the X-Hub-Signature-256 header is missing", [
      { field: "X-Hub-Signature-256", message: "required" },
    ]);
  }
  if (
    !isValidWhatsAppSignature({
      appSecret: settings.appSecret,
      body: request.body,
      signature: request.signature,
    })
  ) {
    throw new ForbiddenError("X-Hub-Signature-256 does not match this body (check WHATSAPP_APP_SECRET)");
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(request.body).toString("utf8"));
  } catch {
    throw new BadRequestError("the webhook's body is not JSON", [{ field: "(body)", message: "not JSON" }]);
  }
  try {
    return readInboundMessages(json);
  } catch (error) {
    if (error instanceof WhatsAppPayloadError) {
      throw new BadRequestError(`not a WhatsApp webhook: ${error.message}`, [
        { field: error.field, message: error.message },
      ]);
    }
    throw error;
  }
}
