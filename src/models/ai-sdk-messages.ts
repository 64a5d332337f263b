import type { AssistantContent, FilePart, ImagePart, ModelMessage, TextPart, UserContent } from "ai";
import { BadRequestError } from "../errors/app-error.ts";
import type { ChatMessage, ContentPart } from "./language-model.ts";
import type { ProviderKind } from "./sampling-mapping.ts";

/*
 * Dramatis chat messages in the AI SDK's message shape, for the OpenAI-compatible and Anthropic
 * providers. The messages are a whole prompt (the persona's system text, history, inserts), not a
 * client's request, so errors here name the call or the part, not an index the client would not know:
 * the OpenAI route checks the client's own messages first, with their indexes.
 */

/**
 * Dramatis messages as AI SDK messages: content parts, tool calls and tool results, and `name`.
 *
 * `name`: the OpenAI-compatible converter spreads `providerOptions.openaiCompatible` of a message
 * (of its only text part, for a user message with one) into the wire message, so `name` arrives as
 * the real field. Anthropic's Messages API has no such field; the name is written before the text
 * ("Ada: hello") so the model still knows who spoke.
 *
 * System messages after the first non-system message stay in place for OpenAI-compatible upstreams.
 * For Anthropic, the SDK would either move them into the system prompt (changing the order) or send
 * them as mid-conversation system messages behind a beta flag that older models and proxies reject,
 * so they become user-role text "[system] …" where they stood.
 *
 * @throws BadRequestError for a tool call left unanswered, a tool message answering no call of the
 *   assistant message before it, or a malformed image URL.
 */
export function toModelMessages(messages: ChatMessage[], kind: ProviderKind): ModelMessage[] {
  checkToolResults(messages);
  const toolNames = new Map<string, string>();
  const firstConversational = messages.findIndex((message) => message.role !== "system");
  return messages.map((message, index): ModelMessage => {
    const nameOption =
      kind === "openai-compatible" && message.name
        ? { providerOptions: { openaiCompatible: { name: message.name } } }
        : {};
    switch (message.role) {
      case "system":
        if (kind === "anthropic" && firstConversational !== -1 && index > firstConversational) {
          return { role: "user", content: `[system] ${withAnthropicName(message)}` };
        }
        return { role: "system", content: message.content, ...nameOption };
      case "user":
        // The converter reads `name` from the message, or from the part of a one-text-part message.
        return { role: "user", content: toUserContent(message, kind), ...nameOption };
      case "assistant": {
        const text = kind === "anthropic" ? withAnthropicName(message) : message.content;
        if (!message.toolCalls?.length) return { role: "assistant", content: text, ...nameOption };
        const content: AssistantContent = [
          ...(text ? [{ type: "text" as const, text }] : []),
          ...message.toolCalls.map((call) => {
            toolNames.set(call.id, call.name);
            return {
              type: "tool-call" as const,
              toolCallId: call.id,
              toolName: call.name,
              input: toolInput(call.arguments, kind),
              // The SDK writes the parsed input back out; this sends the client's own text instead.
              ...(kind === "openai-compatible" && {
                providerOptions: {
                  openaiCompatible: { function: { name: call.name, arguments: call.arguments } },
                },
              }),
            };
          }),
        ];
        return { role: "assistant", content, ...nameOption };
      }
      case "tool": {
        // `checkToolResults` made sure the id names a call of the assistant message before.
        const toolCallId = message.toolCallId ?? "";
        return {
          role: "tool",
          content: [
            {
              type: "tool-result",
              toolCallId,
              toolName: toolNames.get(toolCallId) ?? "unknown",
              output: { type: "text", value: message.content },
            },
          ],
        };
      }
    }
  });
}

/**
 * Every assistant tool call must be answered by a tool message before the conversation goes on, and
 * every tool message must answer one (the SDK and the upstreams refuse otherwise): said here as a 400
 * naming the message, before any upstream is called.
 */
