import type { Logger } from "pino";
import type { JobQueue } from "../../jobs/job-queue.ts";
import { realMilliseconds, type Clock } from "../../lib/clock.ts";
import { paceReply, pacingSettings } from "../../proactive/reply-pacing.ts";
import type { ConversationService } from "../../services/conversation-service.ts";
import type { Message } from "../../services/conversation-views.ts";
import { NotFoundError } from "../../errors/app-error.ts";
import type { PersonaService } from "../../services/persona-service.ts";
import type { UserRow, WhatsAppReceiptOutcome, WhatsAppReceiptRow } from "../../store/schema.ts";
import type { Store } from "../../store/store.ts";
import { replyOnChannel } from "../channel-conversation.ts";
import type { WhatsAppSettings } from "./whatsapp-client.ts";
import { readLinkCode, type WhatsAppLinks } from "./whatsapp-links.ts";
import type { WhatsAppSender } from "./whatsapp-sender.ts";
import {
  readSignedWebhook,
  verifyWebhookSubscription,
  type WebhookSubscriptionQuery,
  type WhatsAppWebhookRequest,
} from "./whatsapp-webhook.ts";
import {
  linkInstructionsText,
  linkedText,
  textOnlyText,
  voiceNotesUnavailableText,
  wrongCodeText,
} from "./whatsapp-texts.ts";
import { asksForCall } from "../voice/call-request.ts";
import { WhatsAppVoice, type WhatsAppVoiceServices } from "./whatsapp-voice.ts";
import type { WhatsAppPictures } from "./whatsapp-pictures.ts";
import type { InboundWhatsAppMessage } from "./whatsapp-webhook-payload.ts";
import { recordChannelUsage } from "../channel-usage.ts";
import { z } from "zod";
import { readJobPayload } from "../../jobs/job-payload.ts";

export const WHATSAPP_INBOUND_JOB = "whatsapp-inbound";

/** An unlinked sender is told how to link at most this often. */
const INSTRUCTIONS_INTERVAL_MS = 60 * 60_000;

/** What answers an inbound message, decided when it arrives and sent by the `whatsapp-inbound` job. */
const whatsAppInboundPayloadSchema = z.object({
  message_id: z.string(),
  answer: z.enum([
    "persona",
    "linked",
    "wrong_code",
    "instructions",
    "text_only",
    "voice",
    "call",
    "picture",
  ]),
  /** a voice note's or a picture's media id (answers "voice" and "picture") */
  media_id: z.string().optional(),
});
export type WhatsAppInboundPayload = z.infer<typeof whatsAppInboundPayloadSchema>;
export type WhatsAppAnswer = WhatsAppInboundPayload["answer"];

/** What became of one webhook delivery. */
export interface WhatsAppWebhookOutcome {
  /** messages seen for the first time, and how each was classified */
  received: { id: string; outcome: WhatsAppReceiptOutcome }[];
  /** message ids Meta had delivered before */
  duplicates: string[];
}

/**
 * Messages arriving at a persona's WhatsApp number (Meta's webhook). The body's signature is checked,
 * each message is recorded once per message id — the receipt's primary key absorbs redeliveries, also
 * twenty at once — and classified (a link code, an unlinked sender, something that is not text, or words
 * for the persona); anything that needs an answer is queued, so Meta gets its 200 at once.
 */
export class WhatsAppInbound {
  private voice: WhatsAppVoice | undefined;
  private pictures: WhatsAppPictures | undefined;

  constructor(
    private readonly options: {
      store: Store;
      clock: Clock;
      queue: JobQueue;
      personas: PersonaService;
      conversations: ConversationService;
      links: WhatsAppLinks;
      sender: WhatsAppSender;
      settings: WhatsAppSettings | undefined;
    },
  ) {}

