import path from "node:path";
import {
  UpstreamModelError,
  type EmbeddingModel,
  type LanguageModel,
  type ModelProvider,
} from "./language-model.ts";
import { detectPhysicalCoreCount } from "./detect-physical-core-count.ts";
import { GenerationQueue } from "./generation-queue.ts";
import { listGgufNames, resolveGgufFile } from "./local-gguf-files.ts";
import { LocalGgufLanguageModel, type LoadedModel } from "./local-gguf-language-model.ts";
import {
  describeError,
  describeLocalGgufInstall,
  importNodeLlamaCpp,
  startLocalGgufRuntime,
  type LocalGgufRuntime,
  type LocalGgufRuntimeOptions,
} from "./local-gguf-runtime.ts";

/**
 * Local GGUF models through node-llama-cpp, an optional install (found and started by
 * `local-gguf-runtime.ts`). Prompts are rendered by node-llama-cpp's `LlamaChat` with the chat template
 * of the GGUF file (`local-gguf-chat-history.ts`).
 *
 * Each loaded model has one context with one sequence and runs one generation at a time: memory stays
 * predictable (a context costs its whole KV cache up front) and the next turn of a conversation reuses
 * the evaluated prefix. Requests queue; an aborted request leaves the queue at once.
 */

/** "auto" sizes the context from free memory, capped so a 128K-context model does not take all RAM. */
const DEFAULT_CONTEXT_SIZE = { max: 8192 } as const;

export interface LocalGgufProviderOptions extends LocalGgufRuntimeOptions {
  /** Where `<name>.gguf` files live; model names are file names without `.gguf`. */
  modelsDirectory: string;
  /** CPU threads per generation; defaults to the physical core count (more threads than cores is far slower). */
  threads?: number;
  /** Context window in tokens; defaults to what fits in memory, at most 8192. */
  contextSize?: number;
}

/** A `local` provider that can also free the native memory of the models it loaded. */
export interface LocalGgufProvider extends ModelProvider {
  readonly modelsDirectory: string;
  /** Disposes every loaded model and the runtime; later calls load them again. */
  close(): Promise<void>;
}

/**
 * Creates the `local` model provider over the GGUF files in a directory. Nothing native is loaded until
 * the first generation.
 *
 * @example
 * const provider = createLocalGgufProvider({ modelsDirectory: "./data/models", threads: 1 });
 * const result = await provider.languageModel("stories260K").generate({ messages: [{ role: "user", content: "Hi" }] });
 */
export function createLocalGgufProvider(options: LocalGgufProviderOptions): LocalGgufProvider {
  const modelsDirectory = path.resolve(options.modelsDirectory);
  const threads = options.threads ?? detectPhysicalCoreCount();
  const importModule = options.importModule ?? (() => importNodeLlamaCpp(options.runtimeDirectory));
  const installHint = describeLocalGgufInstall(options.runtimeDirectory);
  let runtime: Promise<LocalGgufRuntime> | undefined;
  const loadedModels = new Map<string, Promise<LoadedModel>>();
  // One load at a time: loading reads the whole file into memory, and two at once can exhaust it.
  let loadChain: Promise<unknown> = Promise.resolve();

  function loadRuntime() {
    runtime ??= startLocalGgufRuntime({ importModule, installHint, threads }).catch((error: unknown) => {
      runtime = undefined; // not cached, so installing the package fixes a running server
      throw error;
    });
    return runtime;
  }

  function loadModel(file: string): Promise<LoadedModel> {
    let loaded = loadedModels.get(file);
    if (!loaded) {
      const load = async (): Promise<LoadedModel> => {
        const { module, llama } = await loadRuntime();
        const model = await llama.loadModel({ modelPath: file });
        const context = await model.createContext({
          threads,
          contextSize: options.contextSize ?? DEFAULT_CONTEXT_SIZE,
        });
        const chat = new module.LlamaChat({ contextSequence: context.getSequence() });
        return { model, chat, queue: new GenerationQueue() };
      };
      loaded = loadChain.then(load, load).catch((error: unknown) => {
        loadedModels.delete(file);
        if (error instanceof UpstreamModelError) throw error;
        throw new UpstreamModelError(
          `could not load the local model ${file}: ${describeError(error)}`,
          undefined,
          false,
        );
      });
      loadChain = loaded.catch(() => undefined);
      loadedModels.set(file, loaded);
    }
    return loaded;
  }

  return {
    name: "local",
    modelsDirectory,
    languageModel(modelName: string): LanguageModel {
      return new LocalGgufLanguageModel({
        modelName,
        resolveFile: () => resolveGgufFile(modelsDirectory, modelName),
        loadModel,
        createGrammar: async (schema) => (await loadRuntime()).llama.createGrammarForJsonSchema(schema),
      });
    },
    embeddingModel(modelName: string): EmbeddingModel {
      return {
        id: `local/${modelName}`,
        async embed(texts) {
          const loaded = await loadModel(resolveGgufFile(modelsDirectory, modelName));
          loaded.embedding ??= loaded.model.createEmbeddingContext({ threads });
          const context = await loaded.embedding;
          // One text at a time: an embedding context evaluates a single sequence.
          const embeddings: Float32Array[] = [];
          for (const text of texts) {
            const { vector } = await context.getEmbeddingFor(text);
            embeddings.push(Float32Array.from(vector));
          }
          return { embeddings, tokens: 0 };
        },
      };
    },
    async listModels() {
      return listGgufNames(modelsDirectory);
    },
    async close() {
      const current = runtime;
      runtime = undefined;
      loadedModels.clear();
      if (current) await (await current.catch(() => undefined))?.llama.dispose();
    },
  };
}
