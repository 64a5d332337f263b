import { describe, expect, it } from "vitest";
import { deepMerge } from "../lib/deep-merge.ts";
import { countTokens } from "../models/token-count.ts";
import { DEFAULT_PERSONA_DEFINITION, type PersonaDefinition } from "../domain/persona-definition.ts";
import {
  assemblePrompt,
  type HistoryMessage,
  type PromptInput,
  type WorldInfoInsert,
} from "./prompt-assembly.ts";

const persona: PersonaDefinition = deepMerge(DEFAULT_PERSONA_DEFINITION, {
  name: "Mira",
  system_message: "You are Mira, a warm cartographer.",
  identity: {
    age: 31,
    sex: "female",
    occupation: "cartographer",
    location: "Lisbon",
    summary: "Draws maps.",
  },
  communication_examples: ["Oh! A map of that? Lovely."],
  chat_configuration: { prompt: "" },
  verbosity: 1,
});

function message(role: "user" | "assistant", content: string): HistoryMessage {
  return { role, content, tokens: countTokens(content) };
}

function input(overrides: Partial<PromptInput> = {}): PromptInput {
  return {
    persona,
    userPersona: null,
    memories: [],
    history: [message("user", "Hello there")],
    tokenBudget: 2000,
    countTokens,
    ...overrides,
  };
}

