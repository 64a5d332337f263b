import type {
  ChatMessage,
  GenerateObjectResult,
  GenerateRequest,
  GenerateResult,
  JsonSchema,
  LanguageModel,
  ModelProvider,
  ModelCapabilities,
  StreamPart,
  ToolCall,
} from "./language-model.ts";
import { createOfflineEmbeddingModel } from "./offline-embedding.ts";
import { MESSAGE_OVERHEAD_TOKENS, countTokens } from "./token-count.ts";
import { yieldToEventLoop } from "../lib/yield-to-event-loop.ts";
import { composeOfflineReply } from "./offline-reply.ts";
import {
  offlineJsonAnswer,
  offlineToolCalls,
  offlineToolResultReply,
  sampleFromSchema,
  stableNumber,
} from "./offline-structured.ts";

export { sampleFromSchema } from "./offline-structured.ts";

/**
 * The built-in `offline` engine: deterministic, no network, no weights. It cannot understand language, so
 * it answers the last user message with simple templates (see offline-reply.ts), in the persona's voice
 * only lightly, and never repeats its prompt. It exists so that everything works on a fresh machine and in tests; every
 * result names it (`offline/...`) so the web app can label it.
 */

export const OFFLINE_PROVIDER = "offline";

/** Parts of the reply besides the note, by verbosity 1 to 5. */
function partCount(verbosity: number): number {
  return [1, 2, 3, 4, 5][Math.min(Math.max(verbosity, 1), 5) - 1] ?? 3;
}

/** The engine's answer: tool calls, or text (JSON for a JSON response format), cut to max_tokens. */
function composeAnswer(request: GenerateRequest): {
  text: string;
  toolCalls: ToolCall[];
  finishReason: GenerateResult["finishReason"];
} {
  const toolCalls = offlineToolCalls(request);
  if (toolCalls.length > 0) return { text: "", toolCalls, finishReason: "tool_calls" };
  const json = offlineJsonAnswer(request, () => composeReply(request));
  // JSON is never cut: half an object is no answer, and schemas are small.
  if (json !== undefined) return { text: json, toolCalls: [], finishReason: "stop" };
  const text = offlineToolResultReply(request) ?? composeReply(request);
  const limit = request.sampling?.max_tokens;
  const cut = limit ? truncateToTokens(text, limit) : text;
  return { text: cut, toolCalls: [], finishReason: cut.length < text.length ? "length" : "stop" };
}

function composeReply(request: GenerateRequest): string {
  const seed = stableNumber(JSON.stringify(request.messages));
  const body = composeOfflineReply({
    messages: request.messages,
    context: request.context,
    seed,
    wanted: partCount(request.context?.persona.verbosity ?? 3),
  });
  // Replies made offline must say so, and whose voice the engine borrowed.
  const name = request.context?.persona.name ?? "Dramatis";
  const note = `(${name} is played by the offline engine here; configure a model for real conversation.)`;
  return `${body} ${note}`;
}

function truncateToTokens(text: string, maxTokens: number): string {
  const words = text.split(" ");
  while (words.length > 1 && countTokens(words.join(" ")) > maxTokens) words.pop();
  return words.join(" ");
}

function promptTokens(messages: ChatMessage[]): number {
  return messages.reduce(
    (total, message) => total + countTokens(message.content) + MESSAGE_OVERHEAD_TOKENS,
    0,
  );
}

/** It reads no pictures, sound or files; its tool calls and JSON follow offline-structured.ts. */
const OFFLINE_CAPABILITIES: ModelCapabilities = {
  images: false,
  audio: false,
  files: false,
  tools: true,
  structuredOutput: true,
};

class OfflineLanguageModel implements LanguageModel {
  readonly id: string;
  readonly capabilities = OFFLINE_CAPABILITIES;

  constructor(modelName: string) {
    this.id = `${OFFLINE_PROVIDER}/${modelName}`;
  }

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    const answer = composeAnswer(request);
    return this.result(request, answer.text, answer.finishReason, answer.toolCalls);
  }

  async *stream(request: GenerateRequest): AsyncIterable<StreamPart> {
    const { text, toolCalls, finishReason } = composeAnswer(request);
    for (const [index, call] of toolCalls.entries()) {
      yield { type: "tool-call-start", index, id: call.id, name: call.name };
      // Arguments arrive in pieces, as from a real model.
      const middle = Math.ceil(call.arguments.length / 2);
      yield { type: "tool-call-delta", index, argumentsDelta: call.arguments.slice(0, middle) };
      yield { type: "tool-call-delta", index, argumentsDelta: call.arguments.slice(middle) };
      await yieldToEventLoop();
    }
    let sent = "";
    for (const piece of text.match(/\S+\s*/g) ?? []) {
      if (request.signal?.aborted) {
        yield { type: "finish", result: this.result(request, sent, "aborted") };
        return;
      }
      sent += piece;
      yield { type: "delta", text: piece };
      // So a disconnect can be noticed between words, as with a real model.
      await yieldToEventLoop();
    }
    yield { type: "finish", result: this.result(request, sent, finishReason, toolCalls) };
  }

  async generateObject(request: GenerateRequest & { schema: JsonSchema }): Promise<GenerateObjectResult> {
    const object = sampleFromSchema(request.schema, stableNumber(JSON.stringify(request.messages)));
    return {
      object,
      model: this.id,
      warnings: [],
      usage: {
        inputTokens: promptTokens(request.messages),
        outputTokens: countTokens(JSON.stringify(object)),
      },
    };
  }

  private result(
    request: GenerateRequest,
    text: string,
    finishReason: GenerateResult["finishReason"],
    toolCalls: ToolCall[] = [],
  ): GenerateResult {
    const written = text + toolCalls.map((call) => call.name + call.arguments).join("");
    return {
      text,
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
      finishReason,
      model: this.id,
      warnings: [],
      usage: { inputTokens: promptTokens(request.messages), outputTokens: countTokens(written) },
    };
  }
}

/** The `offline` provider; any model name works (`offline/default` is the usual one). */
export function createOfflineProvider(): ModelProvider {
  return {
    name: OFFLINE_PROVIDER,
    languageModel: (modelName) => new OfflineLanguageModel(modelName),
    embeddingModel: (modelName) => createOfflineEmbeddingModel(modelName),
    listModels: async () => ["default"],
  };
}
