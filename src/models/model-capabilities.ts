import {
  capabilitiesOf,
  type ChatMessage,
  type LanguageModel,
  type ResponseFormat,
  type ToolChoice,
  type ToolDefinition,
} from "./language-model.ts";

/** One thing a request asks of a model that the model cannot do, named by the request field. */
export interface UnsupportedInput {
  field: string;
  message: string;
}

const PART_NAMES = {
  image: { capability: "images", what: "images", wire: "image_url" },
  audio: { capability: "audio", what: "audio", wire: "input_audio" },
  file: { capability: "files", what: "files", wire: "file" },
} as const;

/**
 * Everything in a request the model cannot take: image, audio or file parts, tools, tool calls in the
 * history, a JSON response format. Checked before the model runs so a client gets a 400 naming the part
 * instead of a reply that silently ignored it. Fields are named as in an OpenAI request
 * (`messages[2].content[1]`), counting `messages` as given.
 *
 * @example unsupportedInputs(offlineModel, { messages: [{ role: "user", content: "", parts: [{ type: "image", url }] }] })
 * // [{ field: "messages[0].content[0]", message: "model offline/default does not accept images (image_url parts) ..." }]
 */
export function unsupportedInputs(
  model: LanguageModel,
  request: {
    messages: readonly ChatMessage[];
    tools?: readonly ToolDefinition[] | undefined;
    toolChoice?: ToolChoice | undefined;
    responseFormat?: ResponseFormat | undefined;
  },
): UnsupportedInput[] {
  const capabilities = capabilitiesOf(model);
  const problems: UnsupportedInput[] = [];
  request.messages.forEach((message, messageIndex) => {
    message.parts?.forEach((part, partIndex) => {
      if (part.type === "text") return;
      const names = PART_NAMES[part.type];
      if (capabilities[names.capability]) return;
      problems.push({
        field: `messages[${messageIndex}].content[${partIndex}]`,
        message: `model ${model.id} does not accept ${names.what} (${names.wire} parts); give this persona a model that does, or leave the part out`,
      });
    });
    if (!capabilities.tools && (message.toolCalls?.length || message.role === "tool")) {
      problems.push({
        field: `messages[${messageIndex}]`,
        message: `model ${model.id} cannot call tools, so the history cannot hold tool calls or tool results`,
      });
    }
  });
  if (!capabilities.tools && (request.tools?.length ?? 0) > 0 && request.toolChoice !== "none") {
    problems.push({
      field: "tools",
      message: `model ${model.id} cannot call tools; give this persona a model that can, or send tool_choice "none"`,
    });
  }
  if (!capabilities.structuredOutput && request.responseFormat && request.responseFormat.type !== "text") {
    problems.push({
      field: "response_format",
      message: `model ${model.id} cannot answer in a JSON response format; give this persona a model that can`,
    });
  }
  return problems;
}
