import { createHash } from "node:crypto";
import type {
  ChatMessage,
  GenerateObjectResult,
  GenerateRequest,
  GenerateResult,
  JsonSchema,
  LanguageModel,
  ModelProvider,
  StreamPart,
} from "./language-model.ts";
import { createOfflineEmbeddingModel } from "./offline-embedding.ts";
import { MESSAGE_OVERHEAD_TOKENS, countTokens } from "./token-count.ts";
import { yieldToEventLoop } from "../lib/yield-to-event-loop.ts";
import { composeOfflineReply } from "./offline-reply.ts";

/**
 * The built-in `offline` engine: deterministic, no network, no weights. It cannot understand language, so
 * it answers the last user message with simple templates (see offline-reply.ts), in the persona's voice
 * only lightly, and never repeats its prompt. It exists so that everything works on a fresh machine and in tests; every
 * result names it (`offline/...`) so the web app can label it.
 */

export const OFFLINE_PROVIDER = "offline";

/** A number from the text, stable across runs: the same conversation gets the same reply. */
function stableNumber(text: string): number {
  return createHash("sha256").update(text).digest().readUInt32BE(0);
}

function pick<T>(options: readonly T[], seed: number): T {
  return options[seed % options.length] as T;
}

/** Parts of the reply besides the note, by verbosity 1 to 5. */
function partCount(verbosity: number): number {
  return [1, 2, 3, 4, 5][Math.min(Math.max(verbosity, 1), 5) - 1] ?? 3;
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
  const text = `${body} ${note}`;
  const limit = request.sampling?.max_tokens;
  return limit ? truncateToTokens(text, limit) : text;
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

/** A deterministic value that satisfies a JSON schema: the offline engine's structured answer. */
export function sampleFromSchema(schema: JsonSchema, seed: number): unknown {
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum)) return pick(schema.enum, seed);
  for (const key of ["anyOf", "oneOf", "allOf"] as const) {
    const options = schema[key];
    if (Array.isArray(options) && options.length > 0) return sampleFromSchema(options[0] as JsonSchema, seed);
  }
  const type = Array.isArray(schema.type) ? schema.type.find((entry) => entry !== "null") : schema.type;
  switch (type) {
    case "object": {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      return Object.fromEntries(
        Object.entries(properties).map(([name, property], index) => [
          name,
          sampleFromSchema(property, seed + index * 7919),
        ]),
      );
    }
    case "array": {
      const count = Math.max(Number(schema.minItems ?? 1), 1);
      const items = (schema.items ?? {}) as JsonSchema;
      return Array.from({ length: count }, (_, index) => sampleFromSchema(items, seed + index));
    }
    case "integer":
    case "number": {
      const minimum = Number(schema.minimum ?? schema.exclusiveMinimum ?? 0);
      const maximum = Number(schema.maximum ?? schema.exclusiveMaximum ?? minimum + 10);
      const span = Math.max(maximum - minimum, 0);
      const value = minimum + (span === 0 ? 0 : seed % (span + (type === "integer" ? 1 : 0)));
      const bounded = Math.min(Math.max(value, minimum), maximum);
      return type === "integer" ? Math.round(bounded) : bounded;
    }
    case "boolean":
      return seed % 2 === 0;
    case "null":
      return null;
    default: {
      const minLength = Number(schema.minLength ?? 0);
      const text = "offline answer";
      return text.length >= minLength ? text : text.padEnd(minLength, ".");
    }
  }
}

class OfflineLanguageModel implements LanguageModel {
  readonly id: string;

  constructor(modelName: string) {
    this.id = `${OFFLINE_PROVIDER}/${modelName}`;
  }

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    const text = composeReply(request);
    return this.result(request, text, "stop");
  }

  async *stream(request: GenerateRequest): AsyncIterable<StreamPart> {
    const text = composeReply(request);
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
    yield { type: "finish", result: this.result(request, sent, "stop") };
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

  private result(request: GenerateRequest, text: string, finishReason: GenerateResult["finishReason"]) {
    return {
      text,
      finishReason,
      model: this.id,
      warnings: [],
      usage: { inputTokens: promptTokens(request.messages), outputTokens: countTokens(text) },
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
