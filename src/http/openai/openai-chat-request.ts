import { z } from "@hono/zod-openapi";
import { BadRequestError, type FieldError } from "../../errors/app-error.ts";
import { compileJsonSchema } from "../../lib/json-schema.ts";
import type {
  ChatMessage,
  ContentPart,
  ResponseFormat,
  SamplingParameters,
  ToolChoice,
  ToolDefinition,
} from "../../models/language-model.ts";

/*
 * An OpenAI chat completion request as Dramatis reads it: the schema (what the OpenAPI document shows),
 * and its translation into the model layer's messages, tools and response format. Every field OpenAI
 * defines is either honoured, refused with a 400 naming it, or ignored with a warning the response
 * carries (docs/openai-compatibility.md lists which is which).
 */

const textPart = z.object({ type: z.literal("text"), text: z.string() });
const imagePart = z.object({
  type: z.literal("image_url"),
  image_url: z.object({
    url: z.string().min(1),
    detail: z.enum(["auto", "low", "high"]).optional(),
  }),
});
const audioPart = z.object({
  type: z.literal("input_audio"),
  input_audio: z.object({ data: z.string().min(1), format: z.enum(["wav", "mp3"]) }),
});
const filePart = z.object({
  type: z.literal("file"),
  file: z.object({
    file_data: z.string().optional(),
    file_id: z.string().optional(),
    filename: z.string().optional(),
  }),
});
const refusalPart = z.object({ type: z.literal("refusal"), refusal: z.string() });

/** Any part: checked one by one in `readParts`, so an unknown type is a 400 naming its place. */
const contentPartSchema = z.looseObject({ type: z.string() }).openapi("ChatContentPart", {
  description:
    "text, image_url, input_audio, file (with file_data), or refusal (assistant). Parts a persona's model " +
    "cannot take are a 400 naming the part.",
});

const toolCallSchema = z.object({
  id: z.string().min(1),
  type: z.literal("function").optional(),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});

const completionMessageSchema = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool"]),
  content: z.union([z.string(), z.array(contentPartSchema), z.null()]).optional(),
  name: z.string().max(200).optional(),
  tool_calls: z.array(toolCallSchema).optional(),
  tool_call_id: z.string().optional(),
});

const functionToolSchema = z.looseObject({
  type: z.string(),
  function: z
    .object({
      name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "must be 1-64 letters, digits, underscores or dashes"),
      description: z.string().optional(),
      parameters: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullable().optional(),
    })
    .optional(),
});

const toolChoiceSchema = z.union([
  z.enum(["none", "auto", "required"]),
  z.object({ type: z.literal("function"), function: z.object({ name: z.string() }) }),
]);

const responseFormatSchema = z.union([
  z.object({ type: z.literal("text") }),
  z.object({ type: z.literal("json_object") }),
  z.object({
    type: z.literal("json_schema"),
    json_schema: z.object({
      name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "must be 1-64 letters, digits, underscores or dashes"),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullable().optional(),
    }),
  }),
]);

const sampling = (minimum: number, maximum: number) =>
  z.number().min(minimum).max(maximum).nullable().optional();

export const completionRequestSchema = z
  .looseObject({
    model: z.string().min(1).openapi({ example: "persona/psn_01jc8x7k3m9q2r4t6v8w0y2z4a" }),
    messages: z.array(completionMessageSchema).min(1, "must contain at least one message"),
    persona_id: z.string().optional().openapi({ description: "Dramatis: the persona to answer as" }),
    user: z
      .string()
      .max(200)
      .optional()
      .openapi({
        description:
          "The end user, for API-key requests only (else X-Dramatis-User); ignored for a signed-in session, " +
          "which always acts as its own user",
      }),
    stream: z.boolean().nullable().optional(),
    stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
    n: z.literal(1, { message: "only n=1 is supported" }).nullable().optional(),
    stop: z
      .union([z.string(), z.array(z.string()).max(4)])
      .nullable()
      .optional(),
    max_tokens: z.number().int().min(1).nullable().optional(),
    max_completion_tokens: z.number().int().min(1).nullable().optional(),
    temperature: sampling(0, 2),
    top_p: sampling(0, 1),
    frequency_penalty: sampling(-2, 2),
    presence_penalty: sampling(-2, 2),
    seed: z.number().int().nullable().optional(),
    top_k: z.number().int().min(0).nullable().optional().openapi({ description: "Not OpenAI: passed on" }),
    min_p: sampling(0, 1).openapi({ description: "Not OpenAI: passed on" }),
    top_a: sampling(0, 1).openapi({ description: "Not OpenAI: passed on" }),
    repetition_penalty: sampling(0, 10).openapi({ description: "Not OpenAI: passed on" }),
    tools: z.array(functionToolSchema).max(128, "at most 128 tools").nullable().optional(),
    tool_choice: toolChoiceSchema.nullable().optional(),
    parallel_tool_calls: z.boolean().nullable().optional(),
    response_format: responseFormatSchema.nullable().optional(),
    logprobs: z.boolean().nullable().optional(),
    top_logprobs: z.number().int().min(0).max(20).nullable().optional(),
  })
  .openapi("ChatCompletionRequest");

