import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, createTestApp, type TestApp } from "../../test/test-app.ts";
import { EspeakSynthesizer } from "../speech/espeak-synthesizer.ts";
import type { SpeechRecognizer, Transcription, TranscriptionRequest } from "../speech/speech.ts";
import { decodeWav } from "../speech/wav.ts";
import { runCli } from "./main.ts";
import { speechCommand } from "./speech-command.ts";

/** Hears what the test says it hears, and keeps what it was given. */
class ScriptedRecognizer implements SpeechRecognizer {
  readonly name = "scripted";
  readonly label = "Scripted (test)";
  readonly basic = false;
  readonly heard: TranscriptionRequest[] = [];

  async transcribe(request: TranscriptionRequest): Promise<Transcription> {
    this.heard.push(request);
    const audio = decodeWav(request.audio);
    return {
      text: "what a lovely day it is",
      language: request.locale ?? "en-US",
      durationSeconds: audio.samples.length / audio.sampleRate,
    };
  }
}

function isWav(bytes: Uint8Array): boolean {
  const ascii = (start: number) => Buffer.from(bytes.subarray(start, start + 4)).toString("latin1");
  return ascii(0) === "RIFF" && ascii(8) === "WAVE";
}

describe("dramatis say, voices and transcribe", () => {
  let app: TestApp;
  let personaId: string;
  const recognizer = new ScriptedRecognizer();
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-speech-"));
  const environment = {
    DRAMATIS_URL: "http://dramatis.test",
    DRAMATIS_API_KEY: ADMIN_KEY,
    DRAMATIS_USER: "listener",
  };

  beforeAll(async () => {
    app = await createTestApp({
      speech: {
        providers: [
          { name: "espeak", synthesizer: new EspeakSynthesizer() },
          { name: "scripted", recognizer },
        ],
      },
    });
    const response = await app.request("/v1/personas", {
      method: "POST",
      json: {
        name: "Ada Lovelace",
        voice_configurations: [
          { locale: "en-US", voice: "espeak/en-us+m3" },
          { locale: "de-DE", voice: "espeak/de+f5" },
        ],
      },
    });
    expect(response.status).toBe(201);
    personaId = (await response.json()).id;
  });
  afterAll(async () => {
    await app?.close();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  async function run(action: string, positionals: string[], values: Record<string, string | boolean> = {}) {
    const out: string[] = [];
    const errors: string[] = [];
    const output = new PassThrough();
    const chunks: Buffer[] = [];
    output.on("data", (chunk: Buffer) => chunks.push(chunk));
    const code = await speechCommand({
      action,
      positionals,
      values,
      environment,
      print: (line) => out.push(line),
      printError: (line) => errors.push(line),
      output,
      workingDirectory: directory,
      fetch: app.fetch,
    });
    return { code, out: out.join("\n"), errors: errors.join("\n"), bytes: Buffer.concat(chunks) };
  }

  it("reads text in the persona's voice and saves a WAV file", async () => {
    const file = path.join(directory, "ada.wav");
    const result = await run("say", ["ada", "Good", "morning,", "Charles."], { output: file });
    expect(result.code, result.errors).toBe(0);
    expect(result.errors).toMatch(
      new RegExp(`^Saved ${file} \\(\\d+\\.\\d s, voice espeak/en-us\\+m3, 22 characters\\)$`),
    );
    const bytes = new Uint8Array(fs.readFileSync(file));
    expect(isWav(bytes)).toBe(true);
    expect(decodeWav(bytes).samples.length).toBeGreaterThan(0);

    // --locale picks the persona's voice for it; by id works too.
    const german = await run("say", [personaId, "Guten Tag"], {
      output: path.join(directory, "de.wav"),
      locale: "de-DE",
    });
    expect(german.errors).toContain("voice espeak/de+f5");
  });

  it("names the file after the persona by default", async () => {
    const result = await run("say", ["Ada Lovelace", "Hello"]);
    expect(result.code, result.errors).toBe(0);
    expect(result.errors).toMatch(/^Saved Ada Lovelace\.wav /);
    expect(isWav(new Uint8Array(fs.readFileSync(path.join(directory, "Ada Lovelace.wav"))))).toBe(true);
  });

  it("writes the audio to stdout with -o -, and speaks a voice without a persona", async () => {
    const result = await run("say", ["A voice without a persona speaks."], {
      output: "-",
      voice: "espeak/en-us+f3",
      rate: "1.2",
    });
    expect(result.code, result.errors).toBe(0);
    expect(isWav(new Uint8Array(result.bytes))).toBe(true);
    expect(result.out).toBe("");
    expect(result.errors).toMatch(/^Wrote to stdout \(.*voice espeak\/en-us\+f3, 33 characters\)$/);
  });

  it("lists voices for a locale as a table, or as JSON", async () => {
    const table = await run("voices", [], { locale: "de-DE" });
    expect(table.code, table.errors).toBe(0);
    const [header, ...rows] = table.out.split("\n");
    expect(header).toMatch(/^ID\s+NAME\s+LOCALE\s+GENDER\s+BASIC$/);
    expect(rows.length).toBeGreaterThan(0);
    expect(table.out).toMatch(/espeak\/de\+f3\s+.+\s+de\S*\s+female\s+yes/);
    for (const row of rows) expect(row).toMatch(/^espeak\/\S+\s.*\sde/);

    const json = await run("voices", [], { provider: "espeak", json: true });
    const body = JSON.parse(json.out);
    expect(body.data.every((voice: { provider: string }) => voice.provider === "espeak")).toBe(true);
    expect(body.providers).toEqual(expect.arrayContaining([expect.objectContaining({ name: "scripted" })]));
    expect(body.unavailable).toEqual([]);
  });

  it("transcribes an audio file, as text or JSON", async () => {
    const wav = (await new EspeakSynthesizer().synthesize({ voice: "en-us", text: "What a lovely day." }))
      .bytes;
    const file = path.join(directory, "day.wav");
    fs.writeFileSync(file, wav);
    const plain = await run("transcribe", [file]);
    expect(plain).toMatchObject({ code: 0, out: "what a lovely day it is" });

    const json = await run("transcribe", [file], { locale: "en-GB", recognizer: "scripted", json: true });
    expect(json.code, json.errors).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({
      text: "what a lovely day it is",
      language: "en-GB",
      recognizer: "scripted",
    });
    expect(recognizer.heard.at(-1)).toMatchObject({ locale: "en-GB", contentType: "audio/wav" });
    expect(Buffer.from(recognizer.heard.at(-1)!.audio).equals(Buffer.from(wav))).toBe(true);
  });

  it("says what is wrong: an unknown persona, a server's 400, a bad command line", async () => {
    const unknown = await run("say", ["Nobody", "hello"], { output: path.join(directory, "x.wav") });
    expect(unknown.code).toBe(1);
    expect(unknown.errors).toMatch(/^dramatis say: no persona named "Nobody"; choose one of:/);
    expect(unknown.errors).toContain("Ada Lovelace");

    const badVoice = await run("say", ["hi"], { voice: "nobody/x", output: "-" });
    expect(badVoice.code).toBe(1);
    expect(badVoice.errors).toMatch(/^dramatis say: .*unknown voice "nobody\/x"/);
    expect(badVoice.bytes.length).toBe(0);

    const badLocale = await run("voices", [], { locale: "not a locale" });
    expect(badLocale.code).toBe(1);
    expect(badLocale.errors).toContain("must be a language tag");

    const unknownRecognizer = await run("transcribe", [path.join(directory, "day.wav")], {
      recognizer: "nobody",
    });
    expect(unknownRecognizer.code).toBe(1);

    expect((await run("say", ["Ada"])).code).toBe(2);
    expect((await run("say", ["Ada", "hi"], { rate: "fast" })).code).toBe(2);
    expect((await run("transcribe", [path.join(directory, "missing.wav")])).errors).toContain("ENOENT");
  });

  it("is registered with its options in the command line", async () => {
    const lines: string[] = [];
    const code = await runCli(["say", "--help"], {
      print: (line) => lines.push(line),
      printError: (line) => lines.push(line),
      environment,
    });
    expect(code).toBe(0);
    expect(lines.join("\n")).toMatch(/--voice <id>[\s\S]*--rate <rate>[\s\S]*say --voice espeak\/en-us/);
  });
});
