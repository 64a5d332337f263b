import { z } from "zod";
import { namedList } from "../lib/named-list.ts";

/**
 * A speech service configured by the operator (DRAMATIS_SPEECH_PROVIDERS, or implied by a well-known
 * variable). Its `name` prefixes voice ids (`azure/en-US-JennyNeural`) and names the recognizer
 * (`DRAMATIS_TRANSCRIPTION=azure`). Keys are read from a named variable so the JSON holds no secret.
 */
export const speechProviderConfigSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/, "must be lower-case letters, digits, - or _ (it prefixes voice ids)")
    .refine((name) => !["espeak", "pocketsphinx"].includes(name), "is reserved for the embedded speech"),
  kind: z.enum(["azure", "openai-compatible", "elevenlabs", "deepgram"]),
  /** the service's root; each kind has its public default (Azure: from `region`) */
  base_url: z.url("must be a URL").optional(),
  /** Azure's region (`westeurope`), which names its endpoints */
  region: z
    .string()
    .regex(/^[a-z0-9]+$/, "must be an Azure region name such as eastus")
    .optional(),
  api_key: z.string().min(1).optional(),
  api_key_env: z.string().min(1).optional(),
  /** the synthesis model (OpenAI `gpt-4o-mini-tts`, ElevenLabs `eleven_multilingual_v2`, Deepgram `aura-2`); null: no speech out */
  tts_model: z.string().min(1).max(200).nullable().optional(),
  /** the recognition model (OpenAI `whisper-1`, Deepgram `nova-3`, ElevenLabs `scribe_v1`); null: no speech in */
  stt_model: z.string().min(1).max(200).nullable().optional(),
  /** voices an OpenAI-compatible server offers (it has no list endpoint); default OpenAI's */
  voices: z.array(z.string().min(1).max(200)).max(500).optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

export type SpeechProviderConfig = z.infer<typeof speechProviderConfigSchema>;

export const speechProviderConfigListSchema = namedList(speechProviderConfigSchema, "speech provider");

/**
 * Speech services implied by well-known variables, so `OPENAI_API_KEY=… npm start` also speaks and listens
 * with OpenAI, and `AZURE_SPEECH_KEY` + `AZURE_SPEECH_REGION` bring Azure's voices.
 */
export function speechProvidersFromWellKnownVariables(
  environment: Record<string, string | undefined>,
): SpeechProviderConfig[] {
  const providers: SpeechProviderConfig[] = [];
  if (environment.OPENAI_API_KEY) {
    providers.push({
      name: "openai",
      kind: "openai-compatible",
      base_url: environment.OPENAI_BASE_URL ?? "https://api.openai.com/v1",
      api_key_env: "OPENAI_API_KEY",
    });
  }
  if (environment.AZURE_SPEECH_KEY && environment.AZURE_SPEECH_REGION) {
    providers.push({
      name: "azure",
      kind: "azure",
      region: environment.AZURE_SPEECH_REGION,
      api_key_env: "AZURE_SPEECH_KEY",
    });
  }
  if (environment.ELEVENLABS_API_KEY) {
    providers.push({ name: "elevenlabs", kind: "elevenlabs", api_key_env: "ELEVENLABS_API_KEY" });
  }
  if (environment.DEEPGRAM_API_KEY) {
    providers.push({ name: "deepgram", kind: "deepgram", api_key_env: "DEEPGRAM_API_KEY" });
  }
  return providers;
}
