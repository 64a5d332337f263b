import { describe, expect, it } from "vitest";
import { EspeakSynthesizer } from "./espeak-synthesizer.ts";
import { PocketSphinxRecognizer } from "./pocketsphinx-recognizer.ts";
import { SpeechInputError } from "./speech.ts";

const recognizer = PocketSphinxRecognizer.find();

describe.skipIf(!recognizer)("PocketSphinx (Debian's pocketsphinx, when installed)", () => {
  it("hears words in the embedded voice's speech, offline", async () => {
    const clip = await new EspeakSynthesizer().synthesize({
      voice: "en-us",
      text: "What is the weather like today?",
      rate: 0.9,
    });
    const result = await recognizer!.transcribe({ audio: clip.bytes, contentType: "audio/wav" });
    // Basic recognition of a robotic voice: some of the words, not all of them.
    const heard = result.text.toLowerCase().split(/\s+/);
    expect(
      ["what", "weather", "like", "today"].filter((word) => heard.includes(word)).length,
    ).toBeGreaterThanOrEqual(2);
    expect(result.durationSeconds).toBeGreaterThan(1);
  });

  it("refuses audio it cannot read, saying what it takes", async () => {
    await expect(
      recognizer!.transcribe({ audio: new Uint8Array([0xff, 0xfb, 0x90, 0x00]), contentType: "audio/mpeg" }),
    ).rejects.toThrow(SpeechInputError);
  });
});