export type CompletionBody = z.infer<typeof completionRequestSchema>;

/** What the service needs from a request, in the model layer's terms. */
export interface TranslatedRequest {
  /** In request order (developer messages read as system), so `messages[i]` names the same message. */
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  responseFormat?: ResponseFormat;
  sampling: SamplingParameters;
  /** Fields accepted but not acted on, as sentences for the `X-Dramatis-Warnings` header. */
  warnings: string[];
}

/** Fields refused with a 400: acting as if they were honoured would give a client wrong answers. */
const REFUSED_FIELDS: Record<string, string> = {
  functions: "the legacy functions field is not supported; send tools",
  function_call: "the legacy function_call field is not supported; send tool_choice",
  audio: "audio output is not available on this endpoint",
  web_search_options: "web search is not available on this endpoint",
};

/** Fields accepted and ignored, with why: they change nothing a client relies on. */
const IGNORED_FIELDS: Record<string, string> = {
  logit_bias: "logit_bias is ignored: personas' models are not all able to bias tokens",
  metadata: "metadata is ignored: Dramatis records usage per persona and user instead",
  store: "store is ignored: completions are not stored (conversations are, on /v1/conversations)",
  service_tier: "service_tier is ignored",
  prediction: "prediction is ignored",
  reasoning_effort: "reasoning_effort is ignored: the persona's model settings apply",
  verbosity: "verbosity is ignored: the persona's own verbosity applies",
  prompt_cache_key: "prompt_cache_key is ignored",
  safety_identifier: "safety_identifier is ignored",
  modalities: "modalities is ignored: answers are text",
};

const KNOWN_FIELDS = new Set([...Object.keys(completionRequestSchema.shape), ...Object.keys(IGNORED_FIELDS)]);

/**
 * Translates a validated OpenAI request, or throws a 400 naming the first field it cannot honour.
 *
 * @example translateRequest({ model: "persona/psn_1", messages: [{ role: "user", content: "Hi" }] }).messages
 * // [{ role: "user", content: "Hi" }]
 */
export function translateRequest(body: CompletionBody): TranslatedRequest {
  const raw = body as Record<string, unknown>;
  const problems: FieldError[] = [];
  for (const [field, message] of Object.entries(REFUSED_FIELDS)) {
    if (raw[field] !== undefined && raw[field] !== null) problems.push({ field, message });
  }
  if (body.logprobs === true || (body.top_logprobs ?? 0) > 0) {
    problems.push({
      field: body.logprobs === true ? "logprobs" : "top_logprobs",
      message:
        "log probabilities are not available: personas answer through models that do not all expose them",
    });
  }
  const modalities = raw.modalities;
  if (Array.isArray(modalities) && modalities.some((modality) => modality !== "text")) {
    problems.push({ field: "modalities", message: "only text answers are available on this endpoint" });
  }
  const messages = body.messages.map((message, index) => readMessage(message, index, problems));
  problems.push(...unansweredToolCalls(messages));
  const tools = readTools(body, problems);
  const toolChoice = readToolChoice(body, tools, problems);
  const responseFormat = readResponseFormat(body, problems);
  if (problems.length > 0)
    throw new BadRequestError(`${problems[0]!.field}: ${problems[0]!.message}`, problems);
  const warnings = [
    ...Object.entries(IGNORED_FIELDS)
      .filter(([field]) => raw[field] !== undefined && raw[field] !== null && field !== "modalities")
      .map(([, message]) => message),
    ...Object.keys(raw)
      .filter((field) => !KNOWN_FIELDS.has(field))
      .map((field) => `${field} is not an OpenAI chat completion field Dramatis knows; it was ignored`),
  ];
  return {
    messages,
    ...(tools && { tools }),
    ...(toolChoice && { toolChoice }),
    ...(typeof body.parallel_tool_calls === "boolean" && { parallelToolCalls: body.parallel_tool_calls }),
    ...(responseFormat && { responseFormat }),
    sampling: samplingFrom(body),
    warnings,
  };
}

