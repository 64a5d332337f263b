import { describe, expect, it } from "vitest";
import { jsonSchemaProblems } from "../lib/json-schema.ts";
import type { GenerateRequest, JsonSchema, StreamPart, ToolDefinition } from "./language-model.ts";
import { createOfflineProvider } from "./offline-model.ts";
import { sampleFromSchema } from "./offline-structured.ts";

const model = createOfflineProvider().languageModel("default");

const weather: ToolDefinition = {
  name: "get_weather",
  description: "The weather in a city",
  parameters: {
    type: "object",
    properties: { city: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } },
    required: ["city", "unit"],
    additionalProperties: false,
  },
};
const clock: ToolDefinition = {
  name: "current_time",
  parameters: { type: "object", properties: { zone: { type: "string" } }, required: ["zone"] },
};

function ask(text: string, overrides: Partial<GenerateRequest> = {}): GenerateRequest {
  return { messages: [{ role: "user", content: text }], tools: [weather, clock], ...overrides };
}

async function streamed(request: GenerateRequest): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of model.stream(request)) parts.push(part);
  return parts;
}

describe("offline engine: tool calls", () => {
  it("calls the named tool when one is forced, with arguments that satisfy its schema", async () => {
    const result = await model.generate(ask("Hello there", { toolChoice: { name: "get_weather" } }));
    expect(result.finishReason).toBe("tool_calls");
    expect(result.text).toBe("");
    expect(result.toolCalls).toHaveLength(1);
    const call = result.toolCalls![0]!;
    expect(call.name).toBe("get_weather");
    expect(call.id).toMatch(/^call_[0-9a-z]+$/);
    expect(jsonSchemaProblems(weather.parameters, JSON.parse(call.arguments))).toEqual([]);
    // Deterministic: the same request gets the same call.
    expect(
      (await model.generate(ask("Hello there", { toolChoice: { name: "get_weather" } }))).toolCalls,
    ).toEqual(result.toolCalls);
  });

  it("with tool_choice required calls a tool every time: the one the user names, else the first", async () => {
    const named = await model.generate(ask("What is the current time in Oslo?", { toolChoice: "required" }));
    expect(named.toolCalls?.map((call) => call.name)).toEqual(["current_time"]);
    const unnamed = await model.generate(ask("Hi", { toolChoice: "required" }));
    expect(unnamed.toolCalls?.map((call) => call.name)).toEqual(["get_weather"]);
  });

  it("with auto calls the tools the user's message names, in parallel unless told not to", async () => {
    const plain = await model.generate(ask("How are you?"));
    expect(plain.toolCalls ?? []).toEqual([]);
    expect(plain.finishReason).toBe("stop");
    const both = await model.generate(ask("Use get weather and current_time please"));
    expect(both.toolCalls?.map((call) => call.name)).toEqual(["get_weather", "current_time"]);
    expect(new Set(both.toolCalls?.map((call) => call.id)).size).toBe(2);
    const one = await model.generate(
      ask("Use get weather and current_time please", { parallelToolCalls: false }),
    );
    expect(one.toolCalls?.map((call) => call.name)).toEqual(["get_weather"]);
    const none = await model.generate(ask("Use get_weather", { toolChoice: "none" }));
    expect(none.toolCalls ?? []).toEqual([]);
  });

  it("answers tool results in text that reports them", async () => {
    const first = await model.generate(ask("What's the weather? get_weather"));
    const call = first.toolCalls![0]!;
    const result = await model.generate({
      tools: [weather],
      messages: [
        { role: "user", content: "What's the weather? get_weather" },
        { role: "assistant", content: "", toolCalls: [call] },
        { role: "tool", content: '{"temperature": 21}', toolCallId: call.id },
      ],
    });
    expect(result.finishReason).toBe("stop");
    expect(result.text).toContain('get_weather returned {"temperature": 21}');
  });

  it("streams a tool call as a start and argument pieces that join to the whole call", async () => {
    const parts = await streamed(ask("Hi", { toolChoice: "required" }));
    const start = parts.find((part) => part.type === "tool-call-start");
    const pieces = parts.flatMap((part) => (part.type === "tool-call-delta" ? [part.argumentsDelta] : []));
    const finish = parts.at(-1);
    expect(finish?.type).toBe("finish");
    if (finish?.type !== "finish" || start?.type !== "tool-call-start") throw new Error("missing parts");
    expect(finish.result.finishReason).toBe("tool_calls");
    expect(start).toMatchObject({ index: 0, name: "get_weather", id: finish.result.toolCalls![0]!.id });
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join("")).toBe(finish.result.toolCalls![0]!.arguments);
    expect(parts.some((part) => part.type === "delta")).toBe(false);
  });
});

describe("offline engine: JSON answers and length", () => {
  const schemas: JsonSchema[] = [
    {
      type: "object",
      properties: {
        name: { type: "string", minLength: 3, maxLength: 40 },
        age: { type: "integer", minimum: 18, maximum: 99 },
        score: { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1 },
        email: { type: "string", format: "email" },
        when: { type: "string", format: "date-time" },
        tags: { type: "array", items: { type: "string" }, minItems: 2, maxItems: 3 },
        mood: { type: ["string", "null"], enum: ["calm", "angry", null] },
        nested: { $ref: "#/$defs/point" },
        either: { anyOf: [{ type: "null" }, { type: "boolean" }] },
        even: { type: "integer", multipleOf: 4, minimum: 1, maximum: 20 },
      },
      required: ["name", "age", "score", "email", "when", "tags", "mood", "nested", "either", "even"],
      additionalProperties: false,
      $defs: {
        point: {
          type: "object",
          properties: { x: { type: "number" }, y: { type: "number" } },
          required: ["x", "y"],
          additionalProperties: false,
        },
      },
    },
    { type: "array", items: { $ref: "#/definitions/item" }, definitions: { item: { const: 7 } } },
    { allOf: [{ type: "object", properties: { a: { type: "string" } } }, { required: ["a"] }] },
  ];

  it("samples values that satisfy each schema for many seeds", () => {
    for (const schema of schemas) {
      for (let seed = 0; seed < 50; seed++) {
        expect(jsonSchemaProblems(schema, sampleFromSchema(schema, seed * 7919))).toEqual([]);
      }
    }
  });

  it("answers json_schema with schema-valid JSON text and json_object with an object", async () => {
    const schema = schemas[0]!;
    const structured = await model.generate({
      messages: [{ role: "user", content: "Describe yourself" }],
      responseFormat: { type: "json_schema", name: "profile", schema, strict: true },
    });
    expect(jsonSchemaProblems(schema, JSON.parse(structured.text))).toEqual([]);
    const object = await model.generate({
      messages: [{ role: "user", content: "Hello" }],
      responseFormat: { type: "json_object" },
    });
    expect(JSON.parse(object.text)).toEqual({ reply: expect.any(String) });
  });

  it("says length when max_tokens cut the reply, and stop when it did not", async () => {
    const cut = await model.generate({
      messages: [{ role: "user", content: "Tell me about lighthouses" }],
      sampling: { max_tokens: 3 },
    });
    expect(cut.finishReason).toBe("length");
    expect(cut.usage.outputTokens).toBeLessThanOrEqual(3);
    const whole = await model.generate({
      messages: [{ role: "user", content: "Tell me about lighthouses" }],
    });
    expect(whole.finishReason).toBe("stop");
  });
});
