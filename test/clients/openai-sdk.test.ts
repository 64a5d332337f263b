import OpenAI from "openai";
import { zodFunction, zodResponseFormat } from "openai/helpers/zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FLAKY_REPLY,
  imagePartsSent,
  LONG_PROMPT,
  OVERSIZED_MESSAGE,
  PIXEL_PNG,
  profileJsonSchema,
  profileSchema,
  startClientServer,
  startUpstreamClientServer,
  timeArguments,
  UPSTREAM_ARGUMENTS,
  UPSTREAM_PROFILE,
  UPSTREAM_REPLY,
  weatherArguments,
  weatherParameters,
  type ClientServer,
  type UpstreamClientServer,
} from "./client-server.ts";

/*
 * The official `openai` package (v6) against a real Dramatis server: completions, tools (forced, auto,
 * streamed, a round trip by hand and with runTools), structured output (json_schema and `parse` with a
 * zod response format), an image refused by the offline engine, errors before a stream, finish_reason.
 */

const weatherTool: OpenAI.ChatCompletionFunctionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather in a city",
    parameters: weatherParameters as unknown as Record<string, unknown>,
    strict: true,
  },
};
const timeTool: OpenAI.ChatCompletionFunctionTool = {
  type: "function",
  function: {
    name: "get_time",
    description: "The time in a zone",
    parameters: {
      type: "object",
      properties: { zone: { type: "string" } },
      required: ["zone"],
      additionalProperties: false,
    },
  },
};

function functionCalls(message: OpenAI.ChatCompletionMessage) {
  return (message.tool_calls ?? []).flatMap((call) => (call.type === "function" ? [call] : []));
}

