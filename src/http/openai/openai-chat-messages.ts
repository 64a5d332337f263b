import type { FieldError } from "../../errors/app-error.ts";
import type { ChatMessage } from "../../models/language-model.ts";
import { readParts } from "./openai-chat-content-parts.ts";
import type { RequestMessage } from "./openai-chat-request-schema.ts";

/*
 * OpenAI messages read into the model layer's: roles mapped (developer reads as system), parts, tool
 * calls and tool results checked against the role that carries them and against each other.
 */

export function readMessage(message: RequestMessage, index: number, problems: FieldError[]): ChatMessage {
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
export function unansweredToolCalls(messages: ChatMessage[]): FieldError[] {
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
