import { ClientCommandError, runClientAction } from "./client-action.ts";
import fs from "node:fs/promises";
import path from "node:path";
import { unwrap, type DramatisClient, type Schema } from "@dramatis/sdk";
import { wavDurationSeconds } from "../speech/wav.ts";
import { resolvePersona } from "./resolve-persona.ts";
import type { ServerFetch } from "./server-connection.ts";
import { formatTable } from "./text-table.ts";

/**
 * `dramatis say`, `dramatis voices` and `dramatis transcribe`: the speech API of a running server (text
 * read aloud, the voices it offers, audio transcribed), through the SDK like every client command.
 */

export interface SpeechCommandOptions {
  /** `say`, `voices` or `transcribe`. */
  action: string;
  /** say: [PERSONA] TEXT...; transcribe: FILE; voices: none. */
  positionals: string[];
  /** Flags by their command-line names: url, key, user, json, output, voice, locale, rate, style, provider, recognizer. */
  values: Record<string, string | boolean | undefined>;
  /** Read for DRAMATIS_URL, DRAMATIS_API_KEY and DRAMATIS_USER. */
  environment: Record<string, string | undefined>;
  print: (line: string) => void;
  /** Failures and the `say` summary (stderr from the CLI, so `say -o -` keeps stdout for the audio). */
  printError: (line: string) => void;
  /** Where `say -o -` writes the audio (stdout from the CLI). */
  output: NodeJS.WritableStream;
  /** Where relative file names (and the default `PERSONA.wav`) resolve; default the process's. */
  workingDirectory?: string;
  fetch?: ServerFetch;
}

type Values = SpeechCommandOptions["values"];
type Voice = Schema<"Voice">;

/** File extensions of the audio types the server answers with; anything else is saved as .wav. */
const EXTENSION_BY_TYPE: Record<string, string> = {
  "audio/mpeg": ".mp3",
  "audio/ogg": ".ogg",
  "audio/webm": ".webm",
};

/** Media types sent with an upload, by extension; the server sniffs the bytes anyway. */
const TYPE_BY_EXTENSION: Record<string, string> = {
  ".wav": "audio/wav",
  ".mp3": "audio/mpeg",
  ".ogg": "audio/ogg",
  ".oga": "audio/ogg",
  ".opus": "audio/ogg",
  ".webm": "audio/webm",
  ".flac": "audio/flac",
  ".m4a": "audio/mp4",
};

const ACTIONS: Record<string, (client: DramatisClient, options: SpeechCommandOptions) => Promise<number>> = {
  say,
  voices: listVoices,
  transcribe,
};

/**
 * Runs `dramatis say|voices|transcribe …`; returns 0, 1 when the server refused or was unreachable, 2 for
 * a wrong command line.
 *
 * @example await speechCommand({ action: "say", positionals: ["Mira", "Good morning"], values: {},
 *   environment: process.env, print: console.log, printError: console.error, output: process.stdout });
 */
export async function speechCommand(options: SpeechCommandOptions): Promise<number> {
  return runClientAction(`dramatis ${options.action}`, options.action, ACTIONS, options, (run, connect) =>
    run(connect(), options),
  );
}

function text(value: string | boolean | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** What to read and in whose voice: the persona is optional when --voice names the voice. */
function readSayArguments(positionals: string[], values: Values): { persona?: string; text: string } {
  const voice = text(values.voice);
  const [first, ...rest] = positionals;
  if (voice && rest.length === 0 && first !== undefined) return { text: first };
  const words = rest.join(" ").trim();
  if (first === undefined || !words) {
    throw new ClientCommandError(
      'what should be read, and by whom? dramatis say PERSONA TEXT..., or dramatis say --voice ID "TEXT"',
      2,
    );
  }
  return { persona: first, text: words };
}

function readRate(values: Values): number | undefined {
  const raw = text(values.rate);
  if (raw === undefined) return undefined;
  const rate = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(rate)) {
    throw new ClientCommandError(`--rate: expected a number like 1.2 (0.5-2), got ${raw}`, 2);
  }
  return rate;
}

/** A persona's name as a file name: path separators and control characters become dashes. */
function fileNameOf(name: string): string {
  // eslint-disable-next-line no-control-regex
  const safe = name.replace(/[/\\:*?"<>|\u0000-\u001f]+/g, "-").replace(/^[.\s-]+|[\s-]+$/g, "");
  return safe || "speech";
}

function mediaTypeOf(response: Response): string {
  return (response.headers.get("content-type") ?? "audio/wav").split(";")[0]!.trim().toLowerCase();
}

function durationOf(response: Response, audio: Uint8Array, mediaType: string): number | undefined {
  const declared = Number(response.headers.get("x-dramatis-duration") ?? Number.NaN);
  if (Number.isFinite(declared)) return declared;
  return mediaType === "audio/wav" ? wavDurationSeconds(audio) : undefined;
}

/** Writes bytes and waits until the stream took them, so the process does not end mid-write. */
function writeBytes(output: NodeJS.WritableStream, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    output.write(bytes, (error) => (error ? reject(error) : resolve()));
  });
}

