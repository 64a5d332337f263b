import type { Logger } from "pino";
import type { JobQueue } from "../../jobs/job-queue.ts";
import { realMilliseconds, type Clock } from "../../lib/clock.ts";
import { newId } from "../../lib/ids.ts";
import type { ConversationService } from "../../services/conversation-service.ts";
import type { Message } from "../../services/conversation-views.ts";
import { NotFoundError } from "../../errors/app-error.ts";
import type { PersonaService } from "../../services/persona-service.ts";
import { paceReply, pacingSettings } from "../../proactive/reply-pacing.ts";
import type { SmsPhoneNumberRow, SmsReceiptOutcome, SmsReceiptRow, UserRow } from "../../store/schema.ts";
import type { Store } from "../../store/store.ts";
import { helpText, readSmsKeyword, resubscribedText, verificationInstructionsText } from "./sms-keywords.ts";
import { replyOnChannel } from "../channel-conversation.ts";
import { asksForCall } from "../voice/call-request.ts";
import { isSmsNumber } from "./sms-phone-numbers.ts";
import { countSmsSegments } from "./sms-segments.ts";
import type { SmsSender } from "./sms-sender.ts";
import { SmsVoice, type SmsVoiceServices } from "./sms-voice.ts";
import { mmsMediaSchema, readMmsMedia, type MmsMedia, type SmsPictures } from "./sms-pictures.ts";
import { readSignedTwilioForm, requiredField, type TwilioWebhookRequest } from "./twilio-webhook.ts";
import { callBack, type CallRequest } from "./sms-call-back.ts";
import type { TwilioSettings } from "./twilio-client.ts";
import { recordChannelUsage } from "../channel-usage.ts";
import { z } from "zod";
import { readJobPayload } from "../../jobs/job-payload.ts";

export const SMS_INBOUND_JOB = "sms-inbound";

/** An unverified sender is told how to verify at most this often. */
const INSTRUCTIONS_INTERVAL_MS = 60 * 60_000;

/** What answers an inbound text, decided when it arrives and sent by the `sms-inbound` job. */
const smsInboundPayloadSchema = z.object({
  message_sid: z.string(),
  answer: z.enum(["persona", "help", "start", "instructions", "call"]),
  /** the pictures of an MMS for the persona (answer "persona") */
  media: z.array(mmsMediaSchema).optional(),
});
export type SmsInboundPayload = z.infer<typeof smsInboundPayloadSchema>;
export type SmsAnswer = SmsInboundPayload["answer"];

/** What became of one webhook delivery. */
export interface SmsWebhookOutcome {
  /** true when this MessageSid had been received before (Twilio redelivered it) */
  duplicate: boolean;
  outcome: SmsReceiptOutcome | "unknown_number" | null;
}

/**
 * Texts arriving at a persona's number (Twilio's webhook). The request is checked, recorded once per
 * MessageSid — the receipt's primary key absorbs redeliveries, also twenty at once — and classified
 * (a keyword, an unverified or opted-out sender, or words for the persona) in the request; anything
 * that needs an answer is queued, so Twilio gets its empty TwiML at once.
 */
export class SmsInbound {
  constructor(
    private readonly options: {
      store: Store;
      clock: Clock;
      queue: JobQueue;
      personas: PersonaService;
      conversations: ConversationService;
      sender: SmsSender;
      settings: TwilioSettings | undefined;
    },
  ) {}

  /** Sends replies as audio too (MMS) for personas with auto speech; none set: text only. */
  private voice: SmsVoice | undefined;

  /** Replies read aloud and sent as MMS where the numbers carry it (see SmsVoice). */
  useVoice(services: SmsVoiceServices): void {
    this.voice = new SmsVoice({ sender: this.options.sender, services });
  }

  /** Takes the pictures of an MMS into the conversation; none set: only an MMS's text reaches it. */
  private pictures: SmsPictures | undefined;

  /** The pictures of an MMS reach the persona with its text (see SmsPictures). */
  usePictures(pictures: SmsPictures): void {
    this.pictures = pictures;
  }

  /** Places the calls texts ask for; none set: such texts get the persona's written reply. */
  private placeCall: ((request: CallRequest) => Promise<unknown>) | undefined;

  /**
   * Answers texts that ask for a call with a call (when the persona's chat configuration has
   * `forward_to_voice`), placed by `placeCall`.
   */
  forwardCallRequests(placeCall: (request: CallRequest) => Promise<unknown>): void {
    this.placeCall = placeCall;
  }

