import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  closedLoopbackURL,
  startMockAnthropic,
  type MockUpstream,
  type MockUpstreamOptions,
} from "../../test/mock-upstreams.ts";
import { createAnthropicProvider } from "./anthropic-provider.ts";
import { UpstreamModelError, type StreamPart } from "./language-model.ts";

const messages = [
  { role: "system" as const, content: "You are Ada, a patient tutor." },
  { role: "user" as const, content: "Hello" },
];

const fastRetry = { sleep: async () => {}, random: () => 0 };

let upstream: MockUpstream | undefined;

beforeAll(() => {
  (globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;
});

afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
});

async function modelFor(options: MockUpstreamOptions = {}, modelName = "claude-haiku-4-5") {
  upstream = await startMockAnthropic(options);
  const provider = createAnthropicProvider({
    baseURL: upstream.baseURL,
    apiKey: "test-key",
    retry: fastRetry,
  });
  return provider.languageModel(modelName);
}

async function collect(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const collected: StreamPart[] = [];
  for await (const part of parts) {
    collected.push(part);
  }
  return collected;
}

describe("Anthropic provider", () => {
  it("generates text with usage, sending system messages as the system prompt", async () => {
    const model = await modelFor({ reply: "Hello, learner.", usage: { inputTokens: 30, outputTokens: 4 } });
    const result = await model.generate({ messages, sampling: { max_tokens: 200 } });
    expect(result).toEqual({
      text: "Hello, learner.",
      usage: { inputTokens: 30, outputTokens: 4 },
      finishReason: "stop",
      warnings: [],
      model: "anthropic/claude-haiku-4-5",
    });
    const request = upstream!.generationRequests()[0]!;
    expect(request.headers["x-api-key"]).toBe("test-key");
    expect(request.body.system).toEqual([{ type: "text", text: "You are Ada, a patient tutor." }]);
    expect(request.body.messages).toEqual([{ role: "user", content: [{ type: "text", text: "Hello" }] }]);
    expect(request.body.max_tokens).toBe(200);
  });

  it("streams deltas, then one finish part with usage from message_start and message_delta", async () => {
    const model = await modelFor({
      chunks: ["Good ", "morning."],
      usage: { inputTokens: 9, outputTokens: 2 },
    });
    const parts = await collect(model.stream({ messages }));
    expect(parts).toEqual([
      { type: "delta", text: "Good " },
      { type: "delta", text: "morning." },
      {
        type: "finish",
        result: {
          text: "Good morning.",
          usage: { inputTokens: 9, outputTokens: 2 },
          finishReason: "stop",
          warnings: [],
          model: "anthropic/claude-haiku-4-5",
        },
      },
    ]);
    expect(upstream!.lastBody().stream).toBe(true);
  });

  it("sends the parameters Anthropic supports and warns about the rest", async () => {
    const model = await modelFor();
    const result = await model.generate({
      messages,
      sampling: {
        temperature: 0.6,
        top_k: 30,
        min_p: 0.05,
        top_a: 0.1,
        repetition_penalty: 1.1,
        frequency_penalty: 0.2,
        presence_penalty: 0.1,
        seed: 3,
        max_tokens: 64,
        stop: ["\nUser:"],
      },
    });
    const body = upstream!.lastBody();
    expect(body).toMatchObject({ temperature: 0.6, top_k: 30, max_tokens: 64, stop_sequences: ["\nUser:"] });
    for (const ignored of [
      "min_p",
      "top_a",
      "repetition_penalty",
      "frequency_penalty",
      "presence_penalty",
      "seed",
    ]) {
      expect(body).not.toHaveProperty(ignored);
    }
    expect(result.warnings).toEqual([
      "min_p is not supported by anthropic and was ignored",
      "top_a is not supported by anthropic and was ignored",
      "repetition_penalty is not supported by anthropic and was ignored",
      "frequency_penalty is not supported by anthropic and was ignored",
      "presence_penalty is not supported by anthropic and was ignored",
      "seed is not supported by anthropic and was ignored",
    ]);
  });

  it("passes on the AI SDK's own adjustments as warnings", async () => {
    const model = await modelFor();
    const result = await model.generate({ messages, sampling: { temperature: 1.5 } });
    expect(upstream!.lastBody().temperature).toBe(1);
    expect(result.warnings).toEqual([expect.stringMatching(/^temperature: 1\.5 exceeds anthropic maximum/)]);
  });

  it("retries an overloaded upstream (529) and then succeeds", async () => {
    const model = await modelFor({ script: [529, 503], reply: "Back again." });
    const result = await model.generate({ messages });
    expect(result.text).toBe("Back again.");
    expect(upstream!.generationRequests()).toHaveLength(3);
  });

  it("surfaces a 400 with Anthropic's error message, without retrying", async () => {
    const model = await modelFor({
      script: [{ status: 400, message: "messages: at least one message is required" }],
    });
    const failure = await model.generate({ messages }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpstreamModelError);
    expect(failure).toMatchObject({ upstreamStatus: 400, retryable: false });
    expect((failure as Error).message).toBe("the model provider anthropic answered HTTP 400");
    expect((failure as UpstreamModelError).upstreamMessage).toContain("at least one message is required");
    expect(upstream!.generationRequests()).toHaveLength(1);
  });

  it("retries a refused connection, then reports it as UpstreamModelError", async () => {
    const provider = createAnthropicProvider({
      baseURL: await closedLoopbackURL(),
      apiKey: "k",
      retry: fastRetry,
    });
    const failure = await provider
      .languageModel("claude-haiku-4-5")
      .generate({ messages })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpstreamModelError);
    expect(failure).toMatchObject({ upstreamStatus: undefined, retryable: true });
  });

  it("stops on abort mid-stream with the text so far, without throwing", async () => {
    const model = await modelFor({ chunks: ["a ", "b ", "c ", "d "], chunkDelayMs: 40 });
    const controller = new AbortController();
    const parts: StreamPart[] = [];
    for await (const part of model.stream({ messages, signal: controller.signal })) {
      parts.push(part);
      if (part.type === "delta") {
        controller.abort();
      }
    }
    expect(parts.filter((part) => part.type === "finish")).toHaveLength(1);
    expect(parts.at(-1)).toMatchObject({ type: "finish", result: { text: "a ", finishReason: "aborted" } });
  });

  it("generates a parsed object with native structured output", async () => {
    const model = await modelFor({ reply: '{"answer":"yes"}' }, "claude-haiku-4-5");
    const schema = {
      type: "object",
      properties: { answer: { type: "string" } },
      required: ["answer"],
      additionalProperties: false,
    };
    const result = await model.generateObject({ messages, schema });
    expect(result.object).toEqual({ answer: "yes" });
    expect(result.model).toBe("anthropic/claude-haiku-4-5");
    expect(upstream!.lastBody().output_config).toEqual({ format: { type: "json_schema", schema } });
  });

  it("generates a parsed object through the JSON tool on models without structured output", async () => {
    const model = await modelFor({ reply: '{"answer":"no"}' }, "claude-sonnet-4-20250514");
    const result = await model.generateObject({ messages, schema: { type: "object" } });
    expect(result.object).toEqual({ answer: "no" });
    expect(upstream!.lastBody().tools).toEqual([expect.objectContaining({ name: "json" })]);
  });

  it("lists models from /v1/models with the API key", async () => {
    upstream = await startMockAnthropic({ models: ["claude-haiku-4-5", "claude-sonnet-4-5"] });
    const provider = createAnthropicProvider({ name: "claude", baseURL: upstream.baseURL, apiKey: "k" });
    expect(await provider.listModels()).toEqual(["claude-haiku-4-5", "claude-sonnet-4-5"]);
    expect(upstream.requests[0]!.headers["x-api-key"]).toBe("k");
    expect(upstream.requests[0]!.headers["anthropic-version"]).toBe("2023-06-01");
    expect(provider.languageModel("claude-haiku-4-5").id).toBe("claude/claude-haiku-4-5");
  });
});
