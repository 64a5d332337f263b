import { createHash } from "node:crypto";
import type {
  ChatMessage,
  GenerateObjectResult,
  GenerateRequest,
  GenerateResult,
  GenerationContext,
  JsonSchema,
  LanguageModel,
  ModelProvider,
  StreamPart,
} from "./language-model.ts";
import { createOfflineEmbeddingModel } from "./offline-embedding.ts";
import { MESSAGE_OVERHEAD_TOKENS, countTokens } from "./token-count.ts";
import { yieldToEventLoop } from "../lib/yield-to-event-loop.ts";

/**
 * The built-in `offline` engine: deterministic, no network, no weights. It cannot understand language, so
 * it composes an in-character reply from the structured context (persona, user persona in force, memories)
 * and the last user message. It exists so that everything works on a fresh machine and in tests; every
 * result names it (`offline/...`) so the web app can label it.
 */

const OFFLINE_PROVIDER = "offline";

/** A number from the text, stable across runs: the same conversation gets the same reply. */
function stableNumber(text: string): number {
  return createHash("sha256").update(text).digest().readUInt32BE(0);
}

function pick<T>(options: readonly T[], seed: number): T {
  return options[seed % options.length] as T;
}

function lastUserMessage(messages: ChatMessage[]): string {
  return (
    [...messages]
      .reverse()
      .find((message) => message.role === "user")
      ?.content.trim() ?? ""
  );
}

/** The most telling words of a message (long ones first), to reply about what was said. */
function topicOf(message: string): string | undefined {
  const words = message
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s'-]/gu, " ")
    .split(/\s+/)
    .filter((word) => word.length > 3);
  return [...new Set(words)].sort((left, right) => right.length - left.length)[0];
}

function introduce(context: GenerationContext): string {
  const { persona } = context;
  const role = [persona.occupation, persona.location ? `in ${persona.location}` : undefined].filter(Boolean);
  return role.length > 0 ? `I'm ${persona.name}, ${role.join(" ")}.` : `I'm ${persona.name}.`;
}

function greet(context: GenerationContext, seed: number): string {
  const name = context.userPersona?.name;
  const greeting = pick(["Hi", "Hello", "Hey"], seed);
  return name ? `${greeting}, ${name}!` : `${greeting}!`;
}

function respondTo(message: string, context: GenerationContext, seed: number): string {
  if (message === "") return pick(["What's on your mind today?", "How has your day been?"], seed);
  const topic = topicOf(message);
  const question = message.endsWith("?");
  const about = topic ? ` about ${topic}` : "";
  if (question)
    return `You're asking${about} — good question. Let me think about it as ${context.persona.name} would.`;
  return pick([`Tell me more${about}.`, `That's interesting${about ? `, the part${about}` : ""}.`], seed);
}

/** Sentences of the reply; verbosity decides how many are used. */
function composeSentences(request: GenerateRequest, seed: number): string[] {
  const context = request.context ?? {
    persona: { name: "Dramatis", verbosity: 3 },
    userPersona: null,
    memories: [],
  };
  const message = lastUserMessage(request.messages);
  // Most telling first, since verbosity keeps only the first few: who is talking, what it remembers.
  const sentences = [greet(context, seed), introduce(context)];
  if (context.memories.length > 0) {
    sentences.push(`I remember this: ${context.memories[0]?.replace(/\.$/, "")}.`);
  }
  sentences.push(respondTo(message, context, seed >>> 3));
  if (context.userPersona?.description) {
    sentences.push(`I haven't forgotten that you're ${context.userPersona.description.replace(/\.$/, "")}.`);
  }
  if (context.persona.personality)
    sentences.push(`(${context.persona.personality.split(/[.\n]/)[0]?.trim()}.)`);
  sentences.push("(This reply comes from the offline engine; configure a model for real conversation.)");
  return sentences;
}

function sentenceCount(verbosity: number): number {
  return [2, 3, 4, 5, 7][Math.min(Math.max(verbosity, 1), 5) - 1] ?? 4;
}

function composeReply(request: GenerateRequest): string {
  const seed = stableNumber(JSON.stringify(request.messages));
  const sentences = composeSentences(request, seed);
  const wanted = sentenceCount(request.context?.persona.verbosity ?? 3);
  // The disclosure always stays: replies made offline must say so.
  const body = sentences.slice(0, Math.max(1, wanted - 1));
  const text = [...body, sentences.at(-1)].join(" ");
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
