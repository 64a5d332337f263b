import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page, Response } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EspeakSynthesizer } from "../../src/speech/espeak-synthesizer.ts";
import { startMockSpeech, type MockSpeech, type RecordedUpload } from "../mock-speech.ts";
import {
  CHROMIUM_PATH,
  openDesktopSession,
  screenshot,
  setUpFirstAdmin,
  type DesktopSession,
} from "./browser.ts";

const HEARD = "tell me about your day";

/** Answered 200 with a WAV body. */
function isWav(response: Response): boolean {
  return response.status() === 200 && (response.headers()["content-type"] ?? "").startsWith("audio/wav");
}

/**
 * Counts `playing` events of every <audio> in the page (they do not bubble, so a capturing listener on the
 * document), to wait for a sound to have really started.
 */
async function watchPlaying(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    if (window.__playing) return;
    window.__playing = [];
    document.addEventListener("playing", (event) => window.__playing.push(event.target.currentSrc), true);
  })()`);
}

function playedSoFar(page: Page): Promise<string[]> {
  return page.evaluate<string[]>("window.__playing ?? []");
}

/**
 * Speech in the browser: the builder's voice picker (voices of the locale, previews, the choice saved),
 * replies read aloud on request and by Auto-play, and a voice message from Chromium's fake microphone
 * (playing an eSpeak recording) transcribed by a loopback recognizer and sent with its recording.
 */
describe.skipIf(!CHROMIUM_PATH)("speech in the browser", () => {
  let session: DesktopSession;
  let page: Page;
  let mock: MockSpeech;
  let directory = "";
  /** The preset the chat tests talk to. */
  let presetName = "";

  const url = (where: string) => new URL(where, session.web.server.url).toString();
  const apiGet = (where: string): Promise<any> =>
    page.evaluate(`fetch(${JSON.stringify(where)}).then((response) => response.json())`);

  beforeAll(async () => {
    mock = await startMockSpeech({ transcript: HEARD });
    directory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-speech-e2e-"));
    const spoken = await new EspeakSynthesizer().synthesize({
      voice: "en-us",
      text: "Tell me about your day.",
    });
    const microphone = path.join(directory, "microphone.wav");
    fs.writeFileSync(microphone, spoken.bytes);
    session = await openDesktopSession("e2e-speech-0123456", {
      environment: {
        DRAMATIS_SPEECH_PROVIDERS: JSON.stringify([
          { name: "fake", kind: "openai-compatible", base_url: `${mock.baseUrl}/v1`, api_key: mock.key },
          // A loopback fake of Azure Speech: its voice list per locale and its SSML synthesis.
          { name: "azure", kind: "azure", base_url: mock.baseUrl, api_key: mock.key },
        ]),
        DRAMATIS_TRANSCRIPTION: "fake",
      },
      chromiumArgs: [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        `--use-file-for-fake-audio-capture=${microphone}`,
        // Auto-play reads a reply that arrives without a click; a person has clicked before, a test may not have.
        "--autoplay-policy=no-user-gesture-required",
      ],
    });
    page = session.page;
    await session.context.grantPermissions(["microphone"], {
      origin: new URL(session.web.server.url).origin,
    });
    await setUpFirstAdmin(page, session.web.setupUrl, "Vera");
  }, 60_000);

  afterAll(async () => {
    await session?.stop();
    await mock?.close();
    if (directory) fs.rmSync(directory, { recursive: true, force: true });
  });

  it("lists the voices of the locale, previews one, and saves the one chosen", async () => {
    await page.goto(url("/personas"));
    await page.getByRole("button", { name: "Use this template" }).first().click();
    await page.waitForURL(/\/personas\/psn_[a-z0-9]+$/);
    const personaId = new URL(page.url()).pathname.split("/").pop()!;
    await page.getByLabel("Name", { exact: true }).fill("Orla");
    await page
      .getByRole("navigation", { name: "Persona sections" })
      .getByText("Voice", { exact: true })
      .click();
    await page.getByRole("button", { name: "Add a voice configuration" }).click();

    const voices = await apiGet("/v1/voices?locale=en-US");
    const wanted = voices.data.find((voice: { id: string }) => voice.id === "espeak/en-us+f3");
    expect(wanted, JSON.stringify(voices.data.map((voice: { id: string }) => voice.id))).toBeDefined();
    const list = page.getByRole("group", { name: "Voices for en-US" });
    const radio = list.getByRole("radio", { name: wanted.display_name, exact: true });
    await radio.waitFor();
    await list.getByText("Basic", { exact: true }).first().waitFor();
    await list.scrollIntoViewIfNeeded();
    await screenshot(page, "persona-voice-picker");

    // Searching keeps the matching voices only.
    await page.getByLabel("Search voices").fill("female, soft");
    await expect.poll(() => radio.count()).toBe(0);
    await page.getByLabel("Search voices").fill("");
    await radio.waitFor();

    await watchPlaying(page);
    const preview = page.waitForResponse(
      (response) => response.url().includes("/preview") && isWav(response),
    );
    await list.getByRole("button", { name: `Preview ${wanted.display_name}`, exact: true }).click();
    await preview;
    await expect
      .poll(async () => (await playedSoFar(page)).some((src) => src.includes("/preview")))
      .toBe(true);

    // Azure's voices of the locale are offered too, each with a preview synthesized by Azure.
    const jenny = list.getByRole("radio", { name: "Jenny", exact: true });
    await jenny.waitFor();
    const azurePreview = page.waitForResponse(
      (response) => response.url().includes("azure%2Fen-US-JennyNeural/preview") && isWav(response),
    );
    await list.getByRole("button", { name: "Preview Jenny", exact: true }).click();
    await azurePreview;
    const synthesis = mock.requests.find((request) => request.path === "/cognitiveservices/v1");
    expect(Buffer.from(synthesis!.body).toString()).toContain('<voice name="en-US-JennyNeural">');
    const german = await apiGet("/v1/voices?locale=de-DE&provider=azure");
    expect(german.data.map((voice: { id: string }) => voice.id)).toEqual([
      "azure/de-DE-SeraphinaMultilingualNeural",
    ]);

    await radio.check();
    await page.getByRole("slider", { name: "Speech rate" }).fill("1.25");
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByText(/saved/i).first().waitFor();
    const persona = await apiGet(`/v1/personas/${personaId}`);
    const configuration = persona.voice_configurations[0];
    expect(configuration).toMatchObject({ locale: "en-US", voice: "espeak/en-us+f3", speech_rate: 1.25 });
    expect(session.errors).toEqual([]);
  }, 60_000);

  it("reads a reply aloud, and reads new replies by itself with Auto-play on", async () => {
    const presets = await apiGet("/v1/personas?kind=preset&limit=1");
    const preset = presets.data[0];
    presetName = preset.name;
    await page.goto(url(`/chat?persona=${preset.id}`));
    await page.waitForURL(/\/chat\/cnv_[a-z0-9]+$/);
    const replies = page.getByRole("listitem", { name: preset.name, exact: true });
    const before = await replies.count();
    await page.getByLabel("Message", { exact: true }).fill("Good evening.");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await expect.poll(() => replies.count()).toBe(before + 1);
    const reply = replies.last();
    const readAloud = reply.getByRole("button", { name: "Read aloud" });

    await watchPlaying(page);
    const audio = page.waitForResponse((response) => response.url().includes("/audio/") && isWav(response));
    await readAloud.click();
    await audio;
    await expect
      .poll(async () => (await playedSoFar(page)).some((src) => src.includes("/audio/")))
      .toBe(true);
    await screenshot(page, "chat-read-aloud");

    await page.getByLabel("Auto-play replies").check();
    const played = (await playedSoFar(page)).length;
    const autoRead = page.waitForResponse(
      (response) => response.request().method() === "POST" && response.url().endsWith("/speech"),
    );
    await page.getByLabel("Message", { exact: true }).fill("And what happened next?");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    expect((await autoRead).status()).toBe(200);
    await expect.poll(async () => (await playedSoFar(page)).length).toBeGreaterThan(played);

    // The choice is remembered in this browser.
    await page.reload();
    await page.getByLabel("Auto-play replies").waitFor();
    expect(await page.getByLabel("Auto-play replies").isChecked()).toBe(true);
    await page.getByLabel("Auto-play replies").uncheck();
    expect(session.errors).toEqual([]);
  }, 60_000);

  it("sends a voice message: recorded as WAV, transcribed, kept with the message, answered", async () => {
    const replies = page.getByRole("listitem", { name: presetName, exact: true });
    const before = await replies.count();
    const record = page.getByRole("button", { name: "Record a voice message" });
    // By keyboard: Enter starts, Escape drops the recording without sending anything.
    const uploadsBefore = mock.requests.length;
    await record.focus();
    await page.keyboard.press("Enter");
    await page.getByText("Recording…").waitFor();
    await page.keyboard.press("Escape");
    await record.waitFor();
    await page.getByText("Recording…").waitFor({ state: "detached" });
    expect(mock.requests.length).toBe(uploadsBefore);

    await record.click();
    await page.getByText("Recording…").waitFor();
    // The one deliberate wait: the fake microphone plays the eSpeak clip while the recording runs.
    await page.waitForTimeout(1_500);
    await page.getByRole("button", { name: "Stop and send the voice message" }).click();

    const mine = page.getByRole("listitem", { name: "You (No Persona)" }).filter({ hasText: HEARD });
    const recording = mine.locator("audio[aria-label='Your voice message']");
    await recording.waitFor({ state: "attached" });
    // The reply streamed in and ended, as for a typed message.
    await expect.poll(() => replies.count()).toBe(before + 1);
    await page.getByRole("button", { name: "Send", exact: true }).waitFor();
    expect(await replies.last().getByRole("button", { name: "Read aloud" }).count()).toBe(1);
    await screenshot(page, "chat-voice-message");

    // The recognizer got a 16 kHz mono WAV.
    const upload = mock.requests.find((request) => request.path === "/v1/audio/transcriptions")?.form
      ?.file as RecordedUpload | undefined;
    expect(upload).toBeDefined();
    const header = new DataView(upload!.bytes.buffer, upload!.bytes.byteOffset, 44);
    expect(new TextDecoder().decode(upload!.bytes.subarray(0, 4))).toBe("RIFF");
    expect(header.getUint16(22, true)).toBe(1);
    expect(header.getUint32(24, true)).toBe(16_000);

    // It is the microphone's sound (the eSpeak clip), not silence.
    const samples = new Int16Array(upload!.bytes.slice(44).buffer);
    expect(Math.max(...Array.from(samples, Math.abs))).toBeGreaterThan(1_000);

    // The recording plays back from the server.
    const src = await recording.getAttribute("src");
    const served = await page.evaluate<{ status: number; type: string }>(
      `fetch(${JSON.stringify(src)}).then((response) => ({ status: response.status, type: response.headers.get("content-type") }))`,
    );
    expect(served).toEqual({ status: 200, type: "audio/wav" });
    expect(session.errors).toEqual([]);
  }, 60_000);
});
