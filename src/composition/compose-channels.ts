import type { Logger } from "pino";
import type { DeliveryRecorder } from "../channels/delivery-recorder.ts";
import { PushChannel } from "../channels/push/push-channel.ts";
import { ReplyMediaDelivery } from "../channels/reply-media-delivery.ts";
import { SmsChannel } from "../channels/sms/sms-channel.ts";
import type { PhoneCalls } from "../channels/voice/phone-calls.ts";
import { WhatsAppChannel } from "../channels/whatsapp/whatsapp-channel.ts";
import type { Clock } from "../lib/clock.ts";
import type { OutboundGuard } from "../lib/outbound-guard.ts";
import type { SecretBox } from "../lib/secret-box.ts";
import type { ConversationService } from "../services/conversation-service.ts";
import type { MediaLinks } from "../services/media-links.ts";
import type { MediaGeneration } from "../services/media/media-generation.ts";
import type { MediaService } from "../services/media/media-service.ts";
import type { PersonaService } from "../services/persona-service.ts";
import { InboxService } from "../services/proactive/inbox-service.ts";
import { ProactiveScheduler } from "../services/proactive/proactive-scheduler.ts";
import { ScheduledMessageService } from "../services/proactive/scheduled-message-service.ts";
import type { ReplyGenerator } from "../services/reply-generator.ts";
import type { SpeechService } from "../services/speech/speech-service.ts";
import type { Store } from "../store/store.ts";
import type { Services } from "./create-services.ts";
import type { ServiceOptions } from "./service-options.ts";

/** SMS, WhatsApp and web push, and the proactive messages that go out over them. */
export function composeChannels(parts: {
  store: Store;
  clock: Clock;
  personas: PersonaService;
  conversations: ConversationService;
  replies: ReplyGenerator;
  secrets: SecretBox;
  outbound: OutboundGuard;
  deliveries: DeliveryRecorder;
  logger: Logger;
  options: Pick<
    ServiceOptions,
    "jobs" | "twilio" | "smsTransport" | "whatsapp" | "whatsappTransport" | "push" | "pushTransport"
  >;
}): Pick<Services, "sms" | "whatsapp" | "push" | "proactive" | "scheduledMessages" | "inbox"> {
  const { store, clock, personas, conversations, replies, secrets, outbound, deliveries, logger, options } =
    parts;
  const sms = new SmsChannel({
    store,
    clock,
    queue: options.jobs,
    personas,
    conversations,
    settings: options.twilio,
    transport: options.smsTransport,
    deliveries,
  });
  const whatsapp = new WhatsAppChannel({
    store,
    clock,
    queue: options.jobs,
    personas,
    conversations,
    settings: options.whatsapp,
    transport: options.whatsappTransport,
    deliveries,
  });
  const push = new PushChannel({
    store,
    clock,
    secrets,
    outbound,
    settings: options.push,
    transport: options.pushTransport,
    deliveries,
    logger,
  });
  const proactive = new ProactiveScheduler({ store, clock, queue: options.jobs, personas, replies, logger });
  // A proactive message in an SMS conversation also goes out by SMS (deliver skips every other one).
  proactive.onSent("sms", async (message) => {
    await sms.deliver({
      tenantId: message.tenant_id,
      userId: message.user_id,
      personaId: message.persona_id,
      conversationId: message.conversation_id,
      text: message.content ?? "",
      ...(message.message_id ? { messageId: message.message_id } : {}),
    });
  });
  // And one in a WhatsApp conversation over WhatsApp, inside Meta's 24-hour window.
  proactive.onSent("whatsapp", async (message) => {
    await whatsapp.deliver({
      tenantId: message.tenant_id,
      userId: message.user_id,
      personaId: message.persona_id,
      conversationId: message.conversation_id,
      text: message.content ?? "",
      messageId: message.message_id,
    });
  });
  // Every other proactive message becomes a notification on the user's devices while the app is closed.
  proactive.onSent("push", async (message) => {
    await push.deliver(message);
  });
  return {
    sms,
    whatsapp,
    push,
    proactive,
    scheduledMessages: new ScheduledMessageService(store, clock),
    inbox: new InboxService(store, clock),
  };
}

/**
 * Voice, calls and pictures on SMS and WhatsApp: wired once speech, calls and media links exist, which
 * come after the channels.
 */
export function connectChannels(parts: {
  store: Store;
  clock: Clock;
  logger: Logger;
  sms: SmsChannel;
  whatsapp: WhatsAppChannel;
  speech: SpeechService;
  phoneCalls: PhoneCalls;
  mediaLinks: MediaLinks;
  media: MediaService;
  mediaGeneration: MediaGeneration;
}): void {
  const { store, clock, logger, sms, whatsapp, speech, phoneCalls, mediaLinks, media, mediaGeneration } =
    parts;
  // Replies of personas that speak every reply also go as MMS audio where the numbers carry it.
  sms.useVoice({ speech, links: mediaLinks, logger });
  // Forward to voice: a text asking for a call is answered with one.
  sms.forwardCallRequests((request) => phoneCalls.callBack(request));
  // WhatsApp hears voice notes, speaks replies (auto speech) and calls back when asked (forward to voice).
  whatsapp.useVoice({ speech, placeCall: (user, request) => phoneCalls.place(user, request), logger });
  // Pictures users send by MMS or WhatsApp reach the persona; the ones it makes for a reply go back there.
  const replySent = (messageId: string) => replyMedia.replySent(messageId);
  sms.usePictures({ media, links: mediaLinks, logger, replySent });
  whatsapp.usePictures({ media, logger, replySent });
  // A reply's pictures follow its text on SMS and WhatsApp, once each.
  const replyMedia = new ReplyMediaDelivery({
    store,
    clock,
    channels: [
      { name: "sms", deliverMedia: (item) => sms.deliverMedia(item) },
      { name: "whatsapp", deliverMedia: (item) => whatsapp.deliverMedia(item) },
    ],
    logger,
  });
  mediaGeneration.events.on("media-ready", ({ media: item }) => replyMedia.mediaReady(item));
}
