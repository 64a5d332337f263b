import { describe, expect, it } from "vitest";
import { defaultCapabilities, matchesGlob, resolveCapabilities } from "./model-families.ts";

const images = (name: string) => defaultCapabilities("openai-compatible", name).images;

describe("defaultCapabilities", () => {
  it.each([
    "gpt-4o",
    "gpt-4o-mini",
    "chatgpt-4o-latest",
    "gpt-4.1-nano",
    "gpt-4-turbo",
    "gpt-5",
    "gpt-5-mini",
    "o1",
    "o3",
    "o4-mini",
    "claude-3-5-sonnet-20241022",
    "claude-sonnet-4-5",
    "gemini-2.5-flash",
    "llava:13b",
    "bakllava",
    "llava-phi3",
    "qwen2.5vl:7b",
    "Qwen/Qwen2.5-VL-7B-Instruct",
    "qwen-vl-max",
    "pixtral-12b",
    "llama3.2-vision:11b",
    "meta-llama/llama-3.2-11b-vision-instruct",
    "gemma3:4b",
    "google/gemma-3-27b-it",
    "minicpm-v",
    "moondream",
    "openai/gpt-4o",
    "llama-4-scout",
  ])("knows %s sees images", (name) => {
    expect(images(name)).toBe(true);
  });

  it.each([
    "o1-mini",
    "o3-mini",
    "gpt-3.5-turbo",
    "gpt-4",
    "llama3.2:1b",
    "mistral-7b-instruct",
    "gemma3:1b",
    "gemma-3-1b-it",
    "qwen2.5:7b",
    "gpt-4o-audio-preview",
    "gpt-4o-mini-transcribe",
    "mock-small",
  ])("knows %s does not", (name) => {
    expect(images(name)).toBe(false);
  });

  it("knows audio input and PDF families", () => {
    expect(defaultCapabilities("openai-compatible", "gpt-4o-audio-preview")).toMatchObject({ audio: true });
    expect(defaultCapabilities("openai-compatible", "gpt-4o-mini-audio-preview")).toMatchObject({
      audio: true,
    });
    expect(defaultCapabilities("openai-compatible", "gemini-2.0-flash")).toMatchObject({
      audio: true,
      files: true,
    });
    expect(defaultCapabilities("openai-compatible", "gpt-4o")).toMatchObject({ audio: false, files: true });
    expect(defaultCapabilities("openai-compatible", "gpt-4.1")).toMatchObject({ files: true });
    expect(defaultCapabilities("openai-compatible", "anthropic/claude-3.5-sonnet")).toMatchObject({
      files: true,
    });
    expect(defaultCapabilities("openai-compatible", "llava")).toMatchObject({ audio: false, files: false });
  });

  it("gives every model tools and structured output", () => {
    expect(defaultCapabilities("openai-compatible", "anything")).toEqual({
      images: false,
      audio: false,
      files: false,
      tools: true,
      structuredOutput: true,
    });
  });

  it("gives Claude 3 and later images and PDFs on Anthropic, never audio", () => {
    for (const name of [
      "claude-3-haiku-20240307",
      "claude-3-7-sonnet-latest",
      "claude-opus-4-1",
      "claude-haiku-4-5",
    ]) {
      expect(defaultCapabilities("anthropic", name)).toEqual({
        images: true,
        audio: false,
        files: true,
        tools: true,
        structuredOutput: true,
      });
    }
    expect(defaultCapabilities("anthropic", "claude-2.1")).toMatchObject({ images: false, files: false });
  });
});

describe("resolveCapabilities", () => {
  it("keeps the defaults where the configuration says nothing", () => {
    expect(resolveCapabilities("openai-compatible", "gpt-4o", undefined)).toEqual(
      defaultCapabilities("openai-compatible", "gpt-4o"),
    );
    expect(resolveCapabilities("openai-compatible", "gpt-4o", { audio: true })).toEqual({
      ...defaultCapabilities("openai-compatible", "gpt-4o"),
      audio: true,
    });
  });

  it("switches a feature for every model, or for the models matching a glob", () => {
    const config = { images: ["my-vision-*", "custom-?"], tools: false, structured_output: ["*-json"] };
    expect(resolveCapabilities("openai-compatible", "my-vision-7b", config)).toMatchObject({
      images: true,
      tools: false,
      structuredOutput: false,
    });
    expect(resolveCapabilities("openai-compatible", "custom-1", config).images).toBe(true);
    expect(resolveCapabilities("openai-compatible", "custom-12", config).images).toBe(false);
    // A list replaces the default: gpt-4o matches none of the globs.
    expect(resolveCapabilities("openai-compatible", "gpt-4o", config).images).toBe(false);
    expect(resolveCapabilities("openai-compatible", "tiny-json", config).structuredOutput).toBe(true);
    expect(resolveCapabilities("anthropic", "claude-sonnet-4-5", { images: false }).images).toBe(false);
  });
});

describe("matchesGlob", () => {
  it("matches case-insensitively, the whole name or the part after the last slash, with regex characters literal", () => {
    expect(matchesGlob("gpt-4o*", "GPT-4o-mini")).toBe(true);
    expect(matchesGlob("gpt-4o*", "openai/gpt-4o")).toBe(true);
    expect(matchesGlob("openai/*", "openai/gpt-4o")).toBe(true);
    expect(matchesGlob("gpt-4.1", "gpt-4x1")).toBe(false);
    expect(matchesGlob("llava", "llava:13b")).toBe(false);
    expect(matchesGlob("llava*", "llava:13b")).toBe(true);
  });
});
