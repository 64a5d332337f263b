import { EspeakWorkerPool } from "./espeak-worker-pool.ts";
import type { AudioClip, SpeechSynthesizer, SynthesisRequest, VoiceGender, VoiceInfo } from "./speech.ts";
import { SpeechInputError } from "./speech.ts";
import { decodeWav, encodeWav } from "./wav.ts";

/**
 * The embedded voice: eSpeak NG compiled to WebAssembly (npm `espeak-ng`), so a fresh install speaks with
 * no service and no download. Robotic, but it reads a hundred languages; offered as the *basic* voice.
 *
 * Voice names are eSpeak's language codes with an optional variant: `en-us`, `en-us+f3` (a female
 * variant), `de+m2`. eSpeak runs in worker threads (EspeakWorkerPool), so a sentence's 100-200 ms of CPU
 * never blocks the event loop: other calls' audio and HTTP requests go on meanwhile. Each worker keeps
 * the compiled WebAssembly and runs one fresh instance of it per piece of text (its `main` cannot be
 * called twice), so an instance costs its memory set-up only.
 *
 * Synthesizers share one process-wide pool unless given their own (`workers` or `pool`): a worker holds
 * about 90 MB, and the cores are the process's anyway. Idle workers do not keep the process alive.
 *
 * @example
 * const clip = await new EspeakSynthesizer().synthesize({ voice: "en-us+f3", text: "Hello there." });
 */
/** The pool synthesizers share unless given their own; its workers start on the first synthesis. */
let sharedPool: EspeakWorkerPool | undefined;

/** The voices of the bundled eSpeak build: listed once per process. */
let languageList: Promise<Array<{ code: string; name: string }>> | undefined;

/** eSpeak's variants worth offering: a few distinct male and female timbres. */
const VARIANTS: ReadonlyArray<{ suffix: string; label: string; gender: VoiceGender }> = [
  { suffix: "", label: "", gender: "male" },
  { suffix: "+m3", label: " (deeper)", gender: "male" },
  { suffix: "+f3", label: " (female)", gender: "female" },
  { suffix: "+f5", label: " (female, soft)", gender: "female" },
];

/** Longest text one instance reads; longer text is read in sentence-aligned pieces and joined. */
const CHUNK_CHARACTERS = 1_500;
/** eSpeak's words per minute at rate 1. */
const WORDS_PER_MINUTE = 170;

export interface EspeakSynthesizerOptions {
  /** worker threads of a pool of its own; default: the shared pool (one core less than the machine, 1-2) */
  workers?: number;
  /** the pool to run in (tests); wins over `workers` */
  pool?: EspeakWorkerPool;
}

export class EspeakSynthesizer implements SpeechSynthesizer {
  readonly name = "espeak";
  readonly label = "Basic (eSpeak NG, offline)";
  readonly basic = true;
  private readonly pool: EspeakWorkerPool;

  constructor(options: EspeakSynthesizerOptions = {}) {
    this.pool =
      options.pool ??
      (options.workers === undefined
        ? (sharedPool ??= new EspeakWorkerPool())
        : new EspeakWorkerPool({ size: options.workers }));
  }

  async listVoices(): Promise<VoiceInfo[]> {
    const languages = await this.languageList();
    return languages.flatMap(({ code, name }) =>
      VARIANTS.map((variant) => {
        const locale = toBcp47(code);
        return {
          id: `espeak/${code}${variant.suffix}`,
          provider: this.name,
          name: `${code}${variant.suffix}`,
          displayName: `${name}${variant.label} — basic`,
          locale,
          locales: [locale],
          gender: variant.gender,
          styles: [],
          basic: true,
        } satisfies VoiceInfo;
      }),
    );
  }

