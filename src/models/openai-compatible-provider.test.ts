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

describe("OpenAI-compatible provider: tools, response formats and content parts", () => {
  const weatherTool = {
    name: "get_weather",
    description: "The weather in a city.",
    parameters: {
      type: "object",
      properties: { city: { type: "string" } },
      required: ["city"],
      additionalProperties: false,
    },
  };

  it("forces a tool and returns its call with the upstream's exact argument text", async () => {
    const model = await modelFor({ toolCalls: [{ name: "get_weather", arguments: '{ "city": "Paris" }' }] });
    const result = await model.generate({
      messages,
      tools: [{ ...weatherTool, strict: true }],
      toolChoice: { name: "get_weather" },
    });
    expect(result).toEqual({
      text: "",
      toolCalls: [{ id: "call_mock_0", name: "get_weather", arguments: '{ "city": "Paris" }' }],
      usage: { inputTokens: 11, outputTokens: 7 },
      finishReason: "tool_calls",
      warnings: [],
      model: "mock/mock-small",
    });
    const body = upstream!.lastBody();
    expect(body.tools).toEqual([
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "The weather in a city.",
          parameters: weatherTool.parameters,
          strict: true,
        },
      },
    ]);
    expect(body.tool_choice).toEqual({ type: "function", function: { name: "get_weather" } });
    expect(body).not.toHaveProperty("parallel_tool_calls");
  });

  it("sends tool_choice auto, none and required as they are, and answers with text when no tool is called", async () => {
    const model = await modelFor({ reply: "No tool needed." });
    for (const toolChoice of ["auto", "none", "required"] as const) {
      const result = await model.generate({ messages, tools: [weatherTool], toolChoice });
      expect(result).toMatchObject({ text: "No tool needed.", finishReason: "stop" });
      expect(result.toolCalls).toBeUndefined();
      expect(upstream!.lastBody().tool_choice).toBe(toolChoice);
    }
    await model.generate({ messages, tools: [weatherTool] });
    expect(upstream!.lastBody().tool_choice).toBe("auto");
    expect(upstream!.lastBody().tools[0].function).not.toHaveProperty("strict");
  });

  it("streams tool calls as a start and argument deltas per call, then a finish holding every call", async () => {
    const model = await modelFor({
      toolCalls: [
        { name: "get_weather", arguments: '{"city":"Paris"}' },
        { name: "get_weather", arguments: '{"city":"Oslo"}' },
      ],
    });
    const parts = await collect(model.stream({ messages, tools: [weatherTool] }));
    expect(parts.filter((part) => part.type === "delta")).toEqual([]);
    const starts = parts.filter((part) => part.type === "tool-call-start");
    expect(starts).toEqual([
      { type: "tool-call-start", index: 0, id: "call_mock_0", name: "get_weather" },
      { type: "tool-call-start", index: 1, id: "call_mock_1", name: "get_weather" },
    ]);
    const deltas = parts.filter((part) => part.type === "tool-call-delta");
    // The mock sends arguments in 8-character pieces: the deltas are those pieces.
    expect(deltas.filter((part) => part.index === 0).map((part) => part.argumentsDelta)).toEqual([
      '{"city":',
      '"Paris"}',
    ]);
    expect(
      deltas
        .filter((part) => part.index === 1)
        .map((part) => part.argumentsDelta)
        .join(""),
    ).toBe('{"city":"Oslo"}');
    // Each call's start comes before its deltas.
    expect(parts.indexOf(starts[1]!)).toBeLessThan(parts.indexOf(deltas.find((part) => part.index === 1)!));
    expect(parts.at(-1)).toEqual({
      type: "finish",
      result: {
        text: "",
        toolCalls: [
          { id: "call_mock_0", name: "get_weather", arguments: '{"city":"Paris"}' },
          { id: "call_mock_1", name: "get_weather", arguments: '{"city":"Oslo"}' },
        ],
        usage: { inputTokens: 11, outputTokens: 7 },
        finishReason: "tool_calls",
        warnings: [],
        model: "mock/mock-small",
      },
    });
  });

  it("passes on a call the SDK cannot parse (unknown tool, arguments not JSON) as the upstream wrote it", async () => {
    const model = await modelFor({ toolCalls: [{ name: "get_time", arguments: "{not json" }] });
    const result = await model.generate({ messages, tools: [weatherTool] });
    expect(result).toMatchObject({
      finishReason: "tool_calls",
      toolCalls: [{ id: "call_mock_0", name: "get_time", arguments: "{not json" }],
    });
    const parts = await collect(model.stream({ messages, tools: [weatherTool] }));
    expect(parts.at(-1)).toMatchObject({
      type: "finish",
      result: {
        finishReason: "tool_calls",
        toolCalls: [{ id: "call_mock_0", name: "get_time", arguments: "{not json" }],
      },
    });
  });

  it("retries a failure before a tool-call-only stream starts, then streams the call", async () => {
    const model = await modelFor({ script: [503], toolCalls: [{ name: "get_weather", arguments: "{}" }] });
    const parts = await collect(model.stream({ messages, tools: [weatherTool], toolChoice: "required" }));
    expect(parts.at(-1)).toMatchObject({
      type: "finish",
      result: { finishReason: "tool_calls", toolCalls: [{ name: "get_weather", arguments: "{}" }] },
    });
    expect(upstream!.generationRequests()).toHaveLength(2);
  });

  it("leaves a call cut off mid-arguments out of the finish, which says error", async () => {
    const model = await modelFor({
      toolCalls: [{ name: "get_weather", arguments: '{"city":"Paris","units":"metric"}' }],
      dropAfterChunks: 2,
      chunkDelayMs: 30,
    });
    const parts = await collect(model.stream({ messages, tools: [weatherTool] }));
    expect(parts.slice(0, 3)).toEqual([
      { type: "tool-call-start", index: 0, id: "call_mock_0", name: "get_weather" },
      { type: "tool-call-delta", index: 0, argumentsDelta: '{"city":' },
      { type: "tool-call-delta", index: 0, argumentsDelta: '"Paris",' },
    ]);
    const finish = parts.at(-1);
    expect(finish).toMatchObject({ type: "finish", result: { finishReason: "error" } });
    expect(finish?.type === "finish" && finish.result.toolCalls).toBeUndefined();
  });

  it("sends tool calls and tool results back in OpenAI's wire format, arguments as the client wrote them", async () => {
    const model = await modelFor({ reply: "It is sunny in Paris." });
    const result = await model.generate({
      messages: [
        ...messages,
        {
          role: "assistant",
          content: "",
          toolCalls: [
            { id: "call_1", name: "get_weather", arguments: '{ "city": "Paris" }' },
            { id: "call_2", name: "get_weather", arguments: "not json" },
          ],
        },
        { role: "tool", content: "sunny, 21 C", toolCallId: "call_1" },
        { role: "tool", content: '{"error":"bad arguments"}', toolCallId: "call_2" },
      ],
      tools: [weatherTool],
    });
    expect(result.text).toBe("It is sunny in Paris.");
    expect(upstream!.lastBody().messages).toEqual([
      { role: "system", content: "You are Ada." },
      { role: "user", content: "Hello" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: "call_1",
            type: "function",
            function: { name: "get_weather", arguments: '{ "city": "Paris" }' },
          },
          { id: "call_2", type: "function", function: { name: "get_weather", arguments: "not json" } },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: "sunny, 21 C" },
      { role: "tool", tool_call_id: "call_2", content: '{"error":"bad arguments"}' },
    ]);
  });

  it("refuses a tool call nobody answered with a 400 naming the call, without calling the upstream", async () => {
    const model = await modelFor();
    const failure = await model
      .generate({
        messages: [
          ...messages,
          {
            role: "assistant",
            content: "",
            toolCalls: [{ id: "call_1", name: "get_weather", arguments: "{}" }],
          },
          { role: "user", content: "Well?" },
        ],
      })
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ status: 400 });
    expect((failure as Error).message).toMatch(/no tool message answers the tool call call_1/);
    const stray = await model
      .generate({ messages: [...messages, { role: "tool", content: "sunny", toolCallId: "call_9" }] })
      .catch((error: unknown) => error);
    expect(stray).toMatchObject({ status: 400 });
    expect((stray as Error).message).toMatch(/the tool message for call_9 answers no tool call/);
    expect(upstream!.generationRequests()).toHaveLength(0);
  });

  it("sends parallel_tool_calls false when asked, only with tools", async () => {
    const model = await modelFor();
    await model.generate({ messages, tools: [weatherTool], parallelToolCalls: false });
    expect(upstream!.lastBody().parallel_tool_calls).toBe(false);
    await model.generate({ messages, parallelToolCalls: false });
    expect(upstream!.lastBody()).not.toHaveProperty("parallel_tool_calls");
  });

  it("sends a json_schema response format, strict when asked, and returns the text as written", async () => {
    const model = await modelFor({ reply: '{"mood":"calm"}' });
    const schema = { type: "object", properties: { mood: { type: "string" } }, required: ["mood"] };
    const result = await model.generate({
      messages,
      responseFormat: { type: "json_schema", name: "mood", schema, strict: true, description: "A mood." },
    });
    expect(result.text).toBe('{"mood":"calm"}');
    expect(upstream!.lastBody().response_format).toEqual({
      type: "json_schema",
      json_schema: { name: "mood", schema, strict: true, description: "A mood." },
    });
    await model.generate({ messages, responseFormat: { type: "json_schema", name: "mood", schema } });
    expect(upstream!.lastBody().response_format.json_schema.strict).toBe(false);

    const parts = await collect(
      model.stream({ messages, responseFormat: { type: "json_schema", name: "mood", schema, strict: true } }),
    );
    expect(parts.at(-1)).toMatchObject({ type: "finish", result: { text: '{"mood":"calm"}' } });
    expect(upstream!.lastBody().response_format.json_schema.strict).toBe(true);
  });

  it("sends json_object, and keeps text that is not JSON instead of failing", async () => {
    const model = await modelFor({ reply: "Sorry, no JSON today." });
    const result = await model.generate({ messages, responseFormat: { type: "json_object" } });
    expect(result).toMatchObject({ text: "Sorry, no JSON today.", finishReason: "stop" });
    expect(upstream!.lastBody().response_format).toEqual({ type: "json_object" });
    await model.generate({ messages, responseFormat: { type: "text" } });
    expect(upstream!.lastBody()).not.toHaveProperty("response_format");
  });

  it("sends images (data: and https: URLs), audio and PDFs as OpenAI content parts; the upstream sees them", async () => {
    const pixel =
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";
    const model = await modelFor({
      reply: (body) =>
        JSON.stringify(body.messages.at(-1).content).includes("image_url")
          ? "I see a picture."
          : "No picture.",
    });
    const result = await model.generate({
      messages: [
        ...messages,
        {
          role: "user",
          content: "What is this?",
          parts: [
            { type: "text", text: "What is this?" },
            { type: "image", url: `data:image/png;base64,${pixel}` },
            { type: "image", url: "https://example.com/cat.jpg", detail: "low" },
            { type: "audio", data: "UklGRg==", format: "wav" },
            { type: "audio", data: "SUQz", format: "mp3" },
            { type: "file", data: "JVBERi0=", mediaType: "application/pdf", filename: "notes.pdf" },
          ],
        },
      ],
    });
    expect(result.text).toBe("I see a picture.");
    expect(upstream!.lastBody().messages.at(-1)).toEqual({
      role: "user",
      content: [
        { type: "text", text: "What is this?" },
        { type: "image_url", image_url: { url: `data:image/png;base64,${pixel}` } },
        { type: "image_url", image_url: { url: "https://example.com/cat.jpg", detail: "low" } },
        { type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } },
        { type: "input_audio", input_audio: { data: "SUQz", format: "mp3" } },
        { type: "file", file: { filename: "notes.pdf", file_data: "data:application/pdf;base64,JVBERi0=" } },
      ],
    });
    // The https image went to the upstream as a URL: this server fetched nothing.
    expect(upstream!.requests.every((request) => request.path === "/v1/chat/completions")).toBe(true);
  });

  it("refuses a malformed image URL with a 400", async () => {
    const model = await modelFor();
    const failure = await model
      .generate({
        messages: [{ role: "user", content: "", parts: [{ type: "image", url: "not a url" }] }],
      })
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ status: 400 });
    expect((failure as Error).message).toContain("image_url.url must be an https: or data: URL");
    const stream = model.stream({
      messages: [{ role: "user", content: "", parts: [{ type: "image", url: "not a url" }] }],
    });
    await expect(collect(stream)).rejects.toMatchObject({ status: 400 });
  });

  it("sends a message's name as OpenAI's name field", async () => {
    const model = await modelFor();
    await model.generate({
      messages: [
        { role: "system", content: "You are Ada.", name: "narrator" },
        { role: "user", content: "Hello", name: "bob" },
        { role: "assistant", content: "Hi Bob.", name: "ada" },
        {
          role: "user",
          content: "Look",
          name: "carol",
          parts: [
            { type: "text", text: "Look" },
            { type: "image", url: "https://example.com/a.png" },
          ],
        },
      ],
    });
    expect(upstream!.lastBody().messages).toEqual([
      { role: "system", content: "You are Ada.", name: "narrator" },
      { role: "user", content: "Hello", name: "bob" },
      { role: "assistant", content: "Hi Bob.", name: "ada" },
      {
        role: "user",
        content: [
          { type: "text", text: "Look" },
          { type: "image_url", image_url: { url: "https://example.com/a.png" } },
        ],
        name: "carol",
      },
    ]);
  });

  it("keeps a system message late in the conversation where it is", async () => {
    const model = await modelFor();
    await model.generate({
      messages: [
        ...messages,
        { role: "assistant", content: "Hi." },
        { role: "system", content: "Answer in French from now on." },
        { role: "user", content: "How are you?" },
      ],
    });
    expect(upstream!.lastBody().messages.map((message: { role: string }) => message.role)).toEqual([
      "system",
      "user",
      "assistant",
      "system",
      "user",
    ]);
    expect(upstream!.lastBody().messages[3]).toEqual({
      role: "system",
      content: "Answer in French from now on.",
    });
  });

  it("declares capabilities from the model's name, or from the provider's configuration", async () => {
    upstream = await startMockOpenAI();
    const provider = createOpenAICompatibleProvider({ name: "mock", baseURL: upstream.baseURL });
    expect(provider.languageModel("gpt-4o-mini").capabilities).toEqual({
      images: true,
      audio: false,
      files: true,
      tools: true,
      structuredOutput: true,
    });
    expect(provider.languageModel("mock-small").capabilities).toMatchObject({ images: false, tools: true });
    const configured = createOpenAICompatibleProvider({
      name: "mock",
      baseURL: upstream.baseURL,
      capabilities: { images: ["mock-*"], tools: false },
    });
    expect(configured.languageModel("mock-small").capabilities).toMatchObject({ images: true, tools: false });
  });
});
