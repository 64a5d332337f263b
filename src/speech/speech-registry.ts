import type {
  SpeechProvider,
  SpeechRecognizer,
  SpeechSynthesizer,
  VoiceGender,
  VoiceInfo,
} from "./speech.ts";
import { SpeechInputError } from "./speech.ts";

/** One provider's voices as last listed, or why they could not be. */
interface VoiceListing {
  at: number;
  voices?: VoiceInfo[];
  error?: string;
}

export interface SpeechRegistryOptions {
  providers: readonly SpeechProvider[];
  /** the recognizer transcriptions use unless told another (DRAMATIS_TRANSCRIPTION); default: the first configured, the offline one last */
  defaultRecognizer?: string | undefined;
  /** the voice replies are read in when a persona names none (DRAMATIS_DEFAULT_VOICE); default: the embedded voice of the locale */
  defaultVoice?: string | undefined;
  /** milliseconds a provider's voice list is reused (default an hour; a failed listing, a minute) */
  voiceListTtlMs?: number;
  now?: () => number;
}

const FAILED_LISTING_TTL_MS = 60_000;

/**
 * Resolves `provider/voice` ids to a synthesizer and picks recognizers, over the embedded speech and the
 * operator's services. Voice lists are cached per provider; a provider that cannot list its voices
 * (down, key refused) is reported beside the others' voices instead of failing the whole list.
 */
export class SpeechRegistry {
  private readonly synthesizerByName = new Map<string, SpeechSynthesizer>();
  private readonly recognizerByName = new Map<string, SpeechRecognizer>();
  private readonly listings = new Map<string, Promise<VoiceListing>>();
  private readonly voiceListTtlMs: number;
  private readonly now: () => number;

  constructor(private readonly options: SpeechRegistryOptions) {
    for (const provider of options.providers) {
      if (provider.synthesizer) this.synthesizerByName.set(provider.name, provider.synthesizer);
      if (provider.recognizer) this.recognizerByName.set(provider.name, provider.recognizer);
    }
    this.voiceListTtlMs = options.voiceListTtlMs ?? 3_600_000;
    this.now = options.now ?? Date.now;
  }

  synthesizers(): SpeechSynthesizer[] {
    return [...this.synthesizerByName.values()];
  }

  recognizers(): SpeechRecognizer[] {
    return [...this.recognizerByName.values()];
  }

  /** The recognizer named, or the default one; undefined when the server has none. */
  recognizer(name?: string): SpeechRecognizer | undefined {
    if (name) {
      const named = this.recognizerByName.get(name);
      if (!named) {
        const known = [...this.recognizerByName.keys()].join(", ") || "none";
        throw new SpeechInputError(
          `no speech recognizer named ${JSON.stringify(name)} (this server has: ${known})`,
        );
      }
      return named;
    }
    const configured =
      this.options.defaultRecognizer && this.recognizerByName.get(this.options.defaultRecognizer);
    if (configured) return configured;
    const recognizers = this.recognizers();
    return recognizers.find((recognizer) => !recognizer.basic) ?? recognizers[0];
  }

  /** Whether the voice id names a provider this server has (the voice itself is checked when used). */
  canSpeak(id: string): boolean {
    const slash = id.indexOf("/");
    return slash > 0 && slash < id.length - 1 && this.synthesizerByName.has(id.slice(0, slash));
  }

  /** The synthesizer of a voice id and the provider's own voice name. */
  resolveVoice(id: string): { synthesizer: SpeechSynthesizer; voice: string } {
    const slash = id.indexOf("/");
    const provider = slash > 0 ? id.slice(0, slash) : "";
    const voice = slash > 0 ? id.slice(slash + 1) : "";
    const synthesizer = this.synthesizerByName.get(provider);
    if (!synthesizer || !voice) {
      const known = [...this.synthesizerByName.keys()].join(", ");
      throw new SpeechInputError(
        `unknown voice ${JSON.stringify(id)}: voices are named provider/voice, and this server's providers are ${known}`,
      );
    }
    return { synthesizer, voice };
  }