function checkToolResults(messages: ChatMessage[]): void {
  let pending = new Set<string>();
  const refuse = (): never => {
    throw new BadRequestError(
      `no tool message answers the tool call${pending.size > 1 ? "s" : ""} ${[...pending].join(", ")}`,
    );
  };
  messages.forEach((message) => {
    if (message.role === "tool") {
      if (!message.toolCallId) {
        throw new BadRequestError("a tool message must name the call it answers (tool_call_id)");
      }
      if (!pending.delete(message.toolCallId)) {
        throw new BadRequestError(
          `the tool message for ${message.toolCallId} answers no tool call of the assistant message before it`,
        );
      }
      return;
    }
    if (pending.size > 0) refuse();
    if (message.role === "assistant" && message.toolCalls?.length) {
      pending = new Set(message.toolCalls.map((call) => call.id));
    }
  });
  if (pending.size > 0) refuse();
}

/**
 * A tool call's input for the SDK: the parsed JSON. Text that is not a JSON object still reaches the
 * upstream: OpenAI-compatible upstreams get the text itself (see `toModelMessages`); Anthropic wants an
 * object, so it goes as `{ "arguments": "<the text>" }`.
 */
function toolInput(text: string, kind: ProviderKind): unknown {
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) return parsed;
  return kind === "anthropic" ? { arguments: text } : text;
}

function withAnthropicName(message: ChatMessage): string {
  return message.name && message.content ? `${message.name}: ${message.content}` : message.content;
}

function toUserContent(message: ChatMessage, kind: ProviderKind): UserContent {
  const name = message.name;
  if (!message.parts?.length) {
    if (!name) return message.content;
    if (kind === "anthropic") return withAnthropicName(message);
    // A user message of one text part gets its wire fields from the part, not the message.
    return [{ type: "text", text: message.content, providerOptions: { openaiCompatible: { name } } }];
  }
  const parts = message.parts.map((part) => toUserPart(part, kind));
  if (!name) return parts;
  if (kind === "anthropic") {
    const first = parts.findIndex((part) => part.type === "text");
    if (first === -1) return [{ type: "text", text: `${name}:` }, ...parts];
    const text = parts[first] as TextPart;
    return parts.map((part, index) => (index === first ? { ...text, text: `${name}: ${text.text}` } : part));
  }
  // Several parts: the converter takes the message's own options, which `toModelMessages` sets.
  return parts.length === 1 && parts[0]?.type === "text"
    ? [{ ...parts[0], providerOptions: { openaiCompatible: { name } } }]
    : parts;
}

function toUserPart(part: ContentPart, kind: ProviderKind): TextPart | ImagePart | FilePart {
  switch (part.type) {
    case "text":
      return { type: "text", text: part.text };
    case "image": {
      const image = toImageData(part.url);
      // OpenAI's `detail` sits inside `image_url`, which the converter builds; this replaces it whole.
      const detail =
        kind === "openai-compatible" && part.detail
          ? { providerOptions: { openaiCompatible: { image_url: { url: part.url, detail: part.detail } } } }
          : {};
      return { type: "image", ...image, ...detail };
    }
    case "audio":
      return { type: "file", data: part.data, mediaType: part.format === "wav" ? "audio/wav" : "audio/mpeg" };
    case "file":
      return {
        type: "file",
        data: part.data,
        mediaType: part.mediaType,
        ...(part.filename !== undefined && { filename: part.filename }),
      };
  }
}

/** An image URL as the SDK takes it: bytes and media type from a data: URL, otherwise the URL. */
function toImageData(url: string): { image: string | Uint8Array | URL; mediaType?: string } {
  if (url.startsWith("data:")) {
    const match = /^data:([^;,]*)((?:;[^;,]*)*?)(;base64)?,(.*)$/s.exec(url);
    if (!match) throw new BadRequestError("an image_url.url is not a valid data: URL");
    const mediaType = match[1] || "image/*";
    const payload = match[4] ?? "";
    return match[3]
      ? { image: payload, mediaType }
      : { image: new Uint8Array(Buffer.from(decodeURIComponent(payload), "utf8")), mediaType };
  }
  try {
    return { image: new URL(url) };
  } catch {
    throw new BadRequestError("an image_url.url must be an https: or data: URL");
  }
}
