import { BadRequestError } from "../../errors/app-error.ts";
import type { PersonaDefinition } from "../../domain/persona-definition.ts";
import type { AudioClip } from "../../speech/speech.ts";
import type { SpeechRegistry } from "../../speech/speech-registry.ts";
import { wavDurationSeconds } from "../../speech/wav.ts";
import type { PersonaService } from "../persona-service.ts";
import { voiceConfigurationFor } from "../voice-configuration.ts";
import type { SpeechActor, SpeechUsage } from "./speech-usage.ts";

/** Text to read aloud, in a voice, or in a persona's voice for the locale. */
export interface SynthesisInput {
  text: string;
  voice?: string | undefined;
  personaId?: string | undefined;
  locale?: string | undefined;
  rate?: number | undefined;
  style?: string | undefined;
  /** the conversation it is said in (a call), for the usage record */
  conversationId?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** The voice a persona speaks with, and how. */
export interface PersonaVoice {
  voice: string;
  locale: string;
  rate?: number | undefined;
  style?: string | null | undefined;
}

/** Text read aloud: the voice that reads it (a persona's or the locale's default), the reading, its limit. */
export class SpeechSynthesis {
  private readonly registry: SpeechRegistry;
  private readonly personas: PersonaService;
  private readonly usage: SpeechUsage;
  private readonly maxCharacters: number;

  constructor(dependencies: {
    registry: SpeechRegistry;
    personas: PersonaService;
    usage: SpeechUsage;
    /** longest text one synthesis reads */
    maxCharacters: number;
  }) {
    this.registry = dependencies.registry;
    this.personas = dependencies.personas;
    this.usage = dependencies.usage;
    this.maxCharacters = dependencies.maxCharacters;
  }

  /**
   * Reads text aloud in a voice, or in a persona's voice for the locale, and meters the characters.
   */
  async synthesize(actor: SpeechActor, input: SynthesisInput): Promise<AudioClip & { voice: string }> {
    const text = input.text.trim();
    if (!text)
      throw new BadRequestError("text: must not be empty", [{ field: "text", message: "must not be empty" }]);
    this.checkLength(text);
    let voice = input.voice;
    let rate = input.rate;
    let style = input.style;
    let locale = input.locale;
    if (!voice) {
      if (!input.personaId) {
        voice = await this.registry.defaultVoice(locale ?? "en-US");
      } else {
        const { definition } = await this.personas.getServingDefinition(actor.tenantId, input.personaId);
        const chosen = await this.personaVoice(definition, locale);
        voice = chosen.voice;
        locale ??= chosen.locale;
        rate ??= chosen.rate;
        style ??= chosen.style ?? undefined;
      }
    }
    const clip = await this.read(voice, text, { locale, rate, style, signal: input.signal });
    await this.usage.recordSpeech(actor, {
      voice,
      characters: text.length,
      personaId: input.personaId ?? null,
      ...(input.conversationId ? { conversationId: input.conversationId } : {}),
    });
    return { ...clip, voice };
  }

  /** Which voice, locale, rate and style a persona speaks with for a locale (its voice configuration's). */
  async personaVoice(persona: PersonaDefinition, locale?: string): Promise<PersonaVoice> {
    const configuration = locale ? voiceConfigurationFor(persona, locale) : persona.voice_configurations[0];
    const speaksIn = configuration?.locale ?? locale ?? "en-US";
    const gender =
      persona.identity.sex === "female" ? "female" : persona.identity.sex === "male" ? "male" : null;
    // A voice this server cannot speak (a bare name from an imported card, a provider not configured
    // here) falls back to the default voice for the locale rather than leaving the persona mute.
    const configured = configuration?.voice;
    const voice =
      configured && this.registry.canSpeak(configured)
        ? configured
        : await this.registry.defaultVoice(speaksIn, gender);
    return { voice, locale: speaksIn, rate: configuration?.speech_rate, style: configuration?.speech_style };
  }

  /** Reads text in a voice, unmetered (callers bill it), with the clip's duration where WAV tells it. */
  async read(
    voiceId: string,
    text: string,
    options: {
      locale?: string | undefined;
      rate?: number | undefined;
      style?: string | null | undefined;
      signal?: AbortSignal | undefined;
    },
  ): Promise<AudioClip> {
    const { synthesizer, voice } = this.registry.resolveVoice(voiceId);
    const clip = await synthesizer.synthesize({
      voice,
      text,
      locale: options.locale,
      rate: options.rate,
      style: options.style,
      signal: options.signal,
    });
    return {
      ...clip,
      durationSeconds:
        clip.durationSeconds ??
        (clip.contentType === "audio/wav" ? wavDurationSeconds(clip.bytes) : undefined),
    };
  }

  /** A 400 for text longer than one reading takes. */
  checkLength(text: string): void {
    if (text.length > this.maxCharacters) {
      throw new BadRequestError(
        `text: ${text.length} characters is more than one reading takes (${this.maxCharacters})`,
        [{ field: "text", message: `must be at most ${this.maxCharacters} characters` }],
      );
    }
  }
}
