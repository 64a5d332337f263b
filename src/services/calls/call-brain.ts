import { BadRequestError } from "../../errors/app-error.ts";
import type { CallRow } from "../../store/call-repository.ts";
import type { UserRow } from "../../store/schema.ts";
import { decodeWav, encodeWav, resample } from "../../speech/wav.ts";
import type { ConversationService } from "../conversation-service.ts";
import type { SpeechService } from "../speech/speech-service.ts";
import { CALL_SAMPLE_RATE, CannotHearError, type CallBrain } from "./call-session.ts";

/** The persona's voice in a call's locale, as `SpeechService.personaVoice` gives it. */
export type CallVoice = Awaited<ReturnType<SpeechService["personaVoice"]>>;

/**
 * The glue a call's session runs each turn on: the caller's audio to text (whole or streamed), the words
 * through the conversation (stored, answered by the persona), and the reply back to the call's audio.
 */
export function createCallBrain(options: {
  speech: SpeechService;
  conversations: ConversationService;
  user: UserRow;
  call: CallRow;
  voice: CallVoice;
}): CallBrain {
  const { speech, conversations, user, call, voice } = options;
  const actor = { tenantId: user.tenant_id, userId: user.id };
  return {
    transcribe: async (samples, signal) => {
      if (!speech.canListen()) {
        throw new CannotHearError(
          "I'm sorry, I can't hear you on this line: the server has no speech recognizer set up.",
        );
      }
      const wav = encodeWav({ samples, sampleRate: CALL_SAMPLE_RATE });
      const result = await speech.transcribe(actor, {
        audio: wav,
        locale: call.locale,
        conversationId: call.conversation_id,
        signal,
      });
      return result.text;
    },
    listen: () =>
      speech.openTranscriptionStream(actor, {
        sampleRate: CALL_SAMPLE_RATE,
        locale: call.locale,
        conversationId: call.conversation_id,
      }),
    synthesize: async (text, signal) => {
      const clip = await speech.synthesize(actor, {
        text,
        voice: voice.voice,
        locale: voice.locale,
        rate: voice.rate,
        style: voice.style ?? undefined,
        personaId: call.persona_id,
        conversationId: call.conversation_id,
        signal,
      });
      if (clip.contentType !== "audio/wav") {
        throw new BadRequestError(
          `the voice ${voice.voice} answered ${clip.contentType}; calls need a voice that gives WAV`,
        );
      }
      const audio = decodeWav(clip.bytes);
      return resample(audio.samples, audio.sampleRate, CALL_SAMPLE_RATE);
    },
    reply: async (text, replyOptions) => {
      const exchange = await conversations.send(
        user,
        call.conversation_id,
        { content: text },
        {
          signal: replyOptions.signal,
          channel: { kind: "voice", locale: call.locale },
          onDelta: replyOptions.onDelta,
        },
      );
      return {
        userMessageId: exchange.user_message.id,
        replyMessageId: exchange.message.id,
        text: exchange.message.content,
      };
    },
    say: async (text) => ({
      messageId: (await conversations.say(user, call.conversation_id, text)).id,
    }),
  };
}
