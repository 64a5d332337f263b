import { BadRequestError, ForbiddenError } from "../../errors/app-error.ts";
import { SmsNotConfiguredError } from "./sms-sender.ts";
import type { TwilioSettings } from "./twilio-client.ts";
import { isValidTwilioSignature } from "./twilio-signature.ts";

/** The parts of Twilio's webhook request the signature is checked against. */
export interface TwilioWebhookRequest {
  /** the URL the request arrived at */
  url: string;
  /** X-Twilio-Signature, undefined when absent */
  signature: string | undefined;
  /** the form-encoded body as it arrived */
  body: string;
}

/**
 * The form of a Twilio webhook, once its signature is checked: 404 when Twilio is not configured (the
 * feature does not exist here), 400 when X-Twilio-Signature is missing, 403 when it does not match.
 *
 * @example const fields = new Map(readSignedTwilioForm(settings, { url, signature, body }));
 */
export function readSignedTwilioForm(
  settings: TwilioSettings | undefined,
  request: TwilioWebhookRequest,
): Array<[string, string]> {
  if (!settings) throw new SmsNotConfiguredError();
  if (request.signature === undefined || request.signature.trim() === "") {
    throw new BadRequestError("only Twilio may post here: the X-Twilio-Signature header is missing", [
      { field: "X-Twilio-Signature", message: "required" },
    ]);
  }
  const parameters = [...new URLSearchParams(request.body)];
  const url = signedUrl(request.url, settings.publicUrl);
  if (
    !isValidTwilioSignature({ authToken: settings.authToken, url, parameters, signature: request.signature })
  ) {
    throw new ForbiddenError(
      `X-Twilio-Signature does not match this request to ${url} (check TWILIO_AUTH_TOKEN and DRAMATIS_PUBLIC_URL)`,
    );
  }
  return parameters;
}

/**
 * The URL Twilio signed: the configured public address with the request's path and query (behind a
 * proxy the server sees another host and scheme), or the request's own URL.
 */
export function signedUrl(requestUrl: string, publicUrl: string | undefined): string {
  if (!publicUrl) return requestUrl;
  const request = new URL(requestUrl);
  return `${publicUrl.replace(/\/+$/, "")}${request.pathname}${request.search}`;
}

/** A field of a webhook's form, trimmed: 400 naming it when it is missing or blank. */
export function requiredField(fields: Map<string, string>, name: string, fallback?: string): string {
  const value = fields.get(name) ?? fallback;
  if (value === undefined || value.trim() === "") {
    throw new BadRequestError(`${name} is missing from the webhook's form`, [
      { field: name, message: "required" },
    ]);
  }
  return value.trim();
}
