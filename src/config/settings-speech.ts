import { z } from "zod";
import { decimalText, parseSpeechProviders } from "./setting-parsers.ts";

/** Speech: the services, the default recognizer and voice, and prices. */
export const speechSettings = {
  DRAMATIS_SPEECH_PROVIDERS: {
    flag: "speech-providers",
    schema: z.string().transform((text, context) => parseSpeechProviders(text, context)),
    fallback: "[]",
  },
  DRAMATIS_TRANSCRIPTION: {
    flag: "transcription",
    schema: z
      .string()
      .refine(
        (value) => value === "" || /^[a-z0-9][a-z0-9_-]*$/.test(value),
        "expected a speech provider name",
      ),
    fallback: "",
  },
  DRAMATIS_DEFAULT_VOICE: {
    flag: "default-voice",
    schema: z
      .string()
      .refine((value) => value === "" || /^[a-z0-9][a-z0-9_-]*\/\S+$/.test(value), "expected provider/voice"),
    fallback: "",
  },
  DRAMATIS_OFFLINE_TRANSCRIPTION: {
    flag: "offline-transcription",
    schema: z.enum(["auto", "on", "off"], { message: "expected auto, on or off" }),
    fallback: "auto",
  },
  DRAMATIS_TTS_PRICE_PER_CHARACTER: {
    flag: "tts-price-per-character",
    schema: decimalText(0, 1, "dollars per character between 0 and 1"),
    fallback: "0.000018",
  },
  DRAMATIS_STT_PRICE_PER_MINUTE: {
    flag: "stt-price-per-minute",
    schema: decimalText(0, 100, "dollars per minute between 0 and 100"),
    fallback: "0.006",
  },
  DRAMATIS_CALL_PRICE_PER_MINUTE: {
    flag: "call-price-per-minute",
    schema: decimalText(0, 100, "dollars per minute between 0 and 100"),
    fallback: "0.014",
  },
} as const;
