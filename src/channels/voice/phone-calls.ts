import type { Logger } from "pino";
import { AppError, ValidationError } from "../../errors/app-error.ts";
import type { CallService } from "../../services/calls/call-service.ts";
import type { Call } from "../../services/calls/call-views.ts";
import type { PersonaService } from "../../services/persona-service.ts";
import type { UserRow } from "../../store/schema.ts";
import type { Store } from "../../store/store.ts";
import { ProviderHttpError } from "../provider-http-errors.ts";
import type { CallRequest } from "../sms/sms-call-back.ts";
import { readSignedTwilioForm, requiredField, type TwilioWebhookRequest } from "../sms/twilio-webhook.ts";
import type { PhoneDialer, TwilioSettings } from "../sms/twilio-client.ts";
import { mediaStreamUrl, sayAndHangUpTwiml, streamTwiml } from "./twiml.ts";

/** The path of Twilio's voice webhook (a persona's number is called): public, signed like the SMS one. */
export const TWILIO_VOICE_WEBHOOK_PATH = "/v1/twilio/voice";
/** Where Twilio reports a call's progress (StatusCallback). */
export const TWILIO_VOICE_STATUS_PATH = "/v1/twilio/voice/status";

/** What a caller hears when the number called is no persona's. */
export const UNKNOWN_NUMBER_SPEECH = "Sorry, this number is not set up to take calls. Goodbye.";
/** What a caller hears whose number is not verified to a user of the persona's server. */
export const UNKNOWN_CALLER_SPEECH =
  "Sorry, I don't recognise your number. Add and verify it in the app first, then call again. Goodbye.";

const E164 = /^\+[1-9]\d{6,14}$/;

/** 404 for phone calls while Twilio (or the public address Twilio must reach) is not configured. */
export class PhoneCallsNotConfiguredError extends AppError {
  constructor(missing: string) {
    super(404, "Not Found", `phone calls are not configured on this server: set ${missing}`);
  }
}

/**
 * Phone calls through Twilio Voice, on the same call pipeline as browser calls: a persona's number
 * answers calls from verified users (the voice webhook answers TwiML that connects the call's audio to
 * our media-stream WebSocket), the persona places calls (REST, with the same TwiML), and Twilio's status
 * callbacks keep the call's status.
 */
export class PhoneCalls {
  constructor(
    private readonly options: {
      store: Store;
      personas: PersonaService;
      calls: CallService;
      /** Twilio's account; undefined: phone calls are off */
      settings: TwilioSettings | undefined;
      /** places calls; Twilio's REST client in production */
      dialer: PhoneDialer | undefined;
      logger?: Logger | undefined;
    },
  ) {}

  /**
   * Answers Twilio's voice webhook with TwiML: the call's media stream when a verified user calls a
   * persona's number, a sentence and a hang-up otherwise. 404/400/403 as the SMS webhook (not
   * configured, unsigned, wrongly signed).
   *
   * @example const twiml = await phoneCalls.answer({ url: c.req.url, signature, body: await c.req.text() });
   */
  async answer(request: TwilioWebhookRequest): Promise<string> {
    const fields = new Map(readSignedTwilioForm(this.twilio(), request));
    const callSid = requiredField(fields, "CallSid");
    const from = requiredField(fields, "From");
    const to = requiredField(fields, "To");
    const { store, calls } = this.options;
    const origin = this.options.settings?.publicUrl ?? new URL(request.url).origin;
    // Twilio asks again when our first answer was slow: the same call, with a new token.
    const retried = await calls.renewPhoneStreamToken(callSid);
    if (retried) return this.connectTwiml(origin, retried.call.id, retried.streamToken);
    const number = await store.sms.findPhoneNumber(to);
    if (!number) {
      this.options.logger?.warn({ to }, "a call arrived for a number no persona has");
      return sayAndHangUpTwiml(UNKNOWN_NUMBER_SPEECH);
    }
    const contact = await store.sms.findContact(number.tenant_id, from);
    const user =
      contact?.user_id && contact.verified_at !== null
        ? await store.users.findById(number.tenant_id, contact.user_id)
        : undefined;
    if (!user) return sayAndHangUpTwiml(UNKNOWN_CALLER_SPEECH);
    const { call, streamToken } = await calls.startPhoneCall(user, {
      personaId: number.persona_id,
      direction: "inbound",
      from,
      to,
      providerCallId: callSid,
    });
    return this.connectTwiml(origin, call.id, streamToken);
  }

