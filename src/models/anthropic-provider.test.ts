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

describe("Anthropic provider: tools, response formats and content parts", () => {
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

  it("forces a tool and returns its call as JSON text, finish reason tool_calls", async () => {
    const model = await modelFor({ toolCalls: [{ name: "get_weather", arguments: { city: "Paris" } }] });
    const result = await model.generate({
      messages,
      tools: [weatherTool],
      toolChoice: { name: "get_weather" },
    });
    expect(result).toEqual({
      text: "",
      toolCalls: [{ id: "toolu_mock_0", name: "get_weather", arguments: '{"city":"Paris"}' }],
      usage: { inputTokens: 11, outputTokens: 7 },
      finishReason: "tool_calls",
      warnings: [],
      model: "anthropic/claude-haiku-4-5",
    });
    const body = upstream!.lastBody();
    expect(body.tools).toEqual([
      expect.objectContaining({
        name: "get_weather",
        description: "The weather in a city.",
        input_schema: weatherTool.parameters,
      }),
    ]);
    expect(body.tool_choice).toEqual({ type: "tool", name: "get_weather" });
  });

  it("maps tool_choice required to any and none to none, and answers with text when no tool is called", async () => {
    const model = await modelFor({ reply: "No tool needed." });
    const required = await model.generate({ messages, tools: [weatherTool], toolChoice: "required" });
    expect(required).toMatchObject({ text: "No tool needed.", finishReason: "stop" });
    expect(upstream!.lastBody().tool_choice).toEqual({ type: "any" });
    await model.generate({ messages, tools: [weatherTool], toolChoice: "none" });
    expect(upstream!.lastBody().tool_choice).toEqual({ type: "none" });
  });

  it("streams tool calls from input_json_delta events, a stream with no text at all", async () => {
    const model = await modelFor({
      toolCalls: [
        { name: "get_weather", arguments: '{"city":"Paris"}' },
        { name: "get_weather", arguments: '{"city":"Oslo"}' },
      ],
    });
    const parts = await collect(model.stream({ messages, tools: [weatherTool] }));
    expect(parts.filter((part) => part.type === "delta")).toEqual([]);
    expect(parts.filter((part) => part.type === "tool-call-start")).toEqual([
      { type: "tool-call-start", index: 0, id: "toolu_mock_0", name: "get_weather" },
      { type: "tool-call-start", index: 1, id: "toolu_mock_1", name: "get_weather" },
    ]);
    const deltas = parts.filter((part) => part.type === "tool-call-delta");
    expect(deltas.filter((part) => part.index === 0).map((part) => part.argumentsDelta)).toEqual([
      '{"city":',
      '"Paris"}',
    ]);
    expect(parts.at(-1)).toMatchObject({
      type: "finish",
      result: {
        text: "",
        finishReason: "tool_calls",
        toolCalls: [
          { id: "toolu_mock_0", name: "get_weather", arguments: '{"city":"Paris"}' },
          { id: "toolu_mock_1", name: "get_weather", arguments: '{"city":"Oslo"}' },
        ],
      },
    });
  });

  it("sends tool calls as tool_use blocks and tool results as tool_result blocks, and disables parallel calls", async () => {
    const model = await modelFor({ reply: "Sunny in Paris." });
    await model.generate({
      messages: [
        ...messages,
        {
          role: "assistant",
          content: "Let me look.",
          toolCalls: [
            { id: "toolu_1", name: "get_weather", arguments: '{"city":"Paris"}' },
            { id: "toolu_2", name: "get_weather", arguments: "not json" },
          ],
        },
        { role: "tool", content: "sunny, 21 C", toolCallId: "toolu_1" },
        { role: "tool", content: "bad arguments", toolCallId: "toolu_2" },
      ],
      tools: [weatherTool],
      parallelToolCalls: false,
    });
    const body = upstream!.lastBody();
    expect(body.messages.slice(1)).toEqual([
      {
        role: "assistant",
        content: [
          { type: "text", text: "Let me look." },
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
          // Anthropic wants an object: arguments that are not one travel as their text.
          { type: "tool_use", id: "toolu_2", name: "get_weather", input: { arguments: "not json" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: "sunny, 21 C" },
          { type: "tool_result", tool_use_id: "toolu_2", content: "bad arguments" },
        ],
      },
    ]);
    expect(body.tool_choice).toEqual({ type: "auto", disable_parallel_tool_use: true });
  });

  it("sends a json_schema response format as Anthropic's structured output and returns the text", async () => {
    const model = await modelFor({ reply: '{"mood":"calm"}' });
    const schema = {
      type: "object",
      properties: { mood: { type: "string" } },
      required: ["mood"],
      additionalProperties: false,
    };
    const result = await model.generate({
      messages,
      responseFormat: { type: "json_schema", name: "mood", schema, strict: true },
    });
    expect(result.text).toBe('{"mood":"calm"}');
    expect(upstream!.lastBody().output_config).toEqual({ format: { type: "json_schema", schema } });
  });

  it("answers json_object through the SDK's JSON tool, the object coming back as text", async () => {
    const model = await modelFor({ reply: '{"mood":"calm"}' });
    const result = await model.generate({ messages, responseFormat: { type: "json_object" } });
    expect(result).toMatchObject({ text: '{"mood":"calm"}', warnings: [] });
    expect(upstream!.lastBody().tools).toEqual([
      expect.objectContaining({ name: "json", input_schema: { type: "object" } }),
    ]);
  });

  it("sends images as base64 and URL sources, PDFs as documents", async () => {
    const model = await modelFor({
      reply: (body) =>
        JSON.stringify(body.messages.at(-1).content).includes('"type":"image"') ? "A picture." : "Nothing.",
    });
    const result = await model.generate({
      messages: [
        ...messages,
        {
          role: "user",
          content: "What is this?",
          parts: [
            { type: "text", text: "What is this?" },
            { type: "image", url: "data:image/png;base64,iVBORw0KGgo=" },
            { type: "image", url: "https://example.com/cat.jpg" },
            { type: "file", data: "JVBERi0=", mediaType: "application/pdf", filename: "notes.pdf" },
          ],
        },
      ],
    });
    expect(result.text).toBe("A picture.");
    // Anthropic wants alternating turns: the SDK joins the two user messages into one.
    const content = upstream!.lastBody().messages.at(-1).content.slice(1);
    expect(content.slice(0, 3)).toEqual([
      { type: "text", text: "What is this?" },
      { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
      { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
    ]);
    expect(content[3]).toMatchObject({
      type: "document",
      source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" },
    });
  });

  it("refuses audio, which the Messages API cannot take, with a 400 and no upstream call", async () => {
    const model = await modelFor();
    const failure = await model
      .generate({
        messages: [
          { role: "user", content: "Listen", parts: [{ type: "audio", data: "UklGRg==", format: "wav" }] },
        ],
      })
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ status: 400 });
    expect((failure as Error).message).toMatch(/^the model provider anthropic does not support .*audio/);
    expect(upstream!.generationRequests()).toHaveLength(0);
  });

  it("writes a speaker's name before the text, having no name field", async () => {
    const model = await modelFor();
    await model.generate({
      messages: [
        ...messages,
        { role: "assistant", content: "Hi.", name: "ada" },
        { role: "user", content: "Hello Ada", name: "bob" },
      ],
    });
    expect(upstream!.lastBody().messages.slice(1)).toEqual([
      { role: "assistant", content: [{ type: "text", text: "ada: Hi." }] },
      { role: "user", content: [{ type: "text", text: "bob: Hello Ada" }] },
    ]);
  });

  it("accepts a system message late in the conversation, as user text where it stood", async () => {
    const model = await modelFor({ reply: "Bien." });
    const result = await model.generate({
      messages: [
        ...messages,
        { role: "assistant", content: "Hi." },
        { role: "system", content: "Answer in French from now on." },
        { role: "user", content: "How are you?" },
      ],
    });
    expect(result.text).toBe("Bien.");
    const body = upstream!.lastBody();
    expect(body.system).toEqual([{ type: "text", text: "You are Ada, a patient tutor." }]);
    expect(body.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Hello" }] },
      { role: "assistant", content: [{ type: "text", text: "Hi." }] },
      {
        role: "user",
        content: [
          { type: "text", text: "[system] Answer in French from now on." },
          { type: "text", text: "How are you?" },
        ],
      },
    ]);
  });

  it("declares images and PDFs for Claude 3 and later, never audio", async () => {
    upstream = await startMockAnthropic();
    const provider = createAnthropicProvider({ baseURL: upstream.baseURL, apiKey: "k" });
    expect(provider.languageModel("claude-sonnet-4-5").capabilities).toEqual({
      images: true,
      audio: false,
      files: true,
      tools: true,
      structuredOutput: true,
    });
    expect(provider.languageModel("claude-2.1").capabilities).toMatchObject({ images: false, files: false });
  });
});
