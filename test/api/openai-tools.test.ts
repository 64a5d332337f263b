import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonSchemaProblems } from "../../src/lib/json-schema.ts";
import type { GenerateRequest } from "../../src/models/language-model.ts";
import { ModelRegistry } from "../../src/models/model-registry.ts";
import { createOfflineProvider } from "../../src/models/offline-model.ts";
import { capturingProvider } from "../capturing-model.ts";
import { createTestApp, type TestApp } from "../test-app.ts";

/*
 * /v1/chat/completions over the offline engine and a capturing model: tools, response formats, content
 * parts, errors before the stream opens, and what the model is given. The official clients run the same
 * features over a real socket in test/clients/.
 */

const weatherTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather in a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string" }, unit: { type: "string", enum: ["c", "f"] } },
      required: ["city", "unit"],
      additionalProperties: false,
    },
    strict: true,
  },
};

const profileFormat = {
  type: "json_schema",
  json_schema: {
    name: "profile",
    strict: true,
    schema: {
      type: "object",
      properties: {
        name: { type: "string" },
        age: { type: "integer", minimum: 0, maximum: 150 },
        hobbies: { type: "array", items: { type: "string" } },
      },
      required: ["name", "age", "hobbies"],
      additionalProperties: false,
    },
  },
};

/** The `data:` payloads of an OpenAI event stream, `[DONE]` included. */
function streamData(body: string): string[] {
  return body
    .split("\n")
    .filter((line) => line.startsWith("data: "))
    .map((line) => line.slice(6));
}

const IMAGE =
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

