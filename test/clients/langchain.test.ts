import type { AIMessageChunk } from "@langchain/core/messages";
import { HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { ChatOpenAI, type ChatOpenAIFields } from "@langchain/openai";
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
  type ClientServer,
  type UpstreamClientServer,
} from "./client-server.ts";

/*
 * LangChain (@langchain/openai's ChatOpenAI on the chat completions API) against a real Dramatis server:
 * invoke and stream, bindTools with tool_choice, streamed tool call chunks, a tool round trip with
 * ToolMessage, withStructuredOutput by json schema and by function calling, an image the offline persona
 * refuses, an error before a stream and finish_reason length.
 */

const weatherTool = tool(async (input) => JSON.stringify({ temperature: 4, city: input.city }), {
  name: "get_weather",
  description: "Current weather in a city",
  schema: weatherArguments,
});
const timeTool = tool(async () => "12:00", {
  name: "get_time",
  description: "The time in a zone",
  schema: timeArguments,
});

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error("expected the call to fail, and it succeeded");
}

describe("LangChain's ChatOpenAI over a real socket", () => {
  let served: ClientServer;
  let chat: (fields?: Partial<ChatOpenAIFields>) => ChatOpenAI;
  /** The JSON bodies the clients sent, newest last. */
  const sent: Record<string, unknown>[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    if (typeof init?.body === "string") sent.push(JSON.parse(init.body) as Record<string, unknown>);
    return fetch(input, init);
  };

  beforeAll(async () => {
    served = await startClientServer();
    chat = (fields = {}) =>
      new ChatOpenAI({
        model: served.model,
        apiKey: served.apiKey,
        configuration: { baseURL: served.baseURL, defaultHeaders: served.headers, fetch: recordingFetch },
        maxRetries: 0,
        ...fields,
      });
  });
  afterAll(() => served?.stop());

  it("invokes and streams as the persona", async () => {
    const answer = await chat().invoke("Hello, who are you?");
    expect(answer.content).toContain("Mira");
    expect(answer.response_metadata.finish_reason).toBe("stop");
    expect(answer.usage_metadata?.output_tokens).toBeGreaterThan(0);

    let chunks = 0;
    let joined: AIMessageChunk | undefined;
    for await (const chunk of await chat().stream("Hello, who are you?")) {
      chunks++;
      joined = joined ? joined.concat(chunk) : chunk;
    }
    expect(chunks).toBeGreaterThan(1);
    expect(joined?.content).toBe(answer.content);
  });

  it("calls the tool tool_choice forces: required, or one by name", async () => {
    const required = await chat()
      .bindTools([weatherTool, timeTool], { tool_choice: "required" })
      .invoke("What's the weather in Oslo?");
    expect(required.response_metadata.finish_reason).toBe("tool_calls");
    expect(required.tool_calls?.map((call) => call.name)).toEqual(["get_weather"]);
    expect(weatherArguments.strict().parse(required.tool_calls![0]!.args)).toBeTruthy();
    expect(required.tool_calls![0]!.id).toMatch(/^call_/);

    const named = await chat().bindTools([weatherTool, timeTool], { tool_choice: "get_time" }).invoke("Hi");
    expect(named.tool_calls?.map((call) => call.name)).toEqual(["get_time"]);
    expect(timeArguments.strict().parse(named.tool_calls![0]!.args)).toBeTruthy();
  });

  it("with tool_choice auto, calls a tool the message names and answers in text otherwise", async () => {
    const model = chat().bindTools([weatherTool, timeTool], { tool_choice: "auto" });
    const naming = await model.invoke("Could you get time in Tokyo?");
    expect(naming.tool_calls?.map((call) => call.name)).toEqual(["get_time"]);

    const plain = await model.invoke("Tell me about yourself");
    expect(plain.tool_calls ?? []).toEqual([]);
    expect(plain.content).toContain("Mira");
  });

  it("streams tool call chunks that concat into one parsed call", async () => {
    const stream = await chat()
      .bindTools([weatherTool], { tool_choice: "required" })
      .stream("What's the weather?");
    let joined: AIMessageChunk | undefined;
    let pieces = 0;
    for await (const chunk of stream) {
      pieces += chunk.tool_call_chunks?.length ?? 0;
      joined = joined ? joined.concat(chunk) : chunk;
    }
    expect(pieces).toBeGreaterThan(1);
    expect(joined?.tool_calls?.map((call) => call.name)).toEqual(["get_weather"]);
    expect(weatherArguments.strict().parse(joined!.tool_calls![0]!.args)).toBeTruthy();
    expect(joined?.response_metadata.finish_reason).toBe("tool_calls");
  });

  it("takes the tool's ToolMessage back and answers from it", async () => {
    const model = chat().bindTools([weatherTool]);
    const messages: BaseMessage[] = [new HumanMessage("What's the get_weather for Oslo?")];
    const first = await model.invoke(messages);
    expect(first.tool_calls).toHaveLength(1);
    messages.push(first);
    for (const call of first.tool_calls ?? []) {
      const result = await weatherTool.invoke(call);
      expect(result).toBeInstanceOf(ToolMessage);
      messages.push(result);
    }
    const second = await model.invoke(messages);
    expect(second.tool_calls ?? []).toEqual([]);
    expect(second.content).toContain('get_weather returned {"temperature":4');

    // The same history with a hand-made ToolMessage, streamed.
    const handMade = [
      messages[0]!,
      first,
      new ToolMessage({ tool_call_id: first.tool_calls![0]!.id!, content: "sunny" }),
    ];
    let text = "";
    for await (const chunk of await model.stream(handMade)) text += String(chunk.content);
    expect(text).toContain("get_weather returned sunny");
  });

  it("answers withStructuredOutput by json schema and by function calling, valid by the schema", async () => {
    const bySchema = await chat()
      .withStructuredOutput(profileSchema, { name: "profile", method: "jsonSchema", strict: true })
      .invoke("Describe yourself");
    expect(profileSchema.parse(bySchema)).toEqual(bySchema);
    expect(sent.at(-1)?.response_format).toMatchObject({
      type: "json_schema",
      json_schema: { strict: true },
    });

    const byFunction = await chat()
      .withStructuredOutput(profileSchema, { name: "profile", method: "functionCalling" })
      .invoke("Describe yourself");
    expect(profileSchema.parse(byFunction)).toEqual(byFunction);
    expect(sent.at(-1)?.tool_choice).toEqual({ type: "function", function: { name: "profile" } });

    const raw = await chat()
      .withStructuredOutput(
        { title: "profile", ...profileJsonSchema },
        { method: "jsonSchema", includeRaw: true },
      )
      .invoke("Describe yourself");
    expect(profileSchema.parse(raw.parsed)).toEqual(raw.parsed);
    expect(JSON.parse(String(raw.raw.content))).toEqual(raw.parsed);
  });

  it("surfaces the 400 for an image the offline persona cannot see, naming the part", async () => {
    const error = await rejection(
      chat().invoke([
        new HumanMessage({
          content: [
            { type: "text", text: "What is in this picture?" },
            { type: "image_url", image_url: { url: PIXEL_PNG } },
          ],
        }),
      ]),
    );
    expect(error.status).toBe(400);
    expect(error.param).toBe("messages[0].content[1]");
    expect(error.message).toMatch(/does not accept images/);
  });

  it("throws a 404 error when streaming from an unknown persona", async () => {
    const error = await rejection(
      (async () => {
        for await (const chunk of await chat({ model: "persona/psn_does_not_exist" }).stream("Hello?")) {
          void chunk;
        }
      })(),
    );
    expect(error.status).toBe(404);
    expect(error.lc_error_code).toBe("MODEL_NOT_FOUND");
    expect(error.message).toMatch(/persona psn_does_not_exist was not found/);
  });

  it("says finish_reason length when maxTokens cut the reply, streamed or not", async () => {
    const model = chat({ maxTokens: 4 });
    const answer = await model.invoke(LONG_PROMPT);
    expect(answer.response_metadata.finish_reason).toBe("length");
    expect(answer.usage_metadata?.output_tokens).toBeLessThanOrEqual(4);

    let joined: AIMessageChunk | undefined;
    for await (const chunk of await model.stream(LONG_PROMPT)) joined = joined ? joined.concat(chunk) : chunk;
    expect(joined?.response_metadata.finish_reason).toBe("length");
  });
});