  /**
   * Hears voice notes, sends replies as audio too (personas with `features.auto_speech`) and answers
   * "call me" with a call (`chat_configuration.forward_to_voice`). Until this is called voice notes get
   * the "text only" answer, as before.
   */
  useVoice(services: WhatsAppVoiceServices): void {
    const { store, conversations, sender } = this.options;
    this.voice = new WhatsAppVoice({ store, conversations, sender, services });
  }

  /**
   * Takes photos users send into the conversation (the caption as the message's text) for the persona to
   * look at. Until this is called photos get the "text only" answer.
   */
  usePictures(pictures: WhatsAppPictures): void {
    this.pictures = pictures;
  }

  /**
   * Meta's subscription handshake (see verifyWebhookSubscription).
   *
   * @example const challenge = inbound.verify({ mode, verifyToken, challenge }); return c.text(challenge);
   */
  verify(query: WebhookSubscriptionQuery): string {
    return verifyWebhookSubscription(this.options.settings, query);
  }

  /**
   * Checks the signature (400 when missing, 403 when wrong), then records and classifies each message.
   *
   * @example await inbound.receive({ body: new Uint8Array(await c.req.arrayBuffer()), signature })
   */
  async receive(request: WhatsAppWebhookRequest, logger?: Logger): Promise<WhatsAppWebhookOutcome> {
    const messages = readSignedWebhook(this.options.settings, request);
    const outcome: WhatsAppWebhookOutcome = { received: [], duplicates: [] };
    for (const message of messages) {
      const number = await this.options.store.whatsapp.findNumber(message.phoneNumberId);
      if (!number) {
        logger?.warn(
          { phone_number_id: message.phoneNumberId },
          "a WhatsApp message arrived for a number no persona has; ignored",
        );
        continue;
      }
      const claimed = await this.options.store.whatsapp.claimReceipt({
        message_id: message.id,
        tenant_id: number.tenant_id,
        persona_id: number.persona_id,
        phone_number_id: number.phone_number_id,
        wa_id: message.from,
        body: message.text ?? message.image?.caption ?? "",
        message_type: message.type,
        outcome: "conversation",
        created_at: this.options.clock.now().toISOString(),
      });
      if (!claimed) {
        outcome.duplicates.push(message.id);
        continue;
      }
      try {
        outcome.received.push({ id: message.id, outcome: await this.handle(message, number) });
      } catch (error) {
        // Forget the receipt so that Meta's retry of this message is handled afresh rather than absorbed.
        await this.options.store.whatsapp.deleteReceipt(message.id);
        throw error;
      }
    }
    return outcome;
  }

