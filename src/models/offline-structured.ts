import { createHash } from "node:crypto";
import type { GenerateRequest, JsonSchema, ToolCall, ToolDefinition } from "./language-model.ts";
import {
  SEND_MEDIA_TOOL,
  detectMediaRequest,
  mediaToolReply,
  sendMediaArguments,
  type SendMediaArguments,
  type SendMediaResult,
} from "../domain/media-request.ts";

/*
 * The offline engine's tool calls and JSON answers. It cannot understand a request, so it follows fixed
 * rules a test can predict: a required or named tool is always called, with arguments that satisfy the
 * tool's schema; with `tool_choice: "auto"` a tool is called when the user's last message names it, and
 * the persona's media tool when the message asks for a picture or video in words the rules of
 * `domain/media-request.ts` know; a JSON response format is answered with a value that satisfies the schema.
 */

/** A number from the text, stable across runs: the same conversation gets the same answer. */
export function stableNumber(text: string): number {
  return createHash("sha256").update(text).digest().readUInt32BE(0);
}

/**
 * The tool calls the offline engine makes for this request, or none (then it answers in text).
 *
 * @example offlineToolCalls({ messages, tools: [weather], toolChoice: "required" }) // [{ id: "call_…", name: "get_weather", arguments: "{…}" }]
 */
export function offlineToolCalls(request: GenerateRequest): ToolCall[] {
  const tools = request.tools ?? [];
  const choice = request.toolChoice ?? "auto";
  if (tools.length === 0 || choice === "none") return [];
  const seed = stableNumber(JSON.stringify(request.messages));
  let chosen: ToolDefinition[];
  if (typeof choice === "object") {
    chosen = tools.filter((tool) => tool.name === choice.name).slice(0, 1);
  } else {
    const last = request.messages.at(-1);
    // After tool results the engine reports them in text, unless a call is required every time.
    const mentioned = last?.role === "user" ? toolsNamedIn(last.content, tools) : [];
    chosen = choice === "required" ? (mentioned.length > 0 ? mentioned : tools.slice(0, 1)) : mentioned;
  }
  if (request.parallelToolCalls === false) chosen = chosen.slice(0, 1);
  const callId = (index: number, name: string) =>
    `call_${stableNumber(`${seed}/${index}/${name}`).toString(36).padStart(7, "0")}`;
  if (chosen.length === 0 && choice === "auto") {
    const media = mediaToolCall(request, tools);
    if (media) return [{ id: callId(0, SEND_MEDIA_TOOL), name: SEND_MEDIA_TOOL, arguments: media }];
  }
  return chosen.map((tool, index) => ({
    id: callId(index, tool.name),
    name: tool.name,
    arguments: JSON.stringify(sampleFromSchema(tool.parameters, seed + index)),
  }));
}

/** The media tool's arguments when it is offered and the user's last message asks for media. */
function mediaToolCall(request: GenerateRequest, tools: readonly ToolDefinition[]): string | undefined {
  const last = request.messages.at(-1);
  if (last?.role !== "user" || !tools.some((tool) => tool.name === SEND_MEDIA_TOOL)) return undefined;
  const asked = detectMediaRequest(last.content);
  return asked && JSON.stringify(sendMediaArguments(asked));
}

/** Tools whose name (`get_weather`, or its words "get weather") the text contains, in the order given. */
function toolsNamedIn(text: string, tools: readonly ToolDefinition[]): ToolDefinition[] {
  const lower = text.toLowerCase();
  return tools.filter((tool) => {
    const name = tool.name.toLowerCase();
    return lower.includes(name) || lower.includes(name.replace(/[_-]+/g, " "));
  });
}

/**
 * The text the offline engine answers with after tool results: what each tool returned, quoted briefly.
 * Undefined when the last message is not a tool result.
 */
export function offlineToolResultReply(request: GenerateRequest): string | undefined {
  const results: string[] = [];
  for (let index = request.messages.length - 1; index >= 0; index--) {
    const message = request.messages[index];
    if (message?.role !== "tool") break;
    const call = findCall(request, message.toolCallId);
    const name = call?.name ?? "the tool";
    const content = message.content.trim();
    if (name === SEND_MEDIA_TOOL) {
      const media = mediaReply(call!, content);
      if (media) return media;
    }
    results.unshift(`${name} returned ${content.length > 200 ? `${content.slice(0, 200)}…` : content}`);
  }
  return results.length > 0 ? `Here is what I found: ${results.join("; ")}.` : undefined;
}

function findCall(request: GenerateRequest, callId: string | undefined): ToolCall | undefined {
  for (const message of request.messages) {
    const call = message.toolCalls?.find((candidate) => candidate.id === callId);
    if (call) return call;
  }
  return undefined;
}

/** The persona's line about the picture on its way (or refused); undefined for a result it cannot read. */
function mediaReply(call: ToolCall, result: string): string | undefined {
  try {
    const asked = JSON.parse(call.arguments) as Partial<SendMediaArguments>;
    return mediaToolReply(JSON.parse(result) as SendMediaResult, asked.of_persona === true);
  } catch {
    return undefined;
  }
}

/**
 * The JSON text the offline engine answers with for a JSON response format: a schema's sample, or for
 * `json_object` the reply it would have written, as `{"reply": …}`. Undefined for text.
 */