type RequestMessage = CompletionBody["messages"][number];

function readMessage(message: RequestMessage, index: number, problems: FieldError[]): ChatMessage {
  const field = `messages[${index}]`;
  const role = message.role === "developer" ? "system" : message.role;
  const parts = readParts(message, field, problems);
  const text = parts
    .flatMap((part) => (part.type === "text" ? [part.text] : []))
    .join(typeof message.content === "string" ? "" : "\n");
  const chat: ChatMessage = { role, content: text };
  if (parts.some((part) => part.type !== "text")) {
    if (role !== "user") {
      problems.push({
        field: `${field}.content`,
        message: "only user messages may hold images, audio or files",
      });
    }
    chat.parts = parts;
  }
  if (message.name !== undefined) chat.name = message.name;
  if (message.tool_calls?.length) {
    if (role !== "assistant")
      problems.push({ field: `${field}.tool_calls`, message: "only assistant messages make tool calls" });
    chat.toolCalls = message.tool_calls.map((call) => ({
      id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
    }));
  }
  if (role === "tool") {
    if (!message.tool_call_id) {
      problems.push({
        field: `${field}.tool_call_id`,
        message: "a tool message must name the call it answers",
      });
    }
    chat.toolCallId = message.tool_call_id;
  }
  return chat;
}

/**
 * Tool calls and their results must pair up: every call of an assistant message answered by a tool
 * message right after it, and every tool message answering one (models refuse anything else).
 */
function unansweredToolCalls(messages: ChatMessage[]): FieldError[] {
  const problems: FieldError[] = [];
  let pending = new Set<string>();
  let askedAt = -1;
  const unanswered = () => {
    if (pending.size === 0) return;
    problems.push({
      field: `messages[${askedAt}].tool_calls`,
      message: `no tool message answers ${[...pending].join(", ")}`,
    });
    pending = new Set();
  };
  messages.forEach((message, index) => {
    if (message.role === "tool") {
      if (message.toolCallId !== undefined && !pending.delete(message.toolCallId)) {
        problems.push({
          field: `messages[${index}].tool_call_id`,
          message: `${message.toolCallId} answers no tool call of the assistant message before it`,
        });
      }
      return;
    }
    unanswered();
    if (message.toolCalls?.length) {
      pending = new Set(message.toolCalls.map((call) => call.id));
      askedAt = index;
    }
  });
  unanswered();
  return problems;
}

/** A message's content as parts, each checked; a string is one text part. */
function readParts(message: RequestMessage, field: string, problems: FieldError[]): ContentPart[] {
  if (typeof message.content === "string") return [{ type: "text", text: message.content }];
  if (!message.content) return [];
  return message.content.flatMap((raw, index): ContentPart[] => {
    const partField = `${field}.content[${index}]`;
    const fail = (message: string): ContentPart[] => {
      problems.push({ field: partField, message });
      return [];
    };
    switch (raw.type) {
      case "text": {
        const part = textPart.safeParse(raw);
        return part.success ? [{ type: "text", text: part.data.text }] : fail("a text part needs text");
      }
      case "refusal": {
        const part = refusalPart.safeParse(raw);
        return part.success
          ? [{ type: "text", text: part.data.refusal }]
          : fail("a refusal part needs refusal");
      }
      case "image_url": {
        const part = imagePart.safeParse(raw);
        if (!part.success) return fail("an image_url part needs image_url.url");
        const { url, detail } = part.data.image_url;
        if (!/^(https?:\/\/|data:image\/[a-z0-9.+-]+;base64,)/i.test(url)) {
          return fail("image_url.url must be an http(s) URL or a data:image/...;base64 URL");
        }
        return [{ type: "image", url, ...(detail && { detail }) }];
      }
      case "input_audio": {
        const part = audioPart.safeParse(raw);
        return part.success
          ? [{ type: "audio", data: part.data.input_audio.data, format: part.data.input_audio.format }]
          : fail("an input_audio part needs input_audio.data (base64) and format wav or mp3");
      }
      case "file": {
        const part = filePart.safeParse(raw);
        if (!part.success) return fail("a file part needs file.file_data");
        const { file_data: data, file_id: id, filename } = part.data.file;
        if (!data) {
          return fail(
            id
              ? "file ids are not available on this server (it has no /v1/files); send file_data"
              : "a file part needs file.file_data",
          );
        }
        const match = /^data:([a-z0-9.+-]+\/[a-z0-9.+-]+);base64,(.*)$/is.exec(data);
        if (!match) return fail("file.file_data must be a data: URL (data:application/pdf;base64,...)");
        return [
          {
            type: "file",
            mediaType: match[1]!.toLowerCase(),
            data: match[2]!,
            ...(filename && { filename }),
          },
        ];
      }
      default:
        return fail(`content part type ${JSON.stringify(raw.type).slice(0, 40)} is not supported`);
    }
  });
}

