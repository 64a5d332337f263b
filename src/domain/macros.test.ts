import { describe, expect, it } from "vitest";
import { expandMacros, expandNameMacros, humanDuration, type MacroContext } from "./macros.ts";

/** A sequence of "random" numbers, repeated: each test states exactly what the dice and lists get. */
function scripted(...values: number[]): () => number {
  let index = 0;
  return () => values[index++ % values.length] as number;
}

function context(overrides: Partial<MacroContext> = {}): MacroContext {
  return {
    char: "Vex",
    user: "Sam",
    // A Sunday, 14:05 UTC
    now: new Date("2026-12-06T14:05:00Z"),
    timeZone: "UTC",
    previousUserMessageAt: null,
    seed: "cnv_1",
    random: scripted(0),
    ...overrides,
  };
}

describe("expandMacros", () => {
  it("replaces the names, whatever their case, and the legacy placeholders of old cards", () => {
    expect(expandMacros("{{char}} greets {{user}}. {{Char}}/{{USER}}/{{ user }}", context())).toBe(
      "Vex greets Sam. Vex/Sam/Sam",
    );
    expect(expandMacros("<BOT> and <CHAR> meet <USER> (<user>)", context())).toBe(
      "Vex and Vex meet Sam (Sam)",
    );
  });

  it("leaves unknown macros, unclosed braces and other angle brackets as they are", () => {
    const text = "{{unknown}} {{char:x}} {{ }} {{char <b>bold</b> {{}} }} {{";
    expect(expandMacros(text, context())).toBe("{{unknown}} {{char:x}} {{ }} {{char <b>bold</b> {{}} }} {{");
    expect(expandMacros("no macros at all", context())).toBe("no macros at all");
  });

  it("never scans a replaced value again", () => {
    expect(expandMacros("Hi {{user}}", context({ user: "{{char}} <BOT>" }))).toBe("Hi {{char}} <BOT>");
  });

  it("takes the last pair in a run of braces, like a plain text replace would", () => {
    expect(expandMacros("{{{char}}}", context())).toBe("{Vex}");
  });

  it("replaces inner macros first, so lists can hold names", () => {
    expect(expandMacros("{{random:{{char}},{{user}}}}", context({ random: scripted(0.9) }))).toBe("Sam");
  });

  it("replaces {{original}} once and removes repeats; leaves it where nothing is replaced", () => {
    expect(expandMacros("{{original}} Also: be kind. {{original}}", context({ original: "Base." }))).toBe(
      "Base. Also: be kind. ",
    );
    expect(expandMacros("{{original}}", context())).toBe("{{original}}");
  });

  it("tells the time, date and weekday in the context's time zone", () => {
    expect(expandMacros("{{time}} on {{weekday}}, {{date}}", context())).toBe(
      "2:05 PM on Sunday, December 6, 2026",
    );
    expect(
      expandMacros("{{time}} {{weekday}} {{isodate}} {{isotime}}", context({ timeZone: "Asia/Tokyo" })),
    ).toBe("11:05 PM Sunday 2026-12-06 23:05");
    expect(expandMacros("{{weekday}} {{date}}", context({ timeZone: "Pacific/Kiritimati" }))).toBe(
      "Monday December 7, 2026",
    );
    expect(expandMacros("{{time_UTC+2}} {{time_utc-5}}", context())).toBe("4:05 PM 9:05 AM");
  });

  it("falls back to UTC for a zone it does not know", () => {
    expect(expandMacros("{{time}}", context({ timeZone: "Mars/Olympus" }))).toBe("2:05 PM");
  });

  it("says how long the user was away, or 'just now' when they never wrote", () => {
    const now = new Date("2026-12-06T14:05:00Z");
    const since = (iso: string) =>
      expandMacros("{{idle_duration}}", context({ now, previousUserMessageAt: new Date(iso) }));
    expect(since("2026-12-06T12:00:00Z")).toBe("2 hours");
    expect(since("2026-12-06T14:04:50Z")).toBe("a few seconds");
    expect(since("2026-12-03T14:05:00Z")).toBe("3 days");
    expect(expandMacros("{{idle_duration}}", context())).toBe("just now");
  });

  it("chooses {{random}} items with the injected randomness, in both list forms", () => {
    expect(expandMacros("{{random:red, green ,blue}}", context({ random: scripted(0.5) }))).toBe("green");
    expect(expandMacros("{{random::a, b::c}}", context({ random: scripted(0.1) }))).toBe("a, b");
    expect(expandMacros("{{random: x\\,y, z}}", context({ random: scripted(0) }))).toBe("x,y");
    expect(
      expandMacros("{{RANDOM:one,two}} {{random:one,two}}", context({ random: scripted(0.99, 0) })),
    ).toBe("two one");
  });

  it("picks the same item for the same seed, text and position, and spreads over positions", () => {
    const text = "{{pick:a,b,c,d,e,f,g,h}}";
    const first = expandMacros(text, context({ seed: "cnv_1", random: () => 0 }));
    expect(expandMacros(text, context({ seed: "cnv_1", random: () => 0.99 }))).toBe(first);
    const picks = new Set(
      Array.from({ length: 40 }, (_, index) => expandMacros(text, context({ seed: `cnv_${index}` }))),
    );
    expect(picks.size).toBeGreaterThan(3);
    const repeated = expandMacros(`${text} ${text} ${text} ${text} ${text} ${text}`, context());
    expect(new Set(repeated.split(" ")).size).toBeGreaterThan(1);
    expect(expandMacros("{{pick::x::y}}", context())).toMatch(/^[xy]$/);
  });

  it("rolls dice with the injected randomness", () => {
    expect(expandMacros("{{roll:d20}}", context({ random: scripted(0.999) }))).toBe("20");
    expect(expandMacros("{{roll:d20}}", context({ random: scripted(0) }))).toBe("1");
    expect(expandMacros("{{roll:2d6+1}}", context({ random: scripted(0.5, 0.99) }))).toBe("11");
    expect(expandMacros("{{roll 3d4-2}}", context({ random: scripted(0) }))).toBe("1");
    expect(expandMacros("{{roll:20}}", context({ random: scripted(0.5) }))).toBe("11");
    expect(expandMacros("{{roll:lots}} {{roll:0d6}} {{roll:5000d6}}", context())).toBe(
      "{{roll:lots}} {{roll:0d6}} {{roll:5000d6}}",
    );
  });

  it("knows the small helpers: newline, noop and comments", () => {
    expect(expandMacros("a{{newline}}b{{noop}}c{{// a note for the author}}", context())).toBe("a\nbc");
  });

  it("copes with hostile nesting and unmatched braces (linear matching, bounded depth)", () => {
    const unmatched = "{{".repeat(10_000) + "{{char}}" + "}}".repeat(3);
    expect(expandMacros(unmatched, context())).toBe(`${"{".repeat(20_000)}Vex${"}".repeat(6)}`);
    const nested = "{{random:".repeat(2000) + "x" + "}}".repeat(2000);
    expect(expandMacros(nested, context())).toContain("{{random:");
  });
});

describe("expandNameMacros", () => {
  it("replaces only the names", () => {
    expect(
      expandNameMacros("{{char}} to <USER>: {{roll:d20}} at {{time}}", { char: "Vex", user: "Sam" }),
    ).toBe("Vex to Sam: {{roll:d20}} at {{time}}");
  });
});

describe("humanDuration", () => {
  it("rounds as people say it", () => {
    const minute = 60_000;
    expect(humanDuration(70_000)).toBe("a minute");
    expect(humanDuration(10 * minute)).toBe("10 minutes");
    expect(humanDuration(60 * minute)).toBe("an hour");
    expect(humanDuration(30 * 60 * minute)).toBe("a day");
    expect(humanDuration(40 * 24 * 60 * minute)).toBe("a month");
    expect(humanDuration(100 * 24 * 60 * minute)).toBe("3 months");
    expect(humanDuration(400 * 24 * 60 * minute)).toBe("a year");
    expect(humanDuration(800 * 24 * 60 * minute)).toBe("2 years");
    expect(humanDuration(-5)).toBe("a few seconds");
  });
});