  /**
   * Voices for a locale (all when none): exact locale matches, the language's voices where either side
   * names no region, and multilingual voices. Providers that failed to list are in `unavailable`.
   */
  async listVoices(filter: { locale?: string | undefined; provider?: string | undefined } = {}): Promise<{
    voices: VoiceInfo[];
    unavailable: Array<{ provider: string; error: string }>;
  }> {
    const synthesizers = this.synthesizers().filter(
      (synthesizer) => !filter.provider || synthesizer.name === filter.provider,
    );
    const listings = await Promise.all(
      synthesizers.map(async (synthesizer) => [synthesizer.name, await this.listing(synthesizer)] as const),
    );
    const voices: VoiceInfo[] = [];
    const unavailable: Array<{ provider: string; error: string }> = [];
    for (const [provider, listing] of listings) {
      if (listing.error !== undefined) unavailable.push({ provider, error: listing.error });
      for (const voice of listing.voices ?? [])
        if (!filter.locale || speaksLocale(voice, filter.locale)) voices.push(voice);
    }
    return { voices, unavailable };
  }

  /** One voice by id, when its provider lists it. */
  async findVoice(id: string): Promise<VoiceInfo | undefined> {
    const { synthesizer } = this.resolveVoice(id);
    return (await this.listing(synthesizer)).voices?.find((voice) => voice.id === id);
  }

  /**
   * The voice to read in when none is chosen: the operator's default when it speaks the locale, else
   * the embedded voice of the locale's language (a female or male variant to match the persona).
   */
  async defaultVoice(locale: string, gender: VoiceGender | null = null): Promise<string> {
    const configured = this.options.defaultVoice;
    if (configured) {
      const voice = await this.findVoice(configured).catch(() => undefined);
      if (!voice || speaksLocale(voice, locale)) return configured;
    }
    const embedded = this.synthesizerByName.get("espeak");
    if (!embedded) return configured ?? this.synthesizers()[0]?.name ?? "espeak/en-us";
    const voices = ((await this.listing(embedded)).voices ?? []).filter((voice) =>
      speaksLocale(voice, locale),
    );
    const exact = voices.filter((voice) => voice.locale.toLowerCase() === locale.toLowerCase());
    const candidates = exact.length > 0 ? exact : voices;
    const wanted =
      gender === "female" ? candidates.find((voice) => voice.gender === "female") : candidates[0];
    return (wanted ?? candidates[0])?.id ?? (gender === "female" ? "espeak/en-us+f3" : "espeak/en-us");
  }

  private listing(synthesizer: SpeechSynthesizer): Promise<VoiceListing> {
    const cached = this.listings.get(synthesizer.name);
    const now = this.now();
    if (cached) {
      const fresh = cached.then((listing) => {
        const ttl = listing.error === undefined ? this.voiceListTtlMs : FAILED_LISTING_TTL_MS;
        return now - listing.at < ttl;
      });
      return fresh.then((isFresh) => (isFresh ? cached : this.refresh(synthesizer)));
    }
    return this.refresh(synthesizer);
  }

  private refresh(synthesizer: SpeechSynthesizer): Promise<VoiceListing> {
    const at = this.now();
    const listing = synthesizer
      .listVoices(AbortSignal.timeout(10_000))
      .then((voices): VoiceListing => ({ at, voices }))
      .catch((error: Error): VoiceListing => ({ at, error: error.message }));
    this.listings.set(synthesizer.name, listing);
    return listing;
  }
}

/** Whether a voice speaks the locale: exact, by language where one side has no region, or multilingual. */
export function speaksLocale(voice: VoiceInfo, locale: string): boolean {
  const wanted = locale.toLowerCase();
  const wantedLanguage = wanted.split("-")[0];
  if (voice.locale === "mul") return true;
  return voice.locales.some((spoken) => {
    const lower = spoken.toLowerCase();
    if (lower === wanted) return true;
    const language = lower.split("-")[0];
    return language === wantedLanguage && (!lower.includes("-") || !wanted.includes("-"));
  });
}