describe("the official openai client over a real socket", () => {
  let served: ClientServer;
  let client: OpenAI;

  beforeAll(async () => {
    served = await startClientServer();
    client = new OpenAI({
      apiKey: served.apiKey,
      baseURL: served.baseURL,
      defaultHeaders: served.headers,
      maxRetries: 0,
    });
  });
  afterAll(() => served?.stop());

  it("answers a plain completion and a stream as the persona", async () => {
    const completion = await client.chat.completions.create({
      model: served.model,
      messages: [{ role: "user", content: "Hello, who are you?" }],
    });
    expect(completion.choices[0]?.message.content).toContain("Mira");
    expect(completion.choices[0]?.finish_reason).toBe("stop");

    const stream = await client.chat.completions.create({
      model: served.model,
      messages: [{ role: "user", content: "Hello, who are you?" }],
      stream: true,
    });
    let text = "";
    let finishReason: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
    }
    expect(text).toBe(completion.choices[0]?.message.content);
    expect(finishReason).toBe("stop");
  });

  it("calls the tool tool_choice forces: required, or a named function", async () => {
    const required = await client.chat.completions.create({
      model: served.model,
      messages: [{ role: "user", content: "What's the weather in Oslo?" }],
      tools: [weatherTool, timeTool],
      tool_choice: "required",
    });
    expect(required.choices[0]?.finish_reason).toBe("tool_calls");
    const [call] = functionCalls(required.choices[0]!.message);
    expect(call?.function.name).toBe("get_weather");
    expect(weatherArguments.strict().parse(JSON.parse(call!.function.arguments))).toBeTruthy();

    const named = await client.chat.completions.create({
      model: served.model,
      messages: [{ role: "user", content: "Hi" }],
      tools: [weatherTool, timeTool],
      tool_choice: { type: "function", function: { name: "get_time" } },
    });
    const namedCalls = functionCalls(named.choices[0]!.message);
    expect(namedCalls.map((entry) => entry.function.name)).toEqual(["get_time"]);
    expect(timeArguments.strict().parse(JSON.parse(namedCalls[0]!.function.arguments))).toBeTruthy();
  });

  it("with tool_choice auto, calls a tool the message names and answers in text otherwise", async () => {
    const naming = await client.chat.completions.create({
      model: served.model,
      messages: [{ role: "user", content: "Please use get_time for Tokyo" }],
      tools: [weatherTool, timeTool],
      tool_choice: "auto",
    });
    expect(functionCalls(naming.choices[0]!.message).map((call) => call.function.name)).toEqual(["get_time"]);

    const plain = await client.chat.completions.create({
      model: served.model,
      messages: [{ role: "user", content: "Tell me about yourself" }],
      tools: [weatherTool, timeTool],
    });
    expect(plain.choices[0]?.finish_reason).toBe("stop");
    expect(plain.choices[0]?.message.tool_calls ?? []).toEqual([]);
    expect(plain.choices[0]?.message.content).toContain("Mira");
  });

  it("streams tool calls the client's stream helper assembles", async () => {
    const stream = client.chat.completions.stream({
      model: served.model,
      messages: [{ role: "user", content: "What's the weather?" }],
      tools: [weatherTool],
      tool_choice: "required",
    });
    const deltas: string[] = [];
    stream.on("tool_calls.function.arguments.delta", (event) => deltas.push(event.arguments_delta));
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.finish_reason).toBe("tool_calls");
    const [call] = functionCalls(final.choices[0]!.message);
    expect(call?.id).toMatch(/^call_/);
    expect(call?.function.name).toBe("get_weather");
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe(call?.function.arguments);
    expect(weatherArguments.strict().parse(JSON.parse(call!.function.arguments))).toBeTruthy();
  });

  it("takes tool results back, by hand and through runTools", async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: "user", content: "What's the get weather for Oslo?" },
    ];
    const first = await client.chat.completions.create({
      model: served.model,
      messages,
      tools: [weatherTool],
    });
    const assistant = first.choices[0]!.message;
    const [call] = functionCalls(assistant);
    expect(call?.function.name).toBe("get_weather");
    messages.push(assistant, { role: "tool", tool_call_id: call!.id, content: '{"temperature":4}' });
    const second = await client.chat.completions.create({
      model: served.model,
      messages,
      tools: [weatherTool],
    });
    expect(second.choices[0]?.finish_reason).toBe("stop");
    expect(second.choices[0]?.message.content).toContain('get_weather returned {"temperature":4}');

    const seen: unknown[] = [];
    const runner = client.chat.completions.runTools({
      model: served.model,
      messages: [{ role: "user", content: "What's the get_weather in Bergen?" }],
      tools: [
        zodFunction({
          name: "get_weather",
          parameters: weatherArguments,
          function: (input) => {
            seen.push(input);
            return { temperature: 7, city: input.city };
          },
        }),
      ],
    });
    const answer = await runner.finalContent();
    expect(seen).toHaveLength(1);
    expect(weatherArguments.parse(seen[0])).toBeTruthy();
    expect(answer).toContain('get_weather returned {"temperature":7');
    expect(runner.messages.map((message) => message.role)).toEqual([
      "user",
      "assistant",
      "tool",
      "assistant",
    ]);
  });

  it("answers a strict json_schema format with schema-valid JSON, and parse() reads it with zod", async () => {
    const completion = await client.chat.completions.create({
      model: served.model,
      messages: [{ role: "user", content: "Describe yourself" }],
      response_format: {
        type: "json_schema",
        json_schema: { name: "profile", strict: true, schema: profileJsonSchema },
      },
    });
    const parsed = profileSchema.parse(JSON.parse(completion.choices[0]!.message.content ?? ""));
    expect(parsed.hobbies.length).toBeGreaterThan(0);

    const viaParse = await client.chat.completions.parse({
      model: served.model,
      messages: [{ role: "user", content: "Describe yourself" }],
      response_format: zodResponseFormat(profileSchema, "profile"),
    });
    const message = viaParse.choices[0]!.message;
    expect(message.refusal ?? null).toBeNull();
    expect(profileSchema.parse(message.parsed)).toEqual(message.parsed);
  });

  it("surfaces the 400 for an image the offline persona cannot see, naming the part", async () => {
    const error = await client.chat.completions
      .create({
        model: served.model,
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "What is in this picture?" },
              { type: "image_url", image_url: { url: PIXEL_PNG } },
            ],
          },
        ],
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const badRequest = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(badRequest.status).toBe(400);
    expect(badRequest.param).toBe("messages[0].content[1]");
    expect(badRequest.message).toMatch(/does not accept images/);
  });

  it("throws NotFoundError when streaming from an unknown persona", async () => {
    const error = await client.chat.completions
      .create({
        model: "persona/psn_does_not_exist",
        messages: [{ role: "user", content: "Hello?" }],
        stream: true,
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).status).toBe(404);
  });

  it("says finish_reason length when max_tokens cut the reply, streamed or not", async () => {
    const completion = await client.chat.completions.create({
      model: served.model,
      messages: [{ role: "user", content: LONG_PROMPT }],
      max_tokens: 4,
    });
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(completion.usage?.completion_tokens).toBeLessThanOrEqual(4);

    const stream = await client.chat.completions.create({
      model: served.model,
      messages: [{ role: "user", content: LONG_PROMPT }],
      max_completion_tokens: 4,
      stream: true,
    });
    let finishReason: string | null | undefined;
    for await (const chunk of stream) finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
    expect(finishReason).toBe("length");
  });
});