describe("assemblePrompt", () => {
  it("builds named sections in order, with token counts", () => {
    const prompt = assemblePrompt(input());
    expect(prompt.sections.map((section) => section.name)).toEqual([
      "base_instructions",
      "identity",
      "communication_examples",
      "verbosity",
      "user_persona",
      "memories",
      "history",
      "post_history_instructions",
    ]);
    const byName = Object.fromEntries(prompt.sections.map((section) => [section.name, section]));
    expect(byName.base_instructions?.text).toBe("You are Mira, a warm cartographer.");
    expect(byName.identity?.text).toContain("31 years old, female, cartographer, living in Lisbon");
    expect(byName.verbosity?.text).toMatch(/concise/);
    expect(byName.memories).toEqual({ name: "memories", text: "", tokens: 0 });
    expect(byName.identity?.tokens).toBe(countTokens(byName.identity?.text ?? ""));
    expect(prompt.messages).toEqual([
      { role: "system", content: expect.stringContaining("You are Mira") },
      { role: "user", content: "Hello there" },
    ]);
  });

  it("puts a card's post-history instructions after the history, as a system message", () => {
    const prompt = assemblePrompt(
      input({ persona: { ...persona, card: { post_history_instructions: "  Keep it short.  " } } }),
    );
    expect(prompt.messages.at(-1)).toEqual({ role: "system", content: "Keep it short." });
    expect(prompt.messages.at(-2)).toEqual({ role: "user", content: "Hello there" });
    const section = prompt.sections.find((entry) => entry.name === "post_history_instructions");
    expect(section).toEqual({
      name: "post_history_instructions",
      text: "Keep it short.",
      tokens: countTokens("Keep it short."),
    });
    expect(assemblePrompt(input()).messages.at(-1)?.role).toBe("user");
  });

  it("places world info around the character and inside the history at its depth, in insertion order", () => {
    const entry = (position: WorldInfoInsert["position"], content: string, depth = 0): WorldInfoInsert => ({
      position,
      depth,
      role: "system",
      content,
      tokens: countTokens(content),
      detail: `entry ${content}`,
    });
    const prompt = assemblePrompt(
      input({
        history: [message("user", "one"), message("assistant", "two"), message("user", "three")],
        worldInfo: [
          entry("before_char", "BEFORE"),
          entry("after_char", "AFTER"),
          entry("at_depth", "DEPTH-2", 2),
          entry("at_depth", "DEPTH-0a", 0),
          entry("at_depth", "DEPTH-0b", 0),
          entry("at_depth", "DEPTH-9", 9),
        ],
      }),
    );
    const system = prompt.messages[0]!.content as string;
    expect(system.indexOf("BEFORE")).toBeLessThan(system.indexOf("Your name is Mira"));
    expect(system.indexOf("AFTER")).toBeGreaterThan(system.indexOf("Your name is Mira"));
    expect(prompt.messages.slice(1).map((chat) => chat.content)).toEqual([
      "DEPTH-9",
      "one",
      "DEPTH-2",
      "two",
      "three",
      "DEPTH-0a",
      "DEPTH-0b",
    ]);
    const names = prompt.sections.map((section) => section.name);
    expect(names.filter((name) => name === "world_info")).toHaveLength(6);
    expect(names.indexOf("world_info")).toBe(names.indexOf("identity") - 1);
    expect(prompt.totalTokens).toBeGreaterThan(assemblePrompt(input()).totalTokens);
  });

  it("keeps an OpenAI client's tool calls, results, names and parts, never splitting a call from its results", () => {
    const call = { id: "call_1", name: "get_weather", arguments: '{"city":"Oslo"}' };
    const history: HistoryMessage[] = [
      { ...message("user", "Weather?"), name: "elena", parts: [{ type: "text", text: "Weather?" }] },
      { role: "assistant", content: "", tokens: 5, toolCalls: [call] },
      { role: "tool", content: '{"temp":4}', tokens: 4, toolCallId: "call_1" },
      message("user", "Thanks"),
    ];
    const depthEntry: WorldInfoInsert = {
      position: "at_depth",
      depth: 2,
      role: "system",
      content: "LORE",
      tokens: 1,
      detail: "entry",
    };
    const prompt = assemblePrompt(input({ history, worldInfo: [depthEntry] }));
    const rest = prompt.messages.slice(1);
    // Depth 2 would land between the call and its result: it goes after the result instead.
    expect(rest.map((chat) => chat.content)).toEqual(["Weather?", "", '{"temp":4}', "LORE", "Thanks"]);
    expect(rest[0]).toMatchObject({ name: "elena", parts: [{ type: "text", text: "Weather?" }] });
    expect(rest[1]).toMatchObject({ role: "assistant", toolCalls: [call] });
    expect(rest[2]).toMatchObject({ role: "tool", toolCallId: "call_1" });
    // A result whose call was trimmed away goes too.
    const trimmed = assemblePrompt(input({ history: history.slice(2), tokenBudget: 2000 }));
    expect(trimmed.messages.slice(1).map((chat) => chat.role)).toEqual(["user"]);
  });

  it("addresses the user persona in force, and drops it when there is none", () => {
    const withPersona = assemblePrompt(
      input({ userPersona: { name: "Elena", description: "a space pirate" } }),
    );
    expect(withPersona.messages[0]?.content).toContain("as Elena: a space pirate");
    const without = assemblePrompt(input());
    expect(without.messages[0]?.content).not.toContain("Elena");
    expect(without.messages[0]?.content).toContain("has not chosen a persona");
  });

  it("lets a request's system message replace only the base instructions", () => {
    const prompt = assemblePrompt(
      input({
        systemOverride: "Answer in French.",
        memories: ["Likes the sea"],
        userPersona: { name: "Bo", description: "" },
      }),
    );
    const system = prompt.messages[0]?.content ?? "";
    expect(system.startsWith("Answer in French.")).toBe(true);
    expect(system).not.toContain("warm cartographer");
    expect(system).toContain("Your name is Mira");
    expect(system).toContain("- Likes the sea");
    expect(system).toContain("as Bo");
  });

  it("prefers the chat configuration prompt, or the voice configuration's for a voice channel", () => {
    const configured = deepMerge(persona, {
      chat_configuration: { prompt: "Chat prompt." },
      voice_configurations: [
        { ...persona.voice_configurations[0], locale: "en-US", prompt: "Voice prompt." },
      ],
    }) as PersonaDefinition;
    expect(assemblePrompt(input({ persona: configured })).sections[0]?.text).toBe("Chat prompt.");
    const voice = assemblePrompt(input({ persona: configured, channel: { kind: "voice", locale: "en-US" } }));
    expect(voice.sections[0]?.text).toBe("Voice prompt.");
  });

  it("trims the oldest history to the token budget and always keeps the newest message", () => {
    const history = Array.from({ length: 50 }, (_, index) =>
      message(index % 2 === 0 ? "user" : "assistant", `message number ${index} `.repeat(10)),
    );
    const small = assemblePrompt(input({ history, tokenBudget: 600 }));
    expect(small.historyIncluded).toBeGreaterThan(0);
    expect(small.historyIncluded).toBeLessThan(50);
    expect(small.historyIncluded + small.historyDropped).toBe(50);
    expect(small.messages.at(-1)?.content).toBe(history.at(-1)?.content);
    expect(small.totalTokens).toBeLessThanOrEqual(600);
    const tiny = assemblePrompt(input({ history, tokenBudget: 1 }));
    expect(tiny.historyIncluded).toBe(1);
    const large = assemblePrompt(input({ history, tokenBudget: 100_000 }));
    expect(large.historyDropped).toBe(0);
  });

  it("uses stored token counts instead of recounting history", () => {
    let counted = 0;
    const counting = (text: string) => {
      counted += text.length;
      return countTokens(text);
    };
    const history = Array.from({ length: 1000 }, () => message("user", "x".repeat(1000)));
    assemblePrompt(input({ history, countTokens: counting, tokenBudget: 100_000 }));
    // Only the system sections are counted, never the million characters of history.
    expect(counted).toBeLessThan(10_000);
  });
});
