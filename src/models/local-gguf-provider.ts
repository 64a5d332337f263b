import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import {
  TEXT_ONLY,
  UpstreamModelError,
  type ChatMessage,
  type FinishReason,
  type EmbeddingModel,
  type GenerateObjectResult,
  type GenerateRequest,
  type GenerateResult,
  type JsonSchema,
  type LanguageModel,
  type ModelCapabilities,
  type ModelProvider,
  type SamplingParameters,
  type StreamPart,
} from "./language-model.ts";

/**
 * Local GGUF models through node-llama-cpp, an optional install. The package is imported on first use
 * only, so Dramatis starts (and `tsc` passes) without it; the few parts of its API used here are typed
 * structurally below for the same reason.
 *
 * Prompts are rendered with node-llama-cpp's `LlamaChat` and the chat wrapper it resolves from the GGUF
 * file (its Jinja chat template, or a wrapper guessed from the architecture). Models without a chat
 * template, such as the TinyStories test model, get a guessed wrapper (Llama 2 `[INST]` style); they
 * still continue the text, they just do not follow instructions.
 *
 * Each loaded model has one context with one sequence and runs one generation at a time: memory stays
 * predictable (a context costs its whole KV cache up front) and the next turn of a conversation reuses
 * the evaluated prefix. Requests queue; an aborted request leaves the queue at once.
 */

/** The node-llama-cpp version Dramatis is tested with. */
export const NODE_LLAMA_CPP_VERSION = "3.22.1";

/** Tokens generated when a request sets no max_tokens: keeps a model that never emits end-of-text bounded. */
const DEFAULT_MAX_TOKENS = 1024;
/** node-llama-cpp's own default is greedy decoding (0); personas expect some variety. */
const DEFAULT_TEMPERATURE = 0.8;
/** "auto" sizes the context from free memory, capped so a 128K-context model does not take all RAM. */
const DEFAULT_CONTEXT_SIZE = { max: 8192 } as const;
const PACKAGE_NAME = "node-llama-cpp";

type Token = number;
type ChatHistoryItem =
  { type: "system"; text: string } | { type: "user"; text: string } | { type: "model"; response: string[] };

interface LlamaChatResponse {
  response: string;
  metadata: { stopReason: string };
}

interface LlamaChatInstance {
  readonly chatWrapper: {
    generateContextState(options: { chatHistory: ChatHistoryItem[] }): {
      contextText: { tokenize(tokenizer: unknown): Token[] };
    };
  };
  generateResponse(history: ChatHistoryItem[], options: Record<string, unknown>): Promise<LlamaChatResponse>;
}

interface LlamaModelInstance {
  readonly tokenizer: unknown;
  createContext(options: Record<string, unknown>): Promise<{ getSequence(): unknown }>;
  createEmbeddingContext(options: Record<string, unknown>): Promise<LlamaEmbeddingContext>;
}

interface LlamaEmbeddingContext {
  getEmbeddingFor(text: string): Promise<{ readonly vector: readonly number[] }>;
}

interface LlamaInstance {
  loadModel(options: { modelPath: string }): Promise<LlamaModelInstance>;
  createGrammarForJsonSchema(schema: JsonSchema): Promise<unknown>;
  dispose(): Promise<void>;
}

/** The slice of the node-llama-cpp module this provider uses. */
interface NodeLlamaCppModule {
  getLlama(options: Record<string, unknown>): Promise<LlamaInstance>;
  LlamaChat: new (options: { contextSequence: unknown }) => LlamaChatInstance;
}

interface LoadedModel {
  model: LlamaModelInstance;
  chat: LlamaChatInstance;
  queue: GenerationQueue;
  /** Made on first use: most models are used for chat only. */
  embedding?: Promise<LlamaEmbeddingContext>;
}

