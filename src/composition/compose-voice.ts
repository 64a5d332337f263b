import type { Logger } from "pino";
import { TwilioClient } from "../channels/sms/twilio-client.ts";
import { PhoneCalls } from "../channels/voice/phone-calls.ts";
import type { Clock } from "../lib/clock.ts";
import type { SecretBox } from "../lib/secret-box.ts";
import { CallService } from "../services/calls/call-service.ts";
import type { ConversationService } from "../services/conversation-service.ts";
import { MediaLinks } from "../services/media-links.ts";
import type { PersonaService } from "../services/persona-service.ts";
import { SpeechService } from "../services/speech/speech-service.ts";
import { EspeakSynthesizer } from "../speech/espeak-synthesizer.ts";
import { SpeechRegistry } from "../speech/speech-registry.ts";
import type { BlobStore } from "../store/blob-store.ts";
import type { Store } from "../store/store.ts";
import type { Services } from "./create-services.ts";
import type { ServiceOptions } from "./service-options.ts";

/** Speech (voices, reading aloud, transcription), live and phone calls, the media links MMS fetches. */
export function composeVoice(parts: {
  store: Store;
  blobs: BlobStore;
  clock: Clock;
  personas: PersonaService;
  conversations: ConversationService;
  secrets: SecretBox;
  logger: Logger;
  options: Pick<ServiceOptions, "jobs" | "speech" | "twilio" | "publicUrl">;
}): Pick<Services, "speech" | "calls" | "phoneCalls" | "mediaLinks"> {
  const { store, blobs, clock, personas, conversations, secrets, logger, options } = parts;
  const speech = new SpeechService({
    store,
    blobs,
    clock,
    personas,
    queue: options.jobs,
    registry: new SpeechRegistry({
      providers: options.speech?.providers ?? [{ name: "espeak", synthesizer: new EspeakSynthesizer() }],
      defaultRecognizer: options.speech?.defaultRecognizer,
      defaultVoice: options.speech?.defaultVoice,
      now: () => clock.now().getTime(),
    }),
    prices: options.speech?.prices,
    limits: options.speech?.limits,
  });
  // Audio rows outlive their messages' rows by design (no foreign key): sweep them when those go, and
  // delete a persona's conversations' audio before its conversations cascade away.
  conversations.onDelete(async (conversationId) => {
    await speech.sweepOrphans({ conversationId });
  });
  personas.onDelete((tenantId, personaId) => speech.deletePersonaAudio(tenantId, personaId));
  conversations.events.on("exchange-completed", async ({ user, exchange }) => {
    await speech.enqueueAutoSpeech(user, exchange.message.conversation_id, exchange.message.id);
  });
  const calls = new CallService({
    store,
    clock,
    personas,
    conversations,
    speech,
    onError: (error, callId) => logger.error({ err: error, call_id: callId }, "a call could not be stored"),
  });
  const phoneCalls = new PhoneCalls({
    store,
    personas,
    calls,
    settings: options.twilio,
    dialer: options.twilio ? new TwilioClient(options.twilio) : undefined,
    logger,
  });
  const mediaLinks = new MediaLinks({
    secrets,
    clock,
    publicUrl: options.publicUrl ?? options.twilio?.publicUrl,
  });
  return { speech, calls, phoneCalls, mediaLinks };
}