  /**
   * Checks the signature (400 when missing, 403 when wrong), then records and classifies the text.
   *
   * @example await inbound.receive({ url: c.req.url, signature: c.req.header("x-twilio-signature"), body })
   */
  async receive(request: TwilioWebhookRequest, logger?: Logger): Promise<SmsWebhookOutcome> {
    const parameters = this.verify(request);
    const fields = new Map(parameters);
    const messageSid = requiredField(fields, "MessageSid", fields.get("SmsSid"));
    const from = requiredField(fields, "From");
    const to = requiredField(fields, "To");
    const body = fields.get("Body") ?? "";
    const media = readMmsMedia(fields);
    const { store, clock } = this.options;
    const number = await store.sms.findPhoneNumber(to);
    if (!number) {
      logger?.warn({ to }, "a text arrived for a number no persona has; ignored");
      return { duplicate: false, outcome: "unknown_number" };
    }
    const now = clock.now().toISOString();
    const segments = countSmsSegments(body).segments;
    const claimed = await store.sms.claimReceipt({
      message_sid: messageSid,
      tenant_id: number.tenant_id,
      persona_id: number.persona_id,
      from_number: from,
      to_number: to,
      body,
      segments,
      outcome: "conversation",
      created_at: now,
    });
    if (!claimed) return { duplicate: true, outcome: null };
    try {
      return {
        duplicate: false,
        outcome: await this.handle(messageSid, number, { from, body, segments, media }),
      };
    } catch (error) {
      // Forget the receipt so that Twilio's retry of this text is handled afresh rather than absorbed.
      await store.sms.deleteReceipt(messageSid);
      throw error;
    }
  }

  /** The worker side: answers a received text (the persona's reply, HELP, START or how to verify). */
  async answer(job: { tenantId: string; payload: unknown }, signal?: AbortSignal): Promise<unknown> {
    const payload = readJobPayload(job, smsInboundPayloadSchema);
    const { store } = this.options;
    const receipt = await store.sms.findReceipt(payload.message_sid);
    if (!receipt || receipt.tenant_id !== job.tenantId) return { answered: false, reason: "receipt_gone" };
    if (receipt.reply_sid !== null) {
      // A retry after the text went out: the worker may have died before handing over the reply's
      // pictures, so hand them over again (each is sent once, by its claim).
      if (receipt.reply_message_id !== null) await this.pictures?.replySent(receipt.reply_message_id);
      return { answered: true, sid: receipt.reply_sid };
    }
    const { definition } = await this.options.personas.getServingDefinition(
      receipt.tenant_id,
      receipt.persona_id,
    );
    let text: string;
    let replyMessageId: string | null = null;
    let spokenReply: { user: UserRow; conversationId: string; messageId: string } | undefined;
    switch (payload.answer) {
      case "help":
        text = helpText(definition.name);
        break;
      case "start":
        text = resubscribedText(definition.name);
        break;
      case "instructions":
        text = verificationInstructionsText(definition.name, receipt.from_number);
        break;
      case "call": {
        const { store, conversations } = this.options;
        const user = await this.userOf(receipt);
        const placeCall = this.placeCall;
        const reply = await callBack({ store, conversations, placeCall, user, receipt, signal });
        text = reply.content;
        replyMessageId = reply.id;
        break;
      }
      case "persona": {
        const user = await this.userOf(receipt);
        const pictures = this.pictures;
        const media = payload.media ?? [];
        const reply =
          pictures && media.length > 0
            ? await pictures.replyToPictures(
                { user, persona: definition, caption: receipt.body, media, signal },
                (accept) => this.personaReply(user, receipt, signal, accept),
              )
            : await this.personaReply(user, receipt, signal);
        if (typeof reply === "string") {
          text = reply; // a picture that could not be opened: the service says so
          break;
        }
        text = reply.content;
        replyMessageId = reply.id;
        // Only the persona's own replies are spoken, not "Calling you now." or the service's texts.
        if (definition.features.auto_speech) {
          spokenReply = { user, conversationId: reply.conversation_id, messageId: reply.id };
        }
        break;
      }
    }
    if (text.trim() === "") return { answered: false, reason: "empty_reply" };
    const result = await this.options.sender.send({
      tenantId: receipt.tenant_id,
      from: receipt.to_number,
      to: receipt.from_number,
      body: text,
      userId: receipt.user_id,
      personaId: receipt.persona_id,
      conversationId: receipt.conversation_id,
      messageId: replyMessageId,
      signal,
    });
    if (result.status === "skipped") return { answered: false, reason: result.reason };
    await store.sms.updateReceipt(receipt.message_sid, {
      reply_sid: result.sid,
      replied_at: this.options.clock.now().toISOString(),
    });
    if (replyMessageId !== null) await this.pictures?.replySent(replyMessageId);
    const audioSid = spokenReply
      ? await this.voice?.trySendReplyAudio(spokenReply.user, receipt, spokenReply, signal)
      : undefined;
    return {
      answered: true,
      sid: result.sid,
      segments: result.segments,
      ...(audioSid ? { audio_sid: audioSid } : {}),
    };
  }

  private verify(request: TwilioWebhookRequest): Array<[string, string]> {
    return readSignedTwilioForm(this.options.settings, request);
  }

