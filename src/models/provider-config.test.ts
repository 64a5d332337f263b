import { describe, expect, it } from "vitest";
import { createConfiguredProviders, providerConfigListSchema } from "./provider-config.ts";

describe("provider configuration: capabilities", () => {
  it("accepts capabilities as booleans or lists of model-name globs, and nothing else", () => {
    const parsed = providerConfigListSchema.safeParse([
      {
        name: "ollama",
        kind: "openai-compatible",
        base_url: "http://127.0.0.1:11434/v1",
        capabilities: { images: ["llava*", "my-*"], audio: false, structured_output: true },
      },
    ]);
    expect(parsed.success).toBe(true);
    for (const capabilities of [{ images: "yes" }, { video: true }, { images: [""] }]) {
      const rejected = providerConfigListSchema.safeParse([
        { name: "x", kind: "openai-compatible", base_url: "http://127.0.0.1:1/v1", capabilities },
      ]);
      expect(rejected.success).toBe(false);
    }
  });

  it("hands the configured capabilities to each provider's models, defaults elsewhere", () => {
    const [ollama, anthropic] = createConfiguredProviders([
      {
        name: "ollama",
        kind: "openai-compatible",
        base_url: "http://127.0.0.1:11434/v1",
        capabilities: { images: ["my-*"], tools: false },
      },
      { name: "claude", kind: "anthropic", api_key: "k", capabilities: { files: false } },
    ]);
    expect(ollama!.languageModel("my-model").capabilities).toMatchObject({ images: true, tools: false });
    expect(ollama!.languageModel("llava").capabilities).toMatchObject({ images: false, tools: false });
    expect(anthropic!.languageModel("claude-haiku-4-5").capabilities).toMatchObject({
      images: true,
      files: false,
    });
    const [plain] = createConfiguredProviders([
      { name: "ollama", kind: "openai-compatible", base_url: "http://127.0.0.1:11434/v1" },
    ]);
    expect(plain!.languageModel("llava").capabilities).toMatchObject({ images: true, tools: true });
  });
});