  /**
   * Places a call from the persona's first number to `to` (E.164), which runs on the call pipeline once
   * answered. 404 when Twilio or DRAMATIS_PUBLIC_URL is not configured, 422 naming `to` or `persona_id`.
   *
   * @example await phoneCalls.place(user, { personaId: "psn_1", to: "+14155550111" })
   */
  async place(
    user: UserRow,
    input: { personaId: string; to: string; from?: string | undefined; signal?: AbortSignal | undefined },
  ): Promise<Call> {
    const { store, personas, calls } = this.options;
    const settings = this.twilio();
    const dialer = this.options.dialer;
    if (!dialer) throw new PhoneCallsNotConfiguredError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN");
    if (!settings.publicUrl) throw new PhoneCallsNotConfiguredError("DRAMATIS_PUBLIC_URL");
    const to = input.to.replace(/[\s\-.()]/g, "");
    if (!E164.test(to)) {
      throw new ValidationError([
        { field: "to", message: "must be an E.164 phone number such as +14155550100" },
      ]);
    }
    await personas.getServingDefinition(user.tenant_id, input.personaId);
    // A call costs the operator and rings a real phone: only a number verified to this user (the one
    // texts from it reach), never any number someone types. A WhatsApp account linked to the user counts
    // too: the link code they sent from it proves they hold that number (WhatsApp ids are E.164 digits).
    const contact = await store.sms.findContact(user.tenant_id, to);
    const verifiedBySms = contact?.user_id === user.id && contact.verified_at !== null;
    const whatsApp = verifiedBySms
      ? undefined
      : await store.whatsapp.findContact(user.tenant_id, to.slice(1));
    const linkedOnWhatsApp = whatsApp?.user_id === user.id && whatsApp.linked_at !== null;
    if (!verifiedBySms && !linkedOnWhatsApp) {
      throw new ValidationError([
        {
          field: "to",
          message: "is not a phone number verified to this user: verify it first (POST /v1/phone-numbers)",
        },
      ]);
    }
    const numbers = await store.sms.listPhoneNumbers(user.tenant_id, input.personaId);
    const from =
      numbers.find((number) => number.phone_number === input.from)?.phone_number ?? numbers[0]?.phone_number;
    if (!from) {
      throw new ValidationError([
        {
          field: "persona_id",
          message: "has no phone number to call from: bind one with POST /v1/personas/{id}/phone-numbers",
        },
      ]);
    }
    const { call, streamToken } = await calls.startPhoneCall(user, {
      personaId: input.personaId,
      direction: "outbound",
      from,
      to,
    });
    const publicUrl = settings.publicUrl.replace(/\/+$/, "");
    try {
      const placed = await dialer.placeCall(
        {
          from,
          to,
          twiml: this.connectTwiml(publicUrl, call.id, streamToken),
          statusCallback: `${publicUrl}${TWILIO_VOICE_STATUS_PATH}`,
        },
        input.signal,
      );
      await calls.recordProviderCall(call.id, placed.sid, placed.status);
    } catch (error) {
      await calls.markNotPlaced(call.id, error instanceof Error ? error.message : String(error));
      throw error;
    }
    return calls.get(user, call.id);
  }

  /**
   * Hangs up a call: a phone call that is still with Twilio is ended there too (canceled while it
   * rings, completed once answered), then the call ends here as `CallService.hangup` does.
   */
  async hangup(user: UserRow, id: string): Promise<Call> {
    const row = await this.options.store.calls.find(user.tenant_id, user.id, id);
    const dialer = this.options.dialer;
    const live = row && !["completed", "busy", "no-answer", "failed", "canceled"].includes(row.status);
    if (row?.channel === "phone" && row.provider_call_id && dialer && live) {
      try {
        await dialer.endCall(row.provider_call_id, row.status === "in-progress" ? "completed" : "canceled");
      } catch (error) {
        // Twilio refuses (4xx) to end a call that is over already; anything else is worth surfacing.
        const status = error instanceof ProviderHttpError ? error.providerStatus : undefined;
        if (status === undefined || status >= 500) throw error;
      }
    }
    return this.options.calls.hangup(user, id);
  }

  /** Forward to voice: calls back the user whose text asked for a call (see SmsInbound). */
  async callBack(request: CallRequest): Promise<Call> {
    const user = await this.options.store.users.findById(request.tenantId, request.userId);
    if (!user) throw new ValidationError([{ field: "user", message: "no longer exists" }]);
    try {
      return await this.place(user, {
        personaId: request.personaId,
        to: request.userNumber,
        from: request.personaNumber,
        signal: request.signal,
      });
    } catch (error) {
      this.options.logger?.warn(
        { err: error, persona_id: request.personaId },
        "a call asked for by text failed",
      );
      throw error;
    }
  }

  /**
   * Applies Twilio's status callback (signed) to the call with its CallSid; an unknown CallSid is
   * acknowledged and ignored, as Twilio would only retry it.
   */
  async updateStatus(request: TwilioWebhookRequest): Promise<void> {
    const fields = new Map(readSignedTwilioForm(this.twilio(), request));
    const callSid = requiredField(fields, "CallSid");
    const status = requiredField(fields, "CallStatus");
    const updated = await this.options.calls.applyProviderStatus(callSid, status);
    if (!updated) this.options.logger?.warn({ call_sid: callSid }, "a status arrived for an unknown call");
  }

  private twilio(): TwilioSettings {
    const settings = this.options.settings;
    if (!settings) throw new PhoneCallsNotConfiguredError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN");
    return settings;
  }

  private connectTwiml(origin: string, callId: string, streamToken: string): string {
    return streamTwiml({ url: mediaStreamUrl(origin), parameters: { call_id: callId, token: streamToken } });
  }
}
