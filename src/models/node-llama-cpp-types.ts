import type { JsonSchema } from "./language-model.ts";

/*
 * The few parts of node-llama-cpp's API that Dramatis uses, typed structurally: the package is an
 * optional install, so `tsc` must pass without it.
 */

export type Token = number;

export type ChatHistoryItem =
  { type: "system"; text: string } | { type: "user"; text: string } | { type: "model"; response: string[] };

export interface LlamaChatResponse {
  response: string;
  metadata: { stopReason: string };
}

export interface LlamaChatInstance {
  readonly chatWrapper: {
    generateContextState(options: { chatHistory: ChatHistoryItem[] }): {
      contextText: { tokenize(tokenizer: unknown): Token[] };
    };
  };
  generateResponse(history: ChatHistoryItem[], options: Record<string, unknown>): Promise<LlamaChatResponse>;
}

export interface LlamaModelInstance {
  readonly tokenizer: unknown;
  createContext(options: Record<string, unknown>): Promise<{ getSequence(): unknown }>;
  createEmbeddingContext(options: Record<string, unknown>): Promise<LlamaEmbeddingContext>;
}

export interface LlamaEmbeddingContext {
  getEmbeddingFor(text: string): Promise<{ readonly vector: readonly number[] }>;
}

export interface LlamaInstance {
  loadModel(options: { modelPath: string }): Promise<LlamaModelInstance>;
  createGrammarForJsonSchema(schema: JsonSchema): Promise<unknown>;
  dispose(): Promise<void>;
}

/** The slice of the node-llama-cpp module the local provider uses. */
export interface NodeLlamaCppModule {
  getLlama(options: Record<string, unknown>): Promise<LlamaInstance>;
  LlamaChat: new (options: { contextSequence: unknown }) => LlamaChatInstance;
}