async function say(client: DramatisClient, options: SpeechCommandOptions): Promise<number> {
  const { values } = options;
  const request = readSayArguments(options.positionals, values);
  const rate = readRate(values);
  const persona = request.persona === undefined ? undefined : await resolvePersona(client, request.persona);
  const voice = text(values.voice);
  const locale = text(values.locale);
  const style = text(values.style);
  const outcome = await client.POST("/v1/speech", {
    body: {
      text: request.text,
      ...(persona ? { persona_id: persona.id } : {}),
      ...(voice ? { voice } : {}),
      ...(locale ? { locale } : {}),
      ...(rate !== undefined ? { rate } : {}),
      ...(style ? { style } : {}),
    },
    parseAs: "arrayBuffer",
  });
  const audio = new Uint8Array((await unwrap(Promise.resolve(outcome))) as unknown as ArrayBuffer);
  const { response } = outcome;
  const mediaType = mediaTypeOf(response);
  const target =
    text(values.output) ??
    `${fileNameOf(persona?.name ?? "speech")}${EXTENSION_BY_TYPE[mediaType] ?? ".wav"}`;
  if (target === "-") {
    await writeBytes(options.output, audio);
  } else {
    try {
      await fs.writeFile(path.resolve(options.workingDirectory ?? process.cwd(), target), audio);
    } catch (error) {
      throw new ClientCommandError(
        `cannot write ${target}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      );
    }
  }
  const seconds = durationOf(response, audio, mediaType);
  const details = [
    seconds === undefined ? `${audio.length} bytes` : `${seconds.toFixed(1)} s`,
    `voice ${response.headers.get("x-dramatis-voice") ?? "unknown"}`,
    `${response.headers.get("x-dramatis-characters") ?? request.text.length} characters`,
  ];
  options.printError(`${target === "-" ? "Wrote to stdout" : `Saved ${target}`} (${details.join(", ")})`);
  return 0;
}

function describeVoice(voice: Voice): string[] {
  return [voice.id, voice.display_name, voice.locale, voice.gender ?? "-", voice.basic ? "yes" : "no"];
}

async function listVoices(client: DramatisClient, options: SpeechCommandOptions): Promise<number> {
  const locale = text(options.values.locale);
  const provider = text(options.values.provider);
  const list = await unwrap(
    client.GET("/v1/voices", {
      params: { query: { ...(locale ? { locale } : {}), ...(provider ? { provider } : {}) } },
    }),
  );
  if (options.values.json) {
    options.print(JSON.stringify(list, null, 2));
    return 0;
  }
  if (list.data.length === 0) {
    options.print(`No voices${locale ? ` for ${locale}` : ""}${provider ? ` from ${provider}` : ""}.`);
  } else {
    for (const line of formatTable(["ID", "NAME", "LOCALE", "GENDER", "BASIC"], list.data.map(describeVoice)))
      options.print(line);
  }
  for (const missing of list.unavailable)
    options.print(`Unavailable: ${missing.provider} (${missing.error})`);
  return 0;
}

async function transcribe(client: DramatisClient, options: SpeechCommandOptions): Promise<number> {
  const [file] = options.positionals;
  if (!file) throw new ClientCommandError("name the audio file: dramatis transcribe FILE", 2);
  let audio: Uint8Array;
  try {
    audio = await fs.readFile(path.resolve(options.workingDirectory ?? process.cwd(), file));
  } catch (error) {
    throw new ClientCommandError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  const locale = text(options.values.locale);
  const recognizer = text(options.values.recognizer);
  const type = TYPE_BY_EXTENSION[path.extname(file).toLowerCase()] ?? "application/octet-stream";
  // The upload is multipart, so the locale and recognizer travel as typed form fields beside the file.
  const form = new FormData();
  form.append("file", new Blob([audio as Uint8Array<ArrayBuffer>], { type }), path.basename(file));
  if (locale) form.append("locale", locale);
  if (recognizer) form.append("recognizer", recognizer);
  const result = await unwrap(
    client.POST("/v1/transcriptions", {
      body: {
        file: path.basename(file),
        ...(locale ? { locale } : {}),
        ...(recognizer ? { recognizer } : {}),
      },
      bodySerializer: () => form,
    }),
  );
  options.print(options.values.json ? JSON.stringify(result, null, 2) : result.text);
  return 0;
}
