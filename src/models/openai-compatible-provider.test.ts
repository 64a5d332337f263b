import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  closedLoopbackURL,
  startMockOpenAI,
  type MockUpstream,
  type MockUpstreamOptions,
} from "../../test/mock-upstreams.ts";
import { UpstreamModelError, type StreamPart } from "./language-model.ts";
import { createOpenAICompatibleProvider } from "./openai-compatible-provider.ts";

const messages = [
  { role: "system" as const, content: "You are Ada." },
  { role: "user" as const, content: "Hello" },
];

/** Retries without waiting, recording the waits. */
const fastRetry = { sleep: async () => {}, random: () => 0 };

let upstream: MockUpstream | undefined;

beforeAll(() => {
  // Results carry the warnings; the SDK's own console logging would only add noise.
  (globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;
});

afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
});

async function modelFor(options: MockUpstreamOptions = {}, modelName = "mock-small") {
  upstream = await startMockOpenAI(options);
  const provider = createOpenAICompatibleProvider({
    name: "mock",
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

describe("OpenAI-compatible provider", () => {
  it("generates text with usage and the full model id", async () => {
    const model = await modelFor({ reply: "Hi there.", usage: { inputTokens: 12, outputTokens: 3 } });
    const result = await model.generate({ messages });
    expect(result).toEqual({
      text: "Hi there.",
      usage: { inputTokens: 12, outputTokens: 3 },
      finishReason: "stop",
      warnings: [],
      model: "mock/mock-small",
    });
    const request = upstream!.generationRequests()[0]!;
    expect(request.headers.authorization).toBe("Bearer test-key");
    expect(request.body.model).toBe("mock-small");
    expect(request.body.messages).toEqual([
      { role: "system", content: "You are Ada." },
      { role: "user", content: "Hello" },
    ]);
  });

  it("reports zero usage when the upstream sends none", async () => {
    const model = await modelFor({ usage: null });
    const generated = await model.generate({ messages });
    expect(generated.usage).toEqual({ inputTokens: 0, outputTokens: 0 });
    const parts = await collect(model.stream({ messages }));
    expect(parts.at(-1)).toMatchObject({
      type: "finish",
      result: { usage: { inputTokens: 0, outputTokens: 0 } },
    });
  });

  it("streams deltas, then one finish part with usage, asking for usage in the stream", async () => {
    const model = await modelFor({
      chunks: ["Once ", "upon ", "a time."],
      usage: { inputTokens: 20, outputTokens: 5 },
    });
    const parts = await collect(model.stream({ messages }));
    expect(parts).toEqual([
      { type: "delta", text: "Once " },
      { type: "delta", text: "upon " },
      { type: "delta", text: "a time." },
      {
        type: "finish",
        result: {
          text: "Once upon a time.",
          usage: { inputTokens: 20, outputTokens: 5 },
          finishReason: "stop",
          warnings: [],
          model: "mock/mock-small",
        },
      },
    ]);
    expect(upstream!.lastBody()).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it("sends standard and extra sampling parameters in the request body", async () => {
    const model = await modelFor();
    const result = await model.generate({
      messages,
      sampling: {
        temperature: 0.8,
        top_p: 0.95,
        top_k: 40,
        min_p: 0.05,
        top_a: 0.1,
        repetition_penalty: 1.1,
        frequency_penalty: 0.2,
        presence_penalty: 0.3,
        max_tokens: 128,
        stop: ["\nUser:"],
        seed: 7,
      },
    });
    expect(upstream!.lastBody()).toMatchObject({
      temperature: 0.8,
      top_p: 0.95,
      top_k: 40,
      min_p: 0.05,
      top_a: 0.1,
      repetition_penalty: 1.1,
      frequency_penalty: 0.2,
      presence_penalty: 0.3,
      max_tokens: 128,
      stop: ["\nUser:"],
      seed: 7,
    });
    // top_k travels as a body field, so the SDK's "topK unsupported" warning never appears.
    expect(result.warnings).toEqual([]);
  });

  it("retries a 503 and then succeeds", async () => {
    const model = await modelFor({ script: [503, 503, 200], reply: "Third time lucky." });
    const result = await model.generate({ messages });
    expect(result.text).toBe("Third time lucky.");
    expect(upstream!.generationRequests()).toHaveLength(3);
  });

  it("retries a 503 before a stream starts and then streams", async () => {
    const model = await modelFor({ script: [503], reply: "Streamed." });
    const parts = await collect(model.stream({ messages }));
    expect(parts.at(-1)).toMatchObject({
      type: "finish",
      result: { text: "Streamed.", finishReason: "stop" },
    });
    expect(upstream!.generationRequests()).toHaveLength(2);
  });

  it("surfaces a 400 as UpstreamModelError, the upstream message kept for logs only, without retrying", async () => {
    const badRequest = { status: 400, message: "Unknown parameter: min_p" };
    const model = await modelFor({ script: [badRequest, badRequest] });
    const failure = await model.generate({ messages }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpstreamModelError);
    expect(failure).toMatchObject({ upstreamStatus: 400, retryable: false, status: 502 });
    expect((failure as Error).message).toBe("the model provider mock answered HTTP 400");
    expect((failure as UpstreamModelError).upstreamMessage).toContain("Unknown parameter: min_p");
    expect(upstream!.generationRequests()).toHaveLength(1);

    const streamFailure = await collect(model.stream({ messages })).catch((error: unknown) => error);
    expect(streamFailure).toBeInstanceOf(UpstreamModelError);
    expect(streamFailure).toMatchObject({ upstreamStatus: 400 });
    expect(upstream!.generationRequests()).toHaveLength(2);
  });

  it("gives up after three attempts when the upstream keeps failing", async () => {
    const model = await modelFor({ script: [500, 500, 500, 500] });
    const failure = await model.generate({ messages }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ upstreamStatus: 500, retryable: true });
    expect(upstream!.generationRequests()).toHaveLength(3);
  });

  it("retries a refused connection, then reports it as UpstreamModelError", async () => {
    let attempts = 0;
    const countingFetch: typeof fetch = (input, init) => {
      attempts += 1;
      return fetch(input, init);
    };
    const provider = createOpenAICompatibleProvider({
      name: "down",
      baseURL: await closedLoopbackURL(),
      fetch: countingFetch,
      retry: fastRetry,
    });
    const model = provider.languageModel("any");
    const failure = await model.generate({ messages }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpstreamModelError);
    expect(failure).toMatchObject({ upstreamStatus: undefined, retryable: true });
    expect((failure as Error).message).toMatch(/ECONNREFUSED/);
    expect(attempts).toBe(3);

    const streamFailure = await collect(model.stream({ messages })).catch((error: unknown) => error);
    expect(streamFailure).toBeInstanceOf(UpstreamModelError);
    expect(attempts).toBe(6);
  });

  it("stops on abort mid-stream with the text so far and finish reason aborted, without throwing", async () => {
    const model = await modelFor({ chunks: ["one ", "two ", "three ", "four ", "five "], chunkDelayMs: 40 });
    const controller = new AbortController();
    const parts: StreamPart[] = [];
    for await (const part of model.stream({ messages, signal: controller.signal })) {
      parts.push(part);
      if (part.type === "delta" && part.text === "two ") {
        controller.abort();
      }
    }
    await expect.poll(() => upstream!.generationRequests()[0]!.disconnected).toBe(true);
    const finishParts = parts.filter((part) => part.type === "finish");
    expect(finishParts).toHaveLength(1);
    expect(parts.at(-1)).toEqual({
      type: "finish",
      result: {
        text: "one two ",
        usage: { inputTokens: 0, outputTokens: 0 },
        finishReason: "aborted",
        warnings: [],
        model: "mock/mock-small",
      },
    });
  });

  it("cancels the upstream request when the consumer stops reading early", async () => {
    const model = await modelFor({ chunks: ["a ", "b ", "c ", "d "], chunkDelayMs: 30 });
    for await (const part of model.stream({ messages })) {
      expect(part).toEqual({ type: "delta", text: "a " });
      break;
    }
    await expect.poll(() => upstream!.generationRequests()[0]!.disconnected).toBe(true);
  });

  it("returns an aborted result when generate is aborted before it starts", async () => {
    const model = await modelFor();
    const controller = new AbortController();
    controller.abort();
    const result = await model.generate({ messages, signal: controller.signal });
    expect(result).toMatchObject({ text: "", finishReason: "aborted" });
    const parts = await collect(model.stream({ messages, signal: controller.signal }));
    expect(parts).toEqual([{ type: "finish", result: expect.objectContaining({ finishReason: "aborted" }) }]);
  });

  it("keeps the partial text and finishes with error when the connection drops mid-stream", async () => {
    // The delay lets the client read each delta before the drop; a stream that errors discards unread chunks.
    const model = await modelFor({
      chunks: ["Half ", "an ", "answer"],
      dropAfterChunks: 2,
      chunkDelayMs: 30,
    });
    const parts = await collect(model.stream({ messages }));
    const finish = parts.at(-1);
    expect(finish).toMatchObject({ type: "finish", result: { text: "Half an ", finishReason: "error" } });
    expect(finish?.type === "finish" && finish.result.warnings[0]).toMatch(/upstream failed mid-answer/);
  });

  it("generates a parsed object through a JSON schema response format", async () => {
    const model = await modelFor({ reply: '{"mood":"cheerful","energy":7}' });
    const schema = {
      type: "object",
      properties: { mood: { type: "string" }, energy: { type: "number" } },
      required: ["mood"],
    };
    const result = await model.generateObject({ messages, schema, schemaName: "mood_report" });
    expect(result).toEqual({
      object: { mood: "cheerful", energy: 7 },
      usage: { inputTokens: 11, outputTokens: 7 },
      model: "mock/mock-small",
      warnings: [],
    });
    expect(upstream!.lastBody().response_format).toEqual({
      type: "json_schema",
      json_schema: { schema, strict: false, name: "mood_report" },
    });
  });

  it("surfaces unparseable structured output as a non-retryable UpstreamModelError", async () => {
    const model = await modelFor({ reply: "not json" });
    const failure = await model
      .generateObject({ messages, schema: { type: "object" } })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpstreamModelError);
    expect(failure).toMatchObject({ retryable: false });
    expect(upstream!.generationRequests()).toHaveLength(1);
  });

  it("lists models from /v1/models when none are configured", async () => {
    upstream = await startMockOpenAI({ models: ["llama-3-8b", "qwen2.5-7b"] });
    const provider = createOpenAICompatibleProvider({
      name: "local",
      baseURL: upstream.baseURL,
      apiKey: "k",
    });
    expect(await provider.listModels()).toEqual(["llama-3-8b", "qwen2.5-7b"]);
    expect(upstream.requests[0]).toMatchObject({ method: "GET", path: "/v1/models" });
    expect(upstream.requests[0]!.headers.authorization).toBe("Bearer k");
  });

  it("lists configured models without asking the upstream", async () => {
    upstream = await startMockOpenAI();
    const provider = createOpenAICompatibleProvider({
      name: "local",
      baseURL: upstream.baseURL,
      models: ["chosen"],
    });
    expect(await provider.listModels()).toEqual(["chosen"]);
    expect(upstream.requests).toHaveLength(0);
  });

  it("lists no models when the upstream cannot be reached", async () => {
    const provider = createOpenAICompatibleProvider({ name: "down", baseURL: await closedLoopbackURL() });
    expect(await provider.listModels()).toEqual([]);
  });

  it("embeds texts through the upstream's /embeddings", async () => {
    const upstream = await startMockOpenAI();
    try {
      const provider = createOpenAICompatibleProvider({ name: "mock", baseURL: upstream.baseURL });
      const { embeddings, tokens } = await provider.embeddingModel!("mock-embed").embed([
        "hello there",
        "general",
      ]);
      expect(embeddings).toHaveLength(2);
      expect(embeddings[0]).toBeInstanceOf(Float32Array);
      expect(embeddings[0]?.length).toBe(8);
      expect(embeddings[0]).not.toEqual(embeddings[1]);
      expect(tokens).toBeGreaterThan(0);
      expect(upstream.requests.at(-1)?.path).toBe("/v1/embeddings");
    } finally {
      await upstream.close();
    }
  });
});