  /** Decides what the text is and queues its answer. */
  private async handle(
    messageSid: string,
    number: SmsPhoneNumberRow,
    text: { from: string; body: string; segments: number; media: MmsMedia[] },
  ): Promise<SmsReceiptOutcome> {
    const { store, clock } = this.options;
    const now = clock.now();
    const tenantId = number.tenant_id;
    let outcome: SmsReceiptOutcome;
    let answer: SmsAnswer | undefined;
    let userId: string | null = null;
    // Keywords and instructions are the service talking and go at once; the persona answers at its pace.
    let delayMs = 0;
    if (!isSmsNumber(text.from)) {
      outcome = "unsupported_sender"; // a country SMS is not offered in: nothing can go back
    } else {
      const contact = await store.sms.ensureContact({
        id: newId("smc"),
        tenant_id: tenantId,
        phone_number: text.from,
        created_at: now.toISOString(),
        updated_at: now.toISOString(),
      });
      const keyword = readSmsKeyword(text.body);
      const { definition } = await this.options.personas.getServingDefinition(tenantId, number.persona_id);
      if (keyword === "stop") {
        outcome = "stop";
        await store.sms.updateContact(contact.id, {
          opted_out_at: now.toISOString(),
          updated_at: now.toISOString(),
        });
      } else if (keyword === "start") {
        outcome = "start";
        answer = "start";
        await store.sms.updateContact(contact.id, { opted_out_at: null, updated_at: now.toISOString() });
      } else if (contact.opted_out_at !== null) {
        outcome = "opted_out"; // HELP too: Twilio refuses every text to an opted-out number
      } else if (keyword === "help") {
        outcome = "help";
        answer = "help";
      } else if (!definition.features.sms) {
        outcome = "sms_disabled";
      } else if (contact.user_id === null || contact.verified_at === null) {
        outcome = "unverified";
        const notSince = new Date(now.getTime() - INSTRUCTIONS_INTERVAL_MS).toISOString();
        if (await store.sms.claimInstructions(contact.id, now.toISOString(), notSince))
          answer = "instructions";
      } else if (
        this.placeCall &&
        definition.chat_configuration.forward_to_voice &&
        text.media.length === 0 &&
        asksForCall(text.body)
      ) {
        outcome = "conversation";
        answer = "call"; // at once: the persona picks up the phone rather than typing
        userId = contact.user_id;
      } else {
        outcome = "conversation";
        answer = "persona";
        userId = contact.user_id;
        const pacing = paceReply(pacingSettings(definition), { now, seed: messageSid });
        delayMs = realMilliseconds(clock, pacing.delayMs);
      }
    }
    await store.sms.updateReceipt(messageSid, { outcome, user_id: userId });
    await this.recordInbound({
      tenantId,
      personaId: number.persona_id,
      userId,
      segments: text.segments,
      mms: text.media.length > 0,
    });
    if (answer) {
      const payload: SmsInboundPayload = {
        message_sid: messageSid,
        answer,
        ...(answer === "persona" && text.media.length > 0 ? { media: text.media } : {}),
      };
      await this.options.queue.enqueue({
        tenantId,
        kind: SMS_INBOUND_JOB,
        payload,
        idempotencyKey: `${SMS_INBOUND_JOB}:${messageSid}`,
        delayMs,
      });
    }
    return outcome;
  }

  private async userOf(receipt: SmsReceiptRow): Promise<UserRow> {
    const { store } = this.options;
    const user = receipt.user_id ? await store.users.findById(receipt.tenant_id, receipt.user_id) : undefined;
    if (!user) throw new NotFoundError(`user ${receipt.user_id ?? "(none)"} of text ${receipt.message_sid}`);
    return user;
  }

  /** Every received text is billed, answered or not (an MMS as one message, not by segments). */
  private async recordInbound(context: {
    tenantId: string;
    personaId: string;
    userId: string | null;
    segments: number;
    mms: boolean;
  }): Promise<void> {
    await recordChannelUsage(this.options.store, {
      tenantId: context.tenantId,
      kind: context.mms ? "mms_inbound" : "sms_inbound",
      provider: "twilio",
      userId: context.userId,
      personaId: context.personaId,
      smsSegments: context.mms ? 0 : context.segments,
      at: this.options.clock.now().toISOString(),
    });
  }

  /**
   * The persona's reply to the text, in the user's SMS conversation with it (see replyOnChannel);
   * `accept` stores the user's message when it is not the text alone (an MMS's pictures).
   */
  private async personaReply(
    user: UserRow,
    receipt: SmsReceiptRow,
    signal?: AbortSignal,
    accept?: (conversationId: string) => Promise<Message>,
  ): Promise<Message> {
    const { store, conversations } = this.options;
    return replyOnChannel({
      store,
      conversations,
      user,
      personaId: receipt.persona_id,
      channel: "sms",
      text: receipt.body,
      accept,
      progress: {
        conversationId: receipt.conversation_id,
        userMessageId: receipt.message_id,
        replyMessageId: receipt.reply_message_id,
      },
      record: (step) =>
        store.sms.updateReceipt(receipt.message_sid, {
          ...(step.conversationId !== undefined ? { conversation_id: step.conversationId } : {}),
          ...(step.userMessageId !== undefined ? { message_id: step.userMessageId } : {}),
          ...(step.replyMessageId !== undefined ? { reply_message_id: step.replyMessageId } : {}),
        }),
      signal,
    });
  }
}