  /** The worker side: answers a received message (the persona's reply, or the service's). */
  async answer(job: { tenantId: string; payload: unknown }, signal?: AbortSignal): Promise<unknown> {
    const payload = readJobPayload(job, whatsAppInboundPayloadSchema);
    const { store, personas } = this.options;
    const receipt = await store.whatsapp.findReceipt(payload.message_id);
    if (!receipt || receipt.tenant_id !== job.tenantId) return { answered: false, reason: "receipt_gone" };
    if (receipt.reply_id !== null) {
      // A retry after the text went out: the worker may have died before handing over the reply's
      // pictures, so hand them over again (each is sent once, by its claim).
      if (receipt.reply_message_id !== null) await this.pictures?.replySent(receipt.reply_message_id);
      return { answered: true, id: receipt.reply_id };
    }
    const { definition } = await personas.getServingDefinition(receipt.tenant_id, receipt.persona_id);
    let text: string;
    let replyMessageId: string | null = null;
    let replyConversationId: string | null = null;
    let user: UserRow | undefined;
    switch (payload.answer) {
      case "linked":
        text = linkedText(definition.name);
        break;
      case "wrong_code":
        text = wrongCodeText();
        break;
      case "instructions":
        text = linkInstructionsText(definition.name);
        break;
      case "text_only":
        text = textOnlyText(definition.name);
        break;
      case "persona": {
        user = await this.userOf(receipt);
        const reply = await this.personaReply(user, receipt, signal);
        text = reply.content;
        replyMessageId = reply.id;
        replyConversationId = reply.conversation_id;
        break;
      }
      case "voice": {
        const speaker = await this.userOf(receipt);
        user = speaker;
        const heard = this.voice
          ? await this.voice.replyToVoiceNote(
              { user: speaker, receipt, persona: definition, mediaId: payload.media_id, signal },
              (accept) => this.personaReply(speaker, receipt, signal, accept),
            )
          : voiceNotesUnavailableText(definition.name);
        text = typeof heard === "string" ? heard : heard.content;
        replyMessageId = typeof heard === "string" ? null : heard.id;
        replyConversationId = typeof heard === "string" ? null : heard.conversation_id;
        break;
      }
      case "picture": {
        const sender = await this.userOf(receipt);
        user = sender;
        const seen = this.pictures
          ? await this.pictures.replyToPicture(
              {
                user: sender,
                persona: definition,
                mediaId: payload.media_id ?? "",
                caption: receipt.body,
                signal,
              },
              (accept) => this.personaReply(sender, receipt, signal, accept),
            )
          : textOnlyText(definition.name);
        text = typeof seen === "string" ? seen : seen.content;
        replyMessageId = typeof seen === "string" ? null : seen.id;
        replyConversationId = typeof seen === "string" ? null : seen.conversation_id;
        break;
      }
      case "call": {
        user = await this.userOf(receipt);
        const reply = this.voice
          ? await this.voice.callBack(user, receipt, signal)
          : await this.personaReply(user, receipt, signal);
        text = reply.content;
        replyMessageId = reply.id;
        break;
      }
    }
    if (text.trim() === "") return { answered: false, reason: "empty_reply" };
    const sent = await this.options.sender.send({
      tenantId: receipt.tenant_id,
      phoneNumberId: receipt.phone_number_id,
      to: receipt.wa_id,
      body: text,
      userId: receipt.user_id,
      personaId: receipt.persona_id,
      conversationId: receipt.conversation_id,
      messageId: replyMessageId,
      signal,
    });
    await store.whatsapp.updateReceipt(receipt.message_id, {
      reply_id: sent.id,
      replied_at: this.options.clock.now().toISOString(),
    });
    if (replyMessageId !== null) await this.pictures?.replySent(replyMessageId);
    // Calls answer with "Calling you now.": only the persona's own replies are spoken.
    const audioId =
      user && replyMessageId !== null && replyConversationId !== null && definition.features.auto_speech
        ? await this.voice?.trySendReplyAudio(
            user,
            receipt,
            { conversationId: replyConversationId, messageId: replyMessageId },
            signal,
          )
        : undefined;
    return { answered: true, id: sent.id, ...(audioId ? { audio_id: audioId } : {}) };
  }

  private async userOf(receipt: WhatsAppReceiptRow): Promise<UserRow> {
    const { store } = this.options;
    const user = receipt.user_id ? await store.users.findById(receipt.tenant_id, receipt.user_id) : undefined;
    if (!user)
      throw new NotFoundError(`user ${receipt.user_id ?? "(none)"} of message ${receipt.message_id}`);
    return user;
  }

