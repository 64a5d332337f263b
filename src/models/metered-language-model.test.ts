import { describe, expect, it } from "vitest";
import { Metrics } from "../lib/metrics.ts";
import {
  UnparsableOutputError,
  type GenerateResult,
  type LanguageModel,
  type StreamPart,
} from "./language-model.ts";
import { meterLanguageModel } from "./metered-language-model.ts";
import { METERED_MODELS_LIMIT, ModelRegistry } from "./model-registry.ts";
import { createOfflineProvider } from "./offline-model.ts";

const LABELS = 'provider="acme",model="m1"';

function result(overrides: Partial<GenerateResult> = {}): GenerateResult {
  return {
    text: "hi",
    usage: { inputTokens: 7, outputTokens: 3 },
    finishReason: "stop",
    warnings: [],
    model: "acme/m1",
    ...overrides,
  };
}

/** A model that answers from a script: a result, a thrown error, or stream parts. */
function scriptedModel(script: {
  generate?: () => Promise<GenerateResult>;
  stream?: () => AsyncGenerator<StreamPart>;
  generateObject?: () => Promise<never>;
}): LanguageModel {
  const unused = () => Promise.reject(new Error("not scripted"));
  return {
    id: "acme/m1",
    generate: script.generate ?? unused,
    stream: script.stream ?? async function* () {}!,
    generateObject: script.generateObject ?? unused,
  };
}

function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("metered language models", () => {
  it("counts a call's latency and tokens, and a thrown call as an error", async () => {
    const metrics = new Metrics();
    let calls = 0;
    const model = meterLanguageModel(
      scriptedModel({
        generate: async () => {
          calls += 1;
          if (calls === 2) throw new Error("upstream is down");
          return result();
        },
      }),
      { provider: "acme", model: "m1" },
      metrics.modelCalls,
    );
    await model.generate({ messages: [] });
    await expect(model.generate({ messages: [] })).rejects.toThrow("upstream is down");

    const text = await metrics.registry.metrics();
    expect(sample(text, `dramatis_model_call_duration_seconds_count{${LABELS},operation="generate"}`)).toBe(
      2,
    );
    expect(sample(text, `dramatis_model_tokens_total{${LABELS},direction="input"}`)).toBe(7);
    expect(sample(text, `dramatis_model_tokens_total{${LABELS},direction="output"}`)).toBe(3);
    expect(sample(text, `dramatis_model_call_errors_total{${LABELS},operation="generate"}`)).toBe(1);
  });

  it("counts a stream that ends in an error finish, and the tokens of unparsable JSON", async () => {
    const metrics = new Metrics();
    const model = meterLanguageModel(
      scriptedModel({
        stream: async function* () {
          yield { type: "delta", text: "Once" };
          yield {
            type: "finish",
            result: result({ finishReason: "error", usage: { inputTokens: 5, outputTokens: 1 } }),
          };
        },
        generateObject: () =>
          Promise.reject(new UnparsableOutputError("not json", { inputTokens: 11, outputTokens: 2 })),
      }),
      { provider: "acme", model: "m1" },
      metrics.modelCalls,
    );
    const parts: StreamPart[] = [];
    for await (const part of model.stream({ messages: [] })) parts.push(part);
    expect(parts.map((part) => part.type)).toEqual(["delta", "finish"]);
    await expect(model.generateObject({ messages: [], schema: {} })).rejects.toBeInstanceOf(
      UnparsableOutputError,
    );

    const text = await metrics.registry.metrics();
    expect(sample(text, `dramatis_model_call_errors_total{${LABELS},operation="stream"}`)).toBe(1);
    expect(sample(text, `dramatis_model_call_errors_total{${LABELS},operation="generate_object"}`)).toBe(1);
    expect(sample(text, `dramatis_model_tokens_total{${LABELS},direction="input"}`)).toBe(16);
  });

  it("labels model names past the registry's limit as other, so made-up names cannot grow the series", async () => {
    const metrics = new Metrics();
    const registry = new ModelRegistry([createOfflineProvider()], "offline/default", metrics.modelCalls);
    for (let index = 0; index < METERED_MODELS_LIMIT; index++) {
      await registry.resolve("ten_1", `offline/name-${index}`);
    }
    const late = await registry.resolve("ten_1", "offline/one-too-many");
    await late.generate({ messages: [{ role: "user", content: "hi" }] });
    const known = await registry.resolve("ten_1", "offline/name-0");
    await known.generate({ messages: [{ role: "user", content: "hi" }] });

    const text = await metrics.registry.metrics();
    const count = (model: string) =>
      sample(
        text,
        `dramatis_model_call_duration_seconds_count{provider="offline",model="${model}",operation="generate"}`,
      );
    expect(count("other")).toBe(1);
    expect(count("name-0")).toBe(1);
    expect(count("one-too-many")).toBeUndefined();
  });

  it("passes capabilities and tool call parts through, counting the finish only", async () => {
    const metrics = new Metrics();
    const capabilities = { images: true, audio: false, files: false, tools: true, structuredOutput: true };
    const toolCalls = [{ id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' }];
    const streamed: StreamPart[] = [
      { type: "tool-call-start", index: 0, id: "call_1", name: "get_weather" },
      { type: "tool-call-delta", index: 0, argumentsDelta: '{"city":"Paris"}' },
      { type: "finish", result: result({ text: "", toolCalls, finishReason: "tool_calls" }) },
    ];
    const model = meterLanguageModel(
      {
        ...scriptedModel({
          stream: async function* () {
            yield* streamed;
          },
        }),
        capabilities,
      },
      { provider: "acme", model: "m1" },
      metrics.modelCalls,
    );
    expect(model.capabilities).toEqual(capabilities);
    const parts: StreamPart[] = [];
    for await (const part of model.stream({ messages: [] })) parts.push(part);
    expect(parts).toEqual(streamed);

    const text = await metrics.registry.metrics();
    expect(sample(text, `dramatis_model_call_duration_seconds_count{${LABELS},operation="stream"}`)).toBe(1);
    expect(sample(text, `dramatis_model_call_errors_total{${LABELS},operation="stream"}`)).toBeUndefined();
    expect(sample(text, `dramatis_model_tokens_total{${LABELS},direction="output"}`)).toBe(3);
    expect(
      meterLanguageModel(scriptedModel({}), { provider: "acme", model: "m1" }, metrics.modelCalls),
    ).not.toHaveProperty("capabilities");
  });
});