describe("/v1/chat/completions: tools, structured output, parts and early errors", () => {
  let app: TestApp;
  let offlinePersona: string;
  let capturePersona: string;
  let visionPersona: string;
  const requests: GenerateRequest[] = [];
  const visionRequests: GenerateRequest[] = [];

  const complete = (json: Record<string, unknown>) =>
    app.request("/v1/chat/completions", { method: "POST", json });

  beforeAll(async () => {
    app = await createTestApp({
      models: new ModelRegistry(
        [
          createOfflineProvider(),
          capturingProvider(requests),
          capturingProvider(visionRequests, {
            name: "vision",
            capabilities: { images: true, audio: false, files: true, tools: true, structuredOutput: true },
          }),
        ],
        "offline/default",
      ),
    });
    const create = async (name: string, model?: string) => {
      const created = await app.request("/v1/personas", { method: "POST", json: { name } });
      const id = (await created.json()).id as string;
      if (model) await app.request(`/v1/personas/${id}`, { method: "PATCH", json: { model } });
      return id;
    };
    offlinePersona = await create("Mira");
    capturePersona = await create("Quill", "capture/model");
    visionPersona = await create("Iris", "vision/model");
  });

  afterAll(() => app.close());

  it("calls the named tool with tool_choice required, and answers its result in text", async () => {
    const response = await complete({
      model: `persona/${offlinePersona}`,
      messages: [{ role: "user", content: "What's the weather in Oslo?" }],
      tools: [weatherTool],
      tool_choice: "required",
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    const choice = body.choices[0];
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toHaveLength(1);
    const call = choice.message.tool_calls[0];
    expect(call).toMatchObject({ type: "function", function: { name: "get_weather" } });
    expect(jsonSchemaProblems(weatherTool.function.parameters, JSON.parse(call.function.arguments))).toEqual(
      [],
    );

    const followUp = await complete({
      model: `persona/${offlinePersona}`,
      messages: [
        { role: "user", content: "What's the weather in Oslo?" },
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: call.id, content: '{"temperature": 4}' },
      ],
      tools: [weatherTool],
    });
    const answer = await followUp.json();
    expect(answer.choices[0].finish_reason).toBe("stop");
    expect(answer.choices[0].message.content).toContain('get_weather returned {"temperature": 4}');
  });

  it("streams tool calls as OpenAI deltas with finish_reason tool_calls", async () => {
    const response = await complete({
      model: `persona/${offlinePersona}`,
      messages: [{ role: "user", content: "Hi" }],
      tools: [weatherTool],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      stream: true,
    });
    expect(response.status).toBe(200);
    const events = streamData(await response.text());
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event));
    const deltas = chunks.flatMap((chunk) => chunk.choices.map((choice: any) => choice.delta));
    expect(deltas[0]).toEqual({ role: "assistant", content: null });
    const calls = deltas.flatMap((delta) => delta.tool_calls ?? []);
    expect(calls[0]).toMatchObject({
      index: 0,
      type: "function",
      function: { name: "get_weather", arguments: "" },
    });
    expect(calls[0].id).toMatch(/^call_/);
    const joined = calls.map((call: any) => call.function.arguments).join("");
    expect(Object.keys(JSON.parse(joined)).sort()).toEqual(["city", "unit"]);
    expect(chunks.at(-1).choices[0].finish_reason).toBe("tool_calls");
  });

  it("answers a json_schema response format with schema-valid JSON, streamed or not", async () => {
    const response = await complete({
      model: `persona/${offlinePersona}`,
      messages: [{ role: "user", content: "Tell me about yourself" }],
      response_format: profileFormat,
    });
    const body = await response.json();
    expect(
      jsonSchemaProblems(profileFormat.json_schema.schema, JSON.parse(body.choices[0].message.content)),
    ).toEqual([]);
    const streamed = await complete({
      model: `persona/${offlinePersona}`,
      messages: [{ role: "user", content: "Tell me about yourself" }],
      response_format: profileFormat,
      stream: true,
    });
    const text = streamData(await streamed.text())
      .slice(0, -1)
      .map((event) => JSON.parse(event).choices[0]?.delta?.content ?? "")
      .join("");
    expect(jsonSchemaProblems(profileFormat.json_schema.schema, JSON.parse(text))).toEqual([]);
  });

  it("refuses a strict schema the model's answer breaks (502) and warns for a non-strict one", async () => {
    // The capturing model answers "Noted.", which is not JSON.
    const strict = await complete({
      model: `persona/${visionPersona}`,
      messages: [{ role: "user", content: "Profile please" }],
      response_format: profileFormat,
    });
    expect(strict.status).toBe(502);
    expect((await strict.json()).error.message).toMatch(/outside the profile schema: the answer is not JSON/);
    const loose = await complete({
      model: `persona/${visionPersona}`,
      messages: [{ role: "user", content: "Profile please" }],
      response_format: { type: "json_object" },
    });
    expect(loose.status).toBe(200);
    expect(loose.headers.get("x-dramatis-warnings")).toMatch(/outside a JSON object/);
  });

  it("says length when max_tokens cut the reply", async () => {
    const response = await complete({
      model: `persona/${offlinePersona}`,
      messages: [{ role: "user", content: "Tell me a long story about the sea" }],
      max_tokens: 4,
    });
    const body = await response.json();
    expect(body.choices[0].finish_reason).toBe("length");
    expect(body.usage.completion_tokens).toBeLessThanOrEqual(4);
  });

  it("refuses an image for a model without vision with a 400 naming the part, streamed or not", async () => {
    for (const stream of [false, true]) {
      const response = await complete({
        model: `persona/${offlinePersona}`,
        stream,
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "What is in this picture?" },
              { type: "image_url", image_url: { url: IMAGE } },
            ],
          },
        ],
      });
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toMatch(/application\/json/);
      const body = await response.json();
      expect(body.error.param).toBe("messages[0].content[1]");
      expect(body.error.message).toMatch(/offline\/default does not accept images/);
    }
  });

  it("passes images, names, tools and in-place system messages to a model that takes them", async () => {
    visionRequests.length = 0;
    const response = await complete({
      model: `persona/${visionPersona}`,
      messages: [
        { role: "developer", content: "You are terse." },
        {
          role: "user",
          name: "elena",
          content: [
            { type: "text", text: "Look:" },
            { type: "image_url", image_url: { url: IMAGE, detail: "low" } },
          ],
        },
        { role: "assistant", content: "A pixel." },
        { role: "system", content: "Now answer in French." },
        { role: "user", content: "And now?" },
      ],
      tools: [weatherTool],
      tool_choice: "auto",
      parallel_tool_calls: false,
    });
    expect(response.status).toBe(200);
    const request = visionRequests[0]!;
    expect(request.messages[0]).toMatchObject({ role: "system" });
    expect(request.messages[0]!.content.startsWith("You are terse.")).toBe(true);
    const rest = request.messages.slice(1);
    expect(rest.map((message) => message.role)).toEqual(["user", "assistant", "system", "user"]);
    expect(rest[0]).toMatchObject({
      name: "elena",
      content: "Look:",
      parts: [
        { type: "text", text: "Look:" },
        { type: "image", url: IMAGE, detail: "low" },
      ],
    });
    expect(rest[2]!.content).toBe("Now answer in French.");
    expect(request.tools).toEqual([
      {
        name: "get_weather",
        description: "Current weather in a city",
        parameters: weatherTool.function.parameters,
        strict: true,
      },
    ]);
    expect(request.toolChoice).toBe("auto");
    expect(request.parallelToolCalls).toBe(false);
  });

  it("refuses tools and JSON formats for a model that cannot take them, unless tool_choice is none", async () => {
    const tools = await complete({
      model: `persona/${capturePersona}`,
      messages: [{ role: "user", content: "Hi" }],
      tools: [weatherTool],
    });
    expect(tools.status).toBe(400);
    expect((await tools.json()).error).toMatchObject({
      param: "tools",
      message: expect.stringMatching(/capture\/model cannot call tools/),
    });
    const format = await complete({
      model: `persona/${capturePersona}`,
      messages: [{ role: "user", content: "Hi" }],
      response_format: { type: "json_object" },
    });
    expect((await format.json()).error.param).toBe("response_format");
    const none = await complete({
      model: `persona/${capturePersona}`,
      messages: [{ role: "user", content: "Hi" }],
      tools: [weatherTool],
      tool_choice: "none",
    });
    expect(none.status).toBe(200);
  });

  it("is a real 404 status for an unknown persona when streaming, in OpenAI's error shape", async () => {
    const response = await complete({
      model: "persona/psn_does_not_exist",
      messages: [{ role: "user", content: "Hello?" }],
      stream: true,
    });
    expect(response.status).toBe(404);
    const body = await response.json();
    expect(body.error).toMatchObject({ type: "invalid_request_error", code: "model_not_found" });
  });

  it("refuses fields it cannot honour with a 400 naming them, and warns about ignored ones", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ logprobs: true }, "logprobs"],
      [{ functions: [{ name: "f" }] }, "functions"],
      [{ tools: [{ type: "web_search" }] }, "tools[0].type"],
      [
        { tool_choice: { type: "function", function: { name: "nope" } }, tools: [weatherTool] },
        "tool_choice.function.name",
      ],
      [{ tool_choice: "required" }, "tool_choice"],
      [
        { response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: 12 } } } },
        "response_format.json_schema.schema",
      ],
      [
        { messages: [{ role: "user", content: [{ type: "video_url", video_url: {} }] }] },
        "messages[0].content[0]",
      ],
      [
        { messages: [{ role: "user", content: [{ type: "file", file: { file_id: "file-1" } }] }] },
        "messages[0].content[0]",
      ],
      [{ messages: [{ role: "tool", content: "42" }] }, "messages[0].tool_call_id"],
      [
        {
          messages: [
            { role: "user", content: "Hi" },
            {
              role: "assistant",
              content: null,
              tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }],
            },
            { role: "user", content: "Well?" },
          ],
        },
        "messages[1].tool_calls",
      ],
      [
        {
          messages: [
            { role: "user", content: "Hi" },
            { role: "tool", tool_call_id: "c9", content: "42" },
          ],
        },
        "messages[1].tool_call_id",
      ],
    ];
    for (const [fields, param] of cases) {
      const response = await complete({
        model: `persona/${offlinePersona}`,
        messages: [{ role: "user", content: "Hi" }],
        ...fields,
      });
      expect(response.status, param).toBe(400);
      expect((await response.json()).error.param, param).toBe(param);
    }
    const warned = await complete({
      model: `persona/${offlinePersona}`,
      messages: [{ role: "user", content: "Hi" }],
      logit_bias: { "50256": -100 },
      store: false,
      frobnicate: 1,
    });
    expect(warned.status).toBe(200);
    const warnings = warned.headers.get("x-dramatis-warnings") ?? "";
    expect(warnings).toContain("logit_bias is ignored");
    expect(warnings).toContain("store is ignored");
    expect(warnings).toContain("frobnicate is not an OpenAI chat completion field");
  });
});
