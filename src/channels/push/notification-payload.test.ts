import { describe, expect, it } from "vitest";
import { shortenNotificationText } from "./notification-payload.ts";

describe("shortenNotificationText", () => {
  it("collapses whitespace and keeps short texts whole", () => {
    expect(shortenNotificationText("Good morning!\n\n  Did the interview go well?")).toBe(
      "Good morning! Did the interview go well?",
    );
  });

  it("cuts long texts at a word boundary with an ellipsis, never inside an emoji", () => {
    const long = `${"word ".repeat(60)}end`;
    const short = shortenNotificationText(long, 50);
    expect([...short].length).toBeLessThanOrEqual(50);
    expect(short.endsWith("word…")).toBe(true);
    const emoji = shortenNotificationText("😀".repeat(30), 10);
    expect(emoji).toBe(`${"😀".repeat(9)}…`);
  });
});