export interface LocalGgufProviderOptions {
  /** Where `<name>.gguf` files live; model names are file names without `.gguf`. */
  modelsDirectory: string;
  /** CPU threads per generation; defaults to the physical core count (more threads than cores is far slower). */
  threads?: number;
  /** Context window in tokens; defaults to what fits in memory, at most 8192. */
  contextSize?: number;
  /**
   * A directory holding a separate `npm install --prefix` of node-llama-cpp, tried when the project itself
   * has none. Installing there keeps `--omit=optional` away from the project's own native packages.
   */
  runtimeDirectory?: string;
  /** Loads node-llama-cpp; tests substitute it. Defaults to `import("node-llama-cpp")`. */
  importModule?: () => Promise<unknown>;
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
  let runtime: Promise<{ module: NodeLlamaCppModule; llama: LlamaInstance }> | undefined;
  const loadedModels = new Map<string, Promise<LoadedModel>>();
  // One load at a time: loading reads the whole file into memory, and two at once can exhaust it.
  let loadChain: Promise<unknown> = Promise.resolve();

  function loadRuntime() {
    runtime ??= startRuntime({ importModule, installHint, threads }).catch((error: unknown) => {
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
        resolveFile: () => resolveModelFile(modelsDirectory, modelName),
        loadModel,
        createGrammar: async (schema) => (await loadRuntime()).llama.createGrammarForJsonSchema(schema),
      });
    },
    embeddingModel(modelName: string): EmbeddingModel {
      return {
        id: `local/${modelName}`,
        async embed(texts) {
          const loaded = await loadModel(resolveModelFile(modelsDirectory, modelName));
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

/**
 * Whether node-llama-cpp can be imported here (it is an optional install).
 *
 * @example if (!(await isLocalGgufRuntimeAvailable())) console.log(describeLocalGgufInstall());
 */
export async function isLocalGgufRuntimeAvailable(
  options: Pick<LocalGgufProviderOptions, "runtimeDirectory" | "importModule"> = {},
): Promise<boolean> {
  const importModule = options.importModule ?? (() => importNodeLlamaCpp(options.runtimeDirectory));
  try {
    return isNodeLlamaCppModule(await importModule());
  } catch {
    return false;
  }
}

/**
 * The shell command that installs the CPU-only node-llama-cpp build (about 85 MB instead of 725 MB).
 * Without a runtime directory it installs into the project, including the GPU builds: `--omit=optional`
 * inside the project would also delete the project's own native packages (esbuild, which `tsx` needs).
 *
 * @example describeLocalGgufInstall("./data/runtime")
 * // 'npm install --prefix "./data/runtime" --omit=optional --no-package-lock node-llama-cpp@3.22.1 @node-llama-cpp/linux-x64@3.22.1'
 */
export function describeLocalGgufInstall(runtimeDirectory?: string): string {
  if (runtimeDirectory === undefined) {
    return `npm install --no-save ${PACKAGE_NAME}@${NODE_LLAMA_CPP_VERSION}`;
  }
  const binaryPackage = `@node-llama-cpp/${platformBinaryName()}@${NODE_LLAMA_CPP_VERSION}`;
  return `npm install --prefix ${JSON.stringify(runtimeDirectory)} --omit=optional --no-package-lock ${PACKAGE_NAME}@${NODE_LLAMA_CPP_VERSION} ${binaryPackage}`;
}

/**
 * The model name of the first `*.gguf` file (sorted by name) in a directory, for a default model when
 * none is configured; undefined when there is none or the directory is missing.
 *
 * @example findDefaultGguf("./data/models") // "stories260K" -> use "local/stories260K"
 */
export function findDefaultGguf(modelsDirectory: string): string | undefined {
  return listGgufNames(modelsDirectory)[0];
}

/**
 * Physical CPU cores, counted as distinct (physical id, core id) pairs in /proc/cpuinfo; elsewhere half
 * the logical processors (hyper-threading), at least 1. llama.cpp is memory-bound: one thread per
 * physical core is fastest, and oversubscribing is dramatically slower.
 *
 * @example detectPhysicalCoreCount() // 2 on a 2-core, 4-thread laptop
 */
export function detectPhysicalCoreCount(cpuinfo: string | undefined = readCpuinfo()): number {
  const cores = new Set<string>();
  let physicalId = "0";
  for (const line of (cpuinfo ?? "").split("\n")) {
    const [key, value] = line.split(":").map((part) => part.trim());
    if (key === "physical id" && value !== undefined) physicalId = value;
    if (key === "core id" && value !== undefined) cores.add(`${physicalId}/${value}`);
  }
  if (cores.size > 0) return cores.size;
  return Math.max(1, Math.floor(os.availableParallelism() / 2));
}

class LocalGgufLanguageModel implements LanguageModel {
  readonly id: string;
  /**
   * Text only: no tools, and generate/stream ignore `responseFormat` (only `generateObject` applies a
   * JSON-schema grammar), so structured output is not claimed.
   */
  readonly capabilities: ModelCapabilities = { ...TEXT_ONLY };

  constructor(
    private readonly source: {
      modelName: string;
      resolveFile: () => string;
      loadModel: (file: string) => Promise<LoadedModel>;
      createGrammar: (schema: JsonSchema) => Promise<unknown>;
    },
  ) {
    this.id = `local/${source.modelName}`;
  }

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    return this.run({ request, onText: () => undefined });
  }

  async *stream(request: GenerateRequest): AsyncIterable<StreamPart> {
    // The consumer may stop early; this controller then stops the native generation too.
    const controller = new AbortController();
    const stopOnRequestAbort = () => controller.abort(request.signal?.reason);
    if (request.signal?.aborted) controller.abort(request.signal.reason);
    request.signal?.addEventListener("abort", stopOnRequestAbort, { once: true });
    const parts = new PartQueue();
    const running = this.run({
      request: { ...request, signal: controller.signal },
      onText: (text) => parts.push({ type: "delta", text }),
    }).then(
      (result) => parts.finish({ type: "finish", result }),
      (error: unknown) => parts.fail(error),
    );
    try {
      yield* parts;
    } finally {
      request.signal?.removeEventListener("abort", stopOnRequestAbort);
      controller.abort();
      await running;
    }
  }

  async generateObject(
    request: GenerateRequest & { schema: JsonSchema; schemaName?: string },
  ): Promise<GenerateObjectResult> {
    const warnings: string[] = [];
    const grammar = await this.source.createGrammar(request.schema).catch((error: unknown) => {
      if (error instanceof UpstreamModelError) throw error;
      // The grammar converter covers a subset of JSON Schema; the instruction alone is the fallback.
      warnings.push(
        `the schema could not be enforced as a grammar (${describeError(error)}); JSON was only requested`,
      );
      return undefined;
    });
    const instruction = `Answer only with JSON matching this JSON schema${request.schemaName ? ` (${request.schemaName})` : ""}: ${JSON.stringify(request.schema)}`;
    const result = await this.run({
      request: { ...request, messages: [{ role: "system", content: instruction }, ...request.messages] },
      onText: () => undefined,
      grammar,
    });
    if (result.finishReason === "aborted") {
      throw request.signal?.reason ?? new Error("generation was aborted");
    }
    return {
      object: parseJsonAnswer(result.text, this.id),
      usage: result.usage,
      model: this.id,
      warnings: [...result.warnings, ...warnings],
    };
  }

  private async run(options: {
    request: GenerateRequest;
    onText: (text: string) => void;
    grammar?: unknown;
  }): Promise<GenerateResult> {
    const { request, onText } = options;
    const { settings, warnings } = mapLocalSampling(request.sampling);
    const signal = request.signal;
    const result = (
      text: string,
      usage: GenerateResult["usage"],
      finishReason: FinishReason,
    ): GenerateResult => ({
      text,
      usage,
      finishReason,
      warnings,
      model: this.id,
    });
    if (signal?.aborted) return result("", { inputTokens: 0, outputTokens: 0 }, "aborted");
    const loaded = await this.source.loadModel(this.source.resolveFile());
    const release = await loaded.queue.acquire(signal);
    if (!release) return result("", { inputTokens: 0, outputTokens: 0 }, "aborted");
    try {
      const history = toChatHistory(request.messages);
      const usage = { inputTokens: countPromptTokens(loaded, history), outputTokens: 0 };
      let text = "";
      try {
        const response = await loaded.chat.generateResponse(history, {
          ...settings,
          ...(options.grammar === undefined ? {} : { grammar: options.grammar }),
          signal,
          stopOnAbortSignal: true,
          onTextChunk: (chunk: string) => {
            text += chunk;
            onText(chunk);
          },
          onToken: (tokens: Token[]) => {
            usage.outputTokens += tokens.length;
          },
        });
        return result(text, usage, mapStopReason(response.metadata.stopReason));
      } catch (error) {
        // An abort during prompt evaluation throws even with stopOnAbortSignal; it is still just an abort.
        if (signal?.aborted) return result(text, usage, "aborted");
        throw new UpstreamModelError(
          `local model ${this.source.modelName} failed: ${describeError(error)}`,
          undefined,
          false,
        );
      }
    } finally {
      release();
    }
  }
}

/**
 * Maps Dramatis sampling onto node-llama-cpp generation options. Penalties share one `repeatPenalty`
 * object; node-llama-cpp accepts frequency and presence penalties between 0 and 1 only.
 */
function mapLocalSampling(sampling: SamplingParameters | undefined): {
  settings: Record<string, unknown>;
  warnings: string[];
} {
  const warnings: string[] = [];
  const given = (value: number | null | undefined): value is number => value !== null && value !== undefined;
  const settings: Record<string, unknown> = {
    temperature: sampling?.temperature ?? DEFAULT_TEMPERATURE,
    maxTokens: sampling?.max_tokens ?? DEFAULT_MAX_TOKENS,
  };
  if (given(sampling?.top_p)) settings.topP = sampling.top_p;
  if (given(sampling?.top_k)) settings.topK = sampling.top_k;
  if (given(sampling?.min_p)) settings.minP = sampling.min_p;
  if (given(sampling?.seed)) settings.seed = sampling.seed;
  if (sampling?.stop && sampling.stop.length > 0) settings.customStopTriggers = [...sampling.stop];
  const repeatPenalty: Record<string, number> = {};
  if (given(sampling?.repetition_penalty)) repeatPenalty.penalty = sampling.repetition_penalty;
  for (const [name, option] of [
    ["frequency_penalty", "frequencyPenalty"],
    ["presence_penalty", "presencePenalty"],
  ] as const) {
    const value = sampling?.[name];
    if (!given(value)) continue;
    const clamped = Math.min(1, Math.max(0, value));
    if (clamped !== value) warnings.push(`${name} ${value} was clamped to ${clamped}: local supports 0 to 1`);
    repeatPenalty[option] = clamped;
  }
  if (Object.keys(repeatPenalty).length > 0) settings.repeatPenalty = repeatPenalty;
  if (given(sampling?.top_a)) warnings.push("top_a is not supported by local and was ignored");
  return { settings, warnings };
}

/**
 * Chat messages as node-llama-cpp history, ending with the model turn to generate. Runs of one role are
 * joined because chat templates expect alternating turns; a trailing assistant message is continued
 * (a prefill), not answered.
 */
function toChatHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  for (const message of messages) {
    const previous = history.at(-1);
    if (message.role === "assistant") {
      if (previous?.type === "model")
        previous.response[0] = `${previous.response[0] ?? ""}\n\n${message.content}`;
      else history.push({ type: "model", response: [message.content] });
    } else {
      const type = message.role === "system" ? "system" : "user";
      if (previous?.type === type) previous.text = `${previous.text}\n\n${message.content}`;
      else history.push({ type, text: message.content });
    }
  }
  if (history.at(-1)?.type !== "model") history.push({ type: "model", response: [] });
  return history;
}

function countPromptTokens(loaded: LoadedModel, history: ChatHistoryItem[]): number {
  const state = loaded.chat.chatWrapper.generateContextState({ chatHistory: history });
  return state.contextText.tokenize(loaded.model.tokenizer).length;
}

function mapStopReason(stopReason: string): FinishReason {
  if (stopReason === "maxTokens") return "length";
  if (stopReason === "abort") return "aborted";
  if (["eogToken", "stopGenerationTrigger", "customStopTrigger"].includes(stopReason)) return "stop";
  return "other";
}

/** Parses a JSON answer, tolerating prose or code fences around it (when no grammar enforced the shape). */
function parseJsonAnswer(text: string, modelId: string): unknown {
  const candidates = [text.trim()];
  const start = text.search(/[[{]/);
  const end = Math.max(text.lastIndexOf("}"), text.lastIndexOf("]"));
  if (start >= 0 && end > start) candidates.push(text.slice(start, end + 1));
  for (const candidate of candidates) {
    try {
      return JSON.parse(candidate);
    } catch {
      // try the next candidate
    }
  }
  throw new UpstreamModelError(
    `${modelId} did not answer with valid JSON: ${JSON.stringify(text.slice(0, 200))}`,
    undefined,
    true,
  );
}

/** `<directory>/<name>.gguf`, or an absolute path as given; names cannot leave the directory. */
function resolveModelFile(modelsDirectory: string, modelName: string): string {
  if (path.isAbsolute(modelName)) return requireFile(path.resolve(modelName), modelName);
  if (!/^[^/\\\0]+$/.test(modelName) || modelName === "." || modelName === "..") {
    throw new UpstreamModelError(
      `local model name ${JSON.stringify(modelName)} must be a file name in ${modelsDirectory}`,
      undefined,
      false,
    );
  }
  const fileName = modelName.toLowerCase().endsWith(".gguf") ? modelName : `${modelName}.gguf`;
  return requireFile(path.join(modelsDirectory, fileName), modelName);
}

function requireFile(file: string, modelName: string): string {
  if (statSync(file, { throwIfNoEntry: false })?.isFile()) return file;
  const available = listGgufNames(path.dirname(file));
  throw new UpstreamModelError(
    `local model ${modelName} was not found: no file ${file} (available: ${available.join(", ") || "none"})`,
    undefined,
    false,
  );
}

function listGgufNames(directory: string): string[] {
  try {
    return readdirSync(directory, { withFileTypes: true })
      .filter((entry) => entry.isFile() && /\.gguf$/i.test(entry.name))
      .map((entry) => entry.name.slice(0, -".gguf".length))
      .sort();
  } catch {
    return []; // a missing models directory simply has no models yet
  }
}

async function startRuntime(options: {
  importModule: () => Promise<unknown>;
  installHint: string;
  threads: number;
}): Promise<{ module: NodeLlamaCppModule; llama: LlamaInstance }> {
  let module: unknown;
  try {
    module = await options.importModule();
  } catch (error) {
    throw new UpstreamModelError(
      `local GGUF models need node-llama-cpp, which is not installed (${describeError(error)}). Install it with: ${options.installHint}`,
      undefined,
      false,
    );
  }
  if (!isNodeLlamaCppModule(module)) {
    throw new UpstreamModelError(
      `the installed node-llama-cpp is not usable; install ${PACKAGE_NAME}@${NODE_LLAMA_CPP_VERSION}`,
      undefined,
      false,
    );
  }
  try {
    // "never" build: a missing prebuilt binary must fail clearly, not start a long source build mid-request.
    const llama = await module.getLlama({
      gpu: false,
      build: "never",
      maxThreads: options.threads,
      logLevel: "error",
    });
    return { module, llama };
  } catch (error) {
    throw new UpstreamModelError(
      `node-llama-cpp could not start (${describeError(error)}); it needs the prebuilt CPU binary @node-llama-cpp/${platformBinaryName()}@${NODE_LLAMA_CPP_VERSION}. Install with: ${options.installHint}`,
      undefined,
      false,
    );
  }
}

/** Imports node-llama-cpp from the project, else from a separate runtime directory. */
export async function importNodeLlamaCpp(runtimeDirectory: string | undefined): Promise<unknown> {
  // A variable specifier keeps tsc from resolving the optional package at compile time.
  const specifier: string = PACKAGE_NAME;
  try {
    return await import(specifier);
  } catch (error) {
    // Any failure, not just "not found": loaders such as tsx report a missing package in their own words.
    if (runtimeDirectory === undefined) throw error;
  }
  const requireFromRuntime = createRequire(path.join(path.resolve(runtimeDirectory), "package.json"));
  return import(pathToFileURL(requireFromRuntime.resolve(PACKAGE_NAME)).href);
}

function isNodeLlamaCppModule(module: unknown): module is NodeLlamaCppModule {
  const candidate = module as Partial<NodeLlamaCppModule> | null;
  return typeof candidate?.getLlama === "function" && typeof candidate.LlamaChat === "function";
}

/** node-llama-cpp's name for this platform's prebuilt CPU binary package. */
function platformBinaryName(): string {
  const platformNames: Record<string, string> = { darwin: "mac", win32: "win", linux: "linux" };
  const platform = platformNames[process.platform] ?? process.platform;
  if (platform === "mac" && process.arch === "arm64") return "mac-arm64-metal";
  return `${platform}-${process.arch === "arm" ? "armv7l" : process.arch}`;
}

function readCpuinfo(): string | undefined {
  try {
    return readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return undefined;
  }
}

/** The first line of an error, shortened: loader errors can embed a whole compiled module. */
function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split("\n")[0] ?? "";
  return firstLine.length > 300 ? `${firstLine.slice(0, 300)}…` : firstLine;
}

/** A first-come queue of generations on one model; a waiter whose signal aborts leaves without its turn. */
class GenerationQueue {
  private tail: Promise<void> = Promise.resolve();

  /** Resolves with a release function when it is this caller's turn, or undefined if the signal aborted first. */
  async acquire(signal: AbortSignal | undefined): Promise<(() => void) | undefined> {
    let release!: () => void;
    const turn = new Promise<void>((resolve) => (release = resolve));
    const previous = this.tail;
    this.tail = previous.then(() => turn);
    if (await waitUnlessAborted(previous, signal)) return release;
    void previous.then(release); // pass the turn on once it arrives, so later callers are not stuck
    return undefined;
  }
}

function waitUnlessAborted(promise: Promise<void>, signal: AbortSignal | undefined): Promise<boolean> {
  if (!signal) return promise.then(() => true);
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => resolve(false);
    signal.addEventListener("abort", onAbort, { once: true });
    void promise.then(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(!signal.aborted);
    });
  });
}

/** Turns callbacks into an async iterable of stream parts; the finish (or an error) ends it. */
class PartQueue implements AsyncIterable<StreamPart> {
  private readonly parts: StreamPart[] = [];
  private ended = false;
  private failure: { error: unknown } | undefined;
  private wake: (() => void) | undefined;

  push(part: StreamPart): void {
    this.parts.push(part);
    this.notify();
  }

  finish(part: StreamPart): void {
    this.parts.push(part);
    this.ended = true;
    this.notify();
  }

  fail(error: unknown): void {
    this.failure = { error };
    this.ended = true;
    this.notify();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<StreamPart> {
    for (;;) {
      const part = this.parts.shift();
      if (part) {
        yield part;
        continue;
      }
      if (this.failure) throw this.failure.error;
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    this.wake?.();
    this.wake = undefined;
  }
}
