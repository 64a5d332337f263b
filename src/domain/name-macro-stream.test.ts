import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expandNameMacros } from "./macros.ts";
import { NameMacroStream } from "./name-macro-stream.ts";

const names = { char: "Vex", user: "Sam" };

function streamed(deltas: string[]): { pieces: string[]; text: string } {
  const stream = new NameMacroStream(names);
  const pieces = deltas.map((delta) => stream.push(delta));
  pieces.push(stream.flush());
  return { pieces, text: pieces.join("") };
}

describe("NameMacroStream", () => {
  it("replaces a placeholder split over deltas", () => {
    const { pieces, text } = streamed(["Hello {{us", "er}}, I am {", "{char}}", "."]);
    expect(text).toBe("Hello Sam, I am Vex.");
    expect(pieces.join("")).not.toContain("{");
  });

  it("replaces the legacy <USER> and <BOT> placeholders split over deltas", () => {
    expect(streamed(["Hi <US", "ER>, <b", "ot> here <3"]).text).toBe("Hi Sam, Vex here <3");
  });

  it("lets text without placeholders through at once", () => {
    const stream = new NameMacroStream(names);
    expect(stream.push("Plain words ")).toBe("Plain words ");
    expect(stream.push("and a } brace")).toBe("and a } brace");
    expect(stream.flush()).toBe("");
  });

  it("does not hold back an open brace for ever", () => {
    const stream = new NameMacroStream(names);
    expect(stream.push("code: {{")).toBe("code: ");
    const long = " this is not a placeholder, it goes on and on";
    expect(stream.push(long)).toBe(`{{${long}`);
  });

  it("always equals replacing the whole text, however it is cut", () => {
    const alphabet = fc.constantFrom(
      "{",
      "}",
      "{{user}}",
      "{{char}}",
      "<USER>",
      "<bot>",
      "<",
      "a",
      " ",
      "{{ user }}",
      "user",
      "}}",
    );
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (parts, cuts) => {
          const whole = parts.join("");
          const points = [...new Set(cuts.map((cut) => cut % (whole.length + 1)))].sort((a, b) => a - b);
          const deltas: string[] = [];
          let from = 0;
          for (const point of points) {
            deltas.push(whole.slice(from, point));
            from = point;
          }
          deltas.push(whole.slice(from));
          expect(streamed(deltas).text).toBe(expandNameMacros(whole, names));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
