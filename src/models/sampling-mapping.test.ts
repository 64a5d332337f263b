import { describe, expect, it } from "vitest";
import { describeSdkWarnings, mapSamplingParameters, mergeWarnings } from "./sampling-mapping.ts";

describe("mapSamplingParameters", () => {
  it("maps standard parameters to AI SDK settings for OpenAI-compatible endpoints", () => {
    const mapping = mapSamplingParameters(
      {
        temperature: 0.7,
        top_p: 0.9,
        frequency_penalty: 0.2,
        presence_penalty: 0.1,
        max_tokens: 256,
        stop: ["\nUser:"],
        seed: 42,
      },
      { kind: "openai-compatible" },
    );
    expect(mapping).toEqual({
      settings: {
        temperature: 0.7,
        topP: 0.9,
        frequencyPenalty: 0.2,
        presencePenalty: 0.1,
        maxOutputTokens: 256,
        stopSequences: ["\nUser:"],
        seed: 42,
      },
      extraBody: {},
      warnings: [],
    });
  });

  it("sends top_k, min_p, top_a and repetition_penalty as body fields to OpenAI-compatible endpoints", () => {
    const mapping = mapSamplingParameters(
      { top_k: 40, min_p: 0.05, top_a: 0.2, repetition_penalty: 1.1 },
      { kind: "openai-compatible" },
    );
    expect(mapping.settings).toEqual({});
    expect(mapping.extraBody).toEqual({ top_k: 40, min_p: 0.05, top_a: 0.2, repetition_penalty: 1.1 });
    expect(mapping.warnings).toEqual([]);
  });

  it("warns about every parameter Anthropic lacks and keeps the ones it has", () => {
    const mapping = mapSamplingParameters(
      {
        temperature: 0.5,
        top_p: 0.8,
        top_k: 20,
        min_p: 0.05,
        top_a: 0.1,
        repetition_penalty: 1.2,
        frequency_penalty: 0.3,
        presence_penalty: 0.4,
        seed: 7,
        max_tokens: 100,
        stop: ["END"],
      },
      { kind: "anthropic" },
    );
    expect(mapping.settings).toEqual({
      temperature: 0.5,
      topP: 0.8,
      topK: 20,
      maxOutputTokens: 100,
      stopSequences: ["END"],
    });
    expect(mapping.extraBody).toEqual({});
    expect(mapping.warnings).toEqual([
      "min_p is not supported by anthropic and was ignored",
      "top_a is not supported by anthropic and was ignored",
      "repetition_penalty is not supported by anthropic and was ignored",
      "frequency_penalty is not supported by anthropic and was ignored",
      "presence_penalty is not supported by anthropic and was ignored",
      "seed is not supported by anthropic and was ignored",
    ]);
  });

  it("names the configured provider in warnings", () => {
    const mapping = mapSamplingParameters({ seed: 1 }, { kind: "anthropic", providerName: "claude-proxy" });
    expect(mapping.warnings).toEqual(["seed is not supported by claude-proxy and was ignored"]);
  });

  it("treats null, undefined and an empty stop list as not set", () => {
    const mapping = mapSamplingParameters(
      { temperature: null, min_p: undefined, stop: [] },
      { kind: "anthropic" },
    );
    expect(mapping).toEqual({ settings: {}, extraBody: {}, warnings: [] });
    expect(mapSamplingParameters(undefined, { kind: "openai-compatible" })).toEqual({
      settings: {},
      extraBody: {},
      warnings: [],
    });
  });

  it("keeps a zero value, which is a real setting and not an absence", () => {
    const mapping = mapSamplingParameters({ temperature: 0, seed: 0 }, { kind: "openai-compatible" });
    expect(mapping.settings).toEqual({ temperature: 0, seed: 0 });
  });
});

describe("describeSdkWarnings", () => {
  it("turns AI SDK warnings into sentences with Dramatis parameter names", () => {
    expect(
      describeSdkWarnings(
        [
          { type: "unsupported", feature: "topK" },
          {
            type: "unsupported",
            feature: "temperature",
            details: "1.5 exceeds anthropic maximum of 1.0. clamped to 1.0",
          },
          { type: "compatibility", feature: "maxOutputTokens", details: "limited to 4096" },
          { type: "other", message: "something else" },
        ],
        "mock",
      ),
    ).toEqual([
      "top_k is not supported by mock and was ignored",
      "temperature: 1.5 exceeds anthropic maximum of 1.0. clamped to 1.0",
      "max_tokens: limited to 4096",
      "something else",
    ]);
  });

  it("accepts a missing list", () => {
    expect(describeSdkWarnings(undefined, "mock")).toEqual([]);
  });
});

describe("mergeWarnings", () => {
  it("keeps the first occurrence of each warning in order", () => {
    expect(mergeWarnings(["a", "b"], ["b", "c"], [])).toEqual(["a", "b", "c"]);
  });
});
