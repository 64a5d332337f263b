import { createOpenAICompatible, type OpenAICompatibleProvider } from "@ai-sdk/openai-compatible";
import {
  APICallError,
  generateObject,
  generateText,
  Output,
  stepCountIs,
  streamText,
  tool,
  type TextStreamPart,
  type ToolSet,
} from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FLAKY_REPLY,
  imagePartsSent,
  LONG_PROMPT,
  OVERSIZED_MESSAGE,
  PIXEL_PNG,
  PIXEL_PNG_BYTES,
  profileSchema,
  startClientServer,
  startUpstreamClientServer,
  timeArguments,
  UPSTREAM_ARGUMENTS,
  UPSTREAM_PROFILE,
  UPSTREAM_REPLY,
  weatherArguments,
  type ClientServer,
  type UpstreamClientServer,
} from "./client-server.ts";

/*
 * The Vercel AI SDK as a client of Dramatis (through @ai-sdk/openai-compatible), over a real socket:
 * generateText / streamText, tools with and without execute, a multi-step tool loop, structured output,
 * an image the offline persona refuses, an error before a stream and finishReason length. It used to
 * throw ToolChoiceViolationError when a forced tool came back as plain text.
 */

/** Tools without execute: the call comes back to the caller. */
const tools = {
  get_weather: tool({ description: "Current weather in a city", inputSchema: weatherArguments }),
  get_time: tool({ description: "The time in a zone", inputSchema: timeArguments }),
};

/** Every part of a stream, so a test can look at its errors as well as its text. */
async function collect<T extends ToolSet>(stream: AsyncIterable<TextStreamPart<T>>) {
  const parts: TextStreamPart<T>[] = [];
  for await (const part of stream) parts.push(part);
  return {
    parts,
    text: parts.map((part) => (part.type === "text-delta" ? part.text : "")).join(""),
    errors: parts.flatMap((part) => (part.type === "error" ? [part.error] : [])),
  };
}