export function offlineJsonAnswer(request: GenerateRequest, reply: () => string): string | undefined {
  const format = request.responseFormat;
  if (!format || format.type === "text") return undefined;
  if (format.type === "json_object") return JSON.stringify({ reply: reply() });
  return JSON.stringify(sampleFromSchema(format.schema, stableNumber(JSON.stringify(request.messages))));
}

function pick<T>(options: readonly T[], seed: number): T {
  return options[seed % options.length] as T;
}

const STRING_FORMATS: Record<string, string> = {
  "date-time": "2026-01-01T12:00:00Z",
  date: "2026-01-01",
  time: "12:00:00",
  email: "offline@example.com",
  uri: "https://example.com/",
  url: "https://example.com/",
  uuid: "00000000-0000-4000-8000-000000000000",
  hostname: "example.com",
  ipv4: "192.0.2.1",
  ipv6: "2001:db8::1",
};

/**
 * A deterministic value that satisfies a JSON schema: the offline engine's structured answer. Follows
 * local `$ref`s (`#/$defs/…`, `#/definitions/…`), enums, consts, unions, formats and bounds; a `pattern`
 * it cannot satisfy is left unmet.
 */
export function sampleFromSchema(
  schema: JsonSchema,
  seed: number,
  root: JsonSchema = schema,
  depth = 0,
): unknown {
  if (depth > 32) return null;
  const next = (child: unknown, childSeed: number) =>
    sampleFromSchema((child ?? {}) as JsonSchema, childSeed, root, depth + 1);
  if (typeof schema.$ref === "string") return next(resolveRef(root, schema.$ref), seed);
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum)) return pick(schema.enum, seed);
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
    const { allOf, ...own } = schema;
    const parts = [own, ...(allOf as JsonSchema[])];
    const properties = Object.assign({}, ...parts.map((part) => part.properties ?? {})) as JsonSchema;
    return next({ ...Object.assign({}, ...parts), properties }, seed);
  }
  for (const key of ["anyOf", "oneOf"] as const) {
    const options = schema[key];
    if (Array.isArray(options) && options.length > 0) {
      // Prefer a non-null option, so nullable fields still carry a value.
      const option = (options as JsonSchema[]).find((entry) => entry.type !== "null") ?? options[0];
      return next(option, seed);
    }
  }
  const type: unknown = Array.isArray(schema.type)
    ? (schema.type as string[]).find((entry) => entry !== "null")
    : (schema.type ?? (schema.properties ? "object" : schema.items ? "array" : undefined));
  switch (type) {
    case "object": {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      return Object.fromEntries(
        Object.entries(properties).map(([name, property], index) => [
          name,
          next(property, seed + index * 7919),
        ]),
      );
    }
    case "array": {
      const minimum = Number(schema.minItems ?? 1);
      const maximum = Number(schema.maxItems ?? Math.max(minimum, 1));
      const count = Math.min(Math.max(minimum, 1), maximum);
      if (Array.isArray(schema.prefixItems)) {
        return (schema.prefixItems as JsonSchema[]).map((item, index) => next(item, seed + index));
      }
      return Array.from({ length: count }, (_, index) => next(schema.items, seed + index));
    }
    case "integer":
    case "number":
      return sampleNumber(schema, seed, type);
    case "boolean":
      return seed % 2 === 0;
    case "null":
      return null;
    default:
      return sampleString(schema);
  }
}

function sampleNumber(schema: JsonSchema, seed: number, type: "integer" | "number"): number {
  const exclusiveMinimum = typeof schema.exclusiveMinimum === "number" ? schema.exclusiveMinimum : undefined;
  const exclusiveMaximum = typeof schema.exclusiveMaximum === "number" ? schema.exclusiveMaximum : undefined;
  const step = type === "integer" ? 1 : 0.5;
  const minimum =
    typeof schema.minimum === "number"
      ? schema.minimum
      : exclusiveMinimum !== undefined
        ? exclusiveMinimum + step
        : 0;
  const maximum =
    typeof schema.maximum === "number"
      ? schema.maximum
      : exclusiveMaximum !== undefined
        ? exclusiveMaximum - step
        : minimum + 10;
  const span = Math.max(maximum - minimum, 0);
  const multiple =
    typeof schema.multipleOf === "number" && schema.multipleOf > 0 ? schema.multipleOf : undefined;
  let value = minimum + (span === 0 ? 0 : seed % (Math.floor(span) + (type === "integer" ? 1 : 0) || 1));
  if (type === "integer") value = Math.ceil(value);
  if (multiple) value = Math.ceil(value / multiple) * multiple;
  return Math.min(Math.max(value, minimum), maximum);
}

function sampleString(schema: JsonSchema): string {
  const format = typeof schema.format === "string" ? STRING_FORMATS[schema.format] : undefined;
  const text = format ?? "offline answer";
  const minLength = Number(schema.minLength ?? 0);
  const maxLength = Number(schema.maxLength ?? Number.POSITIVE_INFINITY);
  const padded = text.length >= minLength ? text : text.padEnd(minLength, ".");
  return padded.slice(0, maxLength);
}

function resolveRef(root: JsonSchema, ref: string): unknown {
  if (ref === "#") return root;
  if (!ref.startsWith("#/")) return {};
  let node: unknown = root;
  for (const segment of ref.slice(2).split("/")) {
    const key = segment.replaceAll("~1", "/").replaceAll("~0", "~");
    node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node ?? {};
}