  /** Decides what the message is and queues its answer. */
  private async handle(
    message: InboundWhatsAppMessage,
    number: { tenant_id: string; persona_id: string },
  ): Promise<WhatsAppReceiptOutcome> {
    const { store, clock, links } = this.options;
    const tenantId = number.tenant_id;
    const now = clock.now();
    let contact = await links.noteSender(tenantId, message.from, message.profileName);
    const code = message.text === null ? undefined : readLinkCode(message.text);
    let outcome: WhatsAppReceiptOutcome;
    let answer: WhatsAppAnswer | undefined;
    let delayMs = 0;
    let mediaId: string | undefined;
    if (code !== undefined && contact.user_id === null) {
      const attempt = await links.attempt(contact, code);
      outcome = attempt.outcome;
      answer = attempt.outcome;
      if (attempt.outcome === "linked") contact = { ...contact, user_id: attempt.userId };
    } else if (contact.user_id === null) {
      outcome = "unlinked";
      const notSince = new Date(now.getTime() - INSTRUCTIONS_INTERVAL_MS).toISOString();
      if (await store.whatsapp.claimInstructions(contact.id, now.toISOString(), notSince)) {
        answer = "instructions";
      }
    } else if (message.audio !== null && this.voice) {
      outcome = "conversation";
      answer = "voice";
      mediaId = message.audio.mediaId;
      delayMs = await this.replyDelayMs(tenantId, number.persona_id, message.id);
    } else if (message.image !== null && this.pictures) {
      outcome = "conversation";
      answer = "picture";
      mediaId = message.image.mediaId;
      delayMs = await this.replyDelayMs(tenantId, number.persona_id, message.id);
    } else if (message.text === null) {
      outcome = "not_text";
      answer = "text_only";
    } else if (this.voice && (await this.forwardsToVoice(tenantId, number.persona_id, message.text))) {
      outcome = "conversation";
      answer = "call"; // at once: the persona picks up the phone rather than typing
    } else {
      outcome = "conversation";
      answer = "persona";
      delayMs = await this.replyDelayMs(tenantId, number.persona_id, message.id);
    }
    await store.whatsapp.updateReceipt(message.id, { outcome, user_id: contact.user_id });
    await recordChannelUsage(store, {
      tenantId,
      kind: "whatsapp_inbound",
      provider: "whatsapp",
      userId: contact.user_id,
      personaId: number.persona_id,
      at: now.toISOString(),
    });
    if (answer) {
      const payload: WhatsAppInboundPayload = {
        message_id: message.id,
        answer,
        ...(mediaId ? { media_id: mediaId } : {}),
      };
      await this.options.queue.enqueue({
        tenantId,
        kind: WHATSAPP_INBOUND_JOB,
        payload,
        idempotencyKey: `${WHATSAPP_INBOUND_JOB}:${message.id}`,
        delayMs,
      });
    }
    return outcome;
  }

  /** The service's own answers go at once; the persona answers at its pace (docs/proactive.md). */
  private async replyDelayMs(tenantId: string, personaId: string, messageId: string): Promise<number> {
    const { clock, personas } = this.options;
    const { definition } = await personas.getServingDefinition(tenantId, personaId);
    return realMilliseconds(
      clock,
      paceReply(pacingSettings(definition), { now: clock.now(), seed: messageId }).delayMs,
    );
  }

  /** Forward to voice: the persona takes calls asked for in a message (`forward_to_voice`). */
  private async forwardsToVoice(tenantId: string, personaId: string, text: string): Promise<boolean> {
    if (!asksForCall(text)) return false;
    const { definition } = await this.options.personas.getServingDefinition(tenantId, personaId);
    return definition.chat_configuration.forward_to_voice === true;
  }

  /**
   * The persona's reply, in the user's WhatsApp conversation with it (see replyOnChannel); `accept`
   * stores the user's message when it is not the receipt's text alone (a voice note, a picture).
   */
  private async personaReply(
    user: UserRow,
    receipt: WhatsAppReceiptRow,
    signal?: AbortSignal,
    accept?: (conversationId: string) => Promise<Message>,
  ): Promise<Message> {
    const { store, conversations } = this.options;
    return replyOnChannel({
      store,
      conversations,
      user,
      personaId: receipt.persona_id,
      channel: "whatsapp",
      text: receipt.body,
      accept,
      progress: {
        conversationId: receipt.conversation_id,
        userMessageId: receipt.user_message_id,
        replyMessageId: receipt.reply_message_id,
      },
      record: (step) =>
        store.whatsapp.updateReceipt(receipt.message_id, {
          ...(step.conversationId !== undefined ? { conversation_id: step.conversationId } : {}),
          ...(step.userMessageId !== undefined ? { user_message_id: step.userMessageId } : {}),
          ...(step.replyMessageId !== undefined ? { reply_message_id: step.replyMessageId } : {}),
        }),
      signal,
    });
  }
}
