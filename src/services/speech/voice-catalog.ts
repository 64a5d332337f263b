import { NotFoundError } from "../../errors/app-error.ts";
import type { AudioClip, VoiceInfo } from "../../speech/speech.ts";
import { SpeechInputError } from "../../speech/speech.ts";
import type { SpeechRegistry } from "../../speech/speech-registry.ts";

/** What a speech provider offers, for the voice pickers. */
export interface SpeechProviderInfo {
  name: string;
  label: string;
  basic: boolean;
  synthesis: boolean;
  recognition: boolean;
}

const PREVIEW_CACHE_SIZE = 200;

/** A sentence to hear a voice by, in the voice's language where we have one. */
const PREVIEW_TEXTS: Record<string, string> = {
  en: "Hello! This is how I sound. I'm looking forward to talking with you.",
  de: "Hallo! So klinge ich. Ich freue mich darauf, mit dir zu sprechen.",
  fr: "Bonjour ! Voici ma voix. J'ai hâte de parler avec toi.",
  es: "¡Hola! Así es como sueno. Tengo muchas ganas de hablar contigo.",
  it: "Ciao! Questa è la mia voce. Non vedo l'ora di parlare con te.",
  pt: "Olá! É assim que eu soo. Estou ansioso para conversar com você.",
  nl: "Hallo! Zo klink ik. Ik kijk ernaar uit om met je te praten.",
  pl: "Cześć! Tak brzmi mój głos. Cieszę się, że porozmawiamy.",
  ru: "Привет! Вот как звучит мой голос. Рад с тобой поговорить.",
  ja: "こんにちは。これが私の声です。お話しできるのを楽しみにしています。",
  zh: "你好！这就是我的声音。很高兴和你聊天。",
  ko: "안녕하세요! 제 목소리는 이렇습니다. 이야기 나누기를 기대하고 있어요.",
};

export function previewText(locale: string): string {
  return PREVIEW_TEXTS[locale.split("-")[0]!.toLowerCase()] ?? PREVIEW_TEXTS.en!;
}

/** The speech providers of this server, their voices, and a short clip to hear each voice by. */
export class VoiceCatalog {
  private readonly registry: SpeechRegistry;
  private readonly previews = new Map<string, Promise<AudioClip>>();

  constructor(dependencies: { registry: SpeechRegistry }) {
    this.registry = dependencies.registry;
  }

  /** The speech services of this server and what each does. */
  providers(): SpeechProviderInfo[] {
    const byName = new Map<string, SpeechProviderInfo>();
    for (const synthesizer of this.registry.synthesizers()) {
      byName.set(synthesizer.name, {
        name: synthesizer.name,
        label: synthesizer.label,
        basic: synthesizer.basic,
        synthesis: true,
        recognition: false,
      });
    }
    for (const recognizer of this.registry.recognizers()) {
      const known = byName.get(recognizer.name);
      byName.set(recognizer.name, {
        name: recognizer.name,
        label: known?.label ?? recognizer.label,
        basic: known?.basic ?? recognizer.basic,
        synthesis: known?.synthesis ?? false,
        recognition: true,
      });
    }
    return [...byName.values()];
  }

  async listVoices(filter: { locale?: string | undefined; provider?: string | undefined }) {
    if (
      filter.provider &&
      !this.registry.synthesizers().some((synthesizer) => synthesizer.name === filter.provider)
    ) {
      throw new NotFoundError(`speech provider ${filter.provider}`);
    }
    return this.registry.listVoices(filter);
  }

  /**
   * A short clip of the voice, cached per voice and language (previews are the same for every tenant, so
   * they are not billed). An unknown voice is a 404.
   */
  async preview(voiceId: string, locale?: string): Promise<AudioClip> {
    const voice = await this.knownVoice(voiceId);
    const language = (locale ?? voice.locale).split("-")[0]!.toLowerCase();
    const key = `${voiceId}\n${language}`;
    let clip = this.previews.get(key);
    if (!clip) {
      const { synthesizer, voice: name } = this.registry.resolveVoice(voiceId);
      clip = synthesizer.synthesize({
        voice: name,
        text: previewText(language),
        locale: locale ?? voice.locale,
      });
      this.previews.set(key, clip);
      clip.catch(() => this.previews.delete(key));
      if (this.previews.size > PREVIEW_CACHE_SIZE) this.previews.delete(this.previews.keys().next().value!);
    }
    return clip;
  }

  private async knownVoice(voiceId: string): Promise<VoiceInfo> {
    let voice: VoiceInfo | undefined;
    try {
      voice = await this.registry.findVoice(voiceId);
    } catch (error) {
      if (error instanceof SpeechInputError) throw new NotFoundError(`voice ${voiceId}`);
      throw error;
    }
    if (!voice) throw new NotFoundError(`voice ${voiceId}`);
    return voice;
  }
}
