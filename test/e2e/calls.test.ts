import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EspeakSynthesizer } from "../../src/speech/espeak-synthesizer.ts";
import { decodeWav, encodeWav } from "../../src/speech/wav.ts";
import { startMockSpeech, type MockSpeech } from "../mock-speech.ts";
import {
  CHROMIUM_PATH,
  openDesktopSession,
  openPhonePage,
  screenshot,
  setUpFirstAdmin,
  sidewaysOverflow,
  type DesktopSession,
} from "./browser.ts";

const HEARD = "what is the weather like today";
/** Long enough (several seconds spoken) that the caller's first words talk over it. */
const FIRST_MESSAGE =
  "Hello, this is Ada on the line. I am glad you called, and I would love to hear what is on your mind today.";

/**
 * What Chromium's fake microphone plays, looped: quiet while the persona opens, then the question (which
 * talks over the long first message), a pause in which the reply starts, the question again (over the
 * reply, when it is still playing), and a long quiet.
 */
async function microphoneWav(): Promise<Uint8Array> {
  const clip = decodeWav(
    (await new EspeakSynthesizer().synthesize({ voice: "en-us", text: "What is the weather like today?" }))
      .bytes,
  );
  const rate = clip.sampleRate;
  const quiet = (seconds: number) => new Float32Array(Math.round(rate * seconds));
  const parts = [quiet(2.5), clip.samples, quiet(2.5), clip.samples, quiet(5)];
  const samples = new Float32Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    samples.set(part, offset);
    offset += part.length;
  }
  return encodeWav({ samples, sampleRate: rate });
}

/** The number of pieces of the persona's audio the call screen has started on its AudioContext. */
async function audioPiecesStarted(page: Page): Promise<number> {
  return Number((await page.locator(".call-screen").getAttribute("data-audio-pieces-started")) ?? 0);
}

/**
 * Live calls in the browser, with Chromium's fake microphone (an eSpeak recording) and a loopback
 * recognizer that always hears HEARD: the persona opens with its first message (shown and played), the
 * caller's words are transcribed and answered with the latency shown, talking over the persona stops it,
 * a call reaches its time limit and is recorded, another ends by silence; the history lists both.
 */