  async synthesize(request: SynthesisRequest): Promise<AudioClip> {
    const [language, variant] = request.voice.split("+", 2) as [string, string | undefined];
    const languages = await this.languageList();
    if (!languages.some((entry) => entry.code === language) || (variant && !/^[mf][1-7]$/.test(variant))) {
      throw new SpeechInputError(
        `espeak has no voice ${JSON.stringify(request.voice)} (GET /v1/voices lists them)`,
      );
    }
    const rate = Math.round(WORDS_PER_MINUTE * Math.min(2, Math.max(0.5, request.rate ?? 1)));
    const pieces: Float32Array[] = [];
    let sampleRate = 22_050;
    // One job per piece: another call's sentence waiting in the queue goes between a long text's pieces.
    for (const chunk of chunkText(request.text, CHUNK_CHARACTERS)) {
      request.signal?.throwIfAborted();
      const { file } = await this.pool.run(
        {
          args: ["-v", request.voice, "-s", String(rate), "-b", "1", "-f", "/in.txt", "-w", "/out.wav"],
          files: { "/in.txt": chunk },
          outputFile: "/out.wav",
        },
        request.signal,
      );
      if (!file) throw new Error("eSpeak NG wrote no audio");
      const audio = decodeWav(file);
      sampleRate = audio.sampleRate;
      pieces.push(audio.samples);
    }
    const samples = joinSamples(pieces);
    return {
      bytes: encodeWav({ samples, sampleRate }),
      contentType: "audio/wav",
      durationSeconds: samples.length / sampleRate,
    };
  }

  /**
   * Terminates the workers of this synthesizer's pool (the shared one unless it was given its own);
   * syntheses running or waiting reject. A later synthesis starts workers again.
   */
  close(): Promise<void> {
    return this.pool.close();
  }

  private languageList(): Promise<Array<{ code: string; name: string }>> {
    if (!languageList) {
      const listing = this.pool.run({ args: ["--voices"] }).then(({ output }) => parseVoiceList(output));
      listing.catch(() => {
        if (languageList === listing) languageList = undefined;
      });
      languageList = listing;
    }
    return languageList;
  }
}

/** `--voices` prints `Pty Language Age/Gender VoiceName File Other`; one entry per language code. */
export function parseVoiceList(lines: string[]): Array<{ code: string; name: string }> {
  const seen = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const columns = line.trim().split(/\s+/);
    const code = columns[1];
    const name = columns[3]?.replace(/_/g, " ");
    if (code && name && !seen.has(code)) seen.set(code, name);
  }
  return [...seen].map(([code, name]) => ({ code, name }));
}

/** eSpeak's `en-us` / `vi-vn-x-south` as BCP 47 (`en-US`, `vi-VN-x-south`). */
export function toBcp47(code: string): string {
  const [language, ...rest] = code.split("-");
  let inPrivateUse = false;
  return [
    language,
    ...rest.map((part) => {
      if (part === "x") inPrivateUse = true;
      return !inPrivateUse && part.length === 2 ? part.toUpperCase() : part;
    }),
  ].join("-");
}

/** Splits text at sentence ends (else spaces) into pieces of at most `limit` characters. */
export function chunkText(text: string, limit: number): string[] {
  const chunks: string[] = [];
  let rest = text.trim();
  while (rest.length > limit) {
    const window = rest.slice(0, limit);
    const sentenceEnd = Math.max(
      window.lastIndexOf(". "),
      window.lastIndexOf("! "),
      window.lastIndexOf("? "),
      window.lastIndexOf("\n"),
    );
    const cut =
      sentenceEnd > limit / 3
        ? sentenceEnd + 1
        : window.lastIndexOf(" ") > 0
          ? window.lastIndexOf(" ")
          : limit;
    chunks.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest) chunks.push(rest);
  return chunks;
}

function joinSamples(pieces: Float32Array[]): Float32Array {
  const out = new Float32Array(pieces.reduce((sum, piece) => sum + piece.length, 0));
  let offset = 0;
  for (const piece of pieces) {
    out.set(piece, offset);
    offset += piece.length;
  }
  return out;
}