describe("LangChain's ChatOpenAI through Dramatis to an OpenAI-compatible upstream", () => {
  let served: UpstreamClientServer;
  let chat: (fields?: Partial<ChatOpenAIFields>) => ChatOpenAI;

  beforeAll(async () => {
    served = await startUpstreamClientServer();
    chat = (fields = {}) =>
      new ChatOpenAI({
        model: served.visionModel,
        apiKey: served.apiKey,
        configuration: { baseURL: served.baseURL, defaultHeaders: served.headers },
        maxRetries: 0,
        ...fields,
      });
  });
  afterAll(() => served?.stop());

  it("gets the upstream's tool calls, streamed too, and sends the ToolMessage on", async () => {
    const model = chat().bindTools([weatherTool, timeTool], { tool_choice: "required" });
    const messages: BaseMessage[] = [new HumanMessage("What's the weather in Oslo?")];
    const forced = await model.invoke(messages);
    expect(served.upstream.lastBody().tool_choice).toBe("required");
    expect(forced.tool_calls?.map((call) => [call.name, call.args])).toEqual([
      ["get_weather", UPSTREAM_ARGUMENTS.get_weather],
    ]);

    let joined: AIMessageChunk | undefined;
    const stream = await chat().bindTools([weatherTool, timeTool], { tool_choice: "get_time" }).stream("Hi");
    for await (const chunk of stream) joined = joined ? joined.concat(chunk) : chunk;
    expect(served.upstream.lastBody().stream).toBe(true);
    expect(joined?.tool_calls?.map((call) => [call.name, call.args])).toEqual([
      ["get_time", UPSTREAM_ARGUMENTS.get_time],
    ]);

    const auto = await chat().bindTools([weatherTool, timeTool]).invoke("Tell me about yourself");
    expect(auto.tool_calls ?? []).toEqual([]);
    expect(auto.content).toBe(UPSTREAM_REPLY);

    messages.push(forced, await weatherTool.invoke(forced.tool_calls![0]!));
    const answer = await chat().bindTools([weatherTool]).invoke(messages);
    const sent = served.upstream.lastBody().messages;
    expect(sent.at(-1)).toMatchObject({ role: "tool", tool_call_id: forced.tool_calls![0]!.id });
    expect(answer.content).toBe('The upstream read {"temperature":4,"city":"Oslo"}.');
  });

  it("passes withStructuredOutput's json schema to the upstream and its object back", async () => {
    const profile = await chat()
      .withStructuredOutput(profileSchema, { name: "profile", method: "jsonSchema", strict: true })
      .invoke("Describe yourself");
    expect(served.upstream.lastBody().response_format).toMatchObject({
      type: "json_schema",
      json_schema: { name: "profile", strict: true },
    });
    expect(profile).toEqual(UPSTREAM_PROFILE);
  });

  it("passes an image to a vision upstream as an image_url part", async () => {
    const answer = await chat().invoke([
      new HumanMessage({
        content: [
          { type: "text", text: "What is in this picture?" },
          { type: "image_url", image_url: { url: PIXEL_PNG } },
        ],
      }),
    ]);
    expect(answer.content).toBe(UPSTREAM_REPLY);
    expect(imagePartsSent(served.upstream)).toEqual([
      expect.objectContaining({ type: "image_url", image_url: expect.objectContaining({ url: PIXEL_PNG }) }),
    ]);
  });

  it("throws when the upstream drops the connection mid-stream", async () => {
    let text = "";
    const error = await rejection(
      (async () => {
        for await (const chunk of await chat({ model: served.flakyModel }).stream("Count for me")) {
          text += String(chunk.content);
        }
      })(),
    );
    expect(error.message).toMatch(/upstream|provider flaky/);
    expect(text.length).toBeLessThan(FLAKY_REPLY.length);
  });

  it("keeps its keep-alive connection usable after a 413 for a body past the limit", async () => {
    const model = chat({ model: served.model });
    const error = await rejection(model.invoke(OVERSIZED_MESSAGE));
    expect(error.status).toBe(413);
    // The first request after it may take a fresh connection; the next ones reuse the old socket.
    for (let round = 0; round < 3; round++) {
      const after = await model.invoke("Still there?");
      expect(after.content).toContain("Mira");
    }
  });
});
