import { describe, expect, it } from "vitest";
import { DEFAULT_PERSONA_DEFINITION, type PersonaDefinition } from "./persona-definition.ts";
import { groupOnlyGreetings, listGreetings, swipeableGreetings } from "./persona-greetings.ts";

const persona: PersonaDefinition = {
  ...DEFAULT_PERSONA_DEFINITION,
  first_message: "Hello.",
  alternate_greetings: ["Hi.", "Hey."],
  card: { group_only_greetings: ["Hello, all.", 42, "Hi, everyone."] },
};

describe("a persona's greetings", () => {
  it("numbers the first message, the alternates, then the card's group-only greetings", () => {
    expect(listGreetings(persona).map(({ index, kind, text }) => `${index} ${kind} ${text}`)).toEqual([
      "0 first Hello.",
      "1 alternate Hi.",
      "2 alternate Hey.",
      "3 group Hello, all.",
      "4 group Hi, everyone.",
    ]);
    expect(groupOnlyGreetings({ ...persona, card: { group_only_greetings: "not a list" } })).toEqual([]);
  });

  it("swipes between the first message and the alternates, plus a group greeting only when chosen", () => {
    const texts = (chosen: number) => swipeableGreetings(persona, chosen)?.greetings.map((g) => g.text);
    expect(texts(0)).toEqual(["Hello.", "Hi.", "Hey."]);
    expect(texts(2)).toEqual(["Hello.", "Hi.", "Hey."]);
    expect(texts(4)).toEqual(["Hello.", "Hi.", "Hey.", "Hi, everyone."]);
    expect(swipeableGreetings(persona, 4)?.chosen.text).toBe("Hi, everyone.");
    expect(swipeableGreetings(persona, 5)).toBeUndefined();
  });
});