describe("the Vercel AI SDK over a real socket", () => {
  let served: ClientServer;
  let dramatis: OpenAICompatibleProvider;

  beforeAll(async () => {
    served = await startClientServer();
    dramatis = createOpenAICompatible({
      name: "dramatis",
      baseURL: served.baseURL,
      apiKey: served.apiKey,
      headers: served.headers,
      supportsStructuredOutputs: true,
      includeUsage: true,
    });
  });
  afterAll(() => served?.stop());

  it("generates and streams text as the persona", async () => {
    const generated = await generateText({
      model: dramatis.chatModel(served.model),
      prompt: "Hello, who are you?",
      maxRetries: 0,
    });
    expect(generated.text).toContain("Mira");
    expect(generated.finishReason).toBe("stop");
    expect(generated.usage.outputTokens).toBeGreaterThan(0);

    const streamed = streamText({
      model: dramatis.chatModel(served.model),
      prompt: "Hello, who are you?",
      maxRetries: 0,
    });
    const { text, errors, parts } = await collect(streamed.fullStream);
    expect(errors).toEqual([]);
    expect(text).toBe(generated.text);
    expect(parts.filter((part) => part.type === "text-delta").length).toBeGreaterThan(1);
    expect(await streamed.finishReason).toBe("stop");
  });

  it("returns forced tool calls as tool calls, not text (no ToolChoiceViolationError)", async () => {
    const required = await generateText({
      model: dramatis.chatModel(served.model),
      prompt: "What's the weather in Oslo?",
      tools,
      toolChoice: "required",
      maxRetries: 0,
    });
    expect(required.finishReason).toBe("tool-calls");
    expect(required.text).toBe("");
    expect(required.toolCalls.map((call) => call.toolName)).toEqual(["get_weather"]);
    expect(weatherArguments.strict().parse(required.toolCalls[0]!.input)).toBeTruthy();

    const named = await generateText({
      model: dramatis.chatModel(served.model),
      prompt: "Hi",
      tools,
      toolChoice: { type: "tool", toolName: "get_time" },
      maxRetries: 0,
    });
    expect(named.toolCalls.map((call) => call.toolName)).toEqual(["get_time"]);
    expect(timeArguments.strict().parse(named.toolCalls[0]!.input)).toBeTruthy();
  });

  it("with toolChoice auto, calls a tool the prompt names and answers in text otherwise", async () => {
    const naming = await generateText({
      model: dramatis.chatModel(served.model),
      prompt: "Use get time for Tokyo, please",
      tools,
      maxRetries: 0,
    });
    expect(naming.toolCalls.map((call) => call.toolName)).toEqual(["get_time"]);

    const plain = await generateText({
      model: dramatis.chatModel(served.model),
      prompt: "Tell me about yourself",
      tools,
      toolChoice: "auto",
      maxRetries: 0,
    });
    expect(plain.toolCalls).toEqual([]);
    expect(plain.finishReason).toBe("stop");
    expect(plain.text).toContain("Mira");
  });

  it("assembles streamed tool call deltas into a typed call", async () => {
    const streamed = streamText({
      model: dramatis.chatModel(served.model),
      prompt: "What's the weather?",
      tools,
      toolChoice: "required",
      maxRetries: 0,
    });
    const { parts, errors } = await collect(streamed.fullStream);
    expect(errors).toEqual([]);
    const deltas = parts.flatMap((part) => (part.type === "tool-input-delta" ? [part.delta] : []));
    expect(deltas.length).toBeGreaterThan(1);
    const calls = await streamed.toolCalls;
    expect(calls.map((call) => call.toolName)).toEqual(["get_weather"]);
    expect(JSON.parse(deltas.join(""))).toEqual(calls[0]!.input);
    expect(weatherArguments.strict().parse(calls[0]!.input)).toBeTruthy();
    expect(await streamed.finishReason).toBe("tool-calls");
  });

  it("runs its own tool loop with execute and stopWhen stepCountIs(3), streamed or not", async () => {
    const inputs: unknown[] = [];
    const executing = {
      get_weather: tool({
        description: "Current weather in a city",
        inputSchema: weatherArguments,
        execute: async (input) => {
          inputs.push(input);
          return { temperature: 4, city: input.city };
        },
      }),
    };
    const generated = await generateText({
      model: dramatis.chatModel(served.model),
      prompt: "What's the get_weather for Oslo?",
      tools: executing,
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    expect(generated.steps.map((step) => step.finishReason)).toEqual(["tool-calls", "stop"]);
    expect(inputs).toHaveLength(1);
    expect(generated.text).toContain('get_weather returned {"temperature":4');

    const streamed = streamText({
      model: dramatis.chatModel(served.model),
      prompt: "What's the get_weather for Oslo?",
      tools: executing,
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    const { text, errors } = await collect(streamed.fullStream);
    expect(errors).toEqual([]);
    expect(inputs).toHaveLength(2);
    expect(text).toBe(generated.text);
    expect((await streamed.steps).length).toBe(2);
  });

  it("answers Output.object and generateObject with values that satisfy the zod schema", async () => {
    const generated = await generateText({
      model: dramatis.chatModel(served.model),
      prompt: "Describe yourself",
      output: Output.object({ schema: profileSchema, name: "profile" }),
      maxRetries: 0,
    });
    expect(profileSchema.parse(generated.output)).toEqual(generated.output);
    // supportsStructuredOutputs: the schema went out as a json_schema response format, not as a prompt.
    const body = JSON.parse(String(generated.request.body ?? "{}"));
    expect(body.response_format?.type).toBe("json_schema");

    const object = await generateObject({
      model: dramatis.chatModel(served.model),
      prompt: "Describe yourself",
      schema: profileSchema,
      maxRetries: 0,
    });
    expect(profileSchema.parse(object.object)).toEqual(object.object);

    const streamed = streamText({
      model: dramatis.chatModel(served.model),
      prompt: "Describe yourself",
      output: Output.object({ schema: profileSchema }),
      maxRetries: 0,
    });
    const { errors } = await collect(streamed.fullStream);
    expect(errors).toEqual([]);
    expect(profileSchema.parse(await streamed.output)).toBeTruthy();
  });

  it("surfaces the 400 for an image the offline persona cannot see as an APICallError naming the part", async () => {
    const error = await generateText({
      model: dramatis.chatModel(served.model),
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is in this picture?" },
            { type: "image", image: PIXEL_PNG_BYTES, mediaType: "image/png" },
          ],
        },
      ],
      maxRetries: 0,
    }).catch((caught: unknown) => caught);
    expect(APICallError.isInstance(error)).toBe(true);
    const apiError = error as APICallError;
    expect(apiError.statusCode).toBe(400);
    expect(apiError.isRetryable).toBe(false);
    expect(apiError.responseBody).toContain("messages[0].content[1]");
    expect(apiError.message).toMatch(/does not accept images/);
  });

  it("reports a 404 APICallError for an unknown persona when streaming", async () => {
    const streamed = streamText({
      model: dramatis.chatModel("persona/psn_does_not_exist"),
      prompt: "Hello?",
      maxRetries: 0,
      // The error part in the stream is what this test reads; the default handler would also log it.
      onError: () => undefined,
    });
    const { errors, text } = await collect(streamed.fullStream);
    expect(text).toBe("");
    expect(errors).toHaveLength(1);
    expect(APICallError.isInstance(errors[0])).toBe(true);
    expect((errors[0] as APICallError).statusCode).toBe(404);
  });

  it("says finishReason length when maxOutputTokens cut the reply, streamed or not", async () => {
    const generated = await generateText({
      model: dramatis.chatModel(served.model),
      prompt: LONG_PROMPT,
      maxOutputTokens: 4,
      maxRetries: 0,
    });
    expect(generated.finishReason).toBe("length");
    expect(generated.usage.outputTokens).toBeLessThanOrEqual(4);

    const streamed = streamText({
      model: dramatis.chatModel(served.model),
      prompt: LONG_PROMPT,
      maxOutputTokens: 4,
      maxRetries: 0,
    });
    await collect(streamed.fullStream);
    expect(await streamed.finishReason).toBe("length");
  });
});

describe("the Vercel AI SDK through Dramatis to an OpenAI-compatible upstream", () => {
  let served: UpstreamClientServer;
  let dramatis: OpenAICompatibleProvider;

  beforeAll(async () => {
    served = await startUpstreamClientServer();
    dramatis = createOpenAICompatible({
      name: "dramatis",
      baseURL: served.baseURL,
      apiKey: served.apiKey,
      headers: served.headers,
      supportsStructuredOutputs: true,
    });
  });
  afterAll(() => served?.stop());

  it("gets the upstream's tool calls, streamed too, and runs its tool loop through Dramatis", async () => {
    const forced = await generateText({
      model: dramatis.chatModel(served.visionModel),
      prompt: "What's the weather in Oslo?",
      tools,
      toolChoice: "required",
      maxRetries: 0,
    });
    expect(served.upstream.lastBody().tool_choice).toBe("required");
    expect(forced.toolCalls.map((call) => [call.toolName, call.input])).toEqual([
      ["get_weather", UPSTREAM_ARGUMENTS.get_weather],
    ]);

    const streamed = streamText({
      model: dramatis.chatModel(served.visionModel),
      prompt: "Hi",
      tools,
      toolChoice: { type: "tool", toolName: "get_time" },
      maxRetries: 0,
    });
    const { errors } = await collect(streamed.fullStream);
    expect(errors).toEqual([]);
    expect(served.upstream.lastBody().stream).toBe(true);
    expect((await streamed.toolCalls).map((call) => [call.toolName, call.input])).toEqual([
      ["get_time", UPSTREAM_ARGUMENTS.get_time],
    ]);

    const auto = await generateText({
      model: dramatis.chatModel(served.visionModel),
      prompt: "Tell me about yourself",
      tools,
      maxRetries: 0,
    });
    expect(auto.toolCalls).toEqual([]);
    expect(auto.text).toBe(UPSTREAM_REPLY);

    const inputs: unknown[] = [];
    const looped = await generateText({
      model: dramatis.chatModel(served.visionModel),
      prompt: "What's the get_weather for Oslo?",
      tools: {
        get_weather: tool({
          inputSchema: weatherArguments,
          execute: async (input) => {
            inputs.push(input);
            return "sunny, 4C";
          },
        }),
      },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    expect(inputs).toEqual([UPSTREAM_ARGUMENTS.get_weather]);
    const sent = served.upstream.lastBody().messages;
    expect(sent.at(-1)).toMatchObject({ role: "tool", tool_call_id: sent.at(-2).tool_calls[0].id });
    expect(looped.text).toBe("The upstream read sunny, 4C.");
  });

  it("passes Output.object's schema to the upstream and its object back", async () => {
    const generated = await generateText({
      model: dramatis.chatModel(served.visionModel),
      prompt: "Describe yourself",
      output: Output.object({ schema: profileSchema, name: "profile" }),
      maxRetries: 0,
    });
    expect(served.upstream.lastBody().response_format).toMatchObject({
      type: "json_schema",
      json_schema: { name: "profile" },
    });
    expect(generated.output).toEqual(UPSTREAM_PROFILE);
  });

  it("passes an image to a vision upstream as an image_url part", async () => {
    const generated = await generateText({
      model: dramatis.chatModel(served.visionModel),
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is in this picture?" },
            { type: "image", image: PIXEL_PNG_BYTES, mediaType: "image/png" },
          ],
        },
      ],
      maxRetries: 0,
    });
    expect(generated.text).toBe(UPSTREAM_REPLY);
    expect(imagePartsSent(served.upstream)).toEqual([
      expect.objectContaining({ type: "image_url", image_url: expect.objectContaining({ url: PIXEL_PNG }) }),
    ]);
  });

  it("reports an error, not a finished answer, when the upstream drops mid-stream", async () => {
    const streamed = streamText({
      model: dramatis.chatModel(served.flakyModel),
      prompt: "Count for me",
      maxRetries: 0,
      onError: () => undefined,
    });
    const { errors, text, parts } = await collect(streamed.fullStream);
    expect(errors).toHaveLength(1);
    expect(text.length).toBeLessThan(FLAKY_REPLY.length);
    expect(parts.some((part) => part.type === "finish" && part.finishReason === "stop")).toBe(false);
  });

  it("keeps its keep-alive connection usable after a 413 for a body past the limit", async () => {
    const error = await generateText({
      model: dramatis.chatModel(served.model),
      prompt: OVERSIZED_MESSAGE,
      maxRetries: 0,
    }).catch((caught: unknown) => caught);
    expect(APICallError.isInstance(error)).toBe(true);
    expect((error as APICallError).statusCode).toBe(413);
    expect((error as APICallError).responseHeaders?.connection).not.toBe("close");
    // The first request after it may take a fresh connection; the next ones reuse the old socket.
    for (let round = 0; round < 3; round++) {
      const after = await generateText({
        model: dramatis.chatModel(served.model),
        prompt: "Still there?",
        maxRetries: 0,
      });
      expect(after.text).toContain("Mira");
    }
  });
});
