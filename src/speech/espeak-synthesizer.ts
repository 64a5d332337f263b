import fs from "node:fs";
import { createRequire } from "node:module";
import type { AudioClip, SpeechSynthesizer, SynthesisRequest, VoiceGender, VoiceInfo } from "./speech.ts";
import { SpeechInputError } from "./speech.ts";
import { decodeWav, encodeWav } from "./wav.ts";

/**
 * The embedded voice: eSpeak NG compiled to WebAssembly (npm `espeak-ng`), so a fresh install speaks with
 * no service and no download. Robotic, but it reads a hundred languages; offered as the *basic* voice.
 *
 * Voice names are eSpeak's language codes with an optional variant: `en-us`, `en-us+f3` (a female
 * variant), `de+m2`. Each synthesis runs one fresh instance of the module (its `main` cannot be called
 * twice); the compiled WebAssembly is kept, so an instance costs its memory set-up only.
 */
interface EspeakModule {
  FS: { readFile(path: string): Uint8Array; writeFile(path: string, data: string): void };
}
type EspeakFactory = (options: Record<string, unknown>) => Promise<EspeakModule>;

const require = createRequire(import.meta.url);

/** The part of the WebAssembly API used here (the project's type libraries do not declare it). */
interface WasmApi {
  compile(bytes: Uint8Array): Promise<CompiledWasm>;
  instantiate(module: CompiledWasm, imports: unknown): Promise<unknown>;
}
type CompiledWasm = { readonly compiledWasm: unique symbol };
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: Promise<{ factory: EspeakFactory; wasm: CompiledWasm }> | undefined;

function loadEspeak(): Promise<{ factory: EspeakFactory; wasm: CompiledWasm }> {
  compiled ??= (async () => {
    const entry = require.resolve("espeak-ng");
    const wasmPath = entry.replace(/espeak-ng\.js$/, "espeak-ng.wasm");
    const [module, wasm] = await Promise.all([
      import("espeak-ng") as unknown as Promise<{ default: EspeakFactory }>,
      wasmApi.compile(await fs.promises.readFile(wasmPath)),
    ]);
    return { factory: module.default, wasm };
  })();
  compiled.catch(() => (compiled = undefined));
  return compiled;
}

/** Runs eSpeak once with `args`; `files` are written into its file system first. */
async function runEspeak(
  args: string[],
  files: Record<string, string> = {},
): Promise<{ module: EspeakModule; output: string[] }> {
  const { factory, wasm } = await loadEspeak();
  const output: string[] = [];
  const errors: string[] = [];
  const module = await factory({
    arguments: args,
    preRun: [
      (instance: EspeakModule) =>
        Object.entries(files).forEach(([path, text]) => instance.FS.writeFile(path, text)),
    ],
    // The compiled module is reused; each run only instantiates it (Emscripten's hook for that).
    instantiateWasm(imports: unknown, done: (instance: unknown, module: CompiledWasm) => void) {
      void wasmApi.instantiate(wasm, imports).then((instance) => done(instance, wasm));
      return {};
    },
    print: (line: string) => output.push(line),
    printErr: (line: string) => errors.push(line),
  });
  if (errors.some((line) => /error|unknown|failed/i.test(line))) {
    throw new Error(`eSpeak NG: ${errors.join(" ").slice(0, 300)}`);
  }
  return { module, output };
}

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

export class EspeakSynthesizer implements SpeechSynthesizer {
  readonly name = "espeak";
  readonly label = "Basic (eSpeak NG, offline)";
  readonly basic = true;
  private languages: Promise<Array<{ code: string; name: string }>> | undefined;

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
    for (const chunk of chunkText(request.text, CHUNK_CHARACTERS)) {
      request.signal?.throwIfAborted();
      const { module } = await runEspeak(
        ["-v", request.voice, "-s", String(rate), "-b", "1", "-f", "/in.txt", "-w", "/out.wav"],
        { "/in.txt": chunk },
      );
      const audio = decodeWav(module.FS.readFile("/out.wav"));
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

  private languageList(): Promise<Array<{ code: string; name: string }>> {
    this.languages ??= runEspeak(["--voices"]).then(({ output }) => parseVoiceList(output));
    this.languages.catch(() => (this.languages = undefined));
    return this.languages;
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