function readTools(body: CompletionBody, problems: FieldError[]): ToolDefinition[] | undefined {
  if (!body.tools?.length) return undefined;
  const seen = new Set<string>();
  return body.tools.flatMap((tool, index): ToolDefinition[] => {
    const field = `tools[${index}]`;
    if (tool.type !== "function" || !tool.function) {
      problems.push({
        field: `${field}.type`,
        message: `only function tools are supported (got ${JSON.stringify(tool.type).slice(0, 40)})`,
      });
      return [];
    }
    const { name, description, parameters, strict } = tool.function;
    if (seen.has(name))
      problems.push({ field: `${field}.function.name`, message: `${name} is defined twice` });
    seen.add(name);
    const schema = parameters ?? { type: "object", properties: {} };
    const compiled = compileJsonSchema(schema);
    if (compiled instanceof Error) {
      problems.push({
        field: `${field}.function.parameters`,
        message: `is not a valid JSON schema: ${compiled.message}`,
      });
    }
    return [{ name, parameters: schema, ...(description && { description }), ...(strict && { strict }) }];
  });
}

function readToolChoice(
  body: CompletionBody,
  tools: ToolDefinition[] | undefined,
  problems: FieldError[],
): ToolChoice | undefined {
  const choice = body.tool_choice;
  if (choice === undefined || choice === null) return undefined;
  if (typeof choice === "string") {
    if (choice === "required" && !tools) {
      problems.push({ field: "tool_choice", message: "required needs at least one tool in tools" });
    }
    return choice;
  }
  const name = choice.function.name;
  if (!tools?.some((tool) => tool.name === name)) {
    problems.push({ field: "tool_choice.function.name", message: `${name} is not one of the tools given` });
  }
  return { name };
}

function readResponseFormat(body: CompletionBody, problems: FieldError[]): ResponseFormat | undefined {
  const format = body.response_format;
  if (!format || format.type === "text") return undefined;
  if (format.type === "json_object") return { type: "json_object" };
  const { name, description, schema, strict } = format.json_schema;
  if (!schema) {
    problems.push({
      field: "response_format.json_schema.schema",
      message: "a json_schema format needs its schema",
    });
    return undefined;
  }
  const compiled = compileJsonSchema(schema);
  if (compiled instanceof Error) {
    problems.push({
      field: "response_format.json_schema.schema",
      message: `is not a valid JSON schema: ${compiled.message}`,
    });
  }
  return {
    type: "json_schema",
    name,
    schema,
    ...(description && { description }),
    ...(strict && { strict }),
  };
}

function samplingFrom(body: CompletionBody): SamplingParameters {
  const stop = body.stop === null || body.stop === undefined ? undefined : [body.stop].flat();
  const values: SamplingParameters = {
    temperature: body.temperature,
    top_p: body.top_p,
    top_k: body.top_k,
    min_p: body.min_p,
    top_a: body.top_a,
    repetition_penalty: body.repetition_penalty,
    frequency_penalty: body.frequency_penalty,
    presence_penalty: body.presence_penalty,
    max_tokens: body.max_completion_tokens ?? body.max_tokens,
    seed: body.seed,
    ...(stop ? { stop } : {}),
  };
  // Absent and null both mean "the persona's own setting".
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined && value !== null),
  ) as SamplingParameters;
}
