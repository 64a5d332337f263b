import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { SpeechRecognizer, Transcription, TranscriptionRequest } from "./speech.ts";
import { SpeechInputError, SpeechProviderError } from "./speech.ts";
import { decodeWav, encodeWav, resample, WavFormatError } from "./wav.ts";

/**
 * Offline recognition with CMU PocketSphinx (Debian's `pocketsphinx` package: `pocketsphinx_continuous`
 * and its US English model). Weak on real voices, so it is labelled basic; a whisper-class server
 * (`kind: "openai-compatible"` in DRAMATIS_SPEECH_PROVIDERS) is the real option. It reads WAV only
 * (the web app records WAV); other containers need a recognizer that decodes them.
 */
export class PocketSphinxRecognizer implements SpeechRecognizer {
  readonly name = "pocketsphinx";
  readonly label = "Basic (PocketSphinx, offline, US English)";
  readonly basic = true;

  constructor(private readonly command: string) {}

  /** The recognizer when `pocketsphinx_continuous` is on the PATH, else undefined. */
  static find(environmentPath = process.env.PATH ?? ""): PocketSphinxRecognizer | undefined {
    for (const directory of environmentPath.split(path.delimiter)) {
      const candidate = path.join(directory, "pocketsphinx_continuous");
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        return new PocketSphinxRecognizer(candidate);
      } catch {
        // not here
      }
    }
    return undefined;
  }

  async transcribe(request: TranscriptionRequest): Promise<Transcription> {
    if (request.contentType !== "audio/wav") {
      throw new SpeechInputError(
        `the offline recognizer reads WAV audio only (got ${request.contentType}); configure a speech-to-text provider for other formats`,
      );
    }
    let audio;
    try {
      audio = decodeWav(request.audio);
    } catch (error) {
      if (error instanceof WavFormatError) throw new SpeechInputError(`audio: ${error.message}`);
      throw error;
    }
    const durationSeconds = audio.samples.length / audio.sampleRate;
    const wav = encodeWav({ samples: resample(audio.samples, audio.sampleRate, 16_000), sampleRate: 16_000 });
    const directory = await fs.promises.mkdtemp(path.join(os.tmpdir(), "dramatis-stt-"));
    const file = path.join(directory, "audio.wav");
    try {
      await fs.promises.writeFile(file, wav);
      const text = await new Promise<string>((resolve, reject) => {
        execFile(
          this.command,
          ["-infile", file, "-logfn", "/dev/null"],
          { signal: request.signal, timeout: 120_000, maxBuffer: 1 << 20 },
          (error, stdout) => (error ? reject(error) : resolve(stdout)),
        );
      }).catch((error: Error) => {
        throw new SpeechProviderError(this.name, `recognition failed: ${error.message}`);
      });
      return {
        text: text
          .split("\n")
          .map((line) => line.trim())
          .filter(Boolean)
          .join(" "),
        language: "en-US",
        durationSeconds,
      };
    } finally {
      await fs.promises.rm(directory, { recursive: true, force: true });
    }
  }
}
