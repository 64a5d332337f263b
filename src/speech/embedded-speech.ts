import { EspeakSynthesizer } from "./espeak-synthesizer.ts";
import { PocketSphinxRecognizer } from "./pocketsphinx-recognizer.ts";
import type { SpeechProvider } from "./speech.ts";

/**
 * The speech a fresh install has with no service: the eSpeak NG voice always, and PocketSphinx's offline
 * recognizer where Debian's `pocketsphinx` is installed (`auto`), required (`on`) or never (`off`).
 */
export function embeddedSpeechProviders(offlineTranscription: "auto" | "on" | "off"): SpeechProvider[] {
  const providers: SpeechProvider[] = [{ name: "espeak", synthesizer: new EspeakSynthesizer() }];
  if (offlineTranscription === "off") return providers;
  const recognizer = PocketSphinxRecognizer.find();
  if (recognizer) providers.push({ name: recognizer.name, recognizer });
  else if (offlineTranscription === "on") {
    throw new Error(
      "DRAMATIS_OFFLINE_TRANSCRIPTION=on: pocketsphinx_continuous is not on the PATH (apt-get install pocketsphinx)",
    );
  }
  return providers;
}
