import { describe, expect, it } from "vitest";
import type { GenerateRequest, StreamPart } from "./language-model.ts";
import { createOfflineProvider, sampleFromSchema } from "./offline-model.ts";

const model = createOfflineProvider().languageModel("default");

function request(overrides: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    messages: [
      { role: "system", content: "You are Mira." },
      { role: "user", content: "Do you like lighthouses?" },
    ],
    context: {
      persona: { name: "Mira", occupation: "cartographer", location: "Lisbon", verbosity: 3 },
      userPersona: { name: "Elena", description: "a space pirate" },
      memories: ["We met at the harbour"],
    },
    ...overrides,
  };
}

describe("offline model", () => {
  it("replies in character, naming the persona and the user persona, deterministically", async () => {
    const greeting = request({
      messages: [
        { role: "system", content: "You are Mira." },
        { role: "user", content: "Hello!" },
      ],
    });
    const first = await model.generate(greeting);
    const second = await model.generate(greeting);
    expect(first.model).toBe("offline/default");
    expect(first.text).toBe(second.text);
    expect(first.text).toMatch(/^(Hi|Hello|Hey), Elena! I'm Mira, cartographer in Lisbon\./);
    expect(first.text).toContain("(Mira is played by the offline engine here");
    expect(first.usage.inputTokens).toBeGreaterThan(0);
    expect(first.usage.outputTokens).toBeGreaterThan(0);
  });

  it("answers what was asked, reflecting a clean topic, and never repeats its memories", async () => {
    const { text } = await model.generate(request());
    expect(text).toMatch(/lighthouses/i);
    expect(text).not.toContain("harbour");
    expect(text).not.toContain("space pirate");
  });

  it("drops the user persona when there is none, and follows verbosity", async () => {
    const none = await model.generate(request({ context: { ...request().context!, userPersona: null } }));
    expect(none.text).not.toContain("Elena");
    const terse = await model.generate(
      request({ context: { ...request().context!, persona: { name: "Mira", verbosity: 1 } } }),
    );
    const chatty = await model.generate(
      request({ context: { ...request().context!, persona: { name: "Mira", verbosity: 5 } } }),
    );
    expect(terse.text.length).toBeLessThan(chatty.text.length);
  });

  it("streams the same text in deltas and stops when aborted", async () => {
    const parts: StreamPart[] = [];
    for await (const part of model.stream(request())) parts.push(part);
    const deltas = parts.filter((part) => part.type === "delta");
    expect(deltas.length).toBeGreaterThan(3);
    const finish = parts.at(-1);
    expect(finish?.type).toBe("finish");
    expect(deltas.map((part) => (part.type === "delta" ? part.text : "")).join("")).toBe(
      (await model.generate(request())).text,
    );

    const controller = new AbortController();
    const aborted: StreamPart[] = [];
    for await (const part of model.stream(request({ signal: controller.signal }))) {
      aborted.push(part);
      if (aborted.length === 2) controller.abort();
    }
    const last = aborted.at(-1);
    expect(last?.type === "finish" && last.result.finishReason).toBe("aborted");
    expect(last?.type === "finish" && last.result.text.split(" ").length).toBeLessThan(5);
  });

  it("answers schema-valid structured objects", async () => {
    const schema = {
      type: "object",
      properties: {
        rating: { type: "integer", minimum: 1, maximum: 5 },
        choice: { enum: ["yes", "no"] },
        tags: { type: "array", items: { type: "string" }, minItems: 2 },
        ok: { type: "boolean" },
      },
      required: ["rating", "choice", "tags", "ok"],
    };
    const { object, model: id } = await model.generateObject({ ...request(), schema });
    const answer = object as { rating: number; choice: string; tags: string[]; ok: boolean };
    expect(id).toBe("offline/default");
    expect(answer.rating).toBeGreaterThanOrEqual(1);
    expect(answer.rating).toBeLessThanOrEqual(5);
    expect(Number.isInteger(answer.rating)).toBe(true);
    expect(["yes", "no"]).toContain(answer.choice);
    expect(answer.tags).toHaveLength(2);
    expect(typeof answer.ok).toBe("boolean");
    expect(sampleFromSchema({ type: "number", minimum: 0.5, maximum: 0.5 }, 99)).toBe(0.5);
  });
});