describe("the official openai client through Dramatis to an OpenAI-compatible upstream", () => {
  let served: UpstreamClientServer;
  let client: OpenAI;

  beforeAll(async () => {
    served = await startUpstreamClientServer();
    client = new OpenAI({
      apiKey: served.apiKey,
      baseURL: served.baseURL,
      defaultHeaders: served.headers,
      maxRetries: 0,
    });
  });
  afterAll(() => served?.stop());

  it("passes tools to the upstream and its tool calls back, streamed, and the results on", async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: "user", content: "What's the weather in Oslo?" },
    ];
    const forced = await client.chat.completions.create({
      model: served.visionModel,
      messages,
      tools: [weatherTool, timeTool],
      tool_choice: "required",
    });
    expect(served.upstream.lastBody().tool_choice).toBe("required");
    expect(served.upstream.lastBody().tools.map((entry: any) => entry.function.name)).toEqual([
      "get_weather",
      "get_time",
    ]);
    expect(forced.choices[0]?.finish_reason).toBe("tool_calls");
    const [call] = functionCalls(forced.choices[0]!.message);
    expect(call?.function.name).toBe("get_weather");
    expect(JSON.parse(call!.function.arguments)).toEqual(UPSTREAM_ARGUMENTS.get_weather);

    const stream = client.chat.completions.stream({
      model: served.visionModel,
      messages: [{ role: "user", content: "Hi" }],
      tools: [weatherTool, timeTool],
      tool_choice: { type: "function", function: { name: "get_time" } },
    });
    const streamed = await stream.finalChatCompletion();
    expect(served.upstream.lastBody().stream).toBe(true);
    const [streamedCall] = functionCalls(streamed.choices[0]!.message);
    expect(streamedCall?.function.name).toBe("get_time");
    expect(JSON.parse(streamedCall!.function.arguments)).toEqual(UPSTREAM_ARGUMENTS.get_time);
    expect(streamed.choices[0]?.finish_reason).toBe("tool_calls");

    const auto = await client.chat.completions.create({
      model: served.visionModel,
      messages: [{ role: "user", content: "Tell me about yourself" }],
      tools: [weatherTool, timeTool],
      tool_choice: "auto",
    });
    expect(auto.choices[0]?.message.tool_calls ?? []).toEqual([]);
    expect(auto.choices[0]?.message.content).toBe(UPSTREAM_REPLY);

    messages.push(forced.choices[0]!.message, { role: "tool", tool_call_id: call!.id, content: "sunny, 4C" });
    const answer = await client.chat.completions.create({
      model: served.visionModel,
      messages,
      tools: [weatherTool],
    });
    const sent = served.upstream.lastBody().messages;
    expect(sent.at(-2)).toMatchObject({
      role: "assistant",
      tool_calls: [{ function: { name: "get_weather" } }],
    });
    expect(sent.at(-1)).toMatchObject({ role: "tool", tool_call_id: sent.at(-2).tool_calls[0].id });
    expect(answer.choices[0]?.message.content).toBe("The upstream read sunny, 4C.");
  });

  it("passes a strict json_schema format to the upstream and its JSON back", async () => {
    const viaParse = await client.chat.completions.parse({
      model: served.visionModel,
      messages: [{ role: "user", content: "Describe yourself" }],
      response_format: zodResponseFormat(profileSchema, "profile"),
    });
    expect(served.upstream.lastBody().response_format).toMatchObject({
      type: "json_schema",
      json_schema: { name: "profile", strict: true },
    });
    expect(viaParse.choices[0]?.message.parsed).toEqual(UPSTREAM_PROFILE);
  });

  it("passes an image to a vision upstream as an image_url part", async () => {
    const completion = await client.chat.completions.create({
      model: served.visionModel,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is in this picture?" },
            { type: "image_url", image_url: { url: PIXEL_PNG } },
          ],
        },
      ],
    });
    expect(completion.choices[0]?.message.content).toBe(UPSTREAM_REPLY);
    expect(imagePartsSent(served.upstream)).toEqual([
      expect.objectContaining({ type: "image_url", image_url: expect.objectContaining({ url: PIXEL_PNG }) }),
    ]);
  });

  it("throws when the upstream drops the connection mid-stream, after the text so far", async () => {
    let text = "";
    // Mid-stream as a rule (the fake waits between deltas); had the drop come before Dramatis read any
    // text, the error would be the request's 502 instead. Either way, never a quiet end.
    const error = await (async () => {
      const stream = await client.chat.completions.create({
        model: served.flakyModel,
        messages: [{ role: "user", content: "Count for me" }],
        stream: true,
      });
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toMatch(/upstream|provider flaky/);
    expect(text.length).toBeLessThan(FLAKY_REPLY.length);
  });

  it("keeps its keep-alive connection usable after a 413 for a body past the limit", async () => {
    const error = await client.chat.completions
      .create({ model: served.model, messages: [{ role: "user", content: OVERSIZED_MESSAGE }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    const tooLarge = error as InstanceType<typeof OpenAI.APIError>;
    expect(tooLarge.status).toBe(413);
    // The server kept the connection (no Connection: close), so the next request reuses it.
    expect(tooLarge.headers?.get("connection")).not.toBe("close");
    // The first request after it may go out on a fresh connection while the old one is still busy;
    // the next ones take the old socket again, which used to fail with "Connection error".
    for (let round = 0; round < 3; round++) {
      const after = await client.chat.completions.create({
        model: served.model,
        messages: [{ role: "user", content: "Still there?" }],
      });
      expect(after.choices[0]?.message.content).toContain("Mira");
    }
  });
});
