import { describe, expect, it } from "vitest";
import { countSmsSegments } from "./sms-segments.ts";
import { capSmsBody, SMS_MAX_CHARACTERS } from "./sms-sender.ts";

describe("countSmsSegments", () => {
  it.each([
    ["", "GSM-7", 0, 1],
    ["Hello", "GSM-7", 5, 1],
    ["a".repeat(160), "GSM-7", 160, 1],
    ["a".repeat(161), "GSM-7", 161, 2],
    ["a".repeat(306), "GSM-7", 306, 2],
    ["a".repeat(307), "GSM-7", 307, 3],
    ["a".repeat(459), "GSM-7", 459, 3],
    ["a".repeat(460), "GSM-7", 460, 4],
    // GSM-7's own accented letters and symbols are one septet each
    ["àÄöÑüßÉ£¥§¿¡ΔΩ@$_!", "GSM-7", 18, 1],
  ] as const)("GSM-7 %#: %s", (text, encoding, units, segments) => {
    expect(countSmsSegments(text)).toEqual({ encoding, units, segments });
  });

  it("counts the extension characters { } [ ] ~ \\ | ^ € as two septets", () => {
    for (const character of ["{", "}", "[", "]", "~", "\\", "|", "^", "€"]) {
      expect(countSmsSegments(character), character).toEqual({ encoding: "GSM-7", units: 2, segments: 1 });
    }
    expect(countSmsSegments("{".repeat(80))).toEqual({ encoding: "GSM-7", units: 160, segments: 1 });
    expect(countSmsSegments("{".repeat(81))).toEqual({ encoding: "GSM-7", units: 162, segments: 2 });
    expect(countSmsSegments(`${"a".repeat(159)}€`)).toEqual({ encoding: "GSM-7", units: 161, segments: 2 });
  });

  it("never splits an escape sequence across parts", () => {
    // 152 septets, then a two-septet character: it does not fit the first part's 153 and starts the
    // second, so 306 septets (exactly two parts' worth) take three parts
    const text = `${"a".repeat(152)}€${"a".repeat(152)}`;
    expect(countSmsSegments(text)).toEqual({ encoding: "GSM-7", units: 306, segments: 3 });
    expect(countSmsSegments(`${"a".repeat(151)}€${"a".repeat(151)}`).segments).toBe(2);
  });

  it.each([
    ["ç", 1, 1], // lower-case c cedilla is not in GSM-7 (only Ç is)
    ["Hello ☀", 7, 1],
    ["é".repeat(69) + "ç", 70, 1],
    ["ç".repeat(71), 71, 2],
    ["ç".repeat(134), 134, 2],
    ["ç".repeat(135), 135, 3],
    ["“quoted”", 8, 1],
  ] as const)("UCS-2 %#", (text, units, segments) => {
    expect(countSmsSegments(text)).toEqual({ encoding: "UCS-2", units, segments });
  });

  it("makes the whole message Unicode for one character outside GSM-7", () => {
    const text = `${"a".repeat(100)}😀`;
    // an emoji is a surrogate pair: two UTF-16 units; 102 units need two parts of 67
    expect(countSmsSegments(text)).toEqual({ encoding: "UCS-2", units: 102, segments: 2 });
  });

  it("never splits a surrogate pair across parts", () => {
    expect(countSmsSegments(`${"a".repeat(66)}😀${"a".repeat(66)}`)).toEqual({
      encoding: "UCS-2",
      units: 134,
      segments: 3,
    });
    expect(countSmsSegments("😀".repeat(35))).toEqual({ encoding: "UCS-2", units: 70, segments: 1 });
    expect(countSmsSegments("😀".repeat(36))).toEqual({ encoding: "UCS-2", units: 72, segments: 2 });
  });
});

describe("capSmsBody", () => {
  it("keeps texts within Twilio's 1,600 characters, cutting at a word and never inside an emoji", () => {
    expect(capSmsBody("  short  ")).toBe("short");
    const exact = "a".repeat(SMS_MAX_CHARACTERS);
    expect(capSmsBody(exact)).toBe(exact);
    const words = "word ".repeat(400);
    const capped = capSmsBody(words);
    expect([...capped].length).toBeLessThanOrEqual(SMS_MAX_CHARACTERS);
    expect(capped.endsWith("word…")).toBe(true);
    const emoji = capSmsBody("😀".repeat(2000));
    expect([...emoji]).toHaveLength(SMS_MAX_CHARACTERS);
    expect(emoji.endsWith("😀…")).toBe(true);
  });
});
