import { describe, expect, it } from "vitest";
import { deepMerge } from "../lib/deep-merge.ts";
import { countTokens } from "../models/token-count.ts";
import type { MacroContext } from "../domain/macros.ts";
import {
  DEFAULT_PERSONA_DEFINITION,
  voiceConfigurationSchema,
  type PersonaDefinition,
} from "../domain/persona-definition.ts";
import { withMacros } from "./prompt-macros.ts";

const context: MacroContext = {
  char: "Vex",
  user: "Sam",
  now: new Date("2026-12-06T14:05:00Z"),
  timeZone: "UTC",
  previousUserMessageAt: null,
  seed: "cnv_1",
  random: () => 0,
};

function persona(overrides: Record<string, unknown>): PersonaDefinition {
  return deepMerge(DEFAULT_PERSONA_DEFINITION, { name: "Vex", ...overrides });
}

const history = (content: string) => [{ role: "user" as const, content, tokens: countTokens(content) }];

describe("withMacros", () => {
  it("gives each system prompt the instructions it replaces as {{original}}", () => {
    const layered = withMacros(
      {
        persona: persona({
          system_message: "{{original}} Guard the gate.",
          chat_configuration: { prompt: "{{original}} In chat, be brief." },
          voice_configurations: [
            voiceConfigurationSchema.parse({ locale: "en-US", prompt: "Speak slowly. {{original}}" }),
          ],
        }),
        history: [],
      },
      context,
    );
    expect(layered.persona.system_message).toBe("You are Vex. Stay in character. Guard the gate.");
    expect(layered.persona.chat_configuration.prompt).toBe(
      "You are Vex. Stay in character. Guard the gate. In chat, be brief.",
    );
    expect(layered.persona.voice_configurations[0]?.prompt).toBe(
      "Speak slowly. You are Vex. Stay in character. Guard the gate.",
    );
  });

  it("makes a request's system override's {{original}} the persona's own instructions", () => {
    const result = withMacros(
      {
        persona: persona({ system_message: "{{char}} guards the gate.", chat_configuration: { prompt: "" } }),
        systemOverride: "{{original}} Today {{user}} is a guest.",
        history: [],
      },
      context,
    );
    expect(result.systemOverride).toBe("Vex guards the gate. Today Sam is a guest.");
  });

  it("replaces only names in the history, and everything in the one-off instruction", () => {
    const result = withMacros(
      {
        persona: persona({}),
        history: history("Hi {{char}}, roll {{roll:d20}}"),
        instruction: "Greet {{user}} on {{weekday}}.",
      },
      context,
    );
    expect(result.history.map((message) => message.content)).toEqual([
      "Hi Vex, roll {{roll:d20}}",
      "Greet Sam on Sunday.",
    ]);
    expect(result.history[0]?.tokens).toBe(countTokens("Hi Vex, roll {{roll:d20}}"));
  });

  it("replaces the macros of every persona text the model or the user sees", () => {
    const expanded = withMacros(
      {
        persona: persona({
          first_message: "Hello {{user}}",
          alternate_greetings: ["Yo <USER>"],
          start_prompt: "Greet {{user}}",
          personality: "{{char}} is gruff",
          scenario: "{{user}} at the gate",
          communication_examples: ["{{user}}: hi\n{{char}}: halt"],
          identity: { summary: "<BOT> guards" },
          appearance: { description: "{{char}} wears armour" },
        }),
        history: [],
      },
      context,
    ).persona;
    expect(JSON.stringify(expanded)).not.toMatch(/\{\{|<USER>|<BOT>/);
    expect(expanded.first_message).toBe("Hello Sam");
    expect(expanded.alternate_greetings).toEqual(["Yo Sam"]);
    expect(expanded.communication_examples).toEqual(["Sam: hi\nVex: halt"]);
  });
});