describe.skipIf(!CHROMIUM_PATH)("live calls in the browser", () => {
  let session: DesktopSession;
  let page: Page;
  let mock: MockSpeech;
  let directory = "";
  let personaId = "";

  const url = (where: string) => new URL(where, session.web.server.url).toString();
  const api = (where: string, init: { method?: string; json?: unknown } = {}): Promise<any> =>
    page.evaluate(
      async ({ where, init }) => {
        const signedIn = (await (await fetch("/v1/auth/session")).json()) as { csrf_token: string };
        const csrf = signedIn.csrf_token;
        const response = await fetch(where, {
          method: init.method ?? "GET",
          headers: { "content-type": "application/json", "x-csrf-token": csrf },
          ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
        });
        return response.json();
      },
      { where, init },
    );

  beforeAll(async () => {
    mock = await startMockSpeech({ transcript: HEARD });
    directory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-calls-e2e-"));
    const microphone = path.join(directory, "microphone.wav");
    fs.writeFileSync(microphone, await microphoneWav());
    session = await openDesktopSession("e2e-calls-0123456", {
      environment: {
        DRAMATIS_SPEECH_PROVIDERS: JSON.stringify([
          { name: "fake", kind: "openai-compatible", base_url: `${mock.baseUrl}/v1`, api_key: mock.key },
        ]),
        DRAMATIS_TRANSCRIPTION: "fake",
        DRAMATIS_OFFLINE_TRANSCRIPTION: "off",
      },
      chromiumArgs: [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        `--use-file-for-fake-audio-capture=${microphone}`,
        "--autoplay-policy=no-user-gesture-required",
      ],
    });
    page = session.page;
    await session.context.grantPermissions(["microphone"], {
      origin: new URL(session.web.server.url).origin,
    });
    await setUpFirstAdmin(page, session.web.setupUrl, "Cal");
    const persona = await api("/v1/personas", {
      method: "POST",
      json: {
        name: "Ada",
        voice_configurations: [
          {
            locale: "en-US",
            voice: "espeak/en-us+f3",
            first_speaker: "agent",
            first_message: FIRST_MESSAGE,
            silence_timeout_seconds: 8,
            max_duration_seconds: 10,
            recording: true,
          },
          { locale: "en-GB", voice: "espeak/en", first_speaker: "user", silence_timeout_seconds: 1 },
        ],
      },
    });
    personaId = persona.id;
    expect(personaId).toMatch(/^psn_/);
  }, 60_000);

  afterAll(async () => {
    await session?.stop();
    await mock?.close();
    if (directory) fs.rmSync(directory, { recursive: true, force: true });
  });

  it("opens, hears and answers the caller, is talked over, and ends at its time limit with a recording", async () => {
    await page.goto(url(`/personas/${personaId}`));
    await page.getByLabel("Call language").selectOption("en-US");
    await page.getByRole("button", { name: "Call", exact: true }).click();
    await page.waitForURL(/\/calls\/cal_[A-Za-z0-9]+$/);
    const screen = page.getByRole("region", { name: "Call with Ada" });
    const transcript = screen.getByRole("list", { name: "Live transcript" });

    // The persona speaks first: its first message is shown and its audio plays.
    const opening = transcript.locator("[data-kind=agent]").filter({ hasText: FIRST_MESSAGE });
    await opening.waitFor();
    await expect.poll(() => audioPiecesStarted(page)).toBeGreaterThan(0);
    await screen.getByRole("button", { name: "Hang up" }).waitFor();

    // The caller's words (talking over the opening: it stops) are heard and answered, with the latency.
    await opening.locator(".call-interrupted").waitFor();
    await transcript.locator("[data-kind=user]").filter({ hasText: HEARD }).first().waitFor();
    const reply = transcript.locator("[data-kind=reply]").first();
    await reply.waitFor();
    expect(await reply.locator(".call-latency").innerText()).toMatch(/^\d+ ms$|^\d+\.\d s$/);
    // The offline engine's reply is long: the question, looping, talks over it, and it stops.
    await reply.locator(".call-interrupted").waitFor();
    await screenshot(page, "call-live");

    // The time limit (10 s) ends it, with the goodbye, and the summary says so.
    const summary = page.getByRole("region", { name: "Call summary" });
    await summary.getByText("Time limit reached.").waitFor({ timeout: 30_000 });
    await summary.getByText("Median latency").waitFor();
    await summary.locator("audio[aria-label='Call recording']").waitFor({ state: "attached" });
    const download = summary.getByRole("link", { name: "Download recording" });
    const recordingUrl = await download.getAttribute("href");
    const served = await page.evaluate<{ status: number; type: string | null }, string>(
      (where) =>
        fetch(where).then((response) => ({
          status: response.status,
          type: response.headers.get("content-type"),
        })),
      recordingUrl!,
    );
    expect(served).toEqual({ status: 200, type: "audio/wav" });
    await summary.getByRole("link", { name: "Open the conversation" }).waitFor();
    await screenshot(page, "call-ended");

    // Escape leaves the ended call for where it was started; the history lists it with its recording.
    await page.keyboard.press("Escape");
    await page.waitForURL(/\/personas\/psn_[a-z0-9]+$/);
    const history = page.getByRole("list", { name: "Calls with Ada" });
    const item = history.getByRole("listitem").first();
    await item.getByText("Time limit").waitFor();
    await item.locator("audio[aria-label='Call recording']").waitFor({ state: "attached" });
    await item.getByRole("button", { name: "Show transcript" }).click();
    await item.getByRole("list", { name: "Call transcript" }).getByText(FIRST_MESSAGE).waitFor();
    expect(mock.requests.some((request) => request.path === "/v1/audio/transcriptions")).toBe(true);
    expect(session.errors).toEqual([]);
  }, 60_000);

  it("calls from the conversation in the language chosen, muted, ends after the silence; Escape hangs up", async () => {
    const calls = await api(`/v1/calls?persona_id=${personaId}`);
    const conversationId = calls.data[0].conversation_id as string;
    await page.goto(url(`/chat/${conversationId}`));
    await page.getByLabel("Call language").selectOption("en-GB");
    await page.getByRole("button", { name: "Call", exact: true }).click();
    await page.waitForURL(/\/calls\/cal_[A-Za-z0-9]+$/);
    const screen = page.getByRole("region", { name: "Call with Ada" });
    const mute = screen.getByRole("button", { name: "Mute" });
    await mute.click();
    await screen.getByRole("button", { name: "Unmute" }).waitFor();

    const summary = page.getByRole("region", { name: "Call summary" });
    await summary.getByText("The call ended after 1 s of silence.").waitFor({ timeout: 20_000 });
    // The goodbye was said (and shown) before the end.
    await screen.locator("[data-kind=agent]").first().waitFor();
    await summary.getByRole("link", { name: "Open the conversation" }).click();
    await page.waitForURL(new RegExp(`/chat/${conversationId}$`));

    // Escape during a call (the first language again: the menu starts on it) hangs up.
    await page.getByRole("button", { name: "Call", exact: true }).click();
    await page.waitForURL(/\/calls\/cal_[A-Za-z0-9]+$/);
    await page.locator(".call-screen[data-phase=live]").waitFor();
    await page.keyboard.press("Escape");
    await page.getByRole("region", { name: "Call summary" }).getByText("You hung up.").waitFor();

    const history = () => api(`/v1/calls?persona_id=${personaId}`);
    // The server stores the call as it closes the stream: wait for that.
    await expect.poll(async () => (await history()).data[0].end_reason).toBe("hangup");
    const after = await history();
    expect(after.data).toHaveLength(3);
    expect(after.data[0]).toMatchObject({ end_reason: "hangup", locale: "en-US" });
    after.data.shift();
    expect(after.data[0]).toMatchObject({
      locale: "en-GB",
      conversation_id: conversationId,
      end_reason: "silence_timeout",
      recording: null,
    });
    expect(session.errors).toEqual([]);
  }, 60_000);

  it("shows a finished call and the history on a phone, without sideways scrolling", async () => {
    const calls = await api(`/v1/calls?persona_id=${personaId}`);
    const recorded = (calls.data as Array<{ id: string; end_reason: string }>).find(
      (call) => call.end_reason === "max_duration",
    )!;
    const { phone, phonePage } = await openPhonePage(session.browser, session.context, session.errors);
    // Opened from a link (not running in this tab): how the call went.
    await phonePage.goto(url(`/calls/${recorded.id}`));
    await phonePage.getByText("Time limit reached.").waitFor();
    await phonePage.getByRole("link", { name: "Download recording" }).waitFor();
    expect(await sidewaysOverflow(phonePage)).toBeLessThanOrEqual(0);
    await phonePage.goto(url(`/personas/${personaId}`));
    const history = phonePage.getByRole("list", { name: "Calls with Ada" });
    await history.getByRole("button", { name: "Show transcript" }).first().click();
    await history.getByRole("list", { name: "Call transcript" }).waitFor();
    expect(await sidewaysOverflow(phonePage)).toBeLessThanOrEqual(0);
    await screenshot(phonePage, "call-history-phone");
    await phone.close();
    expect(session.errors).toEqual([]);
  }, 30_000);
});
